# tests/lib/t.sh - a tiny command-test library: run the real binary, check what it
# printed, its exit code and what the database holds. Sourced by tests/cmd/*.sh.
# Each check prints "ok N - ..." or "not ok N - ..."; t_done prints the totals.

T_PASS=0
T_FAIL=0
T_N=0
T_OUT=
T_ERR=
T_RC=
T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/migrate-t.XXXXXX")
T_ALL_OUTPUT=${T_ALL_OUTPUT:-$T_WORK/all-output}

t_ok() {
	T_N=$((T_N + 1)); T_PASS=$((T_PASS + 1))
	echo "ok $T_N - $1"
}

t_not_ok() {
	T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
	echo "#   exit: $T_RC"
	echo "#   stdout: $(head -c 2000 "$T_WORK/out")"
	echo "#   stderr: $(head -c 2000 "$T_WORK/err")"
}

# Run the binary: run ARGS...; sets T_RC, T_OUT, T_ERR.
run() {
	"$MIGRATE" "$@" >"$T_WORK/out" 2>"$T_WORK/err" </dev/null
	T_RC=$?
	T_OUT=$(cat "$T_WORK/out")
	T_ERR=$(cat "$T_WORK/err")
	# every output is kept, so a suite can check secrets never leak
	{ cat "$T_WORK/out" "$T_WORK/err"; } >>"$T_ALL_OUTPUT"
	return 0
}

expect_rc() { # expect_rc CODE DESC
	if [ "$T_RC" = "$1" ]; then t_ok "$2 (exit $1)"; else t_not_ok "$2" "expected exit $1"; fi
}

expect_out() { # expect_out REGEX DESC
	if printf '%s' "$T_OUT" | grep -Eq -- "$1"; then t_ok "$2"; else t_not_ok "$2" "stdout should match: $1"; fi
}

expect_err() { # expect_err REGEX DESC
	if printf '%s' "$T_ERR" | grep -Eq -- "$1"; then t_ok "$2"; else t_not_ok "$2" "stderr should match: $1"; fi
}

expect_no() { # expect_no REGEX DESC  (neither stdout nor stderr)
	if printf '%s\n%s' "$T_OUT" "$T_ERR" | grep -Eq -- "$1"; then t_not_ok "$2" "output must not match: $1"; else t_ok "$2"; fi
}

expect_eq() { # expect_eq ACTUAL EXPECTED DESC
	if [ "$1" = "$2" ]; then t_ok "$3"; else t_not_ok "$3" "expected: $2" "actual:   $1"; fi
}

t_done() {
	[ -n "${T_BACKUP_NAMES:-}" ] && find "$T_WORK" -name '*.dump*' >>"$T_BACKUP_NAMES"
	rm -rf "$T_WORK"
	echo "# $(basename "$0"): $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ]
}
