#!/bin/sh
# bench/lint.sh [BINARY] - lint speed and memory of `migrate lint`, side by side with
# squawk on the same files, in one run: the median wall time, peak RSS (both from
# /usr/bin/time -v) and CPU time of RUNS runs of each.
#
# Shapes, generated here (deterministic):
#   one file of 50,000 mixed migration statements         (STATEMENTS to change)
#   1,000 migration files of 10 statements each            (FILES x PER_FILE)
#   one file of BIG_MB megabytes of the same statements    (BIG_MB, default 0: skipped;
#     issue 11 asks a 200 MB file under 500 MB peak; RUNS_BIG runs, default 1)
#   N up/down pairs, each up a CREATE TABLE, each down its DROP TABLE: every
#   down is linted against the model of all the ups before it (PAIRS, default
#   "1000 3000 10000"; migrate only; PAIRS=none skips them)
#
# squawk: $SQUAWK if set, else `npm install squawk-cli` into a temporary
# directory; when that fails the comparison is skipped. RUNS (default 5) runs per
# measurement. Not a test: it prints figures. The machine's load counts: the load
# average is printed, and CPU seconds (user+sys) next to each wall time.
set -eu
BIN=${1:-build/migrate}
STATEMENTS=${STATEMENTS:-50000}
FILES=${FILES:-1000}
PER_FILE=${PER_FILE:-10}
RUNS=${RUNS:-5}
RUNS_BIG=${RUNS_BIG:-1}
BIG_MB=${BIG_MB:-0}
PAIRS=${PAIRS:-1000 3000 10000}
[ "$PAIRS" = none ] && PAIRS=
[ -x "$BIN" ] || { echo "$0: no binary at $BIN (run make first)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x /usr/bin/time ] || { echo "$0: needs GNU time (/usr/bin/time)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/migrate-bench-lint.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# --- the corpus: statements shaped like real migrations, dangerous and safe ---
# statement K (K >= 0) on table t(J); awk keeps it fast and deterministic.
gen() { # gen FIRST COUNT
	awk -v first="$1" -v count="$2" 'BEGIN {
		srand(42 + first);
		for (k = first; k < first + count; k++) {
			j = int(rand() * 500); m = k % 20;
			if (m == 0)  printf "CREATE TABLE t%d_%d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, email varchar(255), created_at timestamptz NOT NULL DEFAULT now());\n", j, k;
			else if (m == 1)  printf "ALTER TABLE t%d ADD COLUMN c%d text;\n", j, k;
			else if (m == 2)  printf "ALTER TABLE t%d ADD COLUMN d%d uuid DEFAULT gen_random_uuid();\n", j, k;
			else if (m == 3)  printf "CREATE INDEX t%d_idx%d ON t%d (created_at);\n", j, k, j;
			else if (m == 4)  printf "ALTER TABLE t%d ALTER COLUMN name SET NOT NULL;\n", j;
			else if (m == 5)  printf "UPDATE t%d SET name = lower(name) WHERE id BETWEEN %d AND %d;\n", j, k, k + 1000;
			else if (m == 6)  printf "ALTER TABLE t%d ADD CONSTRAINT t%d_c%d CHECK (id > 0) NOT VALID;\n", j, j, k;
			else if (m == 7)  printf "COMMENT ON TABLE t%d IS '\''table %d; not a statement: DROP TABLE t%d'\'';\n", j, k, j;
			else if (m == 8)  printf "INSERT INTO t%d (name, email) VALUES ('\''a'\'', '\''a@example.com'\''), ('\''b'\'', NULL);\n", j;
			else if (m == 9)  printf "ALTER TABLE t%d ADD CONSTRAINT t%d_fk%d FOREIGN KEY (owner_id) REFERENCES t%d (id);\n", j, j, k, (j + 1) % 500;
			else if (m == 10) printf "ALTER TABLE t%d ALTER COLUMN email TYPE varchar(320);\n", j;
			else if (m == 11) printf "ALTER TABLE t%d RENAME COLUMN c%d TO renamed_%d;\n", j, k - 10, k;
			else if (m == 12) printf "ALTER TABLE t%d DROP COLUMN IF EXISTS c%d;\n", j, k - 11;
			else if (m == 13) printf "CREATE TABLE e%d (id bigserial PRIMARY KEY, payload json, at timestamp);\n", k;
			else if (m == 14) printf "ALTER TABLE t%d VALIDATE CONSTRAINT t%d_c%d;\n", j, j, k - 8;
			else if (m == 15) printf "ALTER TABLE t%d ADD COLUMN n%d integer NOT NULL DEFAULT 0;\n", j, k;
			else if (m == 16) printf "CREATE OR REPLACE FUNCTION f%d() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$;\n", k;
			else if (m == 17) printf "DELETE FROM t%d WHERE created_at < now() - interval '\''90 days'\'';\n", j;
			else if (m == 18) printf "ALTER TABLE t%d ALTER COLUMN name SET DEFAULT '\''unnamed'\'';\n", j;
			else              printf "DROP INDEX IF EXISTS t%d_idx%d;\n", j, k - 16;
		}
	}'
}

mkdir -p "$WORK/one" "$WORK/many" "$WORK/big"
gen 0 "$STATEMENTS" >"$WORK/one/big.up.sql"
i=1
while [ "$i" -le "$FILES" ]; do
	gen $((i * PER_FILE)) "$PER_FILE" >"$WORK/many/$(printf '%06d' "$i")_step_$i.up.sql"
	i=$((i + 1))
