# tests/lib/bg.sh - migrate in the background, to be killed or interrupted half way.
# Sourced after t.sh and pg.sh.

# bg ARGS...: migrate in the background, with SIGINT not ignored (as a terminal would); PID
bg() {
	env --default-signal=INT,TERM "$MIGRATE" "$@" >"$T_WORK/out" 2>"$T_WORK/err" </dev/null &
	PID=$!
}
# finish: wait for it; T_RC, T_OUT, T_ERR as run sets them
finish() {
	wait $PID; T_RC=$?
	T_OUT=$(cat "$T_WORK/out"); T_ERR=$(cat "$T_WORK/err")
	cat "$T_WORK/out" "$T_WORK/err" >>"$T_ALL_OUTPUT"
}
# until_true SQL: until SQL prints t, at most 30 s
until_true() {
	_i=0
	while [ "$(psql_q -c "$1")" != t ] && [ $_i -lt 300 ]; do sleep 0.1; _i=$((_i + 1)); done
}
