# Bad input exits 2 with the file (and line) and changes nothing in the database.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
snapshot() { psql_q -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"; }
before=$(snapshot)

case_dir() { rm -rf "$T_WORK/c"; mkdir -p "$T_WORK/c"; }

case_dir
echo "SELECT 1;" >"$T_WORK/c/001_a.up.sql"; echo "SELECT 1;" >"$T_WORK/c/1_b.up.sql"
run --dir "$T_WORK/c" up
expect_rc 2 "two files for one version"
expect_err "1_b.up.sql: error: version 1 is also used by .*001_a.up.sql" "names both files"

case_dir
echo "SELECT 1;" >"$T_WORK/c/seed.sql"
run --dir "$T_WORK/c" up
expect_rc 2 "a .sql name that does not parse"
expect_err "seed.sql: error: file name is not a migration name" "names the file"

case_dir
echo "SELECT 1;" >"$T_WORK/c/1_a.down.sql"
run --dir "$T_WORK/c" up
expect_rc 2 "down without up"

case_dir
printf 'SELECT 1;\n-- migrate:lock-timeout forever\n' >"$T_WORK/c/1_a.up.sql"
run --dir "$T_WORK/c" up
expect_rc 2 "bad directive value"
expect_err "1_a.up.sql:2:1: error: invalid duration \"forever\"" "file:line:col of the directive"

case_dir
printf -- '-- migrate:notransaction\nSELECT 1;\n' >"$T_WORK/c/1_a.up.sql"
run --dir "$T_WORK/c" up
expect_rc 2 "unknown directive"

run --dir "$T_WORK/nope" up
expect_rc 2 "missing migrations directory"
expect_err 'could not open migrations directory' "says so"

printf 'apply:\n  lock_timeout: 2s\n  retrys: 3\n' >"$T_WORK/bad.yml"
run -c "$T_WORK/bad.yml" up
expect_rc 2 "unknown config key"
expect_err "bad.yml:3:3: error: unknown key \"apply.retrys\"" "config error with file:line:col"

printf 'apply:\n  retries: lots\n' >"$T_WORK/bad.yml"
run -c "$T_WORK/bad.yml" status
expect_rc 2 "wrong type in config"
expect_err "bad.yml:2:12" "wrong type with file:line"

run -c "$T_WORK/missing.yml" status
expect_rc 2 "explicit config missing"

run --table 'a.b.c' status
expect_rc 2 "bad history table name"

case_dir
echo "SELECT 1;" >"$T_WORK/c/1_a.up.sql"; echo "SELECT 1;" >"$T_WORK/c/1_a.down.sql"
run --dir "$T_WORK/c" up --to 99
expect_rc 2 "--to an unknown version"
expect_err "no migration with version 99" "names it"
run --dir "$T_WORK/c" down --to 99
expect_rc 2 "down --to a version that is not applied"

# another tool's history table: a clear error naming the tool
db2=$(pg_fresh_db)
psql_q -d "$db2" -c "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (3, false)"
PGDATABASE=$db2 run --dir "$T_WORK/c" up
expect_rc 2 "golang-migrate history table"
expect_err "holds the history of golang-migrate" "names golang-migrate"
expect_err "adopt --from golang-migrate" "says what to do"
expect_eq "$(psql_q -d "$db2" -c "SELECT count(*) FROM schema_migrations")" 1 "their table untouched"
db3=$(pg_fresh_db)
psql_q -d "$db3" -c "CREATE TABLE schema_migrations (version character varying(128) PRIMARY KEY)"
PGDATABASE=$db3 run --dir "$T_WORK/c" status
expect_rc 2 "dbmate history table"
expect_err "holds the history of dbmate" "names dbmate"
PGDATABASE=$db3 run --dir "$T_WORK/c" --table public.migrate_history up
expect_rc 0 "--table sidesteps it"

expect_eq "$(snapshot)" "$before" "no bad input changed the database"
t_done
