# Concurrent runners: 5 "migrate up" started at once on the same database, 8 trials:
# all exit 0, each migration applied exactly once (its effects and its log row).
# FAULT_CONCURRENT_TRIALS (default 8); tests/stress/ runs more.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/fault.sh"

TRIALS=${FAULT_CONCURRENT_TRIALS:-8}
RUNNERS=5
db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; fault_project "$D"
printf 'backup:\n  dir: %s\n  keep: 3\n' "$T_WORK/b" >"$T_WORK/m.yml"
ARGS="-c $T_WORK/m.yml --dir $D -q"

bad_rc=0; twice=0; bad=0; waited=0
trial=1
while [ $trial -le "$TRIALS" ]; do
	fault_reset "$db"
	pids=""
	r=1
	while [ $r -le $RUNNERS ]; do
		"$MIGRATE" $ARGS -v up >"$T_WORK/r$r.out" 2>&1 &
		pids="$pids $!"
		r=$((r + 1))
	done
	rcs=""
	for p in $pids; do
		wait "$p"; rcs="$rcs$?"
	done
	cat "$T_WORK"/r*.out >>"$T_ALL_OUTPUT"
	[ "$rcs" = 00000 ] || { bad_rc=$((bad_rc + 1)); echo "# trial $trial: exit codes $rcs: $(head -c 400 "$T_WORK/r1.out")"; }
	counts=$(psql_q -c "SELECT count(*) || '/' || count(DISTINCT v) FROM applied_count" \
		-c "SELECT count(*) || '/' || count(DISTINCT version) FROM schema_migrations_log WHERE direction = 'up' AND outcome = 'applied'" \
		-c "SELECT count(*) FROM schema_migrations_log WHERE direction = 'backup'" | tr '\n' ' ')
	[ "$counts" = "30/30 30/30 1 " ] || { twice=$((twice + 1)); echo "# trial $trial: applied_count, applied log rows, backups: $counts"; }
	fault_check "$db"
	[ "$FAULT_STATE $FAULT_PROBLEMS" = "30/0 " ] || { bad=$((bad + 1)); echo "# trial $trial: $FAULT_STATE $FAULT_PROBLEMS"; }
	n=$(grep -l "nothing to do" "$T_WORK"/r*.out | wc -l)
	waited=$((waited + n))
	trial=$((trial + 1))
done
echo "# $TRIALS trials of $RUNNERS runners: $waited runs waited for the lock and found nothing to do"
expect_eq "$bad_rc" 0 "all $RUNNERS concurrent runners exit 0, in each of $TRIALS trials"
expect_eq "$twice" 0 "each migration applied exactly once, one backup per trial"
expect_eq "$bad" 0 "schema and history agree"
expect_eq "$waited" $((TRIALS * (RUNNERS - 1))) "every other runner found nothing to do"
t_done
