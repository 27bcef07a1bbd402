# Messages: a migration without a transaction being run right now is "running" (with the
# runner's pid), not dirty; file names are printed escaped; a name that is not UTF-8 is the cause.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

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

# a newline or ESC in a file name cannot forge a status row or colour the terminal
nl='
'
esc=$(printf '\033')
printf 'SELECT 1;\n' >"$D/3_x${nl}4 applied 2026-01-01T00:00:00Z forged.up.sql"
printf 'SELECT 1;\n' >"$D/5_red${esc}[31mhot.up.sql"
run --dir "$D" status
expect_out '^3 +pending +- +x\\n4 applied 2026-01-01T00:00:00Z forged$' "the newline is shown escaped, on one row"
expect_no "^4 applied" "no forged row"
expect_out '^5 +pending +- +red\\x1b\[31mhot$' "ESC shown escaped"
if printf '%s%s' "$T_OUT" "$T_ERR" | grep -q "$esc"; then t_not_ok "no raw ESC in the output"; else t_ok "no raw ESC in the output"; fi
expect_err "3_x\\\\n4 applied .*forged.up.sql: warning: no down migration" "file names in messages escaped too"
rm "$D/3_x${nl}4 applied 2026-01-01T00:00:00Z forged.up.sql" "$D/5_red${esc}[31mhot.up.sql"

# a name that is not valid UTF-8 is reported as the cause
printf 'SELECT 1;\n' >"$D/6_caf$(printf '\351').up.sql"
run --dir "$D" status
expect_rc 2 "a name that is not UTF-8"
expect_err '6_caf\\xe9.up.sql: error: the file name is not valid UTF-8 \("6_caf\\xe9.up.sql"\)' "is named as the cause"
t_done
