# A failure in the middle of a migration leaves no half-applied schema and no history row;
# server errors are mapped to file:line:col; non-transactional failures are dirty.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
cat >"$D/1_ok.up.sql" <<'SQL'
CREATE TABLE a (id bigint PRIMARY KEY);
SQL
echo "DROP TABLE a;" >"$D/1_ok.down.sql"
cat >"$D/2_breaks.up.sql" <<'SQL'
-- creates b, then fails on the third statement
CREATE TABLE b (id bigint PRIMARY KEY);
INSERT INTO b VALUES (1);
UPDATE b
    SET id = id + no_such_function(id) WHERE id > 0;
CREATE TABLE never (id bigint);
SQL
echo "DROP TABLE b;" >"$D/2_breaks.down.sql"
echo "CREATE TABLE c3 (id bigint);" >"$D/3_after.up.sql"
echo "DROP TABLE c3;" >"$D/3_after.down.sql"

run --dir "$D" up
expect_rc 1 "a failing migration exits 1"
expect_err "2_breaks.up.sql:5:19: error: function no_such_function\(bigint\) does not exist \(SQLSTATE 42883\)" "server error mapped to file:line:col"
expect_err "hint: No function matches" "server hint shown"
expect_err "rolled back; nothing of it was applied" "says it was rolled back"
expect_out "applied 1 ok" "the migration before it stays applied"
expect_eq "$(psql_q -c "SELECT to_regclass('b') IS NULL AND to_regclass('never') IS NULL AND to_regclass('c3') IS NULL")" t "no half-applied schema"
expect_eq "$(psql_q -c "SELECT string_agg(version::text, ',') FROM schema_migrations")" 1 "no history row for the failed migration"
expect_eq "$(psql_q -c "SELECT outcome || ' ' || sqlstate FROM schema_migrations_log WHERE version = 2")" "failed 42883" "the attempt is logged with its SQLSTATE"

# fix it, and up finishes the job
sed -i 's/no_such_function(id)/0/' "$D/2_breaks.up.sql"
run --dir "$D" up
expect_rc 0 "after the fix, up finishes"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 3 "all three recorded"

# a syntax error the parser catches: reported at load with file:line, still sent, server rejects it
echo "CREATE TABEL oops (id int);" >"$D/4_syntax.up.sql"
echo "SELECT 1;" >"$D/4_syntax.down.sql"
run --dir "$D" up
expect_rc 1 "syntax error exits 1"
expect_err "4_syntax.up.sql:1:8: warning: syntax error at or near \"TABEL\"" "parse error with file:line:col"
expect_err "4_syntax.up.sql:1:8: error: syntax error at or near \"TABEL\" \(SQLSTATE 42601\)" "server error at the same place"
rm "$D"/4_syntax.*

# Without a transaction: the first index is built, the second fails -> dirty
cat >"$D/5_idx.up.sql" <<'SQL'
CREATE INDEX CONCURRENTLY a_id ON a (id);
CREATE INDEX CONCURRENTLY b_nope ON b (nope);
SQL
echo "DROP INDEX CONCURRENTLY IF EXISTS a_id;" >"$D/5_idx.down.sql"
run --dir "$D" up
expect_rc 1 "failing non-transactional migration exits 1"
expect_err "5_idx.up.sql:2:1: error: column \"nope\" does not exist" "non-transactional error mapped"
expect_err "version 5 is marked dirty" "says dirty"
expect_err "migrate repair" "says how to fix it"
expect_eq "$(psql_q -c "SELECT state FROM schema_migrations WHERE version = 5")" dirty "history says dirty"
run --dir "$D" up
expect_rc 1 "up refuses while dirty"
expect_err "version 5 \(idx\) is dirty" "names the dirty version"
run --dir "$D" status
expect_rc 1 "status exits 1 with a dirty version"
expect_out "5 +dirty" "status shows dirty"
run --dir "$D" repair --mark-reverted 5
expect_rc 0 "repair --mark-reverted"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE version = 5")" 0 "dirty row cleared"
expect_eq "$(psql_q -c "SELECT outcome FROM schema_migrations_log WHERE direction = 'repair'")" marked-reverted "repair is logged"
sed -i 's/b (nope)/b (id)/; s/CONCURRENTLY a_id/CONCURRENTLY IF NOT EXISTS a_id/' "$D/5_idx.up.sql"
run --dir "$D" up
expect_rc 0 "up after repair"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0 "indexes valid"

# mixing statements that cannot run in a transaction with ones that should: load-time error
cat >"$D/6_mixed.up.sql" <<'SQL'
CREATE TABLE m (id bigint);
CREATE INDEX CONCURRENTLY m_id ON m (id);
SQL
echo "DROP TABLE m;" >"$D/6_mixed.down.sql"
run --dir "$D" up
expect_rc 2 "mixed migration is a load-time error"
expect_err "6_mixed.up.sql:2:1: error: CREATE INDEX cannot run inside a transaction.*\(line 1\)" "names the line of each kind"
expect_eq "$(psql_q -c "SELECT to_regclass('m') IS NULL")" t "nothing ran"
rm "$D"/6_mixed.*

# a file that runs its own BEGIN ... COMMIT runs as written
cat >"$D/7_own_tx.up.sql" <<'SQL'
BEGIN;
CREATE TABLE own (id bigint);
INSERT INTO own VALUES (1);
COMMIT;
SQL
echo "DROP TABLE own;" >"$D/7_own_tx.down.sql"
run --dir "$D" up
expect_rc 0 "self-managed transaction file"
expect_eq "$(psql_q -c "SELECT tx_mode FROM schema_migrations WHERE version = 7")" self-managed "recorded as self-managed"

# empty (comment-only) up: a recorded no-op
printf -- '-- placeholder\n' >"$D/8_placeholder.up.sql"
printf -- '-- placeholder\n' >"$D/8_placeholder.down.sql"
run --dir "$D" up
expect_rc 0 "comment-only migration applies"
expect_err "8_placeholder.up.sql: warning: up migration is empty" "warned as empty"
expect_out "applied 8 placeholder \(empty" "recorded as a no-op"
run --dir "$D" down
expect_rc 0 "and reverts"

# directives: lock-timeout per file is what the migration sees
cat >"$D/9_directive.up.sql" <<'SQL'
-- migrate:lock-timeout 2s
CREATE TABLE lt AS SELECT current_setting('lock_timeout') AS v, current_setting('statement_timeout') AS s;
SQL
echo "DROP TABLE lt;" >"$D/9_directive.down.sql"
run --dir "$D" up --statement-timeout 1min
expect_rc 0 "directive migration"
expect_eq "$(psql_q -c "SELECT v || ' ' || s FROM lt")" "2s 1min" "lock-timeout directive and --statement-timeout applied"
expect_eq "$(psql_q -c "SELECT current_setting('lock_timeout')")" "0" "SET LOCAL does not leak"
t_done
