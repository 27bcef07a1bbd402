# tests/lib/pgbouncer.sh - a real PgBouncer (Debian's pgbouncer) in front of the
# throwaway server of pg.sh, on 127.0.0.1 only. Sourced after pg.sh and pg_start.
# pgbouncer_start MODE sets PGB_PORT and PGB_DIR; pgbouncer_stop stops it.

PGBOUNCER=${PGBOUNCER:-$(command -v pgbouncer 2>/dev/null || echo /usr/sbin/pgbouncer)}

pgbouncer_start() { # pgbouncer_start transaction|session [pool size]
	PGB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/migrate-pgb.XXXXXX")
	[ "$(id -u)" = 0 ] && chown postgres "$PGB_DIR"
	echo '"postgres" ""' >"$PGB_DIR/users.txt"
	_try=0
	while [ $_try -lt 5 ]; do
		PGB_PORT=$((20000 + ($$ + _try * 7919) % 20000))
		cat >"$PGB_DIR/pgbouncer.ini" <<INI
[databases]
* = host=$PGHOST port=$PGPORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $PGB_DIR/users.txt
pool_mode = $1
default_pool_size = ${2:-10}
max_client_conn = 100
logfile = $PGB_DIR/pgbouncer.log
pidfile = $PGB_DIR/pgbouncer.pid
INI
		[ "$(id -u)" = 0 ] && chown -R postgres "$PGB_DIR"
		if pg_as_owner "$PGBOUNCER" -d "$PGB_DIR/pgbouncer.ini" >/dev/null 2>&1; then
			_i=0
			while [ $_i -lt 50 ]; do
				"$PG_BIN/psql" -qAtX "host=127.0.0.1 port=$PGB_PORT dbname=postgres" -c "SELECT 1" \
					>/dev/null 2>&1 && return 0
				sleep 0.1; _i=$((_i + 1))
			done
			pgbouncer_stop_only
		fi
		_try=$((_try + 1))
	done
	cat "$PGB_DIR/pgbouncer.log" >&2 2>/dev/null
	return 1
}

pgbouncer_stop_only() {
	[ -f "$PGB_DIR/pgbouncer.pid" ] && kill "$(cat "$PGB_DIR/pgbouncer.pid")" 2>/dev/null
	_i=0
	while [ -f "$PGB_DIR/pgbouncer.pid" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
}

pgbouncer_stop() {
	[ -n "${PGB_DIR:-}" ] || return 0
	pgbouncer_stop_only
	rm -rf "$PGB_DIR"
	PGB_DIR=
}
