#!/bin/sh
# bench/lint.sh [BINARY] - lint throughput: statements per second and peak memory
# of `migrate lint`, and of squawk on the same files when it can be installed.
#
# Shapes, generated here (deterministic):
#   one file of 50,000 mixed migration statements         (STATEMENTS to change)
#   1,000 migration files of 10 statements each            (FILES x PER_FILE)
#   N up/down pairs, each up a CREATE TABLE, each down its DROP TABLE: every
#   down is linted against the model of all the ups before it (PAIRS, default
#   "1000 3000 10000"; migrate only)
#
# squawk: $SQUAWK if set, else `npm install squawk-cli` into a temporary
# directory; when that fails the comparison is skipped. RUNS (default 3) runs
# per measurement, the best one is reported. Not a test: it prints figures.
set -eu
BIN=${1:-build/migrate}
STATEMENTS=${STATEMENTS:-50000}
FILES=${FILES:-1000}
PER_FILE=${PER_FILE:-10}
RUNS=${RUNS:-3}
PAIRS=${PAIRS:-1000 3000 10000}
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

mkdir -p "$WORK/one" "$WORK/many"
gen 0 "$STATEMENTS" >"$WORK/one/big.up.sql"
i=1
while [ "$i" -le "$FILES" ]; do
	gen $((i * PER_FILE)) "$PER_FILE" >"$WORK/many/$(printf '%06d' "$i")_step_$i.up.sql"
	i=$((i + 1))
done
many_stmts=$((FILES * PER_FILE))

# measure NAME COUNT CMD...: best of RUNS: seconds and peak RSS (KB) into $secs $kb
measure() {
	name=$1 count=$2
	shift 2
	best_s= best_kb=
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		/usr/bin/time -f '%e %M %U %S' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || true
		s=$(tail -n 1 "$WORK/time" | awk '{print $1}')
		kb=$(tail -n 1 "$WORK/time" | awk '{print $2}')
		cpu=$(tail -n 1 "$WORK/time" | awk '{print $3 + $4}')
		if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
			best_s=$s best_kb=$kb best_cpu=$cpu
		fi
		r=$((r + 1))
	done
	secs=$best_s kb=$best_kb
	rate=$(awk -v n="$count" -v s="$secs" 'BEGIN { if (s < 0.005) s = 0.005; printf "%.0f", n / s }')
	printf '%-9s %-30s %7s s %8s stmts/s %7.1f MB peak %6s s CPU\n' "$name" "$shape" "$secs" \
		"$rate" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$best_cpu"
	eval "${name}_secs_$tag=\$secs ${name}_kb_$tag=\$kb"
}

echo "# lint throughput: $STATEMENTS statements in one file; $FILES files x $PER_FILE statements"
echo "# best of $RUNS run(s) by wall clock: seconds, statements per second, peak RSS, CPU (user+sys)"
shape="1 file, $STATEMENTS statements" tag=one
measure migrate "$STATEMENTS" "$BIN" lint --format json "$WORK/one/big.up.sql"
shape="$FILES files x $PER_FILE statements" tag=many
measure migrate "$many_stmts" "$BIN" lint --format json "$WORK/many"

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
	shape="$n up/down pairs" tag=pairs$n
	measure migrate $((2 * n)) "$BIN" lint --format json "$WORK/pairs$n"
	rm -rf "$WORK/pairs$n"
done

# --- squawk on the same files ---
SQ=${SQUAWK:-}
if [ -z "$SQ" ] && command -v npm >/dev/null 2>&1; then
	echo "# installing squawk-cli with npm into a temporary directory"
	if npm install --silent --no-audit --no-fund --prefix "$WORK/npm" squawk-cli >"$WORK/npm.log" 2>&1 &&
	   [ -x "$WORK/npm/node_modules/.bin/squawk" ]; then
		SQ=$WORK/npm/node_modules/.bin/squawk
	else
		echo "# npm install squawk-cli failed: comparison skipped"; sed 's/^/#   /' "$WORK/npm.log" | tail -5
	fi
fi
if [ -z "$SQ" ]; then
	echo "# squawk not available: comparison skipped"
	exit 0
fi
echo "# $("$SQ" --version 2>/dev/null || echo squawk)"
shape="1 file, $STATEMENTS statements" tag=one
measure squawk "$STATEMENTS" "$SQ" --reporter json "$WORK/one/big.up.sql"
shape="$FILES files x $PER_FILE statements" tag=many
measure squawk "$many_stmts" "$SQ" --reporter json "$WORK"/many/*.sql

for tag in one many; do
	eval "m=\$migrate_secs_$tag s=\$squawk_secs_$tag mk=\$migrate_kb_$tag sk=\$squawk_kb_$tag"
	awk -v m="$m" -v s="$s" -v mk="$mk" -v sk="$sk" -v tag="$tag" 'BEGIN {
		if (m < 0.005) m = 0.005;
		printf "ratio     %-34s migrate is %.1fx faster than squawk, uses %.2fx its memory\n",
			tag == "one" ? "1 file" : "many files", s / m, mk / sk }'
done
