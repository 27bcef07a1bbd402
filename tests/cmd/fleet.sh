# Schema-per-tenant fleet: 50 tenant schemas from a query, each with its own history
# table and lock. A tenant with a conflicting object fails alone and the rest finish;
# after the fix a second run does only what that tenant lacks.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
S="$T_WORK/shared"; D="$T_WORK/tenant"; mkdir -p "$S" "$D"
echo "CREATE TABLE public.plans (id bigint PRIMARY KEY, name text);" >"$S/1_plans.up.sql"
echo "DROP TABLE public.plans;" >"$S/1_plans.down.sql"
# unqualified names: they land in the tenant's schema (search_path = tenant, public)
echo "CREATE TABLE accounts (id bigint PRIMARY KEY, plan_id bigint REFERENCES plans);" >"$D/1_accounts.up.sql"
echo "DROP TABLE accounts;" >"$D/1_accounts.down.sql"
echo "CREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts);" >"$D/2_invoices.up.sql"
echo "DROP TABLE invoices;" >"$D/2_invoices.down.sql"
echo "ALTER TABLE accounts ADD COLUMN email text;" >"$D/3_email.up.sql"
echo "ALTER TABLE accounts DROP COLUMN email;" >"$D/3_email.down.sql"
psql_q -c "DO \$\$ BEGIN FOR i IN 1..50 LOOP EXECUTE format('CREATE SCHEMA %I', 'tenant_' || lpad(i::text, 2, '0')); END LOOP; END \$\$"
psql_q -c "CREATE SCHEMA other"
# tenant_07 already has an object the second migration wants to create
psql_q -c "CREATE TABLE tenant_07.invoices (id int)"
# lint.small_table 0: every table counts as big, so the gate stops on the rules' own errors
cat >"$T_WORK/migrate.yml" <<'YML'
migrations:
  dir: ${SHARED_DIR}
lint:
  small_table: 0
# whole schemas: these runs only create tables, which the default (tables) does not back up
backup:
  scope: database
targets:
  schemas:
    query: SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\_%' ORDER BY 1
    dir: ${TENANT_DIR}
YML
export SHARED_DIR="$S" TENANT_DIR="$D"
C="$T_WORK/migrate.yml"

run -c "$C" up --all --jobs 4
expect_rc 1 "a failing tenant makes the run exit 1"
expect_err "^tenant_07: .*2_invoices.up.sql:1:1: error: relation \"invoices\" already exists" "its error is reported with its name"
expect_out "^main +main +- +1 .* applied 1" "the main database went first"
expect_out "^tenant_07 +schema +- +1 .* failed" "the summary shows the failed tenant at version 1"
expect_out "^tenant_50 +schema +- +3 .* applied 3" "the summary shows another tenant at 3"
expect_out "51 targets: 50 migrated, 0 up to date, 1 failed" "totals"
expect_err "^database \"$db\" on socket .* as postgres; 51 targets$" "the database it changes is said, as a single run says it"
cnt=0
for s in $(psql_q -c "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\_%' AND nspname <> 'tenant_07'"); do
	[ "$(psql_q -c "SELECT max(version) FROM $s.schema_migrations")" = 3 ] && cnt=$((cnt + 1))
done
expect_eq "$cnt" 49 "the other 49 tenants reached the latest version, each in its own history table"
expect_eq "$(psql_q -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM tenant_07.schema_migrations")" 1 "the failed tenant keeps what it applied"
expect_eq "$(psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'tenant_42' AND table_name = 'accounts' AND column_name = 'email'")" 1 "tables landed in the tenant's own schema"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('accounts', 'invoices')")" 0 "nothing leaked into public"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'other'")" 0 "a schema the query does not return is left alone"
# each target took its own backup: the main database whole, a tenant schema only itself
expect_eq "$(ls backups | grep -c "^$db\.tenant_[0-9]*-.*-to-.*\.dump$")" 50 "one backup per tenant schema, named after it"
expect_eq "$(ls backups | grep -c "^$db-.*\.dump$")" 1 "and one of the main database"

