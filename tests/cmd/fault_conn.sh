# Killed server connection: pg_terminate_backend of the runner's session at random moments,
# and a fast server restart mid-run. Exit 1 or 3, never 0; schema and history agree; repair
# (when a version is dirty) and up finish the job.
# FAULT_TERM_TRIALS (default 8) and FAULT_RESTART_TRIALS (default 3); tests/stress/ runs more.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/fault.sh"

TERM_TRIALS=${FAULT_TERM_TRIALS:-8}
RESTART_TRIALS=${FAULT_RESTART_TRIALS:-3}
db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; fault_project "$D"
printf 'backup:\n  dir: %s\n  keep: 3\n' "$T_WORK/b" >"$T_WORK/m.yml"
ARGS="-c $T_WORK/m.yml --dir $D -q"
T=$(fault_run_seconds "$MIGRATE" $ARGS up)
echo "# an uninterrupted run takes ${T}s; seed $FAULT_SEED"

# after_fault WHAT DELAY RC HIT: the checks every fault gets
bad_rc=0; bad=0; unfinished=0; hits=0
after_fault() {
	fault_wait_idle "$db" || echo "# $1 at ${2}s: the runner's sessions never went away"
	fault_check "$db"
	if [ "$4" = 1 ]; then
		hits=$((hits + 1))
		case $3 in 1|3) ;; *) bad_rc=$((bad_rc + 1)); echo "# $1 at ${2}s: exit $3 ($FAULT_STATE): $(head -c 400 "$T_WORK/f.out")" ;; esac
	elif [ "$3" != 0 ] || [ "$FAULT_STATE" != 30/0 ]; then
		# the fault came too late to strike: the run must have finished cleanly
		bad_rc=$((bad_rc + 1)); echo "# $1 at ${2}s missed the run, yet exit $3 ($FAULT_STATE)"
	fi
	if [ -n "$FAULT_PROBLEMS" ]; then
		bad=$((bad + 1)); echo "# $1 at ${2}s ($FAULT_STATE): $FAULT_PROBLEMS"
	fi
	fault_finish "$db" $ARGS
	fault_check "$db"
	if [ "$FAULT_UP_RC" != 0 ] || [ "$FAULT_STATE" != 30/0 ] || [ -n "$FAULT_PROBLEMS" ]; then
		unfinished=$((unfinished + 1))
		echo "# $1 at ${2}s: the next up did not finish (exit $FAULT_UP_RC): $(head -c 600 "$T_WORK/finish.out")"
	fi
}

# pg_terminate_backend of the runner's session
for d in $(fault_delays "$TERM_TRIALS" "$T"); do
	fault_reset "$db"
	"$MIGRATE" $ARGS up >"$T_WORK/f.out" 2>&1 &
	pid=$!
	sleep "$d"
	hit=$(psql_q -c "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'migrate' AND pid <> pg_backend_pid()) x WHERE t")
	wait $pid; rc=$?
	cat "$T_WORK/f.out" >>"$T_ALL_OUTPUT"
	[ "$hit" -gt 0 ] && hit=1
	after_fault "pg_terminate_backend" "$d" "$rc" "$hit"
done
term_hits=$hits
echo "# $TERM_TRIALS pg_terminate_backend trials, $term_hits struck the runner's session"

# a fast restart of the server while the run goes on (aimed at its first half)
hits=0
half=$(awk -v t="$T" 'BEGIN { printf "%.3f", t / 2 }')
for d in $(fault_delays "$RESTART_TRIALS" "$half"); do
	fault_reset "$db"
	"$MIGRATE" $ARGS up >"$T_WORK/f.out" 2>&1 &
	pid=$!
	sleep "$d"
	hit=0
	kill -0 $pid 2>/dev/null && hit=1
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -w -m fast restart >/dev/null 2>&1 ||
		echo "# the server did not restart"
	wait $pid; rc=$?
	cat "$T_WORK/f.out" >>"$T_ALL_OUTPUT"
	after_fault "restart" "$d" "$rc" "$hit"
done
echo "# $RESTART_TRIALS restarts, $hits while the runner was running"

expect_eq "$bad_rc" 0 "a runner whose connection was killed exits 1 or 3, never 0"
expect_eq "$bad" 0 "after every fault, schema and history agree"
expect_eq "$unfinished" 0 "after every fault, repair (if dirty) and up finish the job"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0 "no INVALID index at the end"
t_done
