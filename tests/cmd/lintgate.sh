# migrate up lints the pending migrations first: error-level findings stop the run
# before any change, unless allowed by a directive with a reason, or --unsafe (logged).
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
echo "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);" >"$D/1_accounts.up.sql"
echo "DROP TABLE accounts;" >"$D/1_accounts.down.sql"
run --dir "$D" up
expect_rc 0 "a clean migration applies"

# an index built without CONCURRENTLY on an existing table blocks writes
echo "CREATE INDEX accounts_email ON accounts (email);" >"$D/2_idx.up.sql"
echo "DROP INDEX accounts_email;" >"$D/2_idx.down.sql"
echo "CREATE TABLE later (id bigint);" >"$D/3_later.up.sql"
echo "DROP TABLE later;" >"$D/3_later.down.sql"
run --dir "$D" up
expect_rc 1 "lint errors stop up"
expect_err "2_idx.up.sql:1:1: error\[" "the finding names file:line:col"
expect_err "nothing was applied" "says nothing was applied"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 1 "nothing applied (not even the clean one after it)"

# the same text in a string or a comment is not a finding
rm "$D"/2_idx.*
printf -- "-- CREATE INDEX accounts_email ON accounts (email);\nCOMMENT ON TABLE accounts IS 'CREATE INDEX x ON accounts (email)';\n" >"$D/4_comment.up.sql"
echo "COMMENT ON TABLE accounts IS NULL;" >"$D/4_comment.down.sql"
run --dir "$D" up
expect_rc 0 "text in a comment or a string does not trip the gate"

# allowed with a reason: applies
rule=$("$MIGRATE" lint --stdin-filename x.sql --format json - <<'SQL' | sed -n 's/.*"rule": "\([^"]*\)".*/\1/p' | head -1
CREATE INDEX accounts_email ON accounts (email);
SQL
)
[ -n "$rule" ] && t_ok "lint names the rule ($rule)" || t_not_ok "no rule id from lint"
printf -- "-- migrate:allow %s accounts is tiny (40 rows), checked 2026-11-20\nCREATE INDEX accounts_email ON accounts (email);\n" "$rule" >"$D/5_allowed.up.sql"
echo "DROP INDEX accounts_email;" >"$D/5_allowed.down.sql"
run --dir "$D" up
expect_rc 0 "an allowed finding applies"
expect_eq "$(psql_q -c "SELECT to_regclass('accounts_email') IS NOT NULL")" t "the index exists"

# --unsafe: applies, and the log says so
echo "CREATE INDEX accounts_id_email ON accounts (id, email);" >"$D/6_unsafe.up.sql"
echo "DROP INDEX accounts_id_email;" >"$D/6_unsafe.down.sql"
run --dir "$D" up --unsafe
expect_rc 0 "--unsafe applies"
expect_err "applying despite 1 lint error \(--unsafe" "warns"
expect_eq "$(psql_q -c "SELECT note FROM schema_migrations_log WHERE direction = 'up' AND version = 6")" "--unsafe" "--unsafe is recorded in the log"

# a table created earlier in the same run is new to everyone: indexes and constraints on it
# are fine for up (lint, for a pull request, still flags them: by then it may be in use)
db2=$(pg_fresh_db)
E="$T_WORK/e"; mkdir -p "$E"
echo "CREATE TABLE fresh (id bigint, email text);" >"$E/1_fresh.up.sql"
echo "DROP TABLE fresh;" >"$E/1_fresh.down.sql"
echo "CREATE INDEX fresh_email ON fresh (email); ALTER TABLE fresh ADD CONSTRAINT fresh_email_ck CHECK (email <> '');" >"$E/2_idx.up.sql"
echo "ALTER TABLE fresh DROP CONSTRAINT fresh_email_ck; DROP INDEX fresh_email;" >"$E/2_idx.down.sql"
run --dir "$E" lint
expect_rc 1 "lint flags the index on a table of an earlier migration"
PGDATABASE=$db2 run --dir "$E" up
expect_rc 0 "up on a fresh database: the table is created by the same run"
PGDATABASE=$db2 run --dir "$E" down
expect_rc 0 "down one"
PGDATABASE=$db2 run --dir "$E" up
expect_rc 1 "the table now exists before the run: the index is a finding again"
t_done
