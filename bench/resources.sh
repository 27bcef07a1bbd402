#!/bin/sh
# bench/resources.sh [BINARY] - time and peak memory of migrate on inputs that are large in
# one dimension (issue 11.20). Prints figures; asserts nothing. No server needed.
#
#   config: migrate.yml of ~200 KB nested 100,000 flow levels deep ([[[...]]]), ~180 KB
#           indented 600 levels deep, ~230 KB and ~950 KB wide (10,000 and 40,000 keys
#           under lint.rules): the loader must not be quadratic in depth or width
#   lint:   one file of SIZE_MB (default 200) MB of migration statements
#   plan:   plan --offline --format json (and text) of NFILES (default 100,000) files
#
# Peak memory is GNU time's "Maximum resident set size". Targets (issue 11.20): the
# 200 MB lint under 500 MB peak; memory a small multiple of the largest statement.
# BENCH_ONLY="config plan" (default "config lint plan") picks the parts.
set -eu
BIN=${1:-build/migrate}
SIZE_MB=${SIZE_MB:-200}
NFILES=${NFILES:-100000}
BENCH_ONLY=${BENCH_ONLY:-config lint plan}
[ -x "$BIN" ] || { echo "$0: no binary at $BIN (run make first)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x /usr/bin/time ] || { echo "$0: needs GNU time (/usr/bin/time)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/migrate-bench-res.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK"
mkdir empty

# measure LABEL CMD...: elapsed seconds, peak RSS and exit status of one run
measure() {
	label=$1; shift
	/usr/bin/time -v -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" && st=0 || st=$?
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time")
	printf '%-44s %10s  peak %7d MB  exit %s\n' "$label" "$wall" "$((rss / 1024))" "$st"
}

part() { case " $BENCH_ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

if part config; then
awk 'BEGIN { printf "lint:\n  rules: "; for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' >deep.yml
awk 'BEGIN { printf "x:\n"; for (i = 1; i < 600; i++) { for (j = 0; j < i; j++) printf " "; printf "k%d:\n", i } }' >indented.yml
awk 'BEGIN { print "lint:\n  rules:"; for (i = 0; i < 10000; i++) printf "    rule-%d: warning\n", i }' >wide.yml
awk 'BEGIN { print "lint:\n  rules:"; for (i = 0; i < 40000; i++) printf "    rule-%d: warning\n", i }' >wider.yml
echo "# config ($(wc -c <deep.yml), $(wc -c <indented.yml), $(wc -c <wide.yml) and $(wc -c <wider.yml) bytes)"
# lint of an empty directory: the command that reads the whole config and nothing else
measure "migrate.yml nested 100,000 levels (refused)" "$BIN" -c deep.yml --dir empty lint
measure "migrate.yml indented 600 levels (refused)" "$BIN" -c indented.yml --dir empty lint
measure "migrate.yml with 10,000 rule levels" "$BIN" -c wide.yml --dir empty lint
measure "migrate.yml with 40,000 rule levels" "$BIN" -c wider.yml --dir empty lint
fi

if part lint; then
# one large file: the same mix of statements, numbered, until SIZE_MB
awk -v mb="$SIZE_MB" 'BEGIN {
	limit = mb * 1024 * 1024
	while (n < limit) {
		k++
		s = sprintf("CREATE TABLE t%d (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());\nCREATE INDEX CONCURRENTLY t%d_name ON t%d (name);\nALTER TABLE t%d ADD COLUMN note text;\nUPDATE t%d SET note = '\''x'\'' WHERE id < 1000;\n", k, k, k, k, k)
		printf "%s", s
		n += length(s)
	}
}' >big.sql
echo "# lint of one file of $(($(wc -c <big.sql) / 1048576)) MB"
measure "lint big.sql" "$BIN" lint big.sql

fi

if part plan; then
mkdir many
awk -v n="$NFILES" -v d=many 'BEGIN {
	for (i = 1; i <= n; i++) {
		f = sprintf("%s/%d_m%d.up.sql", d, i, i)
		printf "CREATE TABLE t%d (id bigint PRIMARY KEY);\n", i >f
		close(f)
	}
}'
echo "# plan --offline of $NFILES files"
measure "plan --offline --format json" "$BIN" --dir many plan --offline --format json
measure "plan --offline (text)" "$BIN" --dir many plan --offline
# large items: BIG_FILES (default 200) files of one 1 MB INSERT each; the plan holds one
# at a time, the loader (sql/migration.c) still holds every file's text (see README)
mkdir big
head -c 1048576 /dev/zero | tr '\0' x >pad
i=0
while [ $i -lt "${BIG_FILES:-200}" ]; do
	i=$((i + 1))
	{ printf "INSERT INTO t VALUES (%d, '" $i; cat pad; printf "');\n"; } >"big/${i}_b$i.up.sql"
done
echo "# plan --offline of ${BIG_FILES:-200} files of 1 MB"
measure "plan --offline --format json, 1 MB files" "$BIN" --dir big plan --offline --format json
fi
