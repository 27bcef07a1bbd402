# apply.max_replica_lag: with a real streaming replica (pg_basebackup -R) whose replay
# is paused, migrate waits before the migration and says so; once replay resumes, it
# finishes. A primary of its own for this test, so the replica sees nothing else.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/replica.sh"

PG_TEST_PORT=$((PGPORT + 2)) pg_start || { t_not_ok "could not start a primary"; t_done; exit 1; }
trap 'replica_stop; pg_stop' EXIT
replica_start || { t_not_ok "could not start a streaming replica"; t_done; exit 1; }
D="$T_WORK/m"; mkdir -p "$D"
echo "CREATE TABLE after_lag (id int);" >"$D/1_after_lag.up.sql"
echo "DROP TABLE after_lag;" >"$D/1_after_lag.down.sql"
printf 'apply:\n  max_replica_lag: 1s\n' >"$T_WORK/lag.yml"

# pause replay, keep writing: the primary sees the replica fall behind
rep_psql -c "SELECT pg_wal_replay_pause()" >/dev/null
psql_q -c "CREATE TABLE churn (id int)"
i=0
while [ $i -lt 100 ]; do
	psql_q -c "INSERT INTO churn VALUES ($i)"
	[ "$(psql_q -c "SELECT coalesce(replay_lag > interval '1.5s', false) FROM pg_stat_replication")" = t ] && break
	sleep 0.1; i=$((i + 1))
done
expect_eq "$(psql_q -c "SELECT replay_lag > interval '1s' FROM pg_stat_replication")" t "the paused replica lags more than 1s"

"$MIGRATE" -c "$T_WORK/lag.yml" --dir "$D" up >"$T_WORK/up.out" 2>&1 & up=$!
i=0
while [ $i -lt 100 ] && ! grep -q "waiting: replica" "$T_WORK/up.out"; do sleep 0.1; i=$((i + 1)); done
T_OUT=$(cat "$T_WORK/up.out"); T_ERR=$T_OUT; T_RC=running
expect_err "waiting: replica \"walreceiver\" \(local socket\) replays [0-9.]+s behind, more than apply.max_replica_lag \(1s\)" "migrate waits and says so"
sleep 0.5
expect_eq "$(psql_q -c "SELECT to_regclass('after_lag') IS NULL")" t "the migration has not run while the replica lags"
kill -0 $up 2>/dev/null && t_ok "still waiting" || t_not_ok "migrate should still be waiting"

replica_resume_wait $up "$T_WORK/up.out" 300
expect_rc 0 "after replay resumes, migrate finishes"
expect_err "replicas caught up \(replay lag within 1s\) after [0-9.]+s" "says the replicas caught up"
expect_out "applied 1 after_lag" "and applies the migration"
expect_eq "$(psql_q -c "SELECT to_regclass('after_lag') IS NOT NULL")" t "the table exists"
t_done
