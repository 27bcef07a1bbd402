# backup.scope: by default the backup before a change holds the tables the run
# (--unsafe: the lint gate is not what is tested here)
# alters, drops, rewrites or updates (read from the parse trees, with what hangs
# on them), not the whole database; "database" keeps the whole-database dump,
# "none" takes none with a warning. A restore of such a backup puts those tables
# back. Fleet targets are backed up the same way, each its own tables.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
psql_q -c "CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a SELECT generate_series(1, 10);
	CREATE TABLE b (id int REFERENCES a); INSERT INTO b VALUES (1);
	CREATE VIEW va AS SELECT id FROM a;
	CREATE TABLE c (x int); INSERT INTO c VALUES (1);
	CREATE TABLE \"Big Table\" (x int); INSERT INTO \"Big Table\" VALUES (1);
	CREATE TABLE part (k int, v int) PARTITION BY RANGE (k);
	CREATE TABLE part_1 PARTITION OF part FOR VALUES FROM (0) TO (100); INSERT INTO part VALUES (1, 1)"
D="$T_WORK/m"; mkdir -p "$D"
# the comment and the string name c: a regex would take them, the parse tree does not
cat >"$D/1_change.up.sql" <<'SQL'
-- ALTER TABLE c ADD COLUMN nope int;
ALTER TABLE a ADD COLUMN y int;
UPDATE part SET v = 2 WHERE k = 1;
INSERT INTO "Big Table" VALUES (2);
CREATE TABLE fresh (id int);
ALTER TABLE fresh ADD COLUMN z int;
SELECT 'UPDATE c SET x = 0';
SQL
echo "ALTER TABLE a DROP COLUMN y; DROP TABLE fresh;" >"$D/1_change.down.sql"

