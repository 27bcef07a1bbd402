# Messages: a migration without a transaction being run right now is "running" (with the
# runner's pid), not dirty; file names and other user text (identifiers, directives) are
# printed escaped in every output of every command: a newline or ESC cannot forge a row or
# colour the terminal; Markdown escapes HTML, backticks, pipes and @mentions; GitHub
# annotations escape per GitHub's rules; JSON and SARIF are valid and escape once; a name
# that is not UTF-8 is the error, with the byte and where.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/sarif.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
printf 'CREATE TABLE a (id bigint);\n' >"$D/1_a.up.sql"
printf 'DROP TABLE a;\n' >"$D/1_a.down.sql"
printf -- '-- migrate:no-transaction\nSELECT pg_sleep(0.1);\nSELECT pg_sleep(30);\n' >"$D/2_slow.up.sql"
printf 'SELECT 1;\n' >"$D/2_slow.down.sql"
"$MIGRATE" --dir "$D" up --no-backup >"$T_WORK/bg.out" 2>&1 &
bg=$!
i=0
until [ "$(psql_q -c "SELECT state FROM schema_migrations WHERE version = 2" 2>/dev/null)" = dirty ] || [ $i -ge 600 ]; do
	sleep 0.1; i=$((i + 1))
done
run --dir "$D" status
expect_rc 0 "status while another runner executes a no-transaction migration"
expect_out "^2 +running .*slow \(by pid [0-9]+ \(migrate" "it is running, with the runner's pid"
expect_no "dirty" "not dirty"
run --dir "$D" status --format json
expect_out '"state": "running"' "JSON says running"
# the runner dies mid-way: now it is dirty
psql_q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'migrate' AND pid <> pg_backend_pid()" >/dev/null
wait $bg
run --dir "$D" status
expect_rc 1 "once the runner is gone"
expect_out "^2 +dirty" "it is dirty"
run --dir "$D" repair --mark-reverted 2
rm "$D"/2_slow.*

# --- hostile names in every output --------------------------------------------------
nl='
'
esc=$(printf '\033')
ctl_free() { # ctl_free DESC: no control byte but newline and tab in stdout or stderr
	if printf '%s%s' "$T_OUT" "$T_ERR" | tr -d '\n\t' | LC_ALL=C grep -q '[[:cntrl:]]'; then
		t_not_ok "$1" "a raw control byte was printed"
	else
		t_ok "$1"
	fi
}
json_ok() { # json_ok DESC: stdout is one valid JSON document
	if printf '%s' "$T_OUT" | jq -e . >/dev/null 2>&1; then t_ok "$1"; else t_not_ok "$1" "stdout is not valid JSON"; fi
}
has() { # has JQ-FILTER DESC: the filter is true of stdout
	if [ "$(printf '%s' "$T_OUT" | jq -r "$1" 2>/dev/null)" = true ]; then t_ok "$2"; else t_not_ok "$2" "jq: $1"; fi
}
H="$T_WORK/h"; mkdir -p "$H"
n=10
for name in "nl${nl}11 applied 2026-01-01T00:00:00Z forged" "red${esc}[31mhot" "tab	here" \
	"<img src=x onerror=alert(1)>" '`tick`' "@team" "a|b" "100%done" "sp ace #hash,comma:colon" \
	'back\slash'; do
	printf 'CREATE TABLE t%s (x_id int);\n' $n >"$H/${n}_$name.up.sql"
	printf 'DROP TABLE t%s;\n' $n >"$H/${n}_$name.down.sql"
	n=$((n + 1))
done
# an identifier and a directive reason with hostile text
printf 'CREATE TABLE "q<b>@all|%s[31m" (x_id int, "c%s_id" int);\n' "$esc" "$nl" >"$H/30_ident.up.sql"
printf 'DROP TABLE "q<b>@all|%s[31m";\n' "$esc" >"$H/30_ident.down.sql"
printf -- '-- migrate:allow prefer-bigint <img> @team `x` %s[31m red\nCREATE TABLE t31 (y_id int);\n' "$esc" >"$H/31_allow.up.sql"
printf 'DROP TABLE t31;\n' >"$H/31_allow.down.sql"
NLNAME="nl${nl}11 applied 2026-01-01T00:00:00Z forged"

run --dir "$H" lint
expect_rc 0 "lint: warnings only"
ctl_free "lint text: no raw control byte"
expect_no '^11 applied' "lint text: the newline forges no line"
expect_out '/10_nl\\n11 applied 2026-01-01T00:00:00Z forged\.up\.sql:1:' "lint text: the file name escaped"
expect_out '/11_red\\x1b\[31mhot\.up\.sql:1:' "lint text: ESC shown as backslash-x1b"
expect_out '/12_tab\\there\.up\.sql:1:' "lint text: a tab in a name shown as backslash-t"
expect_out '/19_back\\\\slash\.up\.sql:1:' "lint text: a backslash doubled (unambiguous)"
expect_out 'column "c\\n_id"|"c\\n_id"' "lint text: an identifier in a message escaped"
expect_out '^ 1 \| CREATE TABLE "q<b>@all\|\\x1b\[31m"' "lint text: the source line escaped"

