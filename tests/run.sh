#!/bin/sh
# tests/run.sh BINARY - command-level tests: the real binary against real, throwaway
# PostgreSQL servers started here and stopped at the end.
#
# The test files run in TEST_JOBS workers at once (default: the number of CPUs, at
# least 2, at most 4). Each worker starts a server of its own and takes the next file
# nobody has taken yet (longest first), so no two files ever share a server. Output is
# printed per file, in file-name order, whatever the order the files finished in.
# TEST_ONLY="a b" runs only the files whose names (without .sh) appear in it.
set -u
MIGRATE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export MIGRATE
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
. "$TOP/tests/lib/pg.sh"
export PG_TEST_PASSWORD
# the server's own client programs (pg_dump, pg_restore) come first
PATH=$PG_BIN:$PATH
export PATH
RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/migrate-run.XXXXXX")
T_ALL_OUTPUT=$RUN_TMP/all-output; : >"$T_ALL_OUTPUT"
# every backup file name any test made, for the secrets check
T_BACKUP_NAMES=$RUN_TMP/backup-names; : >"$T_BACKUP_NAMES"
export T_ALL_OUTPUT T_BACKUP_NAMES
mkdir "$RUN_TMP/claims" "$RUN_TMP/out" "$RUN_TMP/work"
# the server's programs (run as postgres) start in a test's directory: let them in
chmod 755 "$RUN_TMP"

# The files to run, the slow ones first so that no worker is left with a long one at the end.
SLOW_FIRST="badinput fault_kill fault_conn example fault_concurrent observe rehearse fleet fault_signal_random fleet_databases fault_signal failure backup pgbouncer plan docs_options"
list_tests() {
	for s in $SLOW_FIRST; do
		[ -f "$TOP/tests/cmd/$s.sh" ] && echo "$TOP/tests/cmd/$s.sh"
	done
	for t in "$TOP"/tests/cmd/*.sh ${TESTS_EXTRA:-}; do
		[ -f "$t" ] || continue
		case " $SLOW_FIRST " in *" $(basename "$t" .sh) "*) continue ;; esac
		echo "$t"
	done
}
selected() {
	[ -z "${TEST_ONLY:-}" ] && return 0
	case "$TEST_ONLY" in *"$(basename "$1" .sh)"*) return 0 ;; esac
	return 1
}

# After a worker's files: the test password in no row of any audit log table of its server.
scan_audit_logs() { # scan_audit_logs WORKER
	leaks=0; logs=0
	list=$RUN_TMP/audit-tables.$1 # one list per worker
	psql_q -d postgres -c "SELECT datname FROM pg_database WHERE datallowconn AND datname NOT IN ('template1')" >"$list.db"
	while IFS= read -r d; do
		# one table a line, quoted: a schema named "tenant x" is one name
		psql_q -d "$d" -c "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.columns WHERE column_name = 'run_id' AND table_name LIKE '%\_log'" >"$list" 2>/dev/null # gone since: nothing to scan
		while IFS= read -r tbl; do
			[ -n "$tbl" ] || continue
			logs=$((logs + 1))
			n=$(psql_q -d "$d" -c "SELECT count(*) FROM $tbl t WHERE strpos(t::text, '$PG_TEST_PASSWORD') > 0" 2>/dev/null)
			leaks=$((leaks + ${n:-0}))
		done <"$list"
	done <"$list.db"
	rm -f "$list" "$list.db"
	echo "$logs $leaks"
}

worker() { # worker N: its own server, then every file not yet claimed
	base=${PG_TEST_PORT:-$((50000 + $$ % 9000))}
	PG_TEST_PORT=$((base + $1 * 10)); export PG_TEST_PORT
	pg_start || { echo "could not start a throwaway PostgreSQL" >"$RUN_TMP/out/start-$1"; return 1; }
	trap 'pg_stop' EXIT
	trap 'exit 130' INT TERM
	export PG_TMP
	for t in $(list_tests); do
		selected "$t" || continue
		name=$(basename "$t" .sh)
		mkdir "$RUN_TMP/claims/$name" 2>/dev/null || continue
		# each test file runs in a directory of its own: backups/ and the like land there
		tdir="$RUN_TMP/work/$name"; mkdir -p "$tdir"
		start=$(date +%s)
		(cd "$tdir" && sh "$t") >"$RUN_TMP/out/$name" 2>&1
		echo "$? $(($(date +%s) - start))" >"$RUN_TMP/out/$name.rc"
		find "$tdir" -name '*.dump*' >>"$T_BACKUP_NAMES"
	done
	scan_audit_logs "$1" >"$RUN_TMP/out/audit-$1"
}

JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$JOBS" -lt 2 ] && JOBS=2
[ "$JOBS" -gt 4 ] && JOBS=4
pids=""
i=0
while [ $i -lt "$JOBS" ]; do
	worker "$i" &
	pids="$pids $!"
	i=$((i + 1))
done
trap 'kill $pids 2>/dev/null; wait; rm -rf "$RUN_TMP"; exit 130' INT TERM
wait

pass=0; fail=0; failed_files=""
for t in "$TOP"/tests/cmd/*.sh ${TESTS_EXTRA:-}; do
	name=$(basename "$t" .sh)
	[ -f "$RUN_TMP/out/$name.rc" ] || continue
	read -r rc secs <"$RUN_TMP/out/$name.rc"
	echo "# $name.sh (${secs}s)"
	out="$RUN_TMP/out/$name"
	grep -v '^ok ' "$out" || true
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	pass=$((pass + p)); fail=$((fail + f))
	[ "$f" != 0 ] && failed_files="$failed_files $name.sh"
done
for s in "$RUN_TMP"/out/start-*; do
	[ -f "$s" ] || continue
	cat "$s"; fail=$((fail + 1))
done
# Secrets: the test password never appears in anything the binary printed.
if grep -q -- "$PG_TEST_PASSWORD" "$T_ALL_OUTPUT"; then
	echo "not ok - the test password appeared in the binary's output"; fail=$((fail + 1))
else
	echo "ok - the test password appears nowhere in $(wc -l <"$T_ALL_OUTPUT") lines of output"; pass=$((pass + 1))
fi
# Under SANITIZE=address,undefined: no sanitizer report (a leak, an overflow, undefined
# behaviour) in anything the binary printed, exit codes aside
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T_ALL_OUTPUT"; then
	echo "not ok - a sanitizer reported a problem:"; grep -E -A3 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T_ALL_OUTPUT" | head -40
	fail=$((fail + 1))
else
	echo "ok - no sanitizer report in the binary's output"; pass=$((pass + 1))
fi
# ... nor in any audit log table of any test database ...
logs=0; leaks=0
for a in "$RUN_TMP"/out/audit-*; do
	[ -f "$a" ] || continue
	read -r l k <"$a"
	logs=$((logs + l)); leaks=$((leaks + k))
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
rm -rf "$RUN_TMP"
[ -n "$failed_files" ] && echo "# failing:$failed_files"
echo "$pass passed, $fail failed ($JOBS workers)"
[ "$fail" = 0 ]
