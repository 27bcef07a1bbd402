# Each migration starts from the same session state: a SET search_path, SET ROLE or
# custom setting of one migration reaches neither the next migrations of the run nor
# migrate's own history writes (wrapped, statement by statement, up and down). A
# self-managed migration that leaves its transaction open is never recorded applied.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
psql_q -c "DROP ROLE IF EXISTS st_limited" -c "CREATE ROLE st_limited NOLOGIN" >/dev/null
psql_q -c "GRANT CREATE ON SCHEMA public TO st_limited" >/dev/null
D="$T_WORK/m"; mkdir -p "$D"
cat >"$D/1_elsewhere.up.sql" <<'SQL'
CREATE SCHEMA elsewhere;
SET search_path = elsewhere;
SET my.leak = 'from 1';
CREATE TABLE in_elsewhere (id int);
SQL
echo "DROP SCHEMA elsewhere CASCADE;" >"$D/1_elsewhere.down.sql"
cat >"$D/2_plain.up.sql" <<'SQL'
CREATE TABLE two (id int, seen text DEFAULT current_setting('my.leak', true));
INSERT INTO two (id) VALUES (1);
SQL
cat >"$D/2_plain.down.sql" <<'SQL'
SET search_path = elsewhere;
DROP TABLE public.two;
SQL
# a role without rights on migrate's history: its history row is written all the same
cat >"$D/3_role.up.sql" <<'SQL'
SET ROLE st_limited;
CREATE TABLE three (id int);
SQL
echo "DROP TABLE three;" >"$D/3_role.down.sql"
cat >"$D/4_after_role.up.sql" <<'SQL'
CREATE TABLE four (id int);
SQL
echo "DROP TABLE four;" >"$D/4_after_role.down.sql"
# statement by statement: its settings do not outlive it either
cat >"$D/5_nontx.up.sql" <<'SQL'
-- migrate:no-transaction
SET ROLE st_limited;
SET search_path = elsewhere;
CREATE INDEX CONCURRENTLY three_id ON public.three (id);
SQL
echo "DROP INDEX CONCURRENTLY public.three_id;" >"$D/5_nontx.down.sql"
cat >"$D/6_last.up.sql" <<'SQL'
CREATE TABLE six (id int, seen text DEFAULT current_setting('my.leak', true));
SQL
echo "DROP TABLE six;" >"$D/6_last.down.sql"

run --dir "$D" up
expect_rc 0 "six migrations that SET search_path, ROLE and a custom setting apply"
expect_no "permission denied" "a migration's SET ROLE does not take away the history insert's rights"
expect_eq "$(psql_q -c "SELECT to_regclass('public.two') IS NOT NULL AND to_regclass('elsewhere.two') IS NULL")" t \
	"a search_path set by migration 1 does not move migration 2's table"
expect_eq "$(psql_q -c "SELECT coalesce(nullif(seen, ''), 'unset') FROM public.two")" unset "a custom setting of migration 1 is gone in migration 2"
expect_eq "$(psql_q -c "SELECT tableowner FROM pg_tables WHERE tablename = 'three'")" st_limited "SET ROLE holds inside its own migration"
expect_eq "$(psql_q -c "SELECT tableowner FROM pg_tables WHERE tablename = 'four'")" postgres \
	"the next migration runs as the connecting user, not the role migration 3 set"
expect_eq "$(psql_q -c "SELECT schemaname || ' ' || tableowner FROM pg_tables WHERE tablename = 'six'")" "public postgres" \
	"after a statement-by-statement migration's SET ROLE and search_path, the next runs as the session began"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE state = 'applied'")" 6 "all six recorded applied"

# down: the down of 2 sets search_path; the down of 1 after it still finds its schema
run --dir "$D" down --steps 6
expect_rc 0 "down of all six, one of them setting search_path"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 0 "history is empty after the downs"

# the role of the connection itself (options=-c role=...) is what a migration comes back to
db3=$(pg_fresh_db)
psql_q -c "DROP ROLE IF EXISTS st_owner" -c "CREATE ROLE st_owner NOLOGIN" >/dev/null
psql_q -d "$db3" -c "GRANT CREATE ON SCHEMA public TO st_owner, st_limited" >/dev/null
D3="$T_WORK/m3"; mkdir -p "$D3"
printf 'SET ROLE st_limited;\nCREATE TABLE a1 (id int);\n' >"$D3/1_a1.up.sql"
echo "CREATE TABLE a2 (id int);" >"$D3/2_a2.up.sql"
PGDATABASE=$db3 PGOPTIONS="-c role=st_owner" run --dir "$D3" up --no-backup
expect_rc 0 "a run whose connection sets a role"
expect_eq "$(psql_q -d "$db3" -c "SELECT string_agg(tablename || ' ' || tableowner, ',' ORDER BY tablename) FROM pg_tables WHERE tablename IN ('a1', 'a2', 'schema_migrations')")" \
	"a1 st_limited,a2 st_owner,schema_migrations st_owner" "after a migration's SET ROLE, the next runs as the connection's role again"

# 4: a self-managed migration that opens a transaction and never commits it
D2="$T_WORK/m2"; mkdir -p "$D2"
cat >"$D2/1_open.up.sql" <<'SQL'
BEGIN;
CREATE TABLE never_committed (id int);
SQL
run --dir "$D2" up --unsafe
expect_rc 1 "a migration that leaves its transaction open fails"
expect_err "1_open.up.sql:1:1: error: the migration ends inside a transaction it opened" "says which BEGIN was never committed"
expect_no "^applied 1" "it is not reported applied"
expect_eq "$(psql_q -c "SELECT to_regclass('never_committed') IS NULL")" t "its statements were rolled back"
expect_eq "$(psql_q -c "SELECT coalesce(string_agg(state, ','), 'none') FROM schema_migrations WHERE version = 1")" dirty \
	"history never says applied for it"
t_done
