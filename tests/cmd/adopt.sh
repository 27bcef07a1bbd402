# Adopting an existing database: baseline VERSION records without running; adopt
# imports golang-migrate's and dbmate's history and keeps their table renamed aside.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

D="$T_WORK/m"; mkdir -p "$D"
for i in 1 2 3; do
	echo "CREATE TABLE t$i (id bigint);" >"$D/${i}_t$i.up.sql"
	echo "DROP TABLE t$i;" >"$D/${i}_t$i.down.sql"
done

# baseline: a database built by hand holds t1 and t2
db=$(pg_fresh_db); export PGDATABASE=$db
psql_q -c "CREATE TABLE t1 (id bigint); CREATE TABLE t2 (id bigint)"
run --dir "$D" baseline 2
expect_rc 0 "baseline 2"
expect_out "recorded 1 t1 as applied \(not run\)" "names each recorded migration"
expect_out "2 migrations up to 2 recorded without running them" "says what it did"
expect_eq "$(psql_q -c "SELECT string_agg(version || ':' || tx_mode || ':' || state || ':' || (checksum ~ '^[0-9a-f]{64}\$') || ':' || (down_sql IS NOT NULL), ',' ORDER BY version) FROM schema_migrations")" "1:baseline:applied:true:true,2:baseline:applied:true:true" "recorded with checksum and down SQL, tx_mode baseline"
expect_eq "$(psql_q -c "SELECT string_agg(version || ':' || direction || ':' || outcome, ',' ORDER BY id) FROM schema_migrations_log")" "1:baseline:baselined,2:baseline:baselined" "logged"
run --dir "$D" up
expect_rc 0 "up after the baseline runs only what follows"
expect_out "applied 3 t3" "3 applied"
expect_no "applied 1 " "1 not run"
run --dir "$D" baseline 2
expect_rc 0 "baseline again"
expect_out "nothing to do" "nothing to do"
run --dir "$D" baseline 99
expect_rc 2 "baseline of an unknown version"
expect_err "no migration with version 99" "names it"
run --dir "$D" baseline abc
expect_rc 2 "baseline of a non-number"
run --dir "$D" baseline
expect_rc 2 "baseline without a version"
run --dir "$D" down --all --no-backup
expect_rc 0 "baselined migrations revert like any other"

# golang-migrate: one row, the version reached
db=$(pg_fresh_db); export PGDATABASE=$db
psql_q -c "CREATE TABLE t1 (id bigint); CREATE TABLE t2 (id bigint);
	CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
	INSERT INTO schema_migrations VALUES (2, false)"
run --dir "$D" up
expect_rc 2 "up refuses golang-migrate's table"
expect_err 'migrate adopt --from golang-migrate' "and says how to adopt it"
run --dir "$D" adopt --from dbmate
expect_rc 2 "adopt with the wrong tool"
expect_err "not dbmate's history table \(it looks like golang-migrate's\)" "says whose it is"
run --dir "$D" adopt --from golang-migrate
expect_rc 0 "adopt --from golang-migrate"
expect_out "adopted 1 t1" "1 adopted"
expect_out "2 versions adopted from golang-migrate into public.schema_migrations; their table is kept as public.schema_migrations_golang_migrate" "says what it did"
expect_eq "$(psql_q -c "SELECT version || ' ' || dirty FROM schema_migrations_golang_migrate")" "2 false" "their table is kept, renamed, untouched"
expect_eq "$(psql_q -c "SELECT string_agg(version || ':' || state || ':' || tx_mode, ',' ORDER BY version) FROM schema_migrations")" "1:applied:adopt,2:applied:adopt" "our history holds their versions"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations_log WHERE direction = 'adopt' AND note LIKE 'from golang-migrate%'")" 2 "logged"
run --dir "$D" up
expect_rc 0 "up continues where golang-migrate stopped"
expect_out "1 migration applied" "only 3"
run --dir "$D" adopt --from golang-migrate
expect_rc 2 "adopt into a history that has rows"
expect_err "already holds migrate's history" "says so"

# golang-migrate left its version dirty: so is ours
db=$(pg_fresh_db); export PGDATABASE=$db
psql_q -c "CREATE TABLE gm (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO gm VALUES (2, true)"
run --dir "$D" adopt --from golang-migrate --from-table public.gm
expect_rc 0 "adopt a dirty golang-migrate table under another name"
expect_err "golang-migrate left version 2 dirty" "warns"
expect_eq "$(psql_q -c "SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM schema_migrations")" "1:applied,2:dirty" "the dirty version stays dirty"
expect_eq "$(psql_q -c "SELECT to_regclass('gm_golang_migrate') IS NOT NULL")" t "their table renamed aside"
run --dir "$D" up
expect_rc 1 "up refuses the dirty version"

# dbmate: one row per version
db=$(pg_fresh_db); export PGDATABASE=$db
DB="$TOP/tests/fixtures/dbmate"
psql_q -c "CREATE TABLE schema_migrations (version character varying(128) PRIMARY KEY);
	INSERT INTO schema_migrations VALUES ('20260101000000'), ('20260101000100'), ('20250101000000')"
for f in "$DB"/20260101000000_*.sql "$DB"/20260101000100_*.sql; do
	sed -n '/-- migrate:up/,/-- migrate:down/p' "$f" | grep -v -- '-- migrate:' | psql_q >/dev/null
done
run --dir "$DB" adopt --from dbmate
expect_rc 0 "adopt --from dbmate"
expect_out "3 versions adopted from dbmate" "all three rows"
expect_err "1 adopted version has no file" "a version without a file is named as such"
run --dir "$DB" status
expect_out "20250101000000 +missing" "and shows as missing"
expect_out "20260101000200 +pending" "the third file is pending"
run --dir "$DB" up
expect_rc 0 "up applies what dbmate had not"

# no table; an unknown tool
db=$(pg_fresh_db); export PGDATABASE=$db
run --dir "$D" adopt --from golang-migrate
expect_rc 2 "adopt without their table"
expect_err "there is no table public.schema_migrations to adopt" "says so"
run --dir "$D" adopt --from flyway
expect_rc 2 "adopt --from an unknown tool"
run --dir "$D" adopt
expect_rc 2 "adopt without --from"
t_done
