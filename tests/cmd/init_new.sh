# init writes a commented config and the directory; new writes timestamped pairs.
. "$TOP/tests/lib/t.sh"

cd "$T_WORK" || exit 1
run init
expect_rc 0 "init"
[ -f migrate.yml ] && [ -d migrations ] && t_ok "migrate.yml and migrations/ exist" || t_not_ok "init files"
grep -q "lock_timeout: 500ms" migrate.yml && t_ok "config is commented with defaults" || t_not_ok "config content"
run init
expect_rc 2 "init refuses to overwrite"
expect_err "already there" "says why"
DATABASE_URL= run status --help
expect_rc 0 "the written config loads (help)"
run new "Add users table"
expect_rc 0 "new"
expect_out "^migrations/[0-9]{14}_add_users_table\.up\.sql$" "prints the up path"
expect_out "migrations/[0-9]{14}_add_users_table\.down\.sql$" "prints the down path"
run new "add users table"
expect_rc 0 "new again in the same second"
[ "$(ls migrations/*.up.sql | wc -l)" = 2 ] && t_ok "two distinct versions" || t_not_ok "versions collided" "$(ls migrations)"
# the written config names no database: libpq's PGDATABASE decides, and up says which
grep -Eq "^  url:" migrate.yml && t_not_ok "init writes no database url" "$(grep url: migrate.yml)" || t_ok "init writes no database url"
. "$TOP/tests/lib/pg.sh"
appdb=$(pg_fresh_db)
printf 'CREATE TABLE first_contact (id bigint);\n' >"$(ls migrations/*.up.sql | head -1)"
PGDATABASE=$appdb DATABASE_URL= run up --no-backup
expect_rc 0 "up with PGDATABASE set"
expect_err "^database \"$appdb\" on (socket )?[^ ]+ as [a-z]+" "up says which database it changes, first"
expect_eq "$(psql_q -d "$appdb" -c "SELECT to_regclass('first_contact') IS NOT NULL")" t "the tables are in PGDATABASE's database"
expect_eq "$(psql_q -d postgres -c "SELECT to_regclass('first_contact') IS NULL")" t "not in postgres"
PGDATABASE=$appdb DATABASE_URL= run -q status
expect_no "^database \"" "-q keeps it quiet"
PGDATABASE=$appdb DATABASE_URL= run status --format json
expect_out "^[[{]" "JSON on stdout stays clean"
# a service file (PGSERVICE) decides the same way
svcdb=$(pg_fresh_db)
printf '[nu_svc]\nhost=%s\nport=%s\ndbname=%s\n' "$PGHOST" "$PGPORT" "$svcdb" >"$T_WORK/pg_service.conf"
PGSERVICEFILE="$T_WORK/pg_service.conf" PGSERVICE=nu_svc PGDATABASE= DATABASE_URL= run up --no-backup
expect_rc 0 "up with PGSERVICE set"
expect_err "^database \"$svcdb\" on " "says the service's database"
expect_eq "$(psql_q -d "$svcdb" -c "SELECT to_regclass('first_contact') IS NOT NULL")" t "the tables are in the service's database"
# a database libpq's variables name that does not exist: they are named, not "no database given"
PGDATABASE=nu_no_such_db DATABASE_URL= run up --no-backup
expect_rc 3 "PGDATABASE naming a database that does not exist: exit 3"
expect_err "^detail: no URL given: libpq took the target from .*PGDATABASE=nu_no_such_db" "says where the target came from"
expect_no "no database given" "not that none was given"

# ${VAR} unset: an error only for the commands that use the value
printf 'database:\n  url: ${MIGRATE_T_UNSET_URL}\nmigrations:\n  dir: migrations\n' >unset.yml
run --config unset.yml lint
expect_rc 0 "lint works with the url's variable unset"
run --config unset.yml new another
expect_rc 0 "new works with it unset"
run --config unset.yml backups
expect_rc 0 "backups works with it unset"
run --config unset.yml plan --offline
expect_rc 0 "plan --offline works with it unset"
run --config unset.yml status
expect_rc 2 "status, which connects, needs it"
expect_err "unset.yml:2:8: error: environment variable MIGRATE_T_UNSET_URL is not set" "names the variable and its line"
DATABASE_URL="dbname=$appdb" run --config unset.yml status
expect_rc 0 "DATABASE_URL given: the file's variable does not matter"
printf 'database:\n  url: ${MIGRATE_T_UNSET_URL:-${MIGRATE_T_INNER}}\n' >nested.yml
MIGRATE_T_INNER="dbname=$appdb" run --config nested.yml status
expect_rc 0 "\${A:-\${B}} nests"
expect_err "database \"$appdb\"" "the nested default is the database"
printf 'database:\n  url: x\napply:\n  retries: 2\ndatabase:\n  url: y\n' >twice.yml
run --config twice.yml lint
expect_rc 2 "a section given twice"
expect_err 'twice.yml:5:1: error: "database" is given twice: on line 1 and on line 5' "names both lines"
printf 'apply:\n  retries: 2\n  retries: 3\n' >twice2.yml
run --config twice2.yml lint
expect_rc 2 "a key given twice"
expect_err 'twice2.yml:3:3: error: "apply.retries" is given twice: on line 2 and on line 3' "names both lines of the key"
printf 'database:\n  url: "postgresql://u:S3cr3tZ@h/${MIGRATE_T_UNSET_URL"\n' >bad.yml
run --config bad.yml lint
expect_rc 2 "an unterminated reference"
expect_no "S3cr3tZ" "never prints the value"

run new '!!!'
expect_rc 2 "a name without letters"
run new
expect_rc 2 "missing name"
t_done
