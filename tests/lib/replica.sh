# tests/lib/replica.sh - a real streaming replica (pg_basebackup -R) of the server
# that pg.sh started, on a unix socket in its own temp dir (no TCP at all).
# Sourced after pg.sh and pg_start. replica_start sets REP_DIR, REP_PORT;
# rep_psql runs psql on the replica; replica_stop stops and removes it;
# replica_resume_wait resumes replay and collects a background migrate.

replica_start() {
	# the primary must let replication connections in
	echo "local replication all trust" >>"$PG_TMP/data/pg_hba.conf"
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" reload >/dev/null || return 1
	REP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/migrate-rep.XXXXXX")
	[ "$(id -u)" = 0 ] && chown postgres "$REP_DIR"
	chmod 755 "$REP_DIR"
	REP_PORT=$((PGPORT + 1))
	pg_as_owner "$PG_BIN/pg_basebackup" -D "$REP_DIR/data" -R -X stream -c fast \
		-h "$PGHOST" -p "$PGPORT" -U postgres >"$REP_DIR/basebackup.log" 2>&1 ||
		{ cat "$REP_DIR/basebackup.log" >&2; return 1; }
	pg_as_owner "$PG_BIN/pg_ctl" -D "$REP_DIR/data" -l "$REP_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses='' -k $REP_DIR -p $REP_PORT -c hot_standby=on -c wal_receiver_status_interval=1s" \
		start >/dev/null || { cat "$REP_DIR/server.log" >&2; return 1; }
	# streaming, as the primary sees it
	_i=0
	while [ $_i -lt 100 ]; do
		[ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ] && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	echo "the replica did not start streaming" >&2
	return 1
}

rep_psql() {
	"$PG_BIN/psql" -qAtX -v ON_ERROR_STOP=1 -h "$REP_DIR" -p "$REP_PORT" -d postgres "$@"
}

replica_stop() {
	[ -n "${REP_DIR:-}" ] || return 0
	pg_as_owner "$PG_BIN/pg_ctl" -D "$REP_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$REP_DIR"
	REP_DIR=
}

# replica_resume_wait PID OUTFILE TICKS: resume replay, wait up to TICKS tenths of a
# second for the background migrate PID to end (then kill it), and load its output
# (OUTFILE, stdout and stderr) and exit status into T_OUT, T_ERR and T_RC.
replica_resume_wait() {
	rep_psql -c "SELECT pg_wal_replay_resume()" >/dev/null
	_i=0
	while [ $_i -lt "$3" ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; _i=$((_i + 1)); done
	kill "$1" 2>/dev/null
	wait "$1"; T_RC=$?
	cat "$2" >>"$T_ALL_OUTPUT"
	T_OUT=$(cat "$2"); T_ERR=$T_OUT
}
