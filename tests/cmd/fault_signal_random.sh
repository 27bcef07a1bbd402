# Signalled runner: SIGINT or SIGTERM (alternately) to "migrate up" at random moments of a
# 30-migration run (backup included). Migrate cancels what it sent and exits 130 / 143 (or
# dies at once between steps, with nothing in flight). Right after it ends, schema,
# history and locks agree, and stay so (nothing commits later); an application session is
# not blocked; repair (when dirty) and up finish the job.
# FAULT_SIGNAL_TRIALS (default 6) sets the number of trials; tests/stress/run.sh runs 200.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/fault.sh"

TRIALS=${FAULT_SIGNAL_TRIALS:-6}
db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; fault_project "$D"
B="$T_WORK/b"
printf 'backup:\n  dir: %s\n  keep: 3\n' "$B" >"$T_WORK/m.yml"
ARGS="-c $T_WORK/m.yml --dir $D -q"

T=$(fault_run_seconds "$MIGRATE" $ARGS up)
fault_check "$db"
expect_eq "$FAULT_STATE $FAULT_PROBLEMS" "30/0 " "an uninterrupted run applies all 30"
echo "# an uninterrupted run takes ${T}s; signal moments drawn from [0, ${T}s), seed $FAULT_SEED"

bad=0; later=0; badrc=0; blocked=0; unfinished=0; leftover_dump=0; n=0; cancelled=0
for d in $(fault_delays "$TRIALS" "$T"); do
	n=$((n + 1))
	sig=INT; want=130
	[ $((n % 2)) = 0 ] && { sig=TERM; want=143; }
	fault_reset "$db"
	env --default-signal=INT,TERM "$MIGRATE" $ARGS up >"$T_WORK/k.out" 2>&1 &
	pid=$!
	sleep "$d"
	kill -$sig $pid 2>/dev/null
	wait $pid; rc=$?
	cat "$T_WORK/k.out" >>"$T_ALL_OUTPUT"
	case $rc in 0|$want) ;; *) badrc=$((badrc + 1)); echo "# trial $n (SIG$sig at ${d}s): exit $rc: $(head -c 400 "$T_WORK/k.out")" ;; esac
	grep -q "canceling statement due to user request" "$T_WORK/k.out" && cancelled=$((cancelled + 1))
	sleep 0.02
	[ "$(fault_live_pg_dump)" = 0 ] || leftover_dump=$((leftover_dump + 1))
	fault_wait_idle "$db" || { bad=$((bad + 1)); echo "# trial $n: the runner's sessions never went away"; }
	fault_check "$db"
	first="$FAULT_STATE $FAULT_PROBLEMS"
	[ -n "$FAULT_PROBLEMS" ] && { bad=$((bad + 1)); echo "# trial $n (SIG$sig at ${d}s, $FAULT_STATE): $FAULT_PROBLEMS"; }
	# an application takes the strongest lock on every table at once: nothing is held
	psql_q -c "SET lock_timeout = '5s'; BEGIN; DO \$\$ DECLARE r record; BEGIN FOR r IN SELECT oid::regclass AS t FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' LOOP EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', r.t); END LOOP; END \$\$; COMMIT" >/dev/null 2>&1 \
		|| { blocked=$((blocked + 1)); echo "# trial $n: an application session was blocked"; }
	sleep 0.2
	fault_check "$db"
	[ "$FAULT_STATE $FAULT_PROBLEMS" = "$first" ] || { later=$((later + 1)); echo "# trial $n: changed after the runner ended: $first -> $FAULT_STATE $FAULT_PROBLEMS"; }
	fault_finish "$db" $ARGS
	fault_check "$db"
	if [ "$FAULT_UP_RC" != 0 ] || [ "$FAULT_STATE" != "30/0" ] || [ -n "$FAULT_PROBLEMS" ]; then
		unfinished=$((unfinished + 1))
		echo "# trial $n: the next up did not finish (exit $FAULT_UP_RC): $(head -c 600 "$T_WORK/finish.out")"
	fi
done
echo "# $TRIALS signals: $cancelled cancelled a statement in flight"
expect_eq "$badrc" 0 "each signalled run exits 0 (done before), 130 (SIGINT) or 143 (SIGTERM)"
expect_eq "$bad" 0 "after each signal, schema and history agree and the runner's sessions are gone"
expect_eq "$blocked" 0 "after each signal, an application session takes every lock"
expect_eq "$later" 0 "nothing commits after the runner ended"
expect_eq "$leftover_dump" 0 "a signalled runner never leaves pg_dump running"
expect_eq "$unfinished" 0 "after each signal, repair (if dirty) and up finish the job"
t_done
