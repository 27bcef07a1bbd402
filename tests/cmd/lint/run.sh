#!/bin/sh
# tests/cmd/lint/run.sh BINARY - `migrate lint` against fixture files, output
# compared with golden files in expected/ for every format. Needs no database.
#
#   UPDATE=1 sh tests/cmd/lint/run.sh build/migrate   rewrite the golden files
set -u
[ $# -eq 1 ] || { echo "usage: $0 BINARY" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
cd "$HERE" || exit 2
unset NO_COLOR DATABASE_URL
TMP=$(mktemp -d "${TMPDIR:-/tmp}/migrate-lint-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }

# The version in SARIF changes with every release: keep it out of the golden files.
normalize() { sed -e 's/^\(      *"version": \)"[0-9][^"]*"/\1"VERSION"/'; }

# golden NAME WANT_RC ARGS...: run lint, compare stdout with expected/NAME and the exit status.
golden() {
	name=$1 want=$2
	shift 2
	"$BIN" lint "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	normalize <"$TMP/out" >"$TMP/out.n"
	if [ "${UPDATE:-}" = 1 ]; then
		cp "$TMP/out.n" "expected/$name"
	fi
	if [ "$rc" != "$want" ]; then
		not_ok "$name: exit status $rc, want $want"
		sed 's/^/# /' "$TMP/err"
	elif ! diff -u "expected/$name" "$TMP/out.n" >"$TMP/diff"; then
		not_ok "$name: output differs from expected/$name"
		sed 's/^/# /' "$TMP/diff" | head -40
	else
		ok "$name"
	fi
}

# expect NAME WANT_RC PATTERN ARGS...: exit status and a line of stdout+stderr matching PATTERN.
expect() {
	name=$1 want=$2 pattern=$3
	shift 3
	"$BIN" lint "$@" >"$TMP/out" 2>&1 </dev/null
	rc=$?
	if [ "$rc" != "$want" ]; then
		not_ok "$name: exit status $rc, want $want"
		sed 's/^/# /' "$TMP/out" | head -20
	elif ! grep -q -- "$pattern" "$TMP/out"; then
		not_ok "$name: no line matches \"$pattern\""
		sed 's/^/# /' "$TMP/out" | head -20
	else
		ok "$name"
	fi
}

# Every format on the same findings.
for fmt in text json github sarif; do
	golden "dangerous.$fmt" 1 --format "$fmt" fixtures/dangerous.sql
done
golden clean.text 0 fixtures/clean.sql
golden clean.json 0 --format json fixtures/clean.sql
# A parse error in one of several files: reported, the others still linted, exit 2.
golden parse_error.text 2 fixtures/parse_error.sql fixtures/dangerous.sql
golden parse_error.json 2 -f json fixtures/parse_error.sql fixtures/clean.sql
golden parse_error.github 2 -f github fixtures/parse_error.sql
# Drops, renames and moves of views, functions, types, schemas (and the text that only looks like them).
golden objects.text 1 fixtures/objects.sql
golden objects_safe.text 0 fixtures/objects_safe.sql
# PL/pgSQL bodies: statements in DO blocks and called functions, line:col in the file.
golden plpgsql.text 1 fixtures/plpgsql.sql
golden plpgsql.json 1 -f json fixtures/plpgsql.sql
golden plpgsql_sql.text 1 fixtures/plpgsql_sql.sql
# Directives: allowed, a missing reason, an unused allow, a disabled rule.
golden directives.text 1 fixtures/directives.sql
golden directives.sarif 1 -f sarif fixtures/directives.sql
# Configuration: rules turned off or down, custom pcre2 rules.
golden config.text 1 -c fixtures/lint.yml fixtures/custom.sql
golden config.json 1 -c fixtures/lint.yml -f json fixtures/custom.sql
golden exclude.text 1 --exclude set-not-null,drop-column --exclude rename-column fixtures/dangerous.sql
# Versions.
golden versions-10.text 1 --pg-version 10 fixtures/versions.sql
golden versions-15.text 0 --pg-version 15 fixtures/versions.sql
# A migrations directory: the schema the earlier migrations build is the context.
golden dir.text 1 fixtures/migrations
golden dir.github 1 -f github fixtures/migrations
# One file of a directory: still linted with the earlier migrations as context.
golden dir-file.text 0 fixtures/migrations/0003_validate_and_widen.up.sql
# Standard input.
"$BIN" lint --stdin-filename db/0009_x.up.sql - <fixtures/versions.sql >"$TMP/out" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q '^0 errors, 1 warning in 1 file, 3 statements$' "$TMP/out"; then
	ok "stdin"
else
	not_ok "stdin: exit $rc"; sed 's/^/# /' "$TMP/out"
fi
# The project's own example, written the safe way: no finding at all (issue 12).
"$BIN" lint "$TOP/migrations/example" >"$TMP/out" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q '^0 errors, 0 warnings' "$TMP/out"; then
	ok "migrations/example lints clean"
else
	not_ok "migrations/example: exit $rc"; sed 's/^/# /' "$TMP/out"
fi
"$BIN" lint -f json - <fixtures/dangerous.sql >"$TMP/out" 2>&1
if grep -q '"file": "<stdin>"' "$TMP/out"; then ok "stdin default name"; else not_ok "stdin default name"; fi
# The rule catalog.
golden explain.text 0 --explain set-not-null
golden explain.md 0 --explain add-foreign-key --format markdown
expect list-rules 0 '^set-not-null  *error  *SET NOT NULL scans' --list-rules
expect explain-unknown 2 'unknown rule "no-such-rule"' --explain no-such-rule
# Usage and configuration errors exit 2.
expect help 0 '^usage: migrate lint' --help
expect bad-format 2 'unknown format "xml"' -f xml fixtures/clean.sql
expect bad-version 2 'pg-version wants a major version' --pg-version abc fixtures/clean.sql
expect bad-exclude 2 'unknown rule "no-such-rule"' --exclude no-such-rule fixtures/clean.sql
expect missing-file 2 'could not open "fixtures/nope.sql"' fixtures/nope.sql
printf 'lint:\n  rules:\n    ban-everything: off\n' >"$TMP/bad.yml"
expect bad-config 2 'unknown rule "ban-everything"' -c "$TMP/bad.yml" fixtures/clean.sql
# Colour only when asked (stdout is not a terminal here).
"$BIN" lint --color always fixtures/dangerous.sql >"$TMP/out" 2>&1
if grep -q "$(printf '\033')\[1;31m" "$TMP/out"; then ok "color always"; else not_ok "color always"; fi
NO_COLOR=1 "$BIN" lint fixtures/dangerous.sql >"$TMP/out" 2>&1
if grep -q "$(printf '\033')" "$TMP/out"; then not_ok "NO_COLOR"; else ok "NO_COLOR"; fi
# The example project lints without errors (warnings allowed).
"$BIN" lint "$TOP/migrations/example" >"$TMP/out" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
	ok "migrations/example has no error-level findings"
else
	not_ok "migrations/example: exit $rc"
	grep 'error\[' "$TMP/out" | sed 's/^/# /'
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
