#!/bin/sh
# bench/resources.sh [BINARY] - time and peak memory of migrate on inputs that are large in
# one dimension (issue 11.20). Prints figures; asserts nothing. No server needed.
#
#   config: migrate.yml of ~200 KB nested 100,000 flow levels deep ([[[...]]]), and of
#           ~200 KB wide (10,000 rule levels): the loader must not be quadratic
#   lint:   one file of SIZE_MB (default 200) MB of migration statements
#   plan:   plan --offline --format json (and text) of NFILES (default 100,000) files
#
# Peak memory is GNU time's "Maximum resident set size". Targets (issue 11.20): the
# 200 MB lint under 500 MB peak; memory a small multiple of the largest statement.
set -eu
BIN=${1:-build/migrate}
SIZE_MB=${SIZE_MB:-200}
NFILES=${NFILES:-100000}
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

awk 'BEGIN { printf "lint:\n  rules: "; for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' >deep.yml
awk 'BEGIN { print "lint:\n  rules:"; for (i = 0; i < 10000; i++) printf "    rule-%d: warning\n", i }' >wide.yml
echo "# config ($(wc -c <deep.yml) and $(wc -c <wide.yml) bytes)"
measure "migrate.yml nested 100,000 levels (refused)" "$BIN" -c deep.yml --dir empty status --offline
measure "migrate.yml with 10,000 rule levels" "$BIN" -c wide.yml --dir empty lint

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
