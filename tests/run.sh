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
export PG_TEST_PASSWORD PG_TMP
# the server's own client programs (pg_dump, pg_restore) come first
PATH=$PG_BIN:$PATH
export PATH
ALL_OUT=$(mktemp "${TMPDIR:-/tmp}/migrate-all.XXXXXX")
export T_ALL_OUTPUT=$ALL_OUT
# every backup file name any test made, for the secrets check
T_BACKUP_NAMES=$(mktemp "${TMPDIR:-/tmp}/migrate-backups.XXXXXX")
export T_BACKUP_NAMES
RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/migrate-run.XXXXXX")

# run from a scratch directory: what the binary writes by default (backups/) stays out of the tree
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/migrate-run.XXXXXX")
cd "$RUN_DIR" || exit 1
pass=0; fail=0; failed_files=""
for t in "$TOP"/tests/cmd/*.sh ${TESTS_EXTRA:-}; do
	[ -f "$t" ] || continue
	case "${TEST_ONLY:-}" in ""|*"$(basename "$t" .sh)"*) ;; *) continue ;; esac
	echo "# $(basename "$t")"
	# each test file runs in a directory of its own: backups/ and the like land there
	tdir="$RUN_TMP/$(basename "$t" .sh)"; mkdir -p "$tdir"
	out=$(cd "$tdir" && sh "$t" 2>&1); rc=$?
	find "$tdir" -name '*.dump*' >>"$T_BACKUP_NAMES"
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
# Under SANITIZE=address,undefined: no sanitizer report (a leak, an overflow, undefined
# behaviour) in anything the binary printed, exit codes aside
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$ALL_OUT"; then
	echo "not ok - a sanitizer reported a problem:"; grep -E -A3 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$ALL_OUT" | head -40
	fail=$((fail + 1))
else
	echo "ok - no sanitizer report in the binary's output"; pass=$((pass + 1))
fi
# ... nor in any audit log table of any test database ...
leaks=0; logs=0
for d in $(psql_q -d postgres -c "SELECT datname FROM pg_database WHERE datallowconn AND datname NOT IN ('template1')"); do
	for tbl in $(psql_q -d "$d" -c "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.columns WHERE column_name = 'run_id' AND table_name LIKE '%\_log'"); do
		logs=$((logs + 1))
		n=$(psql_q -d "$d" -c "SELECT count(*) FROM $tbl t WHERE strpos(t::text, '$PG_TEST_PASSWORD') > 0")
		leaks=$((leaks + n))
	done
done
if [ "$leaks" = 0 ]; then
	echo "ok - the test password appears in no row of $logs audit log tables"; pass=$((pass + 1))
else
	echo "not ok - the test password appears in $leaks audit log rows"; fail=$((fail + 1))
fi
# ... nor in the name of any backup file
if grep -q -- "$PG_TEST_PASSWORD" "$T_BACKUP_NAMES"; then
	echo "not ok - the test password appears in a backup file name"; fail=$((fail + 1))
else
	echo "ok - the test password appears in none of $(sort -u "$T_BACKUP_NAMES" | wc -l) backup file names"; pass=$((pass + 1))
fi
rm -rf "$ALL_OUT" "$T_BACKUP_NAMES" "$RUN_TMP"
[ -n "$failed_files" ] && echo "# failing:$failed_files"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
