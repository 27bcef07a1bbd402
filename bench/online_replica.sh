# bench/online_replica.sh - sourced by bench/online.sh after its runs: throttling
# with a real streaming replica. A replica of the bench's server (pg_basebackup -R,
# tests/lib/replica.sh: its own unix socket, no TCP), apply.max_replica_lag set
# (ONLINE_REPLICA_LAG, 1s), the same batched backfill; when a fifth of the rows
# are done the replica's replay is paused (pg_wal_replay_pause()) for
# ONLINE_REPLICA_PAUSE seconds (5), then resumed. Printed: migrate's own lines
# with the time they came, the rows its progress counted over time, how long it
# waited, and its rows per second before the wait and after replay resumed.
# Uses WORK, ROWS, BATCH, MIGRATE and the helpers of online.sh and bench/lib.sh.

. "$TOP/tests/lib/replica.sh"
LAG=${ONLINE_REPLICA_LAG:-1s}
PAUSE=${ONLINE_REPLICA_PAUSE:-5}
trap 'replica_stop; bench_cleanup' EXIT
replica_start || die "could not start a streaming replica"
note "replica: streaming from the bench's server (pg_basebackup -R), on $REP_DIR"
psql_q -c "CREATE DATABASE online_rep TEMPLATE online_tmpl" >/dev/null || die "createdb online_rep"
printf 'apply:\n  max_replica_lag: %s\n' "$LAG" >"$WORK/lag.yml"
rep_rows() {
	psql_q -d online_rep -c "SELECT coalesce((progress->>'rows')::bigint, 0) FROM schema_migrations WHERE version = 1" 2>/dev/null | grep . || echo 0
}
# wait for the replica to replay everything so far (the new database), at most 60 s
i=0
while [ $i -lt 600 ] && [ "$(psql_q -c "SELECT count(*) FROM pg_stat_replication WHERE replay_lsn = pg_current_wal_lsn()")" != 1 ]; do
	sleep 0.1; i=$((i + 1))
done

t0=$(now_ms)
( PGDATABASE=online_rep "$MIGRATE" -c "$WORK/lag.yml" --dir "$WORK/m" up --no-backup 2>&1 |
	while IFS= read -r line; do echo "$(( $(now_ms) - t0 )) $line"; done >"$WORK/rep.out" ) &
mig=$!
# the rows done, every 100 ms, until migrate ends
( while kill -0 $mig 2>/dev/null; do echo "$(( $(now_ms) - t0 )) $(rep_rows)"; sleep 0.1; done ) >"$WORK/rep.rows" &
sampler=$!
i=0
while [ $i -lt 600 ] && [ "$(rep_rows)" -lt $((ROWS / 5)) ]; do sleep 0.05; i=$((i + 1)); done
rep_psql -c "SELECT pg_wal_replay_pause()" >/dev/null || die "could not pause replay"
tp=$(( $(now_ms) - t0 )); rp=$(rep_rows)
note "replay paused at ${tp} ms ($rp rows done); resumed ${PAUSE}s later"
sleep "$PAUSE"
rr=$(rep_rows)
rep_psql -c "SELECT pg_wal_replay_resume()" >/dev/null || die "could not resume replay"
tr=$(( $(now_ms) - t0 ))
wait $mig || { cat "$WORK/rep.out" >&2; die "migrate up failed with the replica"; }
te=$(( $(now_ms) - t0 ))
wait $sampler
check "migrate with a paused replica" online_rep

tw=$(awk '/waiting: replica/ { print $1; exit }' "$WORK/rep.out")
tc=$(awk '/replicas caught up/ { print $1; exit }' "$WORK/rep.out")
echo
echo "throttling: a streaming replica, apply.max_replica_lag $LAG, replay paused at ${tp} ms for ${PAUSE}s:"
sed 's/^/  +/; s/^  +\([0-9]*\) /  +\1 ms  /' "$WORK/rep.out" | grep -v '^  +[0-9]* ms  *$' | tr '\r' '\n' | grep -v '^$'
if [ -z "$tw" ] || [ -z "$tc" ]; then
	note "migrate did not say it waited (the backfill ended before the lag passed $LAG: raise ONLINE_ROWS)"
else
	rw=$(awk -v t="$tw" '$1 <= t { r = $2 } END { print r + 0 }' "$WORK/rep.rows")
	rc=$(awk -v t="$tc" '$1 <= t { r = $2 } END { print r + 0 }' "$WORK/rep.rows")
	echo "  rows done when replay was paused: $rp; when migrate began to wait (+$tw ms): $rw;" \
		"when replay resumed (+$tr ms): $rr; when migrate went on (+$tc ms): $rc"
	echo "  waited $((tc - tw)) ms between two batches, $((rc - rw)) rows changed meanwhile" \
		"(the replica lagged past $LAG $((tw - tp)) ms after the pause)"
	echo "  rows/s before the wait: $((rw * 1000 / (tw > 0 ? tw : 1)));" \
		"after it: $(((ROWS - rc) * 1000 / (te - tc > 0 ? te - tc : 1))) ($((ROWS - rc)) rows in $((te - tc)) ms);" \
		"whole backfill: $te ms, every row checked"
fi
psql_q -c "DROP DATABASE online_rep" >/dev/null
replica_stop
trap bench_cleanup EXIT
