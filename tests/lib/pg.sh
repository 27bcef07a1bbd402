# tests/lib/pg.sh - start and stop a throwaway PostgreSQL on a unix socket in a temp dir.
# Sourced. pg_start sets PGHOST, PGPORT, PGUSER, PGDATABASE (and PG_TMP, PG_BIN);
# pg_stop removes everything. initdb refuses root, so as root the server runs
# as the postgres user.

PG_BIN=${PG_BIN:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}
# A role with a password, for tests that check the password never leaks.
PG_TEST_PASSWORD=${PG_TEST_PASSWORD:-Tr1cky-p4ss-Zq8}

pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/migrate-pg.XXXXXX")
	[ "$(id -u)" = 0 ] && chown postgres "$PG_TMP"
	chmod 755 "$PG_TMP"
	# the socket lives in our own directory: any port number is free there
	PGPORT=${PG_TEST_PORT:-$((50000 + $$ % 10000))}
	pg_as_owner "$PG_BIN/initdb" -D "$PG_TMP/data" -A trust -U postgres --no-sync \
		>"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; return 1; }
	cat >"$PG_TMP/data/pg_hba.conf" <<HBA
local all pwuser scram-sha-256
host  all pwuser 127.0.0.1/32 scram-sha-256
local all all trust
host  all all 127.0.0.1/32 trust
HBA
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
		-o "-c listen_addresses='' -k $PG_TMP -p $PGPORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
		start >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
	PGHOST=$PG_TMP
	PGUSER=postgres
	PGDATABASE=postgres
	export PGHOST PGPORT PGUSER PGDATABASE
	unset PGPASSWORD PGSERVICE DATABASE_URL
	"$PG_BIN/psql" -qAtX -c "CREATE ROLE pwuser LOGIN SUPERUSER PASSWORD '$PG_TEST_PASSWORD'" >/dev/null
}

# Also listen on 127.0.0.1 (for tests that need TCP); restarts the server.
pg_listen_tcp() {
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -w -m fast \
		-o "-c listen_addresses=127.0.0.1 -k $PG_TMP -p $PGPORT -c fsync=off" restart >/dev/null
}

pg_stop() {
	[ -n "${PG_TMP:-}" ] || return 0
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_TMP"
	PG_TMP=
}

psql_q() {
	"$PG_BIN/psql" -qAtX -v ON_ERROR_STOP=1 "$@"
}

# A fresh, empty database; prints its name.
pg_fresh_db() {
	_db="t_$(date +%s%N | tail -c 10)_$$"
	"$PG_BIN/createdb" "$_db" || return 1
	echo "$_db"
}
