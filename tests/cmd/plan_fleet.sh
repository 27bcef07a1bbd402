# plan --all: a preview of up --all (and of down --all-targets) on a schema fleet where
# most tenants are at one version and a few are behind, dirty, edited since applied or
# new; the targets with the same plan are shown once with their count and names; a
# subset; JSON per target; an unreachable database and another tool's history table
# are reported by name (exit 1) while the others are planned; and proof that it
# changed nothing and took no runner lock.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
S="$T_WORK/shared"; D="$T_WORK/tenant"; mkdir -p "$S" "$D"
echo "CREATE TABLE public.plans (id bigint PRIMARY KEY, name text);" >"$S/1_plans.up.sql"
echo "DROP TABLE public.plans;" >"$S/1_plans.down.sql"
echo "CREATE TABLE accounts (id bigint PRIMARY KEY);" >"$D/1_accounts.up.sql"
echo "DROP TABLE accounts;" >"$D/1_accounts.down.sql"
echo "CREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint);" >"$D/2_invoices.up.sql"
echo "DROP TABLE invoices;" >"$D/2_invoices.down.sql"
echo "ALTER TABLE accounts ADD COLUMN email text;" >"$D/3_email.up.sql"
echo "ALTER TABLE accounts DROP COLUMN email;" >"$D/3_email.down.sql"
psql_q -c "DO \$\$ BEGIN FOR i IN 1..19 LOOP EXECUTE format('CREATE SCHEMA %I', 'tenant_' || lpad(i::text, 2, '0')); END LOOP; END \$\$"
# every table counts as big: the plans group by the rules' own verdicts
cat >"$T_WORK/migrate.yml" <<YML
migrations:
  dir: $S
lint:
  small_table: 0
targets:
  schemas:
    query: SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\_%' ORDER BY 1
    dir: $D
YML
C="$T_WORK/migrate.yml"
run -q -c "$C" up --all
expect_rc 0 "the fleet is migrated to 3"

# then: a new migration for everyone; two tenants one behind, one dirty, one whose
# applied file differs, and a new tenant without a history table
echo "CREATE INDEX accounts_email ON accounts (email);" >"$D/4_email_idx.up.sql"
echo "DROP INDEX accounts_email;" >"$D/4_email_idx.down.sql"
run -q -c "$C" down --all-targets --target tenant_05 --target tenant_06
expect_rc 0 "two tenants go back to 2"
psql_q -c "UPDATE tenant_07.schema_migrations SET state = 'dirty' WHERE version = 3"
psql_q -c "UPDATE tenant_08.schema_migrations SET checksum = 'edited' WHERE version = 1"
psql_q -c "CREATE SCHEMA tenant_20"
# nothing may change from here on: the whole database, its rows included, and its locks
snap() {
	"$PG_BIN/pg_dump" "$db" | grep -v '^\\\(un\)\?restrict'
	psql_q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
}
snap >"$T_WORK/before"

run -c "$C" plan --all
expect_rc 0 "plan --all exits 0 when every target was planned"
expect_out "^plan of up on 21 targets: 6 different plans$" "counts the targets and the different plans"
expect_out "^\[1\] 15 targets at 3: 1 to apply \(4\), 1 lint error$" "the tenants at 3 are one group, with what they would apply"
expect_out "^    tenant_01, tenant_02, tenant_03, tenant_04, tenant_09, tenant_10, tenant_11, tenant_12 and 7 more$" \
	"a long list of names is cut short"
expect_out "^\[2\] 2 targets at 2: 2 to apply \(3, 4\), 1 lint error$" "the tenants behind are a group of their own"
expect_out "^    tenant_05, tenant_06$" "named"
expect_out "^\[[3-6]\] 1 target at 3, dirty 3: 1 to apply \(4\), 1 lint error, 1 warning$" "a dirty tenant stands apart"
expect_out "^\[[3-6]\] 1 target at 3, edited since applied 1: 1 to apply \(4\), 1 lint error, 1 warning$" \
	"so does one whose applied file was edited"
# connected, the index on a table this run creates is no finding (nobody uses it yet)
expect_out "^\[[3-6]\] 1 target with nothing applied: 4 to apply \(1, 2, 3 and 1 more\)$" \
	"and a new tenant"
expect_out "^\[[3-6]\] 1 target at 1: nothing to apply$" "the main database is up to date"
expect_out "^== \[1\] 15 targets at 3: 1 to apply \(4\), 1 lint error ==$" "each group's plan follows"
expect_out "^the plan of tenant_01, the same for the others \(table sizes and lock holders are its own\):$" \
	"shown for the group's first target"
