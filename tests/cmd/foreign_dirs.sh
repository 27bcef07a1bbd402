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
# a down file whose up is named otherwise (gitness has 0026_alter_repo_drop_join_id.down.sql
# beside 0026_alter_repo_drop_job_id.up.sql): not used, as tools ordering by name ignore it
printf 'SELECT 1;\n' >gitness/0003_create_table_tokenz.down.sql
run -c byname.yml status
expect_rc 0 "a down file without an up file does not stop the directory loading"
expect_err "0003_create_table_tokenz.down.sql: warning: down file without an up file \"0003_create_table_tokenz\": it is not used" "is named, as a warning"
expect_err "hint: if it reverts gitness/0003_create_table_tokens.up.sql, name it after that one's up file" "the hint names the up file of its prefix"
expect_no "0003_create_table_tokenz +(pending|applied)" "it is no migration of the status"
rm gitness/0003_create_table_tokenz.down.sql

# a file that sorts between applied ones (two branches that both wrote 0002_...): the
# applied ones keep their numbers and are not taken for modified; it runs after them
printf 'CREATE TABLE late (id int);\n' >gitness/0002_b_late_up.sql
printf 'DROP TABLE late;\n' >gitness/0002_b_late_down.sql
run -c byname.yml status
expect_rc 0 "status with a file sorted among the applied ones"
expect_no "modified" "no applied migration is taken for modified"
expect_out "^0002_b_late +pending" "the new file is pending"
expect_out "^0003_create_table_tokens +applied" "the one after it by name is still applied"
run -c byname.yml up --no-backup
expect_rc 0 "up applies it"
expect_out "^applied 0002_b_late \(transaction" "the name said once"
expect_err "warning: applying 0002_b_late after 0003_create_table_tokens, which sorts after it by name" "says it runs after a later name"
expect_eq "$(psql_q -c "SELECT string_agg(version || '=' || name, ' ' ORDER BY version) FROM schema_migrations")" \
	"1=0001_create_table_spaces 2=0001_create_table_users 3=0002_alter_table_users_add_email 4=0002_create_index_users_email 5=0003_create_table_tokens 6=0002_b_late" \
	"the history keeps its numbers; the new one takes the next"
run -c byname.yml down --no-backup
expect_rc 0 "down reverts the newest applied"
expect_eq "$(psql_q -c "SELECT to_regclass('late') IS NULL AND to_regclass('tokens') IS NOT NULL")" t "which is the late one"
rm gitness/0002_b_late_up.sql gitness/0002_b_late_down.sql

# --- goose ----------------------------------------------------------------------
gdb=$(pg_fresh_db)
PGDATABASE=$gdb run --dir goose up --no-backup
expect_rc 0 "goose files apply unchanged"
# the NO TRANSACTION one's bookkeeping was timed from 0: "index_accounts_name: 8504.1s"
expect_no "index_accounts_name: [0-9]+\.[0-9]s" "no progress line for a statement that took milliseconds"
expect_eq "$(PGDATABASE=$gdb psql_q -c "SELECT string_agg(version || ':' || tx_mode, ' ' ORDER BY version) FROM schema_migrations")" \
	"1:transaction 2:transaction 3:no-transaction" "NO TRANSACTION honoured, StatementBegin/End bodies kept whole"
PGDATABASE=$gdb psql_q -c "INSERT INTO accounts VALUES (1, '  padded  ')"
expect_eq "$(PGDATABASE=$gdb psql_q -c "SELECT name FROM accounts")" "padded" "the function of the StatementBegin block works"
PGDATABASE=$gdb run --dir goose down --steps 3 --no-backup
expect_rc 0 "goose Down sections revert"
expect_no "index_accounts_name: [0-9]+\.[0-9]s" "nor when reverting it"
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
# golang-migrate pairs an up and a down by version alone (ente's server/migrations has
# 30_add_magic_metadata.up.sql beside 30_drop_magic_metadata.down.sql, and downs that
# sort before their up): one migration, named after its up, its down the other file
mkdir byver
printf 'CREATE TABLE meta (id int);\n' >byver/30_add_magic_metadata.up.sql
printf 'DROP TABLE meta;\n' >byver/30_drop_magic_metadata.down.sql
printf 'ALTER TABLE meta ADD COLUMN pub text;\n' >byver/64_collection_pub_magic_metadata.up.sql
printf 'ALTER TABLE meta DROP COLUMN pub;\n' >byver/64_collection_drop_pub_magic_metadata.down.sql
vdb=$(pg_fresh_db)
PGDATABASE=$vdb run --dir byver up --no-backup
expect_rc 0 "an up and a down of one version named differently apply"
expect_no "(error|warning):" "with no error or warning"
expect_eq "$(PGDATABASE=$vdb psql_q -c "SELECT string_agg(version || '=' || name, ' ' ORDER BY version) FROM schema_migrations")" \
	"30=add_magic_metadata 64=collection_pub_magic_metadata" "each recorded under its up's name, also when its down sorts first"
