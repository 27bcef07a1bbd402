# Ctrl-C (SIGINT) and SIGTERM during a run: the statement in flight is cancelled on the
# server, rolled back (or left dirty, without a transaction), the attempt is in the audit
# log, migrate says so and exits 130 / 143; nothing of it keeps running, holds a lock or
# commits later. A second signal exits at once, saying what may still run. Also down,
# redo, a fleet (the parent passes the signal on to its workers) and rehearse (its scratch
# database is dropped). tests/stress/run.sh strikes at random moments (fault_signal_random).
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
echo "CREATE TABLE t (id int); INSERT INTO t VALUES (1);" >"$D/1_t.up.sql"
echo "DROP TABLE t;" >"$D/1_t.down.sql"
cat >"$D/2_slow.up.sql" <<'SQL'
CREATE TABLE slow (id int);
SELECT pg_sleep(60);
SQL
echo "DROP TABLE slow;" >"$D/2_slow.down.sql"
A="--dir $D"

# bg ARGS...: migrate in the background, with SIGINT not ignored (as a terminal would)
bg() {
	env --default-signal=INT,TERM "$MIGRATE" "$@" >"$T_WORK/out" 2>"$T_WORK/err" </dev/null &
	PID=$!
}
# until SQL (on $PGDATABASE) prints t, at most 15 s
until_true() {
	_i=0
	while [ "$(psql_q -c "$1")" != t ] && [ $_i -lt 150 ]; do sleep 0.1; _i=$((_i + 1)); done
}
running() { until_true "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE '$1%' AND state = 'active')"; }
# finish: wait for migrate; T_RC, T_OUT, T_ERR as run sets them
finish() {
	wait $PID; T_RC=$?
	T_OUT=$(cat "$T_WORK/out"); T_ERR=$(cat "$T_WORK/err")
	cat "$T_WORK/out" "$T_WORK/err" >>"$T_ALL_OUTPUT"
}
# migrate's sessions gone at once, none of its locks held
nothing_left() {
	expect_eq "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migrate'")" 0 "$1: no session of migrate is left on the server"
}

# --- SIGINT during a transactional migration --------------------------------------------
bg $A up --no-backup
running "SELECT pg_sleep(60)"
kill -INT $PID
finish
expect_rc 130 "SIGINT: exit 130"
expect_err "2_slow.up.sql:2:1: error: canceling statement due to user request" "the statement in flight was cancelled on the server"
expect_err "migration 2 slow was interrupted and was rolled back; nothing of it was applied" "says it was interrupted and rolled back"
expect_out "^applied 1 t" "the migration before it stays applied"
nothing_left "SIGINT"
expect_eq "$(psql_q -c "SELECT to_regclass('slow') IS NULL")" t "nothing of the interrupted migration is left"
expect_eq "$(psql_q -c "SELECT string_agg(version || ' ' || state, ',') FROM schema_migrations")" "1 applied" "history has only what committed"
expect_eq "$(psql_q -c "SELECT outcome || ' ' || sqlstate || ' ' || note FROM schema_migrations_log WHERE version = 2")" \
	"failed 57014 interrupted by SIGINT" "the attempt is in the audit log"

# --- SIGTERM during CREATE INDEX CONCURRENTLY waiting for an application's transaction ---
cat >"$D/3_idx.up.sql" <<'SQL'
-- migrate:no-transaction
-- migrate:lock-timeout 120s
CREATE INDEX CONCURRENTLY t_id ON t (id);
SQL
echo "DROP INDEX CONCURRENTLY t_id;" >"$D/3_idx.down.sql"
rm "$D/2_slow.up.sql" "$D/2_slow.down.sql"
mkfifo "$T_WORK/app.in"
psql_q <"$T_WORK/app.in" >/dev/null 2>&1 &
APP=$!
exec 7>"$T_WORK/app.in"
echo "BEGIN; INSERT INTO t VALUES (2);" >&7
until_true "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE state = 'idle in transaction')"
bg $A up --no-backup
until_true "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock')"
kill -TERM $PID
finish
expect_rc 143 "SIGTERM: exit 143"
expect_err "3_idx.up.sql:3:1: error: canceling statement due to user request" "the waiting CREATE INDEX CONCURRENTLY was cancelled"
expect_err "migration 3 idx was interrupted part way; version 3 is marked dirty" "says the version is dirty"
nothing_left "SIGTERM"
echo "COMMIT;" >&7
exec 7>&-
wait $APP
# the application's transaction is gone: a build left running would finish now
sleep 0.3
expect_eq "$(psql_q -c "SELECT coalesce((SELECT indisvalid::text FROM pg_index WHERE indexrelid = to_regclass('t_id')), 'absent')")" false \
	"the index build did not finish behind history's back (INVALID, as history says dirty)"
