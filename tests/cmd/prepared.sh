# The runner's own statements (timeouts, history row, log row) are named
# prepared statements, parsed once per connection. Migrations that drop them
# (DEALLOCATE, DISCARD, or EXECUTE 'DEALLOCATE ALL' inside a DO block) must not
# cost a migration, a history row or a log row; a lock-timeout retry reuses them.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
mig() { # mig VERSION NAME UP
	printf '%s\n' "$3" >"$D/$1_$2.up.sql"
	printf 'SELECT 1;\n' >"$D/$1_$2.down.sql"
}
# each run starts with fresh statements: the first of its migrations to drop
# them comes after one that used them
mig 1 a "CREATE TABLE a (id int);"
mig 2 hidden "DO \$\$ BEGIN EXECUTE 'DEALLOCATE ALL'; END \$\$; CREATE TABLE b (id int);"
mig 3 c "CREATE TABLE c (id int);"
run --dir "$D" up
expect_rc 0 "a DO block that deallocates everything applies"
expect_out "applied 3 c" "and so does the migration after it"
mig 4 dealloc "DEALLOCATE ALL; CREATE TABLE d (id int);"
mig 5 e "CREATE TABLE e (id int);"
run --dir "$D" up
expect_rc 0 "DEALLOCATE ALL in a migration applies"
printf -- '-- migrate:no-transaction\nDISCARD ALL;\nCREATE TABLE f (id int);\n' >"$D/6_discard.up.sql"
echo "SELECT 1;" >"$D/6_discard.down.sql"
mig 7 g "CREATE TABLE g (id int);"
run --dir "$D" up
expect_rc 0 "DISCARD ALL without a transaction, then a migration in one"

expect_eq "$(psql_q -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")" \
	"1,2,3,4,5,6,7" "every migration has its history row"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations_log WHERE outcome = 'applied'")" 7 \
	"and one log row each"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations_log WHERE outcome = 'failed'")" 0 \
	"no failed attempt logged"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_class WHERE relname IN ('a','b','c','d','e','f','g') AND relkind = 'r'")" \
	7 "every table exists"

# down through the same statements (the history row deleted by name)
run --dir "$D" down --all
expect_rc 0 "down --all"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 0 "every history row removed"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations_log WHERE outcome = 'reverted'")" 7 \
	"one log row per revert"

# a lock timeout on the first migration of a run, after the statements were
# prepared in its pipeline: the retry uses them and applies it once
db2=$(pg_fresh_db)
psql_q -d "$db2" -c "CREATE TABLE busy (id int)" >/dev/null
D2="$T_WORK/m2"; mkdir -p "$D2"
echo "ALTER TABLE busy ADD COLUMN x int;" >"$D2/1_busy.up.sql"
echo "ALTER TABLE busy DROP COLUMN x;" >"$D2/1_busy.down.sql"
echo "CREATE TABLE after_busy (id int);" >"$D2/2_after.up.sql"
echo "DROP TABLE after_busy;" >"$D2/2_after.down.sql"
psql_q -d "$db2" -c "BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE; SELECT pg_sleep(1.5); COMMIT" >/dev/null &
holder=$!
sleep 0.3
PGDATABASE=$db2 run --dir "$D2" up --lock-timeout 100ms --retries 20
wait $holder
expect_rc 0 "applies after lock-timeout retries"
expect_err "retry 1/20" "it did retry"
expect_eq "$(psql_q -d "$db2" -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")" \
	"1,2" "both recorded once"
expect_eq "$(psql_q -d "$db2" -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'x'")" \
	1 "the column was added once"
t_done