run -c "$C" status --all
expect_rc 0 "status --all exits 0: a rolled-back failure leaves nothing dirty"
expect_out "^51 targets" "status counts the targets"
expect_out "^ +49 at 3$" "groups the tenants by version"
expect_out "^ +1 at 1: main" "the main database at its own version"
expect_out "^ +1 at 1, 2 pending: tenant_07" "names the one behind"

# the fix, then a second run does only what is missing
psql_q -c "DROP TABLE tenant_07.invoices"
run -c "$C" up --all
expect_rc 0 "the re-run succeeds"
expect_out "^tenant_07 +schema +1 +3 .* applied 2" "only the failed tenant had work"
expect_out "51 targets: 1 migrated, 50 up to date, 0 failed" "everyone else was up to date"
expect_eq "$(psql_q -c "SELECT count(*) FROM tenant_07.schema_migrations_log WHERE outcome = 'failed'")" 1 "the failed attempt stays in the tenant's audit log"

run -c "$C" status --all --format json
expect_rc 0 "status --all json"
expect_out '"state": "at 3",' "json groups"
expect_out '"count": 50,' "json counts the group"

# a subset: --target and --only
run -c "$C" down --all-targets --target tenant_01 --only 'tenant_1*' --steps 2
expect_rc 0 "down on a subset"
expect_out "^tenant_01 +schema +3 +1 .* reverted 2" "--target picks one"
expect_out "^tenant_19 +schema +3 +1 .* reverted 2" "--only picks by pattern"
expect_out "11 targets: 11 reverted" "exactly the chosen ones"
expect_eq "$(psql_q -c "SELECT max(version) FROM tenant_02.schema_migrations")" 3 "the others are untouched"
expect_eq "$(psql_q -c "SELECT to_regclass('tenant_01.invoices') IS NULL AND to_regclass('tenant_01.accounts') IS NOT NULL")" t "the down SQL ran in the tenant's schema"
run -c "$C" up --target nope
expect_rc 2 "an unknown target is a usage error"
expect_err 'no target named "nope"' "names it"

run -c "$C" up --all --format json --jobs 2
expect_rc 0 "up --all json"
expect_out '"name": "tenant_01",' "json names the targets"
expect_out '"result": "applied 2",' "json results"
expect_out '"failed": 0' "json counts"

# --fail-fast: one job, the first tenant fails, nothing else starts
psql_q -c "CREATE TABLE tenant_01.boom (id int)"
echo "CREATE TABLE boom (id int);" >"$D/4_boom.up.sql"; echo "DROP TABLE boom;" >"$D/4_boom.down.sql"
run -c "$C" up --all --jobs 1 --fail-fast
expect_rc 1 "fail-fast exits 1"
expect_out "^tenant_01 .* failed" "the first tenant failed"
expect_out "^tenant_02 .* skipped" "the rest were not started"
expect_eq "$(psql_q -c "SELECT to_regclass('tenant_02.boom') IS NULL")" t "tenant_02 untouched"

# the lint gate's report is the same on every tenant sharing the files: shown
# once, and every other tenant names the one it was shown for
rm -f "$D"/4_boom.*
echo "CREATE INDEX accounts_email ON accounts (email);" >"$D/5_idx.up.sql"
echo "DROP INDEX accounts_email;" >"$D/5_idx.down.sql"
run -c "$C" up --all --jobs 4
expect_rc 1 "lint errors stop the tenants"
expect_eq "$(printf '%s\n' "$T_ERR" | grep -c 'error\[create-index-non-concurrently\]')" 1 "the findings are shown once"
expect_eq "$(printf '%s\n' "$T_ERR" | grep -c '^tenant_[0-9]*: error: 1 lint error in the pending migrations; nothing was applied (the same report as for tenant_[0-9]*, above)$')" \
	49 "every other tenant: one line naming the tenant it was shown for"
expect_out "^tenant_50 .* failed" "each is failed in the summary"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_indexes WHERE indexname = 'accounts_email'")" 0 "nothing applied"
rm -f "$D"/5_idx.*

