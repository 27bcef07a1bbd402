# migrate up lints the pending migrations first: error-level findings stop the run
# before any change, unless allowed by a directive with a reason, or --unsafe (logged).
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
# connected, the gate weighs lock findings by table size (below); here every table counts as
# big, so that the gate's verdict is the rule's own
printf 'lint:\n  small_table: 0\n' >migrate.yml
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

# ---- connected, the gate judges by the facts: what exists now, and its size ----
rm -f migrate.yml
db3=$(pg_fresh_db); export PGDATABASE=$db3
psql_q -c "CREATE TABLE small (id bigint, email text); INSERT INTO small VALUES (1, 'a'); ANALYZE small;
	CREATE TABLE big AS SELECT g::bigint AS id, md5(g::text) AS email FROM generate_series(1, 100000) g;
	ANALYZE big; CREATE TABLE outside (id bigint, note text);"
F="$T_WORK/f"; mkdir -p "$F"
# created, indexed, altered and dropped by one run: nothing of it can lock anything
echo "CREATE TABLE made (id bigint, v text);" >"$F/1_made.up.sql"
echo "DROP TABLE made;" >"$F/1_made.down.sql"
cat >"$F/2_churn.up.sql" <<'SQL'
CREATE INDEX made_v ON made (v);
ALTER TABLE made ADD COLUMN w text NOT NULL DEFAULT 'x', ALTER COLUMN v SET NOT NULL;
ALTER TABLE made RENAME COLUMN w TO w2;
DROP INDEX made_v;
DROP INDEX IF EXISTS never_made_anywhere;
DROP TABLE made;
SQL
echo "SELECT 1;" >"$F/2_churn.down.sql"
run --dir "$F" lint
expect_rc 1 "offline lint keeps its judgement: a pull request cannot know the table is new"
run --dir "$F" up
expect_rc 0 "up: statements on tables the run creates, or that do not exist, are not errors"
# a lock finding on a small table: a warning that says its size
echo "CREATE INDEX small_email ON small (email);" >"$F/3_small.up.sql"
echo "DROP INDEX small_email;" >"$F/3_small.down.sql"
run --dir "$F" plan
expect_out "warning.*small: 1 row, [0-9]+ (bytes|kB): the scan takes milliseconds" "plan: a warning with the table's size"
expect_no "error\[create-index" "plan: no error for the small table"
printf 'lint:\n  small_table: 4kB\n' >migrate.yml
run --dir "$F" plan
expect_out "error.*small: 1 row, [0-9]+ (bytes|kB), at least lint.small_table" "lint.small_table sets the threshold"
run --dir "$F" up
expect_rc 1 "the same under a lower lint.small_table stops up"
rm -f migrate.yml
run --dir "$F" up
expect_rc 0 "a lock on a small table applies"
# on a big table it stays an error, and says the size (big: ~7 MB, under the default 10MB)
echo "CREATE INDEX big_email ON big (email);" >"$F/4_big.up.sql"
echo "DROP INDEX big_email;" >"$F/4_big.down.sql"
printf 'lint:\n  small_table: 1MB\n' >migrate.yml
run --dir "$F" up
expect_rc 1 "a lock on a big table stops up"
expect_err "error\[create-index-non-concurrently\].*big: 100,000 rows, [0-9]+ kB, at least lint.small_table" "says the size"
rm -f "$F"/4_big.* migrate.yml
# compatibility dangers stay errors whatever the size
echo "ALTER TABLE small DROP COLUMN email;" >"$F/5_drop.up.sql"
echo "ALTER TABLE small ADD COLUMN email text;" >"$F/5_drop.down.sql"
run --dir "$F" up
expect_rc 1 "dropping a column of a one-row table still stops up"
expect_err "error\[drop-column\].*small: 1 row" "and says the size"
rm "$F"/5_drop.*
# regression: CREATE TABLE IF NOT EXISTS of a table that exists does not make it new
echo "CREATE TABLE IF NOT EXISTS outside (id bigint, note text);" >"$F/6_ine.up.sql"
echo "SELECT 1;" >"$F/6_ine.down.sql"
echo "ALTER TABLE outside DROP COLUMN note;" >"$F/7_drop.up.sql"
echo "ALTER TABLE outside ADD COLUMN note text;" >"$F/7_drop.down.sql"
run --dir "$F" up
expect_rc 1 "IF NOT EXISTS on an existing table: a later DROP COLUMN is still an error"
expect_err "7_drop.up.sql:1:.*error\[drop-column\]" "the drop is named"
expect_eq "$(psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'outside' AND column_name = 'note'")" 1 "the column is still there"
t_done