done
if [ "$BIG_MB" -gt 0 ]; then
	k=0 # 50,000 statements at a time until the file has BIG_MB megabytes
	while [ ! -f "$WORK/big/big.up.sql" ] ||
	      [ "$(wc -c <"$WORK/big/big.up.sql")" -lt $((BIG_MB * 1024 * 1024)) ]; do
		gen $((k * 50000)) 50000 >>"$WORK/big/big.up.sql"
		k=$((k + 1))
	done
fi

# measure NAME TAG RUNS CMD...: the medians of RUNS runs (wall s, peak KB, CPU s)
# into ${NAME}_secs_$TAG, ${NAME}_kb_$TAG, ${NAME}_cpu_$TAG
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
measure() {
	name=$1 tag=$2 runs=$3
	shift 3
	: >"$WORK/runs"
	r=0
	while [ "$r" -lt "$runs" ]; do
		# wall time from the clock in ns (time -v's is in hundredths: 10 % of a 0.1 s run)
		t0=$(date +%s%N)
		/usr/bin/time -v -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || true
		t1=$(date +%s%N)
		awk -F': ' -v ns=$((t1 - t0)) '/Maximum resident set size/ { kb = $2 }
			/User time/ { u = $2 } /System time/ { y = $2 }
			END { printf "%.4f %s %s\n", ns / 1e9, kb, u + y }' "$WORK/time" >>"$WORK/runs"
		r=$((r + 1))
	done
	eval "${name}_secs_$tag=$(awk '{ print $1 }' "$WORK/runs" | median)"
	eval "${name}_kb_$tag=$(awk '{ print $2 }' "$WORK/runs" | median)"
	eval "${name}_cpu_$tag=$(awk '{ print $3 }' "$WORK/runs" | median)"
}

# row TAG SHAPE: one line, migrate and squawk (when measured) side by side
row() {
	eval "ms=\${migrate_secs_$1:-} mk=\${migrate_kb_$1:-} mc=\${migrate_cpu_$1:-}"
	eval "ss=\${squawk_secs_$1:-} sk=\${squawk_kb_$1:-} sc=\${squawk_cpu_$1:-}"
	awk -v shape="$2" -v ms="$ms" -v mk="$mk" -v mc="$mc" -v ss="$ss" -v sk="$sk" -v sc="$sc" 'BEGIN {
		printf "%-28s %7.3f s %8.1f MB %7.2f s", shape, ms, mk / 1024, mc;
		if (ss != "")
			printf " | %7.3f s %8.1f MB %7.2f s | %5.2f %5.2f", ss, sk / 1024, sc,
				ms / (ss > 0 ? ss : 0.001), mk / (sk > 0 ? sk : 1);
		printf "\n" }'
}

measure migrate one "$RUNS" "$BIN" lint --format json "$WORK/one/big.up.sql"
measure migrate many "$RUNS" "$BIN" lint --format json "$WORK/many"
[ "$BIG_MB" -gt 0 ] && measure migrate big "$RUNS_BIG" "$BIN" lint --format json "$WORK/big/big.up.sql"

# --- up/down pairs: the cost of a down must not grow with the model before it ---
for n in $PAIRS; do
	mkdir -p "$WORK/pairs$n"
	awk -v n="$n" -v dir="$WORK/pairs$n" 'BEGIN {
		for (i = 1; i <= n; i++) {
			f = sprintf("%s/2026110100%05d_m%d", dir, i, i);
			printf "CREATE TABLE t%d (id bigint PRIMARY KEY, name text);\n", i > (f ".up.sql");
			close(f ".up.sql");
			printf "DROP TABLE t%d;\n", i > (f ".down.sql");
			close(f ".down.sql");
		}
	}'
	measure migrate "pairs$n" "$RUNS" "$BIN" lint --format json "$WORK/pairs$n"
	rm -rf "$WORK/pairs$n"
done

# --- squawk on the same files ---
SQ=${SQUAWK:-}
if [ -z "$SQ" ] && command -v npm >/dev/null 2>&1; then
	if npm install --silent --no-audit --no-fund --prefix "$WORK/npm" squawk-cli >"$WORK/npm.log" 2>&1 &&
	   [ -x "$WORK/npm/node_modules/.bin/squawk" ]; then
		SQ=$WORK/npm/node_modules/.bin/squawk
	else
		echo "# npm install squawk-cli failed: comparison skipped"; sed 's/^/#   /' "$WORK/npm.log" | tail -5
		SQ=
	fi
fi
if [ -n "$SQ" ]; then
	measure squawk one "$RUNS" "$SQ" --reporter json "$WORK/one/big.up.sql"
	measure squawk many "$RUNS" "$SQ" --reporter json "$WORK"/many/*.sql
	[ "$BIG_MB" -gt 0 ] && measure squawk big "$RUNS_BIG" "$SQ" --reporter json "$WORK/big/big.up.sql"
fi

echo "# migrate lint --format json vs squawk --reporter json: medians of $RUNS runs${SQ:+ (}${SQ:+$("$SQ" --version 2>/dev/null))}"
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) on $(getconf _NPROCESSORS_ONLN 2>/dev/null) CPUs"
printf '%-28s %-33s' "# shape" "migrate: wall, peak RSS, CPU"
[ -n "$SQ" ] && printf ' | %-33s | %s' "squawk: wall, peak RSS, CPU" "ratio: wall, memory"
printf '\n'
row one "1 file, $STATEMENTS statements"
row many "$FILES files x $PER_FILE statements"
[ "$BIG_MB" -gt 0 ] && row big "1 file, $BIG_MB MB"
for n in $PAIRS; do row "pairs$n" "$n up/down pairs"; done
exit 0
