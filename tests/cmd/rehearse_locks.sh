# The rows of ../shared/LOCKS.md as test cases: rehearse observes what each statement really
# locks, rewrites and scans (pg_locks, relfilenode, seq_scan); every fixture in
# tests/fixtures/locks names the observed lines it must produce ("-- expect: ..."), and no
# observation may differ from the plan's prediction.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
L="$TOP/tests/fixtures/locks"

run --dir "$L" -q up --to 1 --unsafe
expect_rc 0 "set-up migration applied"
run --dir "$L" -q rehearse
expect_rc 0 "every row rehearses cleanly (up, down restores the schema, up again)"
if printf '%s\n' "$T_OUT" | grep -q "DIFFERENT FROM THE PLAN"; then
	t_not_ok "no observation differs from the prediction" \
		"$(printf '%s\n' "$T_OUT" | grep -E "^[0-9]{4} |  [0-9]+\. line|DIFFERENT FROM THE PLAN" | grep -B2 "DIFFERENT")"
else
	t_ok "no observation differs from the prediction"
fi
expect_out "49 of 49 migrations rehearsed cleanly" "all 49 rows rehearsed"
printf '%s\n' "$T_OUT" >"$T_WORK/report"

for f in "$L"/0*.sql; do
	base=$(basename "$f" .sql)
	ver=${base%%_*}
	name=${base#*_}
	[ "$ver" = 0001 ] && continue
	awk -v h="$ver $name (" 'index($0, h) == 1 { on = 1; next } on && /^$/ { exit } on' \
		"$T_WORK/report" >"$T_WORK/section"
	sed -n 's/^-- expect: //p' "$f" >"$T_WORK/wants"
	while IFS= read -r want; do
		if grep -qF -- "$want" "$T_WORK/section"; then
			t_ok "$name: $want"
		else
			t_not_ok "$name: observed $want" "section: $(cat "$T_WORK/section")"
		fi
	done <"$T_WORK/wants"
done
[ "$(psql_q -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'migrate_rehearse_%'")" = 0 ] \
	&& t_ok "no scratch database left behind" || t_not_ok "a scratch database was left behind"
t_done
