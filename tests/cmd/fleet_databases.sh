# Database-per-tenant fleet: 5 tenant databases named by a query on a control table
# (names, and URLs in a second column), each with its own history; a missing database
# fails alone; a name that looks like a connection string is a database name;
# --jobs bounds the connections (sampled in pg_stat_activity).
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

ctl=$(pg_fresh_db); export PGDATABASE=$ctl
D="$T_WORK/tenant"; mkdir -p "$D"
echo "CREATE TABLE accounts (id bigint PRIMARY KEY);" >"$D/1_accounts.up.sql"
echo "DROP TABLE accounts;" >"$D/1_accounts.down.sql"
echo "ALTER TABLE accounts ADD COLUMN email text;" >"$D/2_email.up.sql"
echo "ALTER TABLE accounts DROP COLUMN email;" >"$D/2_email.down.sql"
dbs=""
for i in 1 2 3 4 5; do
	dbs="$dbs ${ctl}_t$i"
	"$PG_BIN/createdb" "${ctl}_t$i"
done
# the control database lists tenants: three by name alone, two with a URL in a second column
psql_q -c "CREATE TABLE tenants (id int, db text, url text)"
psql_q -c "INSERT INTO tenants VALUES (1, '${ctl}_t1', NULL), (2, '${ctl}_t2', NULL), (3, '${ctl}_t3', NULL),
	(4, '${ctl}_t4', 'postgresql:///${ctl}_t4?host=$PGHOST&port=$PGPORT'), (5, '${ctl}_t5', 'host=$PGHOST port=$PGPORT dbname=${ctl}_t5')"
cat >"$T_WORK/migrate.yml" <<YML
targets:
  main: false
  databases:
    query: SELECT db, url FROM tenants ORDER BY id
    dir: $D
YML
C="$T_WORK/migrate.yml"

run -c "$C" up --all
expect_rc 0 "up --all over five databases"
expect_out "5 targets: 5 migrated, 0 up to date, 0 failed" "all five migrated"
expect_out "^${ctl}_t4 +database +- +2 " "a target with a URL is named by its first column"
ok=0
for d in $dbs; do
	[ "$(psql_q -d "$d" -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")" = "1,2" ] && ok=$((ok + 1))
done
expect_eq "$ok" 5 "each database keeps its own history"
expect_eq "$(psql_q -c "SELECT to_regclass('schema_migrations') IS NULL")" t "the control database is not a target (main: false)"

run -c "$C" up --all
expect_out "5 targets: 0 migrated, 5 up to date" "a second run has nothing to do"

# a tenant whose database is gone fails alone, with its exit code
psql_q -c "INSERT INTO tenants VALUES (6, '${ctl}_gone')"
echo "ALTER TABLE accounts ADD COLUMN note text;" >"$D/3_note.up.sql"
echo "ALTER TABLE accounts DROP COLUMN note;" >"$D/3_note.down.sql"
run -c "$C" up --all --format json
expect_rc 1 "exit 1 when one target failed"
expect_err "^${ctl}_gone: error: could not connect to .*database \"${ctl}_gone\" does not exist" "the connection error names the target"
expect_out '"exit_code": 3,' "json keeps the target's exit code"
expect_out '"result": "applied 1",' "the others were migrated"
expect_eq "$(psql_q -d "${ctl}_t5" -c "SELECT max(version) FROM schema_migrations")" 3 "the last tenant reached the latest version"
psql_q -c "DELETE FROM tenants WHERE id = 6"

# a name from the query is a database name, always: "dbname=X" or a URL in the first
# column never reaches another database (here the victim, which must stay untouched)
"$PG_BIN/createdb" "${ctl}_victim"
"$PG_BIN/createdb" "dbname=${ctl}_victim"
psql_q -c "DELETE FROM tenants; INSERT INTO tenants VALUES (7, 'dbname=${ctl}_victim'), (8, 'postgresql:///${ctl}_victim?host=$PGHOST&port=$PGPORT')"
run -c "$C" up --all --jobs 1
expect_rc 1 "names that look like connection strings"
expect_out "^dbname=${ctl}_victim +database +- +3 " "the database literally named \"dbname=...\" was migrated"
expect_err "database \"postgresql:///${ctl}_victim\?host=.*\" does not exist" "a URL in the name column is a (missing) database name"
expect_eq "$(psql_q -d "${ctl}_victim" -c "SELECT to_regclass('schema_migrations') IS NULL")" t "the database they name is untouched"
expect_eq "$(psql_q -d "dbname='dbname=${ctl}_victim'" -c "SELECT to_regclass('accounts') IS NOT NULL" 2>&1)" t "psql agrees: the weird name is a database of its own"
psql_q -c "DELETE FROM tenants; INSERT INTO tenants VALUES (1, '${ctl}_t1', NULL), (2, '${ctl}_t2', NULL), (3, '${ctl}_t3', NULL),
	(4, '${ctl}_t4', 'postgresql:///${ctl}_t4?host=$PGHOST&port=$PGPORT'), (5, '${ctl}_t5', 'host=$PGHOST port=$PGPORT dbname=${ctl}_t5')"

# --jobs bounds the connections: a sampler counts migrate's backends every 10 ms
printf "SELECT pg_sleep(0.4);\n" >"$D/4_slow.up.sql"; echo "SELECT 1;" >"$D/4_slow.down.sql"
"$PG_BIN/psql" -qAtX -d "$ctl" >"$T_WORK/sampler.out" 2>&1 <<'SQL' &
CREATE TEMP TABLE samples (n int);
DO $$
DECLARE c int;
BEGIN
	FOR i IN 1..250 LOOP
		PERFORM pg_stat_clear_snapshot();
		SELECT count(*) INTO c FROM pg_stat_activity WHERE application_name = 'migrate';
		INSERT INTO samples VALUES (c);
		PERFORM pg_sleep(0.01);
	END LOOP;
END $$;
SELECT 'max=' || max(n) FROM samples;
SQL
sampler=$!
sleep 0.3
run -c "$C" up --all --jobs 2
wait $sampler
expect_rc 0 "slow migrations with --jobs 2"
expect_eq "$(grep -o 'max=[0-9]*' "$T_WORK/sampler.out")" "max=2" "never more than 2 connections at once, and 2 did run together"
t_done