run --dir "$H" lint --format json
json_ok "lint json: valid"
has "[.findings[].file] | any(endswith(\"/10_$(printf '%s' "$NLNAME" | sed 's/\n/\\\\n/')\"+\".up.sql\"))" "lint json: the name decodes to the real newline (escaped once)"
has '[.findings[].file] | any(endswith("/11_red\u001b[31mhot.up.sql"))' "lint json: ESC is a JSON escape, decoded once"

run --dir "$H" lint --format github
ctl_free "github: no raw control byte"
expect_no '^[^:]' "github: every line is a workflow command (the newline forges none)"
expect_out '^::warning file=[^,]*/10_nl%0A11 applied 2026-01-01T00%3A00%3A00Z forged\.up\.sql,line=1,' "github: newline and ':' as %0A, %3A"
expect_out 'file=[^,]*/17_100%25done\.up\.sql,' "github: % as %25"
expect_out 'file=[^,]*/18_sp ace #hash%2Ccomma%3Acolon\.up\.sql,' "github: ',' and ':' in a property as %2C, %3A"
expect_out 'file=[^,]*/11_red\\x1b\[31mhot\.up\.sql,' "github: ESC shown as backslash-x1b"

run --dir "$H" lint --format sarif
json_ok "sarif: valid JSON"
printf '%s\n' "$T_OUT" >"$T_WORK/h.sarif"
has '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | all(test("^(file://)?[A-Za-z0-9._~/%-]+$"))' "sarif: every uri is percent-encoded"
has '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | any(endswith("/10_nl%0A11%20applied%202026-01-01T00%3A00%3A00Z%20forged.up.sql"))' "sarif: newline, space, ':' encoded"
has '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | any(endswith("/18_sp%20ace%20%23hash%2Ccomma%3Acolon.up.sql"))' "sarif: '#', ',' encoded"
has '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | any(endswith("/13_%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.up.sql"))' "sarif: '<', '>', '=' encoded"
has '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | any(endswith("/17_100%25done.up.sql")) and any(endswith("/15_%40team.up.sql")) and any(endswith("/16_a%7Cb.up.sql")) and any(endswith("/14_%60tick%60.up.sql"))' "sarif: %, @, |, backtick encoded"
sarif_validate "$T_WORK/h.sarif" "sarif: valid against the SARIF 2.1.0 schema with these names"

run --dir "$H" plan --offline
ctl_free "plan text: no raw control byte"
expect_no '^11 applied' "plan text: no forged line"
expect_out '^10 nl\\n11 applied 2026-01-01T00:00:00Z forged \(up' "plan text: the heading escaped"
expect_out '^  file: .*/10_nl\\n11 applied .*forged\.up\.sql$' "plan text: the file escaped"
expect_out 'q<b>@all\|\\x1b\[31m' "plan text: a table name escaped"
expect_out 'reason: <img> @team `x` \\x1b\[31m red' "plan text: a directive's reason escaped"

run --dir "$H" plan --offline --format markdown
ctl_free "plan markdown: no raw control byte"
expect_no '^11 applied' "plan markdown: no forged line"
# outside code spans and fenced blocks (where GitHub shows text as it is), no tag, no mention
md_text=$(printf '%s\n' "$T_OUT" | awk '/^```/ { f = !f; next } !f' | sed 's/``[^`][^`]*`[^`]*``//g; s/`[^`]*`//g')
if printf '%s' "$md_text" | grep -q '<img'; then t_not_ok "plan markdown: no raw HTML tag from a name or a reason"; else t_ok "plan markdown: no raw HTML tag from a name or a reason"; fi
if printf '%s' "$md_text" | grep -q '<b>@all\|q<b>'; then t_not_ok "plan markdown: no raw <b> from an identifier"; else t_ok "plan markdown: no raw <b> from an identifier"; fi
if printf '%s' "$md_text" | grep -E '@(team|all)' | grep -vq '@<!-- -->\(team\|all\)'; then
	t_not_ok "plan markdown: no @mention"
else
	t_ok "plan markdown: no @mention"