PGDATABASE=$vdb run --dir byver down --steps 2 --no-backup
expect_rc 0 "their downs revert them"
expect_eq "$(PGDATABASE=$vdb psql_q -c "SELECT to_regclass('meta') IS NULL")" t "the down files ran"
printf 'SELECT 1;\n' >byver/30_other.up.sql
PGDATABASE=$vdb run --dir byver status
expect_rc 2 "two ups of one version are still refused"
expect_err "version 30 is also used by" "and named"
# sql-migrate's single files (nakama's migrate/sql): -- +migrate Up / Down, a '-' after the
# version, StatementBegin/End kept as comments, "notransaction" per section
mkdir sqlm
cat >sqlm/1-create_accounts.sql <<'SQL'
-- +migrate Up
CREATE TABLE accounts (id bigint PRIMARY KEY, name text);
-- +migrate StatementBegin
CREATE FUNCTION trim_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name := btrim(NEW.name);
  RETURN NEW;
END $$;
-- +migrate StatementEnd

-- +migrate Down
DROP FUNCTION trim_name();
DROP TABLE accounts;
SQL
cat >sqlm/2_accounts_name_index.sql <<'SQL'
-- +migrate Up notransaction
CREATE INDEX CONCURRENTLY accounts_name ON accounts (name);
-- +migrate Down notransaction
DROP INDEX CONCURRENTLY accounts_name;
SQL
sdb=$(pg_fresh_db)
PGDATABASE=$sdb run --dir sqlm up --no-backup
expect_rc 0 "sql-migrate files apply"
expect_eq "$(PGDATABASE=$sdb psql_q -c "SELECT string_agg(version || ':' || name || ':' || tx_mode, ' ' ORDER BY version) FROM schema_migrations")" \
	"1:create_accounts:transaction 2:accounts_name_index:no-transaction" "a '-' after the version, notransaction honoured per section"
expect_eq "$(PGDATABASE=$sdb psql_q -c "SELECT count(*) FROM pg_proc WHERE proname = 'trim_name'")" 1 "the StatementBegin/End body kept whole"
PGDATABASE=$sdb run --dir sqlm down --all --no-backup
expect_rc 0 "their Down sections revert them"
expect_eq "$(PGDATABASE=$sdb psql_q -c "SELECT to_regclass('accounts') IS NULL")" t "everything reverted"
printf -- '-- +migrate Down\nSELECT 1;\n-- +migrate Up\nSELECT 2;\n' >sqlm/3_backwards.sql
run --dir sqlm status
expect_rc 2 "a Down before its Up is refused"
expect_err "3_backwards.sql:1:1: error: unexpected \"-- \+migrate Down\" marker" "named with its line"
printf 'SELECT 1;\n' >sqlm/3_backwards.sql
run --dir sqlm status
expect_err "\(sql-migrate\)" "a file without sections: the hint names sql-migrate's markers"
# adopt --from sql-migrate: gorp_migrations' ids are the file names
rm sqlm/3_backwards.sql
gdb2=$(pg_fresh_db)
PGDATABASE=$gdb2 psql_q -c "CREATE TABLE gorp_migrations (id text PRIMARY KEY, applied_at timestamptz)" \
	-c "INSERT INTO gorp_migrations VALUES ('1-create_accounts.sql', now())"
PGDATABASE=$gdb2 run --dir sqlm adopt --from sql-migrate
expect_rc 0 "adopt --from sql-migrate"
expect_out "adopted 1 create_accounts" "the version from the file name"
expect_out "their table is kept as public.gorp_migrations_sql_migrate" "its table kept aside"
# migrations one directory each: Prisma's (<version>_<name>/migration.sql, no downs) and
# Diesel's (<date-time>_<name>/up.sql and down.sql, metadata.toml run_in_transaction)
mkdir -p prisma/20210101000000_init prisma/20210202000000_add_name
printf 'CREATE TABLE "User" (id bigint PRIMARY KEY, email text NOT NULL);\n' >prisma/20210101000000_init/migration.sql
printf 'ALTER TABLE "User" ADD COLUMN name text;\n' >prisma/20210202000000_add_name/migration.sql
printf 'provider = "postgresql"\n' >prisma/migration_lock.toml
pdb=$(pg_fresh_db)
PGDATABASE=$pdb run --dir prisma up --no-backup
expect_rc 0 "a Prisma migrations directory applies"
expect_no "warning" "with no warning (Prisma writes no downs)"
expect_eq "$(PGDATABASE=$pdb psql_q -c "SELECT string_agg(version || '=' || name, ' ' ORDER BY version) FROM schema_migrations")" \
	"20210101000000=init 20210202000000=add_name" "each directory one migration, its version and name"