expect_out "^       error \[create-index-non-concurrently\] 1:1: " "with its findings"
expect_out "^target: schema \"tenant_01\" in database \"[^\"]*\" on " "a tenant's plan names its schema"
expect_eq "$(printf '%s\n' "$T_OUT" | grep -c '^4 email_idx (up')" 5 "the new migration is shown once per group, not once per tenant"
expect_out "version 3 \(email\) is dirty: up and down refuse to run" "the dirty tenant's plan says what up would do"
cp "$T_WORK/out" "$T_WORK/jobs4"
run -c "$C" plan --all --jobs 1
cmp -s "$T_WORK/out" "$T_WORK/jobs4" && t_ok "the same report with --jobs 1" \
	|| t_not_ok "--jobs changed the report" "$(diff "$T_WORK/jobs4" "$T_WORK/out" | head -20)"
run -v -c "$C" plan --all
expect_out "^    tenant_01, tenant_02, tenant_03, tenant_04, tenant_09, .*, tenant_18, tenant_19$" "-v lists every name"
run -c "$C" up --dry-run --all
cmp -s "$T_WORK/out" "$T_WORK/jobs4" && t_ok "up --dry-run --all is plan --all" \
	|| t_not_ok "up --dry-run --all differs" "$(diff "$T_WORK/jobs4" "$T_WORK/out" | head -20)"

# a subset
run -c "$C" plan --target tenant_05 --only 'tenant_1*'
expect_rc 0 "--target and --only"
expect_out "^plan of up on 11 targets: 2 different plans$" "exactly the chosen ones"
expect_out "^\[1\] 10 targets at 3: " "the ten matching the pattern"
expect_out "^    tenant_10, tenant_11, .* and 2 more$" "named"
expect_out "^\[2\] 1 target at 2: 2 to apply \(3, 4\)" "and the one named"
run -c "$C" plan --target nope
expect_rc 2 "an unknown target is a usage error"

# down: --all-targets for the fleet, --all for every migration (as down --all)
run -c "$C" plan --down --all-targets --target tenant_01 --target tenant_05
expect_rc 0 "plan --down --all-targets"
expect_out "^plan of down on 2 targets: 2 different plans$" "plans the revert on each"
expect_out "^\[[12]\] 1 target at 3: 1 to revert \(3\)" "the newest of one"
expect_out "^\[[12]\] 1 target at 2: 1 to revert \(2\)" "and of the other"
run -c "$C" plan --down --all --target tenant_01
expect_out "^\[1\] 1 target at 3: 3 to revert \(3, 2, 1\)" "--down --all reverts every migration of the target"
run -c "$C" down --dry-run --all-targets --steps 2 --target tenant_01
expect_out "^\[1\] 1 target at 3: 2 to revert \(3, 2\)" "down --dry-run --all-targets"

# Markdown
run -c "$C" plan --all --format markdown --only 'tenant_0*'
expect_rc 0 "markdown"
expect_out "^## migrate plan of up on 9 targets: 4 different plans$" "a title"
expect_out '^1\. 5 targets at 3: 1 to apply \(4\), 1 lint error: `tenant_01`, `tenant_02`, `tenant_03`, `tenant_04`, `tenant_09`' \
	"one line per group"
expect_out "^### Plan 1: 5 targets at 3" "a section per group"
expect_out "^#### migrate plan: 1 migration to apply$" "holding the plan one level down"
expect_out "<summary><b>4 email_idx</b>" "and its migrations"

# JSON: one object per target; read with PostgreSQL's own JSON functions
json_q() { # json_q SQL: SQL over the last output as the jsonb :'doc'
	printf '%s\n' "$1" | psql_q -v doc="$T_OUT"
}
run -c "$C" plan --all --format json
expect_rc 0 "json"
expect_eq "$(json_q "SELECT jsonb_array_length(:'doc'::jsonb->'targets'), c->>'targets', c->>'planned', c->>'failed', c->>'plans'
	FROM (SELECT :'doc'::jsonb->'counts' c) x")" "21|21|21|0|6" "one object per target; the counts"
expect_eq "$(json_q "SELECT t->>'kind', t->>'from', t->>'to', t->>'group', t->>'exit_code', t->>'error' IS NULL,
	(SELECT string_agg(m->>'version', ',') FROM jsonb_array_elements(t->'plan'->'migrations') m),
	t->'plan'->'summary'->>'errors'
	FROM jsonb_array_elements(:'doc'::jsonb->'targets') t WHERE t->>'name' = 'tenant_05'")" \
	"schema|2|4|2|0|t|3,4|1" "a target: kind, from, to, its group, and the plan as plan --format json gives it"
expect_eq "$(json_q "SELECT t->>'dirty', t->>'from', t->>'to' FROM jsonb_array_elements(:'doc'::jsonb->'targets') t WHERE t->>'name' = 'tenant_07'")" \
	"[\"3\"]|3|4" "the dirty versions"
expect_eq "$(json_q "SELECT t->>'drifted' FROM jsonb_array_elements(:'doc'::jsonb->'targets') t WHERE t->>'name' = 'tenant_08'")" \
	"[\"1\"]" "the edited ones"
