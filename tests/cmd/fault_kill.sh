# Killed runner: kill -9 of "migrate up" at random moments of a 30-migration run (backup
# included). After each kill, schema and history agree; no pg_dump or partial backup is
# left behind; repair (when a version is dirty) and up finish the job.
# FAULT_KILL_TRIALS (default 20) sets the number of trials; tests/stress/ runs 500.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/fault.sh"

TRIALS=${FAULT_KILL_TRIALS:-20}
db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; fault_project "$D"
B="$T_WORK/b"
printf 'backup:\n  dir: %s\n  keep: 3\n' "$B" >"$T_WORK/m.yml"
ARGS="-c $T_WORK/m.yml --dir $D -q"

# aim: how long an uninterrupted run takes here
T=$(fault_run_seconds "$MIGRATE" $ARGS up)
fault_check "$db"
expect_eq "$FAULT_STATE $FAULT_PROBLEMS" "30/0 " "an uninterrupted run applies all 30"
echo "# an uninterrupted run takes ${T}s; kill moments drawn from [0, ${T}s), seed $FAULT_SEED"

bad=0; unfinished=0; dirty=0; before=0; during=0; after=0; leftover_dump=0; partial=0
for d in $(fault_delays "$TRIALS" "$T"); do
	fault_reset "$db"
	"$MIGRATE" $ARGS up >"$T_WORK/k.out" 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	# a pg_dump started by the killed runner dies with it (left alone, it would go on)
	sleep 0.02
	[ "$(fault_live_pg_dump)" = 0 ] || leftover_dump=$((leftover_dump + 1))
	cat "$T_WORK/k.out" >>"$T_ALL_OUTPUT"
	fault_wait_idle "$db" || { bad=$((bad + 1)); echo "# trial at ${d}s: the runner's sessions never went away"; }
	fault_check "$db"
	state=$FAULT_STATE
	if [ -n "$FAULT_PROBLEMS" ]; then
		bad=$((bad + 1))
		echo "# trial killed at ${d}s ($state): $FAULT_PROBLEMS"
	fi
	case $state in
	0/0) before=$((before + 1)) ;;
	30/0) after=$((after + 1)) ;;
	*) during=$((during + 1)) ;;
	esac
	[ "${state#*/}" != 0 ] && dirty=$((dirty + 1))
	fault_finish "$db" $ARGS
	fault_check "$db"
	if [ "$FAULT_UP_RC" != 0 ] || [ "$FAULT_STATE" != "30/0" ] || [ -n "$FAULT_PROBLEMS" ]; then
		unfinished=$((unfinished + 1))
		echo "# trial killed at ${d}s: the next up did not finish (exit $FAULT_UP_RC): $(head -c 600 "$T_WORK/finish.out")"
	fi
	ls -A "$B" 2>/dev/null | grep -q partial && partial=$((partial + 1))
done
echo "# $TRIALS kills: $before before the first migration, $during mid-run ($dirty left a dirty version), $after after the last"
expect_eq "$bad" 0 "after each of $TRIALS kills, schema and history agree"
expect_eq "$unfinished" 0 "after each kill, repair (if dirty) and up finish the job"
expect_eq "$leftover_dump" 0 "a killed runner never leaves pg_dump running"
expect_eq "$partial" 0 "a partial backup of a killed run is gone after the next run"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0 "no INVALID index at the end"
t_done