# lint of one Prisma file: the earlier directories are its context (a validated CHECK makes
# the SET NOT NULL safe), and only that file is reported
mkdir -p prisma/20210303000000_email_nn prisma/20210404000000_email_required
printf 'ALTER TABLE "User" ADD CONSTRAINT email_nn CHECK (email IS NOT NULL);\n' >prisma/20210303000000_email_nn/migration.sql
printf 'ALTER TABLE "User" ALTER COLUMN email SET NOT NULL;\n' >prisma/20210404000000_email_required/migration.sql
run lint prisma/20210404000000_email_required/migration.sql
expect_rc 0 "a Prisma file linted with the directories before it as context"
expect_out "0 errors, 0 warnings in 1 file, 1 statement" "that file only"
mkdir -p diesel/00000000000000_diesel_initial_setup diesel/2019-02-26-002946_create_users diesel/2019-03-01-000000_users_name
printf 'CREATE FUNCTION diesel_noop() RETURNS void LANGUAGE sql AS $$ SELECT 1 $$;\n' >diesel/00000000000000_diesel_initial_setup/up.sql
printf 'DROP FUNCTION diesel_noop();\n' >diesel/00000000000000_diesel_initial_setup/down.sql
printf 'CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n' >diesel/2019-02-26-002946_create_users/up.sql
printf 'DROP TABLE users;\n' >diesel/2019-02-26-002946_create_users/down.sql
printf 'CREATE INDEX users_name ON users (name);\n' >diesel/2019-03-01-000000_users_name/up.sql
printf 'DROP INDEX users_name;\n' >diesel/2019-03-01-000000_users_name/down.sql
printf 'run_in_transaction = false\n' >diesel/2019-03-01-000000_users_name/metadata.toml
ddb=$(pg_fresh_db)
PGDATABASE=$ddb run --dir diesel up --no-backup --unsafe
expect_rc 0 "a Diesel migrations directory applies"
expect_eq "$(PGDATABASE=$ddb psql_q -c "SELECT string_agg(version || '=' || name || ':' || tx_mode, ' ' ORDER BY version) FROM schema_migrations")" \
	"0=diesel_initial_setup:transaction 20190226002946=create_users:transaction 20190301000000=users_name:no-transaction" \
	"the date's dashes dropped from the version, metadata.toml's run_in_transaction = false honoured"
PGDATABASE=$ddb run --dir diesel down --all --no-backup
expect_rc 0 "its down.sql files revert it"
expect_eq "$(PGDATABASE=$ddb psql_q -c "SELECT to_regclass('users') IS NULL AND to_regproc('diesel_noop') IS NULL")" t "everything reverted"
# adopt --from diesel: the versions in __diesel_schema_migrations (dashes already dropped)
adb=$(pg_fresh_db)
PGDATABASE=$adb psql_q -c "CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now())" \
	-c "INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000'), ('20190226002946')" \
	-c "CREATE FUNCTION diesel_noop() RETURNS void LANGUAGE sql AS 'SELECT 1'" -c "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)"
PGDATABASE=$adb run --dir diesel adopt --from diesel
expect_rc 0 "adopt --from diesel"
expect_out "2 versions adopted from diesel into public.schema_migrations; their table is kept as public.__diesel_schema_migrations_diesel" "says what it did"
PGDATABASE=$adb run --dir diesel status
expect_out "^20190226002946 +applied" "its versions are applied"
expect_out "^20190301000000 +pending" "the next one pending"
# adopt --from prisma: finished and not rolled back; an unfinished attempt is dirty
pdb2=$(pg_fresh_db)
PGDATABASE=$pdb2 psql_q -c "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0)" \
	-c "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at, started_at) VALUES
		('a', 'x', now(), '20210101000000_init', NULL, now() - interval '3 days'),
		('b', 'x', NULL, '20210202000000_add_name', now(), now() - interval '2 days'),
		('c', 'x', now(), '20210202000000_add_name', NULL, now() - interval '1 day'),
		('d', 'x', NULL, '20210303000000_email_nn', NULL, now())"