expect_eq "$(json_q "SELECT t->>'kind', t->>'from' IS NULL, jsonb_array_length(t->'plan'->'migrations') FROM jsonb_array_elements(:'doc'::jsonb->'targets') t WHERE t->>'name' = 'main'")" \
	"main|f|0" "the main database"

# nothing changed, and no lock is left
snap >"$T_WORK/after"
cmp -s "$T_WORK/before" "$T_WORK/after" && t_ok "nothing changed: schema, history rows, logs, locks" \
	|| t_not_ok "plan --all changed the database" "$(diff "$T_WORK/before" "$T_WORK/after" | head -20)"
expect_eq "$(psql_q -c "SELECT to_regclass('tenant_20.schema_migrations') IS NULL AND to_regclass('tenant_20.schema_migrations_log') IS NULL")" t \
	"no history table created where there was none"
expect_eq "$(psql_q -c "SELECT string_agg(version || state, ',' ORDER BY version) FROM tenant_07.schema_migrations")" \
	"1applied,2applied,3dirty" "the rows where there were some"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" 0 "no advisory lock left"

# no runner lock taken: a plan does not wait for a run that holds one
"$PG_BIN/psql" -qAtX >/dev/null 2>&1 <<'SQL' &
SELECT pg_advisory_lock(('x' || substr(encode(sha256('migrate:tenant_01.schema_migrations'), 'hex'), 1, 16))::bit(64)::bigint);
SELECT pg_sleep(8);
SQL
holder=$!
sleep 1
run -c "$C" up --target tenant_01 --wait 1s --format json
expect_out '"exit_code": 3,' "a real run waits for tenant_01's runner lock, held elsewhere, and gives up"
expect_err "^tenant_01: .*another migrate run holds the lock on tenant_01.schema_migrations" "(the lock of the run)"
run -c "$C" plan --all
expect_rc 0 "plan --all while that lock is held"
kill -0 "$holder" 2>/dev/null && t_ok "and finished before it was released: it never asked for it" \
	|| t_not_ok "the holder was gone before the plan finished"
expect_out "^\[1\] 15 targets at 3: " "tenant_01 was planned with the others"
wait "$holder"

# a target that cannot be planned: an unreachable database and another tool's history
# table are named, the run exits 1, and every other target is still planned
"$PG_BIN/createdb" "${db}_t1"
psql_q -c "CREATE SCHEMA tenant_21; CREATE TABLE tenant_21.schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)"
{ cat "$C"; printf '  databases:\n    list: [%s_t1, %s_gone]\n    dir: %s\n' "$db" "$db" "$D"; } >"$T_WORK/mixed.yml"
run -c "$T_WORK/mixed.yml" plan --all
expect_rc 1 "exit 1 when a target could not be planned"
expect_out "^plan of up on 24 targets: 6 different plans, 2 targets could not be planned$" "counts them"
expect_err "^${db}_gone: error: could not connect to .*database \"${db}_gone\" does not exist" "the connection error names the target as it happens"
expect_out "^could not be planned: 2 targets$" "the report lists them"
expect_out "^    ${db}_gone: could not connect to .*database \"${db}_gone\" does not exist" "the unreachable database, with its error"
expect_out "^    tenant_21: table tenant_21.schema_migrations holds the history of golang-migrate" "the bad history, with its error"
expect_out "^\[1\] 15 targets at 3: " "the others were planned"
expect_out "^\[3\] 2 targets with nothing applied: 4 to apply \(1, 2, 3 and 1 more\)$" \
	"the reachable database too, with the new tenant schema: the same plan"
expect_out "^    tenant_20, ${db}_t1$" "(a schema and a database)"
run -c "$T_WORK/mixed.yml" plan --all --format json
expect_rc 1 "json, exit 1"
expect_eq "$(json_q "SELECT t->>'kind', t->>'exit_code', t->>'error' LIKE 'could not connect%', t->'plan' = 'null' FROM jsonb_array_elements(:'doc'::jsonb->'targets') t WHERE t->>'name' = '${db}_gone'")" \
	"database|3|t|t" "the unreachable target: its exit code and error, no plan"
expect_eq "$(json_q "SELECT :'doc'::jsonb->'counts'->>'failed', :'doc'::jsonb->'counts'->>'planned'")" "2|22" "counted"
expect_eq "$(psql_q -d "${db}_t1" -c "SELECT to_regclass('schema_migrations') IS NULL")" t "the tenant database was only read"

# usage
run -c "$C" plan --steps 2
expect_rc 2 "--steps without --down"
expect_err "error: --steps plans a revert: add --down" "says so"
run -c "$C" plan --all --offline
expect_rc 2 "--offline with every target"
run -c "$C" plan --all --jobs 0
expect_rc 2 "--jobs 0"
t_done
