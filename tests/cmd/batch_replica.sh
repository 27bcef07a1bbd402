# apply.max_replica_lag between the batches of -- migrate:batch N (docs/batch.md): with
# a real streaming replica (pg_basebackup -R) whose replay is paused half way through a
# batched backfill, migrate stops between batches and says so; once replay resumes, it
# finishes, every row changed exactly once. A primary of its own, so the replica sees
# nothing else.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/replica.sh"

PG_TEST_PORT=$((PGPORT + 4)) pg_start || { t_not_ok "could not start a primary"; t_done; exit 1; }
trap 'replica_stop; pg_stop' EXIT
replica_start || { t_not_ok "could not start a streaming replica"; t_done; exit 1; }
D="$T_WORK/m"; mkdir -p "$D"
cat >"$D/1_t.up.sql" <<'SQL'
CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
INSERT INTO t SELECT g, 0 FROM generate_series(1, 3000) g;
SQL
echo "DROP TABLE t;" >"$D/1_t.down.sql"
printf -- "-- migrate:batch 50\nUPDATE t SET n = n + 1;\n" >"$D/2_backfill.up.sql"
echo "SELECT 1;" >"$D/2_backfill.down.sql"
printf 'apply:\n  max_replica_lag: 1s\n' >"$T_WORK/lag.yml"
A="-c $T_WORK/lag.yml --dir $D --no-backup"

run $A up --to 1
expect_rc 0 "the table, with the replica caught up"
batches() { psql_q -c "SELECT coalesce((SELECT (progress->>'batches')::int FROM schema_migrations WHERE version = 2), 0)"; }

"$MIGRATE" $A up --batch-delay 100ms >"$T_WORK/up.out" 2>&1 & up=$!
i=0
while [ $i -lt 300 ] && [ "$(batches)" -lt 3 ]; do sleep 0.1; i=$((i + 1)); done
rep_psql -c "SELECT pg_wal_replay_pause()" >/dev/null
i=0
while [ $i -lt 300 ] && ! grep -q "waiting: replica" "$T_WORK/up.out"; do sleep 0.1; i=$((i + 1)); done
T_OUT=$(cat "$T_WORK/up.out"); T_ERR=$T_OUT; T_RC=running
expect_err "waiting: replica \"walreceiver\" \(local socket\) replays [0-9.]+s behind, more than apply.max_replica_lag \(1s\)" "between batches, migrate waits for the paused replica and says so"
b1=$(batches)
sleep 1
b2=$(batches)
expect_eq "$b2" "$b1" "no batch runs while it waits"
[ "$b1" -gt 0 ] && [ "$b1" -lt 60 ] && t_ok "it stopped half way ($b1 of 60 batches)" || t_not_ok "it should stop half way" "batches: $b1"
expect_eq "$(psql_q -c "SELECT state FROM schema_migrations WHERE version = 2")" dirty "not applied while batches remain"

replica_resume_wait $up "$T_WORK/up.out" 600
expect_rc 0 "after replay resumes, the batches go on to the end"
expect_err "replicas caught up \(replay lag within 1s\) after [0-9.]+s" "it says the replicas caught up"
expect_eq "$(psql_q -c "SELECT count(*) FILTER (WHERE n <> 1), count(*) FROM t")" "0|3000" "every row updated exactly once"
expect_eq "$(psql_q -c "SELECT state, progress->>'batches' FROM schema_migrations WHERE version = 2")" "applied|60" "applied, in 60 batches"
t_done
