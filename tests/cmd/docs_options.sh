# docs/ stays true to the option tables: every option a command declares is in
# its section of docs/usage.md (lint's in docs/lint.md), every common option in
# usage.md, and every --option docs name is one of ours or of a program named
# below (pg_dump, git, ...).
. "$TOP/tests/lib/t.sh"

"$MIGRATE" --generate options >"$T_WORK/options"
[ -s "$T_WORK/options" ] && t_ok "the option tables are listed" || t_not_ok "--generate options"

# the text of "### `migrate CMD ..." up to the next heading (lint: all of docs/lint.md)
section() {
	if [ "$1" = lint ]; then
		cat "$TOP/docs/lint.md"
		return
	fi
	awk -v h="### \`migrate $1" '
		index($0, h) == 1 { c = substr($0, length(h) + 1, 1); p = (c == " " || c == "`"); if (p) { print; next } }
		/^#/ { p = 0 }
		p' "$TOP/docs/usage.md"
}

missing=""
while read -r cmd opt arg; do
	case $cmd in
	common|global) grep -q -- "$opt\\b" "$TOP/docs/usage.md" || missing="$missing $opt" ;;
	*) section "$cmd" | grep -q -- "$opt\\b" || missing="$missing $cmd:$opt" ;;
	esac
done <"$T_WORK/options"
expect_eq "$missing" "" "every option of the tables is in the docs section of its command"

# options of the other programs the docs show (pg_dump, pg_restore, psql, git, gh, docker, ...)
others="--bindir --body-file --clean --dbname --depth --diff-filter --edit-last --exclude-table
--health-cmd --health-interval --health-retries --if-exists --lock-wait-timeout --name-only
--no-owner --no-password --no-privileges --order-by --reporter --schema --schema-only
--single-transaction --tablespace --table-and-children --pid --unbuffered --file --no-psqlrc --set"
unknown=""
for o in $(grep -rhoE -- '(^|[^#a-z0-9-])--[a-z][a-z0-9-]+' "$TOP"/docs "$TOP/README.md" |
	   grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
	awk '{ print $2 }' "$T_WORK/options" | grep -qx -- "$o" && continue
	printf '%s\n' $others | grep -qx -- "$o" && continue
	unknown="$unknown $o"
done
expect_eq "$unknown" "" "every --option the docs name exists"

# a usage.md heading shows only options of its own command
wrong=""
for cmd in $("$MIGRATE" --list-commands); do
	for o in $(section "$cmd" | head -1 | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
		grep -E "^($cmd|common|global) $o( |\$)" "$T_WORK/options" >/dev/null || wrong="$wrong $cmd:$o"
	done
done
expect_eq "$wrong" "" "each command heading in usage.md names only that command's options"

# the rule names in the config migrate init writes and in docs/config.md are rules of ours
"$MIGRATE" lint --list-rules | awk '{ print $1 }' >"$T_WORK/rules"
(cd "$T_WORK" && "$MIGRATE" init >/dev/null 2>&1)
bad=""
for r in $(sed -n 's/^ *#* *\([a-z][a-z]*-[a-z-]*\): *\(off\|warning\|error\)\b.*/\1/p' "$T_WORK/migrate.yml" "$TOP/docs/config.md") \
	$(sed -n 's/^ *#* *exclude: \[\(.*\)\].*/\1/p' "$T_WORK/migrate.yml" "$TOP/docs/config.md" | tr ',' ' '); do
	grep -qx "$r" "$T_WORK/rules" || bad="$bad $r"
done
[ -f "$T_WORK/migrate.yml" ] && expect_eq "$bad" "" "every rule the init template and config.md name exists" ||
	t_not_ok "migrate init wrote no migrate.yml"
t_done