run --dir "$D" up --unsafe
expect_rc 0 "up with a backup of the tables it changes"
expect_out "^backup: backups/$db-.*\.dump \(.*; tables: public\.\"Big Table\"" "quoted names are dumped"
expect_out "tables: .*public\.a, public\.b, public\.part, public\.part_1, public\.schema_migrations, public\.va\)" "the altered and updated tables, their partitions, what references them, views on them, and history"
expect_no "public\.c\b" "not a table it leaves alone (named in a comment and a string only)"
expect_no "public\.fresh" "nor a table it creates"
f=$(ls backups/*.dump)
pg_restore -l "$f" | grep "TABLE DATA" | sed 's/.*TABLE DATA //; s/ [^ ]*$//' | sort | tr '\n' ',' >"$T_WORK/data"
expect_eq "$(cat "$T_WORK/data")" "public Big Table,public a,public b,public part_1,public schema_migrations," "the archive holds those tables' rows (pg_restore -l)"
expect_eq "$(psql_q -c "SELECT message FROM schema_migrations_log WHERE direction = 'backup'")" \
	'from version 0 to 1; tables: public."Big Table", public.a, public.b, public.part, public.part_1, public.schema_migrations, public.va' \
	"the log says which tables the backup holds"

# restore of a table backup: those tables go back, the others are left as they are, unnamed
psql_q -c "INSERT INTO c VALUES (2); INSERT INTO a VALUES (11, 11)"
run --dir "$D" restore --yes --no-backup "$f"
expect_rc 0 "restore of a table backup"
expect_out "^restored tables public\.\"Big Table\", public\.a, .* of database \"$db\" from $f: history back at version 0" "says which tables it restored"
expect_no "not in the backup" "does not call every other relation a leftover"
expect_eq "$(psql_q -c "SELECT count(*) FROM a")|$(psql_q -c "SELECT count(*) FROM a WHERE id = 11")|$(psql_q -c "SELECT to_regclass('a_y_gone') IS NULL AND NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'a'::regclass AND attname = 'y')")" "10|0|t" "a is as it was at the backup, column y gone"
expect_eq "$(psql_q -c "SELECT string_agg(v::text, ',') FROM part")|$(psql_q -c "SELECT count(*) FROM \"Big Table\"")" "1|1" "the update and the insert are undone"
expect_eq "$(psql_q -c "SELECT count(*) FROM c")" 2 "c, not in the backup, keeps what came after"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 0 "history is back at the backup"
psql_q -c "DROP TABLE fresh"

# a statement whose changes cannot be read: the whole database
echo "DO \$\$ BEGIN EXECUTE 'UPDATE c SET x = 3'; END \$\$;" >"$D/2_do.up.sql"
echo "SELECT 1;" >"$D/2_do.down.sql"
rm -rf backups
run --dir "$D" up --unsafe
expect_rc 0 "up with a DO block"
expect_err "backup: the whole database: a statement whose changes cannot be read from it \(do_stmt\) \(line 1\)" "says why it dumps the whole database"
expect_no "tables:" "a whole-database backup"
pg_restore -l backups/*.dump | grep -q "TABLE DATA public c " && t_ok "the whole database is in it" || t_not_ok "whole database dump" "$(pg_restore -l backups/*.dump)"

# backup.scope: database, none, and a bad value
echo "ALTER TABLE a ADD COLUMN w int;" >"$D/3_w.up.sql"
echo "ALTER TABLE a DROP COLUMN w;" >"$D/3_w.down.sql"
printf 'backup:\n  scope: database\n' >"$T_WORK/db.yml"
run -c "$T_WORK/db.yml" --dir "$D" down
expect_rc 0 "down with backup.scope: database"
expect_no "tables:" "dumps the whole database"
printf 'backup:\n  scope: none\n' >"$T_WORK/none.yml"
n=$(ls backups/*.dump | wc -l)
run -c "$T_WORK/none.yml" --dir "$D" up --unsafe
expect_rc 0 "up with backup.scope: none"
expect_err "warning: backup.scope: none: no backup before this change" "warns"
expect_out "backup: skipped \(backup.scope: none\)" "says it skipped the backup"
expect_eq "$(ls backups/*.dump | wc -l)" "$n" "takes none"
expect_eq "$(psql_q -c "SELECT outcome || ' ' || note FROM schema_migrations_log WHERE direction = 'backup' ORDER BY id DESC LIMIT 1")" "skipped backup.scope: none" "the log says so"
printf 'backup:\n  scope: everything\n' >"$T_WORK/bad.yml"
run -c "$T_WORK/bad.yml" --dir "$D" up --unsafe
expect_rc 2 "a bad backup.scope"
expect_err "bad.yml:2:.*\"backup.scope\" must be tables, database or none, not \"everything\"" "is named with its line"

# down backs up the tables its down SQL changes
run --dir "$D" down
expect_rc 0 "down"
expect_out "^backup: .*tables: public\.a, public\.b, public\.schema_migrations, public\.va\)" "down's backup: the tables the down SQL changes"

# a fleet: each tenant schema backs up its own tables
psql_q -c "CREATE SCHEMA tenant_1; CREATE SCHEMA tenant_2; CREATE TABLE tenant_1.t (id int); CREATE TABLE tenant_2.t (id int); CREATE TABLE tenant_1.u (id int); CREATE TABLE tenant_2.u (id int)"
TD="$T_WORK/tenant"; mkdir -p "$TD"
echo "ALTER TABLE t ADD COLUMN z int;" >"$TD/1_z.up.sql"
echo "ALTER TABLE t DROP COLUMN z;" >"$TD/1_z.down.sql"
cat >"$T_WORK/fleet.yml" <<YML
migrations:
  dir: $D
targets:
  main: false
  schemas:
    list: [tenant_1, tenant_2]
    dir: $TD
    table: schema_migrations
YML
rm -rf backups
run -c "$T_WORK/fleet.yml" up --all --unsafe
expect_rc 0 "up --all"
expect_eq "$(ls backups | grep -c "^$db\.tenant_[12]-.*\.dump$")" 2 "one backup per tenant"
for t in tenant_1 tenant_2; do
	f=$(ls backups/$db.$t-*.dump)
	expect_eq "$(pg_restore -l "$f" | grep "TABLE DATA" | awk '{ print $(NF-2) "." $(NF-1) }' | sort | tr '\n' ' ')" \
		"$t.schema_migrations $t.t " "$t's backup holds its t and its history, not u"
done

# init puts backups/ in .gitignore, once
mkdir -p "$T_WORK/proj" && cd "$T_WORK/proj" || exit 1
printf 'node_modules/' >.gitignore
run init
expect_rc 0 "init"
expect_out "added backups/ to .gitignore" "says it ignores backups/"
expect_eq "$(cat .gitignore | tr '\n' '|')" "node_modules/|# migrate: backups before each change hold your data|backups/|" "appended on a line of its own"
run init --force
expect_eq "$(grep -c '^backups/$' .gitignore)" 1 "not twice"
t_done