fi
expect_out '@<!-- -->team' "plan markdown: @team is shown, not a mention"
rows=$(printf '%s\n' "$T_OUT" | grep -E '^\| :' | sed 's/\\|//g' | awk -F'|' '{print NF}' | sort -u)
expect_eq "$rows" 11 "plan markdown: every summary row has 9 cells ('|' escaped in names)"
expect_out '^\| :warning: \| 16 \| a\\\|b \|' "plan markdown: '|' in a name is backslash-pipe"
expect_out '^``[^`].*/14_`tick`\.up\.sql`` · up' "plan markdown: a backtick in a file name gets a longer fence"
expect_out '&lt;img src=x onerror=alert\(1\)&gt;' "plan markdown: HTML escaped in the summary"
expect_out '^\| :warning: \| 10 \| nl\\\\n11 applied' "plan markdown: a newline in a name is backslash-n, one row"
expect_out '<summary><b>11 red\\x1b\[31mhot</b>' "plan markdown: ESC escaped in the section summary"

run --dir "$H" plan --offline --format json
json_ok "plan json: valid"
has "[.migrations[].name] | any(. == \"nl\\n11 applied 2026-01-01T00:00:00Z forged\")" "plan json: the name is the real name, escaped once"
has '[.migrations[].name] | any(. == "back\\slash")' "plan json: a backslash escaped once"

run --dir "$H" rehearse
ctl_free "rehearse: no raw control byte"
expect_no '^11 applied' "rehearse: no forged line"
expect_out '^10 nl\\n11 applied 2026-01-01T00:00:00Z forged \(up' "rehearse: the heading escaped"

run --dir "$H" up --no-backup
expect_rc 0 "up with hostile names"
ctl_free "up: no raw control byte"
expect_no '^11 applied' "up: no forged progress line"
expect_out '^applied 10 nl\\n11 applied 2026-01-01T00:00:00Z forged \(' "up: the progress line escaped"
expect_out '^applied 11 red\\x1b\[31mhot \(' "up: ESC escaped"

run --dir "$H" status
ctl_free "status: no raw control byte"
expect_no '^11 applied' "status: no forged row"
expect_out '^10 +applied +[0-9TZ:-]+ +nl\\n11 applied 2026-01-01T00:00:00Z forged$' "status: the name escaped, on its row"
expect_out '^19 +applied .* back\\\\slash$' "status: a backslash doubled"
run --dir "$H" status --format json
json_ok "status json: valid"
has "[.migrations[].name] | any(. == \"nl\\n11 applied 2026-01-01T00:00:00Z forged\")" "status json: the name escaped once"

run --dir "$H" history
ctl_free "history: no raw control byte"
expect_no '^11 applied' "history: no forged row"
expect_out ' nl\\n11 applied 2026-01-01T00:00:00Z forged' "history: the name escaped"
run --dir "$H" history --format json
json_ok "history json: valid"
has "[.entries[].name] | any(. == \"red\\u001b[31mhot\")" "history json: the name escaped once"

run --dir "$H" redo --no-backup
ctl_free "redo: no raw control byte"
run --dir "$H" down --steps 22 --no-backup
expect_rc 0 "down with hostile names"
ctl_free "down: no raw control byte"
expect_no '^11 applied' "down: no forged line"
expect_out '^reverted 10 nl\\n11 applied 2026-01-01T00:00:00Z forged \(' "down: the progress line escaped"

# a failing no-transaction migration with a hostile name: the error, dirty, repair
printf -- '-- migrate:no-transaction\nSELECT 1;\nSELECT %s[31mx%s[0m%s11 applied forged;\n' "$esc" "$esc" "$nl" \
	>"$H/40_fail${nl}41 applied 2026-01-01T00:00:00Z forged.up.sql"
printf 'SELECT 1;\n' >"$H/40_fail${nl}41 applied 2026-01-01T00:00:00Z forged.down.sql"
run --dir "$H" up --no-backup --unsafe
expect_rc 1 "a failing migration"
ctl_free "a failure: no raw control byte in the error, the source line or the caret"
expect_no '^41 applied' "a failure: no forged line"
expect_err '40_fail\\n41 applied 2026-01-01T00:00:00Z forged\.up\.sql:3:' "a failure: file:line escaped"
expect_err 'migration 40 fail\\n41 applied 2026-01-01T00:00:00Z forged failed part way' "a failure: the message names it escaped"
run --dir "$H" status
ctl_free "status of a dirty one: no raw control byte"
expect_out '^40 +dirty .*fail\\n41 applied' "status: the dirty row escaped"
run --dir "$H" repair --mark-reverted 40
expect_rc 0 "repair"
ctl_free "repair: no raw control byte"

