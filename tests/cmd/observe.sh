# In production: who blocks a migration is named at every lock-timeout retry and
# recorded in the audit log; apply.blockers: cancel-idle terminates an idle-in-
# transaction blocker but never an active one nor a superuser's; --events writes
# JSON lines; a long statement shows its progress on a terminal.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
psql_q -c "CREATE ROLE app_rw LOGIN" 2>/dev/null
psql_q -c "CREATE TABLE busy (id bigint); INSERT INTO busy VALUES (1); GRANT ALL ON busy TO app_rw"
cat >"$T_WORK/fast.yml" <<'YML'
apply:
  retry_delay: 100ms
  retry_max_delay: 300ms
  blockers_idle_after: 500ms
YML

# idle_blocker APP SECONDS [ROLE]: a session that takes a lock on busy, then sits
# idle in its transaction until SECONDS after wait_for_app saw its lock, and
# commits (a row in seen says it did); timed from the lock, not from its start,
# so that a slow machine does not shorten it
idle_blocker() {
	rm -f "$T_WORK/go-$1" "$T_WORK/release-$1"
	{ echo "BEGIN; LOCK busy IN ACCESS SHARE MODE;"
	  i=0; while [ ! -f "$T_WORK/go-$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	  sleep "$2"; echo "INSERT INTO seen VALUES ('$1'); COMMIT;"; } |
		PGAPPNAME=$1 "$PG_BIN/psql" -qAtX -U "${3:-app_rw}" >/dev/null 2>&1
}
psql_q -c "CREATE TABLE seen (who text); GRANT ALL ON seen TO app_rw"
wait_for_app() { # wait until a session of application $1 holds its lock; start its clock
	i=0
	while [ "$(psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '$1' AND l.relation = 'busy'::regclass AND l.granted")" != 1 ] && [ $i -lt 600 ]; do
		sleep 0.1; i=$((i + 1))
	done
	touch "$T_WORK/go-$1"
	psql_q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1'"
}

# 1. wait (the default): retried, and every retry names the blocker
echo "ALTER TABLE busy ADD COLUMN a text;" >"$D/1_a.up.sql"
echo "ALTER TABLE busy DROP COLUMN a;" >"$D/1_a.down.sql"
idle_blocker billing-worker 3 &
holder=$!
pid=$(wait_for_app billing-worker)
run -c "$T_WORK/fast.yml" --dir "$D" up --no-backup --lock-timeout 200ms --retries 40 --events "$T_WORK/ev1.jsonl"
wait $holder
expect_rc 0 "succeeds once the blocker commits"
expect_err "retry 1/40" "it retried"
expect_err "blocked by pid $pid \(user app_rw, application billing-worker, client local, idle in transaction" \
	"the retry names the blocker: pid, user, application, client, state"
expect_err "LOCK busy IN ACCESS SHARE MODE" "and its query"
expect_eq "$(psql_q -c "SELECT count(*) FROM seen WHERE who = 'billing-worker'")" 1 "wait terminates nobody"
expect_eq "$(psql_q -c "SELECT blockers->0->>'pid' = '$pid' AND blockers->0->>'application_name' = 'billing-worker' FROM schema_migrations_log WHERE version = 1 AND outcome = 'applied'")" t \
	"the audit log row of the attempt holds the blocker"
run history
expect_out "blocked by pid $pid \(billing-worker" "history shows it"
run history --format json
expect_out "\"blockers\": \[" "history --format json too"

# the event stream: valid JSON lines with the documented fields
ev="$T_WORK/ev1.jsonl"
expect_eq "$(jq -c . "$ev" >/dev/null 2>&1 && echo valid)" valid "the events file is JSON lines"
expect_eq "$(jq -r 'select(has("event") and has("time") | not) | "bad"' "$ev" | head -1)" "" "each event has event and time"
expect_eq "$(jq -r '.format_version | type + ":" + .' "$ev" | sort -u)" "string:1" "and its format_version, a string"
expect_eq "$(jq -r '.event' "$ev" | sort -u | tr '\n' ' ')" \
	"applied backup lock_acquired retry run_end run_start statement_end statement_start " "the events of the run"
expect_eq "$(jq -r 'select(.event == "lock_acquired" and .scope == "runner") | .lock' "$ev")" advisory "the runner lock"
expect_eq "$(jq -r 'select(.event == "run_start") | .command + " " + (.to_version | tostring)' "$ev")" "up 1" "run_start: command and versions"
expect_eq "$(jq -r 'select(.event == "retry") | .blockers[0].pid' "$ev" | sort -u)" "$pid" "retry events carry the blocker"
expect_eq "$(jq -r 'select(.event == "retry") | [.file, .line, .retry, .delay_ms] | map(type) | join(",")' "$ev" | sort -u)" \
	"string,number,number,number" "retry: file, line, retry, delay"
expect_eq "$(jq -r 'select(.event == "statement_end" and .ok) | [.version, .line, .duration_ms, .statement] | map(type) | join(",")' "$ev" | sort -u)" \
	"number,number,number,string" "statement_end: version, line, duration, statement"
expect_eq "$(jq -r 'select(.event == "run_end") | .exit_code' "$ev")" 0 "run_end: exit code"
expect_eq "$(jq -r '.run_id // empty' "$ev" | sort -u | wc -l | tr -d ' ')" 1 "one run id"

# 2. cancel-idle: an idle-in-transaction blocker is terminated, named, audited
echo "ALTER TABLE busy ADD COLUMN b text;" >"$D/2_b.up.sql"
echo "ALTER TABLE busy DROP COLUMN b;" >"$D/2_b.down.sql"
idle_blocker stuck-job 30 &
holder=$!
pid=$(wait_for_app stuck-job)
run -c "$T_WORK/fast.yml" --dir "$D" up --no-backup --lock-timeout 200ms --retries 40 --blockers cancel-idle --events "$T_WORK/ev2.jsonl"
wait $holder
expect_rc 0 "the migration then succeeds"
expect_err "terminated pid $pid \(user app_rw, application stuck-job, client local, idle in transaction for [0-9]+s.*\(apply.blockers: cancel-idle\)" \
	"the terminated session is named"
expect_eq "$(psql_q -c "SELECT count(*) FROM seen WHERE who = 'stuck-job'")" 0 "its transaction was ended"
expect_eq "$(psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'b'")" 1 "column added"
expect_eq "$(psql_q -c "SELECT message LIKE 'pid $pid %' AND note = 'apply.blockers: cancel-idle' AND (blockers->0->>'terminated')::bool FROM schema_migrations_log WHERE direction = 'blockers' AND outcome = 'terminated'")" t \
	"the termination is in the audit log"
expect_eq "$(jq -r 'select(.event == "blocker_terminated") | .pid' "$T_WORK/ev2.jsonl")" "$pid" "and in the events"
expect_eq "$(jq -r 'select(.event == "lock_acquired" and .scope == "statement") | .waited_ms > 0' "$T_WORK/ev2.jsonl")" true \
	"then the lock, acquired after a wait"

# an active blocker (running a query) is left alone, as is an idle superuser's session
echo "ALTER TABLE busy ADD COLUMN c text;" >"$D/3_c.up.sql"
echo "ALTER TABLE busy DROP COLUMN c;" >"$D/3_c.down.sql"
PGAPPNAME=busy-report "$PG_BIN/psql" -qAtX -U app_rw -c "BEGIN; LOCK busy IN ACCESS SHARE MODE; SELECT pg_sleep(3); INSERT INTO seen VALUES ('busy-report'); COMMIT;" >/dev/null 2>&1 &
active=$!
wait_for_app busy-report >/dev/null
run -c "$T_WORK/fast.yml" --dir "$D" up --no-backup --lock-timeout 200ms --retries 60 --blockers cancel-idle
wait $active
expect_rc 0 "succeeds once the active query ends"
expect_err "blocked by pid [0-9]+ \(user app_rw, application busy-report, client local, active" "the active blocker is named"
expect_no "terminated pid" "but not terminated"
expect_eq "$(psql_q -c "SELECT count(*) FROM seen WHERE who = 'busy-report'")" 1 "its transaction committed"

echo "ALTER TABLE busy ADD COLUMN d text;" >"$D/4_d.up.sql"
echo "ALTER TABLE busy DROP COLUMN d;" >"$D/4_d.down.sql"
idle_blocker dba-console 4 postgres &
holder=$!
wait_for_app dba-console >/dev/null
run -c "$T_WORK/fast.yml" --dir "$D" up --no-backup --lock-timeout 200ms --retries 60 --blockers cancel-idle
wait $holder
expect_rc 0 "succeeds once the superuser commits"
expect_err "blocked by pid [0-9]+ \(user postgres \(superuser\), application dba-console" "the superuser's session is named"
expect_no "terminated pid" "cancel-idle leaves a superuser's session alone"
expect_eq "$(psql_q -c "SELECT count(*) FROM seen WHERE who = 'dba-console'")" 1 "its transaction committed"

# retries run out with wait: a clean failure that names the blocker, exit 1
echo "ALTER TABLE busy ADD COLUMN e text;" >"$D/5_e.up.sql"
echo "ALTER TABLE busy DROP COLUMN e;" >"$D/5_e.down.sql"
idle_blocker long-tx 30 &
holder=$!
pid=$(wait_for_app long-tx)
run -c "$T_WORK/fast.yml" --dir "$D" up --no-backup --lock-timeout 100ms --retries 2 --events "$T_WORK/ev3.jsonl"
expect_rc 1 "exit 1 when retries run out"
expect_err "gave up after 2 retries" "gave up"
expect_eq "$(printf '%s\n' "$T_ERR" | grep -c "blocked by pid $pid ")" 3 "each attempt names the blocker"
expect_eq "$(jq -r 'select(.event == "failed") | [.sqlstate, (.line | tostring), (.col | tostring), .file] | join(" ")' "$T_WORK/ev3.jsonl")" \
	"55P03 1 1 $D/5_e.up.sql" "the failed event: SQLSTATE and file:line:col"
expect_eq "$(psql_q -c "SELECT jsonb_array_length(blockers) FROM schema_migrations_log WHERE version = 5 AND outcome = 'failed'")" 3 \
	"the failed row holds the blockers of each attempt"
# plan, connected, names the session the pending migration would wait behind
run --dir "$D" plan
expect_out "will wait: pid $pid \(long-tx, user app_rw, idle in transaction for [0-9]+s, transaction open [0-9]+s\) holds ACCESS SHARE on busy right now" \
	"plan: would wait behind that pid, idle in transaction for so long"
psql_q -c "SELECT pg_terminate_backend($pid)" >/dev/null
wait $holder
rm "$D"/5_e.*

# --wait-quiet: no lock attempt while an old transaction holds a lock on the table
echo "ALTER TABLE busy ADD COLUMN q text;" >"$D/5_q.up.sql"
echo "ALTER TABLE busy DROP COLUMN q;" >"$D/5_q.down.sql"
idle_blocker quiet-please 3 &
holder=$!
pid=$(wait_for_app quiet-please)
sleep 0.7 # its transaction is older than --wait-quiet when up looks
run -c "$T_WORK/fast.yml" --dir "$D" up --no-backup --lock-timeout 200ms --wait-quiet 500ms
wait $holder
expect_rc 0 "applied after the quiet moment"
expect_err "waiting for a quiet moment \(--wait-quiet 500ms\): pid $pid \(quiet-please, idle in transaction" "names what it waits for"
expect_no "lock timeout at" "and took no lock meanwhile"

# --events - writes the events on stdout, the rest goes to stderr
echo "SELECT 1;" >"$D/6_f.up.sql"
echo "SELECT 1;" >"$D/6_f.down.sql"
run --dir "$D" up --events -
expect_eq "$(printf '%s\n' "$T_OUT" | jq -r .event | tail -1)" run_end "--events -: JSON lines on stdout"
expect_err "1 migration applied" "the summary on stderr"

# a fleet: every event of a target carries its name
F="$T_WORK/fleet"; mkdir -p "$F/shared" "$F/tenant"
echo "SELECT 1;" >"$F/shared/1_s.up.sql"; echo "SELECT 1;" >"$F/shared/1_s.down.sql"
echo "CREATE TABLE t (id int);" >"$F/tenant/1_t.up.sql"; echo "DROP TABLE t;" >"$F/tenant/1_t.down.sql"
psql_q -c "CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b"
cat >"$F/migrate.yml" <<YML
migrations:
  dir: $F/shared
  table: fleet.schema_migrations
targets:
  schemas:
    list: [tenant_a, tenant_b]
    dir: $F/tenant
YML
run -c "$F/migrate.yml" up --all --no-backup --events "$T_WORK/fleet.jsonl"
expect_rc 0 "a fleet run"
expect_eq "$(jq -r 'select(.run_id) | .target' "$T_WORK/fleet.jsonl" | sort -u | tr '\n' ' ')" "main tenant_a tenant_b " \
	"fleet events are tagged with their target"
expect_eq "$(jq -r 'select(.event == "applied") | .target' "$T_WORK/fleet.jsonl" | sort | tr '\n' ' ')" "main tenant_a tenant_b " \
	"one applied per target"

# a policy that does not exist: a configuration error at its line, nothing runs
printf 'apply:\n  blockers: kill-all\n' >"$T_WORK/bad.yml"
run -c "$T_WORK/bad.yml" --dir "$D" up
expect_rc 2 "bad apply.blockers"
expect_err 'bad.yml:2:[0-9]+: error: "apply.blockers" must be wait, cancel-idle or cancel-idle-any, not "kill-all"' "named at its line"
run --dir "$D" up --blockers kill-all
expect_rc 2 "bad --blockers"

# 3. progress on a terminal while CREATE INDEX CONCURRENTLY runs (a few seconds)
psql_q -c "CREATE FUNCTION slow_id(bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS 'BEGIN PERFORM pg_sleep(0.01); RETURN \$1; END'"
psql_q -c "INSERT INTO busy SELECT g FROM generate_series(2, 300) g"
echo "CREATE INDEX CONCURRENTLY busy_slow ON busy (slow_id(id));" >"$D/7_idx.up.sql"
echo "DROP INDEX CONCURRENTLY busy_slow;" >"$D/7_idx.down.sql"
script -qfec "stty cols 200; $MIGRATE --dir $D up" "$T_WORK/tty.log" >/dev/null 2>&1 </dev/null
T_RC=$?; T_OUT=$(cat "$T_WORK/tty.log"); T_ERR=
expect_rc 0 "the index is built"
expect_out "$(printf '\r')" "the progress line is rewritten in place"
expect_out "7_idx.up.sql:1 CREATE INDEX: [0-9.]+s, CREATE INDEX CONCURRENTLY: building index" "with the statement, elapsed time and phase"
psql_q -c "DROP INDEX busy_slow" && psql_q -c "DELETE FROM schema_migrations WHERE version = 7"
run --dir "$D" up
expect_rc 0 "not on a terminal"
expect_no "building index" "no terminal line (and no plain line before 10 s)"
psql_q -c "DROP INDEX busy_slow" && psql_q -c "DELETE FROM schema_migrations WHERE version = 7"
script -qfec "$MIGRATE --dir $D -q up" "$T_WORK/tty-q.log" >/dev/null 2>&1 </dev/null
T_OUT=$(cat "$T_WORK/tty-q.log")
expect_no "building index" "nothing with -q"
t_done
