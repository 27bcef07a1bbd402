# A migration that alters, drops, truncates or writes migrate's own history, log or lock
# table (say a project whose former tool also used schema_migrations) is refused before
# any change, at file:line:col, with a hint to use another --table; up, down, redo and
# rehearse alike. Read from the parse tree: text that only looks like it passes.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
cat >"$D/1_notes.up.sql" <<'SQL'
-- DROP TABLE schema_migrations;   (a comment)
CREATE TABLE notes (body text DEFAULT 'ALTER TABLE schema_migrations ADD x int');
CREATE SCHEMA other;
CREATE TABLE other.schema_migrations (version bigint);
ALTER TABLE other.schema_migrations ADD COLUMN note text;
SELECT count(*) FROM schema_migrations;
DO $$ BEGIN PERFORM count(*) FROM schema_migrations; END $$;
SQL
echo "DROP TABLE notes; DROP SCHEMA other CASCADE;" >"$D/1_notes.down.sql"
run --dir "$D" up --no-backup
expect_rc 0 "text that only mentions the history table, another schema's table of that name and a read pass"

cat >"$D/2_old_tool.up.sql" <<'SQL'
CREATE TABLE fine (id int);
  ALTER TABLE schema_migrations ADD COLUMN dirty boolean;
INSERT INTO public."schema_migrations_log" (run_id) VALUES ('x');
SQL
cat >"$D/3_drop.up.sql" <<'SQL'
DROP TABLE IF EXISTS other.t, schema_migrations_lock;
SQL
cat >"$D/4_truncate.up.sql" <<'SQL'
CREATE TABLE t4 (id int);
TRUNCATE t4, public.schema_migrations;
SQL
cat >"$D/6_do.up.sql" <<'SQL'
SELECT 1;
DO $body$
BEGIN
	IF true THEN
		UPDATE schema_migrations SET applied_by = 'me';
	END IF;
END
$body$;
SQL
run --dir "$D" up --no-backup
expect_rc 2 "up refuses migrations that change its history tables"
expect_err "2_old_tool.up.sql:2:3: error: ALTER TABLE changes migrate's own history tables" "names the ALTER TABLE at file:line:col"
expect_err "2_old_tool.up.sql:3:1: error: INSERT changes" "names the INSERT into the log (quoted name)"
expect_err "3_drop.up.sql:1:1: error: DROP changes" "names the DROP of the lock table in a list"
expect_err "4_truncate.up.sql:2:1: error: TRUNCATE changes" "names the TRUNCATE"
expect_err "6_do.up.sql:2:1: error: DO changes" "names a DO block whose static SQL writes history"
expect_err "hint: .*--table" "hints at another --table"
expect_eq "$(psql_q -c "SELECT to_regclass('fine') IS NULL AND to_regclass('t4') IS NULL")" t "refused before any change"
expect_eq "$(psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'schema_migrations' AND column_name = 'dirty'")" 0 "the history table is untouched"
rm "$D/3_drop.up.sql" "$D/4_truncate.up.sql" "$D/6_do.up.sql"

# with migrate's history elsewhere, the project's own schema_migrations is the project's
db2=$(pg_fresh_db)
psql_q -d "$db2" -c "CREATE TABLE schema_migrations (version bigint); CREATE TABLE schema_migrations_log (run_id text)"
PGDATABASE=$db2 run --dir "$D" --table migrate.schema_migrations up --no-backup
expect_rc 0 "with --table elsewhere the same migrations apply"
expect_eq "$(psql_q -d "$db2" -c "SELECT count(*) FROM migrate.schema_migrations")" 2 "recorded in migrate's own history"

# down and redo: a down that drops the history
rm "$D/2_old_tool.up.sql"
echo "DROP SCHEMA other CASCADE; DROP TABLE notes; DROP TABLE schema_migrations;" >"$D/1_notes.down.sql"
run --dir "$D" down --no-backup
expect_rc 2 "down refuses a down that drops the history table"
expect_err "1_notes.down.sql:1:46: error: DROP changes" "names it"
run --dir "$D" redo --no-backup
expect_rc 2 "redo refuses it too"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 1 "history untouched"
echo "DELETE FROM schema_migrations WHERE version = 1;" >"$D/5_forget.up.sql"
run --dir "$D" rehearse
expect_rc 2 "rehearse refuses what up would refuse"
expect_err "5_forget.up.sql:1:1: error: DELETE changes" "names it"
t_done