# usage errors
run -c "$C" up --format json
expect_rc 2 "--format without every-target mode"
expect_err "--format is for a run on every target \(--all, --target, --only\)" "says when it applies"
run -c "$C" up --all --jobs 0
expect_rc 2 "--jobs 0"
expect_err 'invalid --jobs "0" \(1 to 256\)' "names the range"

# a query that returns no rows (a typo in the pattern) is never silently a fleet of one
cat >"$T_WORK/typo.yml" <<'YML'
migrations:
  dir: ${SHARED_DIR}
targets:
  schemas:
    query: SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenent\_%'
    dir: ${TENANT_DIR}
YML
run -c "$T_WORK/typo.yml" up --all
expect_rc 2 "up --all: a query with no rows is an error"
expect_err "typo.yml:5: error: the query of targets.schemas returned no rows: SELECT nspname .*tenent" "names the query"
expect_err "allow-empty" "says how to go on anyway"
run -c "$T_WORK/typo.yml" up --all --allow-empty
expect_rc 0 "--allow-empty runs the other targets"
expect_err "typo.yml:5: warning: the query of targets.schemas returned no rows" "still warns"
run -c "$T_WORK/typo.yml" status --target main
expect_rc 0 "with --target only, a warning"
expect_err "warning: the query of targets.schemas returned no rows" "that names the query"

# no targets section
run --dir "$S" up --all
expect_rc 2 "--all without targets is a configuration error"
expect_err "no targets" "says so"
# a target schema that is the main database's own (public, the history table's schema)
# or whose history table name would be cut: refused before any change, exit 2
db2=$(pg_fresh_db)
psql_q -d "$db2" -c "CREATE SCHEMA tenant_a; CREATE SCHEMA ops"
printf 'migrations:\n  dir: %s\ntargets:\n  schemas:\n    - tenant_a\n    - public\n' "$S" >"$T_WORK/pub.yml"
run -c "$T_WORK/pub.yml" -d "dbname=$db2" up --all
expect_rc 2 "public in targets.schemas"
expect_err "pub.yml:6:7: error: \"public\" cannot be a target schema: it is the main database's own schema" "names the entry, with its line"
printf 'migrations:\n  dir: %s\ntargets:\n  schemas:\n    query: SELECT nspname FROM pg_namespace WHERE nspname IN (%s) ORDER BY 1\n    dir: %s\n' "$S" "'tenant_a', 'public'" "$D" >"$T_WORK/pubq.yml"
run -c "$T_WORK/pubq.yml" -d "dbname=$db2" up --all
expect_rc 2 "public returned by targets.schemas.query"
expect_err "pubq.yml:5: error: schema \"public\" cannot be a target \(returned by targets.schemas.query\)" "says where it came from"
printf 'migrations:\n  dir: %s\n  table: ops.migrations\ntargets:\n  schemas: [tenant_a, ops]\n' "$S" >"$T_WORK/ops.yml"
run -c "$T_WORK/ops.yml" -d "dbname=$db2" up --all
expect_rc 2 "the history table's schema as a target"
expect_err "schema \"ops\" cannot be a target: it is the main database's own schema \(the schema of the history table\)" "says why"
run -c "$T_WORK/ops.yml" -d "dbname=$db2" --table tenant_a.migrations up --all
expect_rc 2 "--table moves the history table's schema: checked after the options"
expect_err "schema \"tenant_a\" cannot be a target" "names it"
long=xt234567890123456789012345678901234567890123456789012345678
printf 'migrations:\n  dir: %s\ntargets:\n  schemas:\n    list: [tenant_a]\n    table: %s\n' "$S" "$long" >"$T_WORK/long.yml"
run -c "$T_WORK/long.yml" -d "dbname=$db2" up --all
expect_rc 2 "a tenant history table whose _lock name would be cut"
expect_err "history table name \"\"tenant_a\".\"$long\"\" is too long: its lock table \"${long}_lock\" would be 64 bytes, PostgreSQL identifiers are at most 63 bytes" "says the limit"
expect_eq "$(psql_q -d "$db2" -c "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'ops', 'tenant_a')")" 0 "nothing was created anywhere"
t_done