PGDATABASE=$pdb2 run --dir prisma adopt --from prisma
expect_rc 0 "adopt --from prisma"
expect_out "adopted 20210202000000 add_name$" "a migration rolled back once then applied is applied"
expect_out "adopted 20210303000000 email_nn \\(dirty\\)" "one Prisma left unfinished is dirty"
expect_out "3 versions adopted from prisma into public.schema_migrations; their table is kept as public._prisma_migrations_prisma" "says what it did"
rm diesel/2019-03-01-000000_users_name/up.sql
run --dir diesel status
expect_rc 2 "a migration directory with a down.sql and no up.sql"
expect_err "diesel/2019-03-01-000000_users_name/down.sql: error: down migration without an up migration" "names the real file"
# Flyway's names: V<version>__<description>.sql and its undo U<version>__...sql; by version
# a version of one number, by name any (ordered part by part: 1.2 before 1.10); R__ refused
mkdir flyway
printf 'CREATE TABLE fw (id bigint PRIMARY KEY);\n' >flyway/V1__init.sql
printf 'DROP TABLE fw;\n' >flyway/U1__init.sql
printf 'ALTER TABLE fw ADD COLUMN b text;\n' >flyway/V2__add_b.sql
printf 'ALTER TABLE fw DROP COLUMN b;\n' >flyway/U2__add_b.sql
printf 'ALTER TABLE fw ADD COLUMN c text;\n' >flyway/V10__add_c.sql
printf 'ALTER TABLE fw DROP COLUMN c;\n' >flyway/U10__add_c.sql
fdb=$(pg_fresh_db)
PGDATABASE=$fdb run --dir flyway up --no-backup
expect_rc 0 "Flyway's V files apply"
expect_eq "$(PGDATABASE=$fdb psql_q -c "SELECT string_agg(version || '=' || name, ' ' ORDER BY version) FROM schema_migrations")" \
	"1=init 2=add_b 10=add_c" "V10 after V2, named by their descriptions"
PGDATABASE=$fdb run --dir flyway down --all --no-backup
expect_rc 0 "their U files undo them"
expect_eq "$(PGDATABASE=$fdb psql_q -c "SELECT to_regclass('fw') IS NULL")" t "everything undone"
printf 'ALTER TABLE fw ADD COLUMN d text;\n' >flyway/V2.1__add_d.sql
run --dir flyway status
expect_rc 2 "a dotted version, by version"
expect_err "V2.1__add_d.sql: error: Flyway version 2.1 is not one number" "is named"
expect_err "set migrations.order: name" "with what to do"
printf 'migrations:\n  dir: flyway\n  order: name\n' >flyway.yml
printf 'ALTER TABLE fw ADD COLUMN e text;\n' >flyway/V2.10__add_e.sql
printf 'ALTER TABLE fw ADD COLUMN f text;\n' >flyway/V2.2__add_f.sql
fdb2=$(pg_fresh_db)
PGDATABASE=$fdb2 run -c flyway.yml up --no-backup
expect_rc 0 "by name, dotted versions apply"
expect_eq "$(PGDATABASE=$fdb2 psql_q -c "SELECT string_agg(name, ' ' ORDER BY version) FROM schema_migrations")" \
	"1__init 2__add_b 2.1__add_d 2.2__add_f 2.10__add_e 10__add_c" "ordered part by part, as Flyway orders them"
# adopt --from flyway: each version's latest row, unless it was undone; a failed one dirty
rm flyway/V2.*
adb2=$(pg_fresh_db)
PGDATABASE=$adb2 psql_q -c "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL)" \
	-c "INSERT INTO flyway_schema_history VALUES
		(1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'me', now(), 1, true),
		(2, '2', 'add b', 'SQL', 'V2__add_b.sql', 1, 'me', now(), 1, true),
		(3, '10', 'add c', 'SQL', 'V10__add_c.sql', 1, 'me', now(), 1, true),
		(4, '10', 'add c', 'UNDO_SQL', 'U10__add_c.sql', 1, 'me', now(), 1, true),
		(5, NULL, 'views', 'SQL', 'R__views.sql', 1, 'me', now(), 1, true)" \
	-c "CREATE TABLE fw (id bigint PRIMARY KEY, b text)"
PGDATABASE=$adb2 run --dir flyway adopt --from flyway
expect_rc 0 "adopt --from flyway"
expect_out "2 versions adopted from flyway into public.schema_migrations; their table is kept as public.flyway_schema_history_flyway" \
	"1 and 2 adopted; 10 was undone, a repeatable has no version"
PGDATABASE=$adb2 run --dir flyway status
expect_out "^10 +pending" "10 is pending"
printf 'CREATE VIEW fw_v AS SELECT 1;\n' >flyway/R__views.sql
run -c flyway.yml status
expect_rc 2 "a repeatable migration"
expect_err "R__views.sql: error: a Flyway repeatable migration \\(R__\\)" "is refused by name"
t_done
