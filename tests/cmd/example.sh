# The example project and real-world-shaped directories: up, status, history, down --all, up.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
EX="$TOP/migrations/example"

run --dir "$EX" status
expect_rc 0 "status before anything"
expect_out "0 applied, 13 pending" "status counts 13 pending"
[ "$(psql_q -c "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'schema_migrations%'")" = 0 ] \
	&& t_ok "status creates no table" || t_not_ok "status created a table"

run --dir "$EX" up
expect_rc 0 "up applies the example"
expect_out "13 migrations applied" "thirteen applied"
expect_out "applied 20261101095000 add_indexes_concurrently \(no-transaction" "CONCURRENTLY migration ran without a transaction"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE state = 'applied'")" 13 "history has 13 rows"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT indisvalid")" 0 "no invalid index"
expect_eq "$(psql_q -c "SELECT tx_mode FROM schema_migrations WHERE version = 20261101095000")" "no-transaction" "tx mode recorded"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE down_sql IS NULL OR checksum !~ '^[0-9a-f]{64}\$'")" 0 "down SQL and SHA-256 recorded"

run --dir "$EX" up
expect_rc 0 "second up"
expect_out "nothing to do" "second up has nothing to do"

run --dir "$EX" status --format json
expect_rc 0 "status json"
expect_out '"applied": 13' "status json counts"

run --dir "$EX" history --format json
expect_rc 0 "history json"
expect_out '"outcome": "applied"' "history json has outcomes"

run --dir "$EX" down
expect_rc 0 "down one step"
expect_out "reverted 20261101105000" "down reverts the newest"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 12 "12 left"

run --dir "$EX" down --to 20261101095000
expect_rc 0 "down --to"
expect_eq "$(psql_q -c "SELECT max(version) FROM schema_migrations")" 20261101095000 "down --to stops at the version"

run --dir "$EX" up --to 20261101101000
expect_rc 0 "up --to"
expect_eq "$(psql_q -c "SELECT max(version) FROM schema_migrations")" 20261101101000 "up --to stops at the version"

run --dir "$EX" down --all
expect_rc 0 "down --all"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'schema_migrations%'")" 0 "down --all leaves no table"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 0 "history empty"

run --dir "$EX" up
expect_rc 0 "up again after down --all"

run --dir "$EX" history
expect_rc 0 "history text"
expect_out "down +reverted" "history shows reverts"

# a real-world-shaped directory: 300 migrations, up all the way and down all the way
RW="$T_WORK/realworld"
sh "$TOP/tests/fixtures/realworld/generate.sh" "$RW" 300 >/dev/null
db2=$(pg_fresh_db); export PGDATABASE=$db2
run --dir "$RW" -q up
expect_rc 0 "300 real-world migrations up"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 300 "300 recorded"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE tx_mode = 'self-managed'")" \
	"$(grep -lix 'begin;' "$RW"/*.up.sql | wc -l | tr -d ' ')" "files with their own BEGIN run self-managed"
run --dir "$RW" -q down --all
expect_rc 0 "300 real-world migrations down"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relname NOT LIKE 'schema_migrations%'")" 0 "down --all leaves nothing behind"
run --dir "$RW" -q up
expect_rc 0 "300 real-world migrations up again"

# dbmate single files
db3=$(pg_fresh_db); export PGDATABASE=$db3
run --dir "$TOP/tests/fixtures/dbmate" up
expect_rc 0 "dbmate files up"
run --dir "$TOP/tests/fixtures/dbmate" down --all
expect_rc 0 "dbmate files down"
t_done
