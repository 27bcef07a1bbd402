#!/bin/sh
# tests/run.sh BINARY - command-level tests: the real binary against a real,
# throwaway PostgreSQL started here and stopped at the end.
set -u
MIGRATE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export MIGRATE
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
. "$TOP/tests/lib/pg.sh"
pg_start || { echo "could not start a throwaway PostgreSQL"; exit 1; }
trap 'pg_stop' EXIT INT TERM
export PG_TEST_PASSWORD
ALL_OUT=$(mktemp "${TMPDIR:-/tmp}/migrate-all.XXXXXX")
export T_ALL_OUTPUT=$ALL_OUT

pass=0; fail=0; failed_files=""
for t in "$TOP"/tests/cmd/*.sh ${TESTS_EXTRA:-}; do
	[ -f "$t" ] || continue
	case "${TEST_ONLY:-}" in ""|*"$(basename "$t" .sh)"*) ;; *) continue ;; esac
	echo "# $(basename "$t")"
	out=$(sh "$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -v '^ok ' || true
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	pass=$((pass + p)); fail=$((fail + f))
	[ "$f" != 0 ] && failed_files="$failed_files $(basename "$t")"
done
# Secrets: the test password never appears in anything the binary printed.
if grep -q -- "$PG_TEST_PASSWORD" "$ALL_OUT"; then
	echo "not ok - the test password appeared in the binary's output"; fail=$((fail + 1))
else
	echo "ok - the test password appears nowhere in $(wc -l <"$ALL_OUT") lines of output"; pass=$((pass + 1))
fi
rm -f "$ALL_OUT"
[ -n "$failed_files" ] && echo "# failing:$failed_files"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
