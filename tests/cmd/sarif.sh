# SARIF that GitHub code scanning takes: file paths as percent-encoded URIs
# (spaces, #, %, non-ASCII), the tool's informationUri, each rule's help and
# helpUri at its docs/rules/ page; validated against the SARIF 2.1.0 JSON schema
# (fetched by scripts/deps.sh) with python3-jsonschema, uri formats included.
# Every JSON output carries "format_version" (a string).
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/sarif.sh"

cd "$T_WORK" || exit 1
dir="odd dir #1 %/é"
mkdir -p "$dir"
printf 'DROP TABLE users;\nCREATE INDEX i ON t (c);\n' >"$dir/001_x.up.sql"
run lint --format sarif "$dir/001_x.up.sql"
expect_rc 1 "lint finds the errors"
printf '%s\n' "$T_OUT" >out.sarif
expect_out '"uri": "odd%20dir%20%231%20%25/%C3%A9/001_x.up.sql"' "the path is a percent-encoded URI reference"
expect_out '"informationUri": "[a-z]+://' "the tool has an informationUri"
expect_out '"helpUri": "[a-z]+://[^"]*/rules/drop-table\.md"' "a rule's helpUri is its docs/rules page"
expect_out '"text": "[^"]*See docs/rules/drop-table\.md"' "its help text names the page"
expect_out '"format_version": "1"' "format_version in the property bag"

if ! sarif_validate out.sarif "valid against the SARIF 2.1.0 schema (uri formats checked)"; then
	echo "# no SARIF schema or python3-jsonschema/rfc3987 (scripts/deps.sh fetches them): structure checked field by field only"
	for key in '"\$schema"' '"version": "2.1.0"' '"runs"' '"tool"' '"driver"' '"name": "migrate"' '"results"' \
		'"ruleId"' '"physicalLocation"' '"artifactLocation"' '"region"' '"startLine"'; do
		grep -q "$key" out.sarif && t_ok "SARIF has $key" || t_not_ok "SARIF lacks $key"
	done
fi

# format_version, a string, first in every JSON document
run lint --format json "$dir/001_x.up.sql"
expect_out '^  "format_version": "1",' "lint --format json"
printf 'CREATE TABLE t (id int);\n' >"$dir/002_y.up.sql"
run plan --offline --dir "$dir" --format json
expect_out '^  "format_version": "1",' "plan --format json"
run backups --format json
expect_out '^  "format_version": "1",' "backups --format json"
t_done