expect_eq "$(psql_q -c "SELECT state FROM schema_migrations WHERE version = 3")" dirty "history says dirty"
expect_eq "$(psql_q -c "SELECT outcome || ' ' || note FROM schema_migrations_log WHERE version = 3 ORDER BY id DESC LIMIT 1")" \
	"dirty interrupted by SIGTERM" "the attempt is in the audit log"
run $A repair
run $A up --no-backup
expect_rc 0 "repair and up finish the job"

# --- a second signal exits at once ----------------------------------------------------------
cat >"$D/4_stubborn.up.sql" <<'SQL'
DO $$ BEGIN
	BEGIN PERFORM pg_sleep(60); EXCEPTION WHEN query_canceled THEN PERFORM pg_sleep(60); END;
END $$;
SQL
echo "SELECT 1;" >"$D/4_stubborn.down.sql"
bg $A up --no-backup
# inside pg_sleep, so inside the block that catches the cancel (a cancel before it ends the DO)
until_true "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE 'DO%' AND state = 'active' AND wait_event = 'PgSleep')"
kill -INT $PID
sleep 0.5
kill -INT $PID
finish
expect_rc 130 "a second SIGINT: exit 130 at once"
expect_err "second signal: exiting at once; the up of 4 stubborn may still be running on the server" "says what may still be running"
psql_q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'migrate'" >/dev/null
rm "$D/4_stubborn.up.sql" "$D/4_stubborn.down.sql"

# --- down and redo -----------------------------------------------------------------------
until_true "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'migrate')"
printf -- '-- migrate:no-transaction\nSELECT pg_sleep(60);\nDROP INDEX CONCURRENTLY t_id;\n' >"$D/3_idx.down.sql"
bg $A down --no-backup
running "SELECT pg_sleep(60)"
kill -INT $PID
finish
expect_rc 130 "down, SIGINT: exit 130"
expect_eq "$(psql_q -c "SELECT state FROM schema_migrations WHERE version = 3")" dirty "the interrupted down without a transaction is dirty"
nothing_left "down"
run $A repair
echo "DROP INDEX CONCURRENTLY t_id;" >"$D/3_idx.down.sql"
printf 'SELECT pg_sleep(60);\nDROP TABLE t;\n' >"$D/1_t.down.sql"
bg $A redo --steps 2 --no-backup
running "SELECT pg_sleep(60)"
kill -TERM $PID
finish
expect_rc 143 "redo, SIGTERM: exit 143"
expect_err "migration 1 t was interrupted and was rolled back" "redo stops at the interrupted down"
expect_eq "$(psql_q -c "SELECT string_agg(version::text, ',') FROM schema_migrations")" 1 "the interrupted down left version 1 applied"
nothing_left "redo"

# --- a fleet: the parent passes SIGTERM on to its workers ----------------------------------
db2=$(pg_fresh_db); db3=$(pg_fresh_db)
F="$T_WORK/f"; mkdir -p "$F"
printf 'CREATE TABLE fleet_t (id int);\nSELECT pg_sleep(60);\n' >"$F/1_f.up.sql"
echo "DROP TABLE fleet_t;" >"$F/1_f.down.sql"
mkdir -p "$T_WORK/empty"
cat >"$T_WORK/fleet.yml" <<YML
migrations:
  dir: $T_WORK/empty
backup:
  enabled: false
targets:
  databases:
    list: [$db2, $db3]
    dir: $F
YML
bg -c "$T_WORK/fleet.yml" up --all --jobs 2 --no-backup
until_true "SELECT count(*) = 2 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'"
kill -TERM $PID
finish
expect_rc 143 "fleet, SIGTERM to the parent: exit 143"
nothing_left "fleet"
expect_eq "$(psql_q -d "$db2" -c "SELECT to_regclass('fleet_t') IS NULL")$(psql_q -d "$db3" -c "SELECT to_regclass('fleet_t') IS NULL")" tt \
	"each worker's migration was cancelled and rolled back"

# --- rehearse: its scratch database is dropped ----------------------------------------------
R="$T_WORK/r"; mkdir -p "$R"
printf 'CREATE TABLE r (id int);\nSELECT pg_sleep(60);\n' >"$R/1_r.up.sql"
echo "DROP TABLE r;" >"$R/1_r.down.sql"
db4=$(pg_fresh_db)
PGDATABASE=$db4 bg --dir "$R" rehearse
PGDATABASE=$db4 running "SELECT pg_sleep(60)"
kill -INT $PID
finish
expect_rc 130 "rehearse, SIGINT: exit 130"
expect_err "interrupted; the scratch database was dropped" "says the scratch database was dropped"
expect_eq "$(psql_q -d postgres -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'migrate_rehearse_%'")" 0 "no scratch database left"
nothing_left "rehearse"
t_done