# the target said out loud: a database whose name has a newline and an ESC; backups
hdb="d${nl}forged ${esc}[31m"
psql_q -d postgres -c "CREATE DATABASE \"$hdb\"" >/dev/null
rm "$H"/40_*
PGDATABASE=$hdb run --dir "$H" up
expect_rc 0 "up with a backup into a database with a hostile name"
ctl_free "up: the target line and the backup line have no raw control byte"
expect_no '^forged' "up: the database name forges no line"
expect_err 'database "d\\nforged \\x1b\[31m" on ' "up: the target escaped"
PGDATABASE=$hdb run --dir "$H" backups
ctl_free "backups: no raw control byte"
expect_no '^forged' "backups: no forged row"
PGDATABASE=$hdb run --dir "$H" backups --format json
json_ok "backups json: valid"
PGDATABASE=$hdb run --dir "$H" plan --down --steps 1
ctl_free "plan on that database: no raw control byte"
expect_no '^forged' "plan: the database name forges no line"
expect_out '^target: database "d\\nforged \\x1b\[31m" on ' "plan: the target escaped"
PGDATABASE=$hdb run --dir "$H" plan --down --steps 1 --format markdown
ctl_free "plan markdown on that database: no raw control byte"
expect_no '^forged' "plan markdown: the database name forges no line"
psql_q -d postgres -c "DROP DATABASE \"$hdb\"" >/dev/null

# fleet targets whose schema names have a newline, an ESC, a mention and a pipe
F="$T_WORK/f"; mkdir -p "$F"
printf 'CREATE TABLE t (x bigint);\n' >"$F/1_t.up.sql"
printf 'DROP TABLE t;\n' >"$F/1_t.down.sql"
fdb=$(pg_fresh_db)
psql_q -d "$fdb" -c "CREATE SCHEMA \"ten_a${nl}ten_forged\"; CREATE SCHEMA \"ten_b${esc}[31m\"; CREATE SCHEMA \"ten_@team|x\"" >/dev/null
cat >"$T_WORK/f.yml" <<YML
migrations:
  dir: $T_WORK/empty
targets:
  schemas:
    query: SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ten\_%' ORDER BY 1
    dir: $F
YML
mkdir -p "$T_WORK/empty"
PGDATABASE=$fdb run -c "$T_WORK/f.yml" plan --all --format markdown
ctl_free "plan --all markdown: no raw control byte"
expect_no '^ten_forged' "plan --all markdown: a schema name forges no line"
if printf '%s' "$T_OUT" | grep -q '@team' && ! printf '%s' "$T_OUT" | grep -q '`ten_@team|x`'; then
	t_not_ok "plan --all markdown: a target's @ only inside a code span"
else
	t_ok "plan --all markdown: a target's @ only inside a code span"
fi
PGDATABASE=$fdb run -c "$T_WORK/f.yml" up --all --no-backup
expect_rc 0 "up --all over targets with hostile names"
ctl_free "up --all: no raw control byte"
expect_no '^ten_forged' "up --all: a schema name forges no row"
expect_out '^ten_a\\nten_forged +schema ' "up --all: the target escaped in the summary"
PGDATABASE=$fdb run -c "$T_WORK/f.yml" status --all
ctl_free "status --all: no raw control byte"
expect_no '^ten_forged' "status --all: a schema name forges no line"

# a name that is not valid UTF-8 is reported as the cause: which byte, where
U="$T_WORK/u"; mkdir -p "$U"
printf 'SELECT 1;\n' >"$U/6_caf$(printf '\351').up.sql"
run --dir "$U" status
expect_rc 2 "a name that is not UTF-8"
expect_err '6_caf\\xe9\.up\.sql: error: the file name is not valid UTF-8: byte 0xe9 at byte 6 of "6_caf\\xe9\.up\.sql"' "is named as the cause, with the byte and where"
rm "$U"/*
printf 'CREATE TABLE a (x_id int);\n' >"$U/7_$(printf '\377')x.up.sql"
run --dir "$U" lint --format json
expect_rc 2 "lint --format json of a directory with a name that is not UTF-8"
expect_err 'byte 0xff at byte 3 of "7_\\xffx\.up\.sql"' "lint: the byte named"
if [ -z "$T_OUT" ] || printf '%s' "$T_OUT" | jq -e . >/dev/null 2>&1; then t_ok "lint json: no broken JSON"; else t_not_ok "lint json: no broken JSON"; fi
run lint --format json "$U/7_$(printf '\377')x.up.sql"
if printf '%s' "$T_OUT" | jq -e . >/dev/null 2>&1; then t_ok "lint json of a file named directly: valid JSON"; else t_not_ok "lint json of a file named directly: valid JSON"; fi
ctl_free "lint json of a file named directly: no raw byte"

# a directive with hostile text is named escaped in the error
B="$T_WORK/b"; mkdir -p "$B"
printf -- '-- migrate:bogus%s[31m\nSELECT 1;\n' "$esc" >"$B/1_d${nl}forged.up.sql"
run --dir "$B" lint
ctl_free "an unknown directive: no raw control byte"
expect_err '1_d\\nforged\.up\.sql:1:[0-9]+: error: unknown directive "-- migrate:bogus\\x1b\[31m"' "an unknown directive: file and directive escaped"
t_done
