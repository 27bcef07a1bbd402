# The markdown plan fits a pull-request comment: one collapsible <details>
# section per migration, findings (the dangers) before the lock table, and a
# hard cap under GitHub's 65,536-character limit with a note of what was cut.
. "$TOP/tests/lib/t.sh"

D="$T_WORK/m"; mkdir -p "$D"
printf 'CREATE TABLE t (id int);\n' >"$D/001_create.up.sql"
printf 'DROP TABLE t;\n' >"$D/001_create.down.sql"
printf 'ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT random();\n' >"$D/002_add.up.sql"
printf 'ALTER TABLE t DROP COLUMN c;\n' >"$D/002_add.down.sql"
run plan --offline --dir "$D" --format markdown
expect_rc 1 "plan --format markdown: exit 1, as up would refuse its lint error"
expect_eq "$(printf '%s\n' "$T_OUT" | tail -1)" "**up would refuse: 1 lint error**" "the comment ends with the gate's verdict"
expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '^<details[a-z ]*><summary><b>')" 2 "one <details> section per migration"
expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '^</details>')" "$(printf '%s\n' "$T_OUT" | grep -c '^<details')" "each closed"
expect_out '^<details open><summary><b>002 add</b> · :x: [0-9]+ errors?' "a migration with errors is open, its verdict in the summary line"
expect_out '^<details><summary><b>001 create</b>' "a clean one is collapsed"
first_finding=$(printf '%s\n' "$T_OUT" | grep -n '^\*\*Findings\*\*' | head -1 | cut -d: -f1)
table=$(printf '%s\n' "$T_OUT" | awk '/^<details open>/ { p = 1 } p && /^\| line \| statement/ { print NR; exit }')
[ -n "$first_finding" ] && [ -n "$table" ] && [ "$first_finding" -lt "$table" ] &&
	t_ok "the dangers come before the lock table" || t_not_ok "findings first" "findings at $first_finding, table at $table"

# the terminal plan: a closing summary; colour on a terminal only, NO_COLOR honoured
run plan --offline --dir "$D"
expect_out '^summary: 2 migrations; 1 error, 1 warning; 1 rewrite, 1 full scan; strongest lock ACCESS EXCLUSIVE on t$' "text ends with a summary"
expect_no "$(printf '\033')" "no colour when not a terminal"
if command -v script >/dev/null 2>&1; then
	script -qec "$MIGRATE plan --offline --dir $D" /dev/null >"$T_WORK/tty.out" 2>&1
	grep -q "$(printf '\033')\[1;31m1 error" "$T_WORK/tty.out" && t_ok "errors in red on a terminal" || t_not_ok "colour on a tty" "$(cat -v "$T_WORK/tty.out" | tail -3)"
	NO_COLOR=1 script -qec "$MIGRATE plan --offline --dir $D" /dev/null >"$T_WORK/tty.out" 2>&1
	grep -q "$(printf '\033')" "$T_WORK/tty.out" && t_not_ok "NO_COLOR ignored" || t_ok "NO_COLOR: no colour on a terminal"
fi

# 300 migrations with findings: capped under the comment limit, saying what was cut
B="$T_WORK/big"; mkdir -p "$B"
printf 'CREATE TABLE t (id int);\n' >"$B/0001_t.up.sql"
i=2
while [ $i -le 300 ]; do
	v=$(printf '%04d' $i)
	printf 'ALTER TABLE t ADD COLUMN c%s int NOT NULL DEFAULT random();\nCREATE INDEX i%s ON t (c%s);\n' $i $i $i >"$B/${v}_step_$i.up.sql"
	i=$((i + 1))
done
run plan --offline --dir "$B" --format markdown
expect_rc 1 "plan of 300 migrations: exit 1, as up would refuse"
size=$(printf '%s\n' "$T_OUT" | wc -m)
[ "$size" -lt 65536 ] && t_ok "fits one comment ($size characters)" || t_not_ok "too long: $size characters"
expect_out ':scissors: \*\*[0-9]+ of 300 migrations not shown\*\* \([0-9]+ to 0300\)' "says how many were cut and which"
expect_out 'migrate plan --format text' "and where the full plan is"
expect_out '^\*\*up would refuse: [0-9]+ lint errors\*\*$' "a cut plan still ends with the verdict"
expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '^<details')" "$(printf '%s\n' "$T_OUT" | grep -c '^</details>')" "every section shown is whole"
t_done
