# Other tools' directories, unchanged: a name-ordered directory (gitness-like: repeated
# numeric prefixes, _up.sql/_down.sql) with migrations.order: name, goose files read
# natively, and adopt --from goose importing goose_db_version.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
cd "$T_WORK" || exit 1
cp -r "$TOP/tests/fixtures/gitness" gitness
cp -r "$TOP/tests/fixtures/goose" goose

# --- by name --------------------------------------------------------------------
run --dir gitness status
expect_rc 2 "by version (the default) the name-ordered directory does not load"
expect_no "\(null\)" "no (null) in any message"
expect_no "_down\.up\.sql" "no nonsense file name in a hint"
expect_err "set migrations.order: name" "the hint says what to do"
printf 'migrations:\n  dir: gitness\n  order: name\n' >byname.yml
run -c byname.yml up --no-backup
expect_rc 0 "migrations.order: name applies it unchanged"
expect_eq "$(psql_q -c "SELECT string_agg(version || '=' || name, ' ' ORDER BY version) FROM schema_migrations")" \
	"1=0001_create_table_spaces 2=0001_create_table_users 3=0002_alter_table_users_add_email 4=0002_create_index_users_email 5=0003_create_table_tokens" \
	"file-name byte order, the whole stem recorded"
expect_eq "$(psql_q -c "SELECT to_regclass('users_user_email') IS NOT NULL")" t "the index needed the column of the file before it"
run -c byname.yml status
expect_out "^0003_create_table_tokens +applied" "status shows the stem as the version"
run -c byname.yml down --steps 1 --no-backup
expect_rc 0 "down by name"
expect_eq "$(psql_q -c "SELECT to_regclass('tokens') IS NULL AND to_regclass('users_user_email') IS NOT NULL")" t "the newest by name reverted"
run -c byname.yml up --no-backup
expect_rc 0 "and up again"
printf 'migrations:\n  order: size\n' >badorder.yml
run -c badorder.yml lint
expect_rc 2 "an unknown order"
expect_err "badorder.yml:2:10: error: \"migrations.order\" must be version or name" "is named with its line"
printf 'SELECT 1;\n' >gitness/0004_x_down.sql
run -c byname.yml status
expect_rc 2 "a down without an up"
expect_err "0004_x_down.sql: error: down migration without an up migration" "is named"
expect_err "hint: add gitness/0004_x_up.sql, or remove the down file" "the hint names the up file it wants"
rm gitness/0004_x_down.sql

# --- goose ----------------------------------------------------------------------
gdb=$(pg_fresh_db)
PGDATABASE=$gdb run --dir goose up --no-backup
expect_rc 0 "goose files apply unchanged"
expect_eq "$(PGDATABASE=$gdb psql_q -c "SELECT string_agg(version || ':' || tx_mode, ' ' ORDER BY version) FROM schema_migrations")" \
	"1:transaction 2:transaction 3:no-transaction" "NO TRANSACTION honoured, StatementBegin/End bodies kept whole"
PGDATABASE=$gdb psql_q -c "INSERT INTO accounts VALUES (1, '  padded  ')"
expect_eq "$(PGDATABASE=$gdb psql_q -c "SELECT name FROM accounts")" "padded" "the function of the StatementBegin block works"
PGDATABASE=$gdb run --dir goose down --steps 3 --no-backup
expect_rc 0 "goose Down sections revert"
expect_eq "$(PGDATABASE=$gdb psql_q -c "SELECT to_regclass('accounts') IS NULL")" t "everything reverted"

# adopt --from goose: versions goose applied (its latest row per version), not version 0
adb=$(pg_fresh_db)
PGDATABASE=$adb psql_q -c "CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp DEFAULT now())" \
	-c "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (3, true), (3, false)" \
	-c "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL)"
PGDATABASE=$adb run --dir goose adopt --from goose
expect_rc 0 "adopt --from goose"
expect_out "2 versions adopted from goose into public.schema_migrations; their table is kept as public.goose_db_version_goose" "says what it did"
expect_eq "$(PGDATABASE=$adb psql_q -c "SELECT string_agg(version::text, ' ' ORDER BY version) FROM schema_migrations")" "1 2" \
	"1 and 2 adopted; 3 was rolled back by goose, 0 is goose's own"
PGDATABASE=$adb run --dir goose status
expect_out "^00003 +pending" "3 is pending"

# adopt: a version that is not a number names its row
bdb=$(pg_fresh_db)
PGDATABASE=$bdb psql_q -c "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)" \
	-c "INSERT INTO schema_migrations VALUES ('00001'), ('2024_x')"
PGDATABASE=$bdb run --dir goose adopt --from dbmate
expect_rc 2 "a version that is not a number"
expect_err "dbmate's table public.schema_migrations holds version \"2024_x\" in row 2 \(ordered by version\), which is not a number" "names the row"
t_done
