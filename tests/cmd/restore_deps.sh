# restore of a backup of some tables (backup.scope: tables) after later migrations
# added a foreign key, views and an index on one of them: the restore runs in one
# transaction, with the foreign key and the views dropped before and recreated
# after; the index the backup lacks is named. A dependent that cannot be
# recreated rolls the whole restore back: never a half-restored database.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
psql_q -c "CREATE TABLE a (id int PRIMARY KEY, v int); INSERT INTO a SELECT g, g FROM generate_series(1, 10) g;
	CREATE TABLE \"Big T\" (id int); INSERT INTO \"Big T\" VALUES (1)"
D="$T_WORK/m"; mkdir -p "$D"
echo "ALTER TABLE a ADD COLUMN note text; UPDATE a SET v = 0; INSERT INTO \"Big T\" VALUES (2);" >"$D/1_note.up.sql"
echo "ALTER TABLE a DROP COLUMN note;" >"$D/1_note.down.sql"
cat >"$D/2_later.up.sql" <<'SQL'
CREATE TABLE c (id int PRIMARY KEY, a_id int CONSTRAINT c_a_fk REFERENCES a (id) ON DELETE CASCADE);
CREATE VIEW va AS SELECT id, v FROM a;
CREATE VIEW va_sum AS SELECT sum(v) AS total FROM va;
CREATE VIEW "v big" AS SELECT id FROM "Big T";
CREATE INDEX a_v_idx ON a (v);
CREATE MATERIALIZED VIEW mva AS SELECT count(*) AS n FROM a;
CREATE UNIQUE INDEX mva_n ON mva (n);
CREATE FUNCTION va_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO a VALUES (NEW.id, NEW.v); RETURN NEW; END $$;
CREATE TRIGGER va_ins INSTEAD OF INSERT ON va FOR EACH ROW EXECUTE FUNCTION va_ins();
INSERT INTO c VALUES (1, 1), (2, 3);
SQL
echo "DROP VIEW \"v big\"; DROP MATERIALIZED VIEW mva; DROP VIEW va_sum; DROP VIEW va; DROP FUNCTION va_ins(); DROP TABLE c; DROP INDEX a_v_idx;" >"$D/2_later.down.sql"

run --dir "$D" up --to 1 --unsafe
expect_rc 0 "up --to 1: a backup of a"
f=$(printf '%s\n' "$T_OUT" | sed -n 's/^backup: \([^ ]*\) .*tables: .*public\.a.*/\1/p')
[ -n "$f" ] && t_ok "the backup holds table a" || t_not_ok "no backup of a" "$T_OUT"
run --dir "$D" up --unsafe
expect_rc 0 "up: a later migration adds a foreign key, two views and an index on a"
psql_q -c "GRANT SELECT ON va TO pwuser; COMMENT ON VIEW va IS 'the a view'"

# a foreign key that cannot be recreated (c references a row the backup lacks): nothing restored
psql_q -c "INSERT INTO a VALUES (11, 0); INSERT INTO c VALUES (3, 11)"
run --dir "$D" restore --yes --no-backup "$f"
expect_rc 1 "a foreign key the restored rows break: exit 1"
expect_err "could not recreate what depends on the restored tables: foreign key c_a_fk on public.c; nothing was restored" "names it"
expect_err "detail: .*violates foreign key constraint \"c_a_fk\"" "with the server's reason"
expect_eq "$(psql_q -c "SELECT count(*) FROM a")|$(psql_q -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'a'::regclass AND attname = 'note'")|$(psql_q -c "SELECT count(*) FROM va")|$(psql_q -c "SELECT total FROM va_sum")|$(psql_q -c "SELECT count(*) FROM c")" \
	"11|1|11|0|3" "the database is untouched: a, its new column, the views, c"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_constraint WHERE conname = 'c_a_fk'")|$(psql_q -c "SELECT to_regclass('a_v_idx') IS NOT NULL")" "1|t" "the foreign key and the index are still there"
expect_eq "$(psql_q -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")" "1,2" "history is untouched"
psql_q -c "DELETE FROM a WHERE id = 11"

# the documented last resort: restore works, the dependents come back
run --dir "$D" restore --yes --no-backup "$f"
expect_rc 0 "restore after a later migration added a foreign key, views and an index"
expect_err "foreign key c_a_fk on public.c depends on a restored relation: dropped before and recreated after" "says it recreates the foreign key"
expect_err "view public.va depends on a restored relation" "and the view"
expect_err "view public.va_sum depends on a restored relation" "and the view on the view"
expect_err "materialized view public.mva depends on a restored relation" "and the materialized view"
expect_err "view public.\"v big\" depends on a restored relation" "and a view on a table whose name has a space"
expect_err "warning: index public.a_v_idx on public.a was not in the backup" "names the index the backup lacks"
expect_err "detail: it was: CREATE INDEX a_v_idx ON public.a USING btree \(v\)" "with its definition"
expect_out "^restored tables public\.\"Big T\", public\.a, public\.schema_migrations of database \"$db\" from $f: history back at version 0" "says what it restored"
expect_eq "$(psql_q -c "SELECT string_agg(v::text, ',' ORDER BY id) FROM a")|$(psql_q -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'a'::regclass AND attname = 'note'")" \
	"1,2,3,4,5,6,7,8,9,10|0" "a is as it was at the backup (rows, no column note)"
expect_eq "$(psql_q -c "SELECT pg_get_constraintdef(oid) || ' ' || convalidated FROM pg_constraint WHERE conname = 'c_a_fk'")" \
	"FOREIGN KEY (a_id) REFERENCES a(id) ON DELETE CASCADE true" "the foreign key is back, validated, as it was"
expect_eq "$(psql_q -c "SELECT count(*) FROM c")|$(psql_q -c "SELECT total FROM va_sum")|$(psql_q -c "SELECT count(*) FROM va")" "2|55|10" "c keeps its rows; the views are back, on the restored rows"
expect_eq "$(psql_q -c "SELECT has_table_privilege('pwuser', 'va', 'SELECT')")|$(psql_q -c "SELECT obj_description('va'::regclass, 'pg_class')")" "t|the a view" "the view keeps its grant and its comment"
expect_eq "$(psql_q -c "SELECT to_regclass('a_v_idx') IS NULL")" t "the index the backup lacked is gone (and named)"
expect_eq "$(psql_q -c "SELECT count(*) FROM \"v big\"")" 1 "\"Big T\" is restored, its view is back"
expect_eq "$(psql_q -c "SELECT n FROM mva")|$(psql_q -c "SELECT to_regclass('mva_n') IS NOT NULL")" "10|t" "the materialized view is back, on the restored rows, with its index"
psql_q -c "INSERT INTO va VALUES (12, 12)" >/dev/null
expect_eq "$(psql_q -c "SELECT count(*) FROM a WHERE id = 12")" 1 "the view's INSTEAD OF trigger is back"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 0 "history is back at the backup"
psql_q -c "DELETE FROM c WHERE a_id = 3" >/dev/null
psql_q -c "DELETE FROM a WHERE id = 1" >/dev/null
expect_eq "$(psql_q -c "SELECT count(*) FROM c")" 0 "the recreated foreign key works (ON DELETE CASCADE)"
expect_eq "$(psql_q -c "SELECT outcome FROM schema_migrations_log WHERE direction = 'restore' ORDER BY id")" "failed
restored" "both restores are logged"
t_done
