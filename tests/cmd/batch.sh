# -- migrate:batch N (docs/batch.md): an UPDATE or DELETE run in keyset batches, each its
# own transaction that records the position reached. Every row is changed exactly once
# (a counter column, checked row by row), also when the run is killed (kill -9) or
# interrupted (SIGINT) half way and the next up resumes it; a WHERE keeps its meaning;
# a table without a usable key, or a statement that cannot be batched, is refused before
# any change; a lock timeout retries the batch; an old history table gains its column.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/bg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
A="--dir $D --no-backup"

batches_done() { # VERSION: the batches its progress counts
	psql_q -c "SELECT coalesce((progress->>'batches')::int, 0) FROM schema_migrations WHERE version = $1"
}
# rows of t whose counter is not what the statement's WHERE says it should be
wrong_rows() {
	psql_q -c "SELECT count(*) FROM t WHERE n <> CASE WHEN tag IS NULL THEN 1 ELSE 0 END"
}

cat >"$D/1_t.up.sql" <<'SQL'
CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0, tag text);
INSERT INTO t SELECT g, 0, CASE WHEN g % 3 = 0 THEN 'x' END FROM generate_series(1, 1000) g;
SQL
echo "DROP TABLE t;" >"$D/1_t.down.sql"
cat >"$D/2_backfill.up.sql" <<'SQL'
ALTER TABLE t ADD COLUMN c int;
-- migrate:batch 50
UPDATE t SET n = n + 1, c = id * 2 WHERE tag IS NULL;
CREATE INDEX t_c ON t (c);
SQL
cat >"$D/2_backfill.down.sql" <<'SQL'
DROP INDEX t_c;
-- migrate:batch 100
UPDATE t SET n = n - 1 WHERE tag IS NULL;
ALTER TABLE t DROP COLUMN c;
SQL

# --- lint: the directive is what the unbatched-backfill rule asks for -----------------
mkdir -p "$T_WORK/l"
printf -- "-- migrate:batch 1000\nUPDATE users SET n = n + 1;\n" >"$T_WORK/l/1_x.up.sql"
echo "UPDATE users SET n = 1 WHERE true;" >"$T_WORK/l/2_y.up.sql"
# a regex would see "migrate:batch" here: it is in a string, not a comment before the statement
printf "SELECT '-- migrate:batch 10';\nUPDATE users SET n = 2;\n" >"$T_WORK/l/3_z.up.sql"
run lint --dir "$T_WORK/l"
expect_no "1_x.up.sql:[0-9:]* error" "no finding for the batched UPDATE of every row"
expect_out "3_z.up.sql:2:1: error\[unbatched-backfill\]" "a directive inside a string does not batch the next statement"
expect_out "2_y.up.sql:1:1: error\[unbatched-backfill\]" "WHERE true is every row"
expect_out "add \`-- migrate:batch N\` on the line before the statement" "the safe alternative names the directive"
run lint --dir "$D"
expect_no "unbatched-backfill" "the project's batched statements are not unbatched backfills"

# --- a full run: every row of the WHERE changed exactly once ----------------------------
run $A up
expect_rc 0 "up with a batched backfill"
expect_eq "$(wrong_rows)" 0 "every row the WHERE matches was updated exactly once, the others not at all"
expect_eq "$(psql_q -c "SELECT count(*) FROM t WHERE c IS DISTINCT FROM CASE WHEN tag IS NULL THEN id * 2 END")" 0 "every SET expression applied to its own row"
expect_eq "$(psql_q -c "SELECT state, progress->>'rows', progress->>'batches', progress->>'stmt' FROM schema_migrations WHERE version = 2")" "applied|667|14|3" "history: applied, with 667 rows in 14 batches of 50 (and the empty last one not counted)"
expect_eq "$(psql_q -c "SELECT to_regclass('t_c') IS NOT NULL")" t "the statement after the batched one ran"

run $A down
expect_rc 0 "down runs its own batched UPDATE"
expect_eq "$(psql_q -c "SELECT count(*) FROM t WHERE n <> 0")" 0 "the down's batches changed each row back exactly once"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE version = 2")" 0 "the down forgot the version"

run rehearse --dir "$D" --with-data 1000
expect_rc 0 "rehearse runs the batched up and down on a copy with data"
expect_out "ran in batches of 50 rows" "it says the statement ran in batches"
expect_out "1 of 1 migration rehearsed cleanly" "up, down, up clean"
expect_eq "$(psql_q -c "SELECT count(*) FROM t WHERE n <> 0")" 0 "the database itself is untouched"

# --- kill -9 half way, then up resumes ------------------------------------------------
bg $A --batch-delay 100ms up
until_true "SELECT coalesce((SELECT (progress->>'batches')::int >= 3 FROM schema_migrations WHERE version = 2), false)"
kill -9 $PID
finish
done_rows=$(psql_q -c "SELECT count(*) FROM t WHERE n = 1")
prog=$(psql_q -c "SELECT state || ' ' || (progress->>'rows') FROM schema_migrations WHERE version = 2")
expect_eq "$prog" "dirty $done_rows" "killed half way: dirty, and the rows its progress counts are exactly the rows changed"
[ "$done_rows" -gt 0 ] && [ "$done_rows" -lt 667 ] && t_ok "killed half way ($done_rows of 667 rows)" || t_not_ok "the kill should land half way" "rows done: $done_rows"
expect_eq "$(psql_q -c "SELECT count(*) FROM t WHERE id <= (SELECT (progress->'last'->>0)::int FROM schema_migrations WHERE version = 2) AND tag IS NULL AND n <> 1")" 0 "every row up to the recorded key is done"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND l.relation = 't'::regclass")" 0 "no lock is left on the table"
run status --dir "$D"
expect_out "2 +dirty" "status shows it dirty"
expect_out "2 backfill: stopped part way through its batches \($done_rows rows in [0-9]+ batches committed\); \"migrate up\" resumes it" "and that up resumes it"
run repair --dir "$D"
expect_rc 2 "repair does not clear a resumable version"
expect_err "clearing it would run its batches again from the start" "it says why"
run $A up
expect_rc 0 "the next up finishes it"
expect_err "resuming 2 backfill at .*2_backfill.up.sql:3 after the last committed batch" "it says it resumes"
expect_eq "$(wrong_rows)" 0 "after kill -9 and up: every row updated exactly once"
expect_eq "$(psql_q -c "SELECT state FROM schema_migrations WHERE version = 2")" applied "applied only after the last batch"
expect_eq "$(psql_q -c "SELECT to_regclass('t_c') IS NOT NULL")" t "the statement after it ran once"

# --- SIGINT half way -----------------------------------------------------------------
run $A down
expect_eq "$(psql_q -c "SELECT count(*) FROM t WHERE n <> 0")" 0 "down again"
bg $A --batch-delay 100ms up
until_true "SELECT coalesce((SELECT (progress->>'batches')::int >= 3 FROM schema_migrations WHERE version = 2), false)"
kill -INT $PID
finish
expect_rc 130 "SIGINT stops the run"
expect_err "is marked dirty with its progress" "it says the progress is kept"
expect_err "run \"migrate up\" again once the cause is gone: it resumes" "and how to go on"
done_rows=$(psql_q -c "SELECT count(*) FROM t WHERE n = 1")
expect_eq "$(psql_q -c "SELECT progress->>'rows' FROM schema_migrations WHERE version = 2")" "$done_rows" "the recorded progress is what was committed"
run $A up
expect_rc 0 "up after SIGINT finishes it"
expect_eq "$(wrong_rows)" 0 "after SIGINT and up: every row updated exactly once"

# --- DELETE, composite key, unique NOT NULL key, a subset ------------------------------
cat >"$D/3_delete.up.sql" <<'SQL'
CREATE TABLE pairs (a int, b int, keep bool NOT NULL, PRIMARY KEY (a, b));
INSERT INTO pairs SELECT a, b, (a + b) % 4 <> 0 FROM generate_series(1, 20) a, generate_series(1, 30) b;
CREATE TABLE u (code text NOT NULL UNIQUE, hits int NOT NULL DEFAULT 0);
INSERT INTO u SELECT 'k' || g, 0 FROM generate_series(1, 250) g;
-- migrate:batch 37
DELETE FROM pairs p WHERE NOT p.keep;
-- migrate:batch 16
UPDATE u AS x SET hits = x.hits + 1 WHERE x.code LIKE 'k1%';
SQL
echo "DROP TABLE pairs, u;" >"$D/3_delete.down.sql"
run $A --events "$T_WORK/ev" up
expect_rc 0 "a batched DELETE, a composite key, a unique NOT NULL key"
expect_eq "$(psql_q -c "SELECT count(*), count(*) FILTER (WHERE NOT keep) FROM pairs")" "450|0" "the DELETE removed exactly the rows its WHERE matches (composite key)"
expect_eq "$(psql_q -c "SELECT count(*) FROM u WHERE hits <> CASE WHEN code LIKE 'k1%' THEN 1 ELSE 0 END")" 0 "the UPDATE over a unique NOT NULL key, with an alias, changed each matching row once"
expect_eq "$(grep -c '"event":"batch"' "$T_WORK/ev")" 12 "one batch event per batch (150 rows of pairs in 5 of 37, 111 of u in 7 of 16)"
expect_eq "$(grep '"event":"batch"' "$T_WORK/ev" | tail -1 | grep -o '"total_rows":[0-9]*')" '"total_rows":111' "the last event counts every row of the statement"

# --- a lock timeout retries the batch ---------------------------------------------------
cat >"$D/4_lock.up.sql" <<'SQL'
-- migrate:batch 20
UPDATE u SET hits = hits + 10;
SQL
echo "SELECT 1;" >"$D/4_lock.down.sql"
psql_q -c "BEGIN; SELECT 1 FROM u WHERE code = 'k200' FOR UPDATE; SELECT pg_sleep(1.5); COMMIT;" >/dev/null 2>&1 &
holder=$!
until_true "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE 'BEGIN; SELECT 1 FROM u WHERE%' AND state = 'active')"
run $A --lock-timeout 50ms --retries 100 up
wait $holder
expect_rc 0 "up waits out a row lock held by another session"
expect_err "lock timeout in a batch at .*4_lock.up.sql:2, retry 1/100" "the batch hit the lock timeout and was retried"
expect_eq "$(psql_q -c "SELECT count(*) FROM u WHERE hits <> CASE WHEN code LIKE 'k1%' THEN 11 ELSE 10 END")" 0 "after retries: every row updated exactly once"
rm "$D/4_lock.up.sql" "$D/4_lock.down.sql"
psql_q -c "DELETE FROM schema_migrations WHERE version = 4"

# --- refused before any change --------------------------------------------------------
cat >"$D/4_nokey.up.sql" <<'SQL'
CREATE TABLE IF NOT EXISTS created_first (id int);
-- migrate:batch 10
UPDATE t SET n = n + 1;
-- migrate:batch 10
UPDATE heap SET v = v + 1;
SQL
echo "SELECT 1;" >"$D/4_nokey.down.sql"
psql_q -c "CREATE TABLE heap (v int); INSERT INTO heap SELECT 0 FROM generate_series(1, 100)"
run $A up
expect_rc 2 "a table without a usable key is refused"
expect_err "4_nokey.up.sql:5:1: error: cannot run this UPDATE in batches: table \"heap\" has no primary key and no unique index on NOT NULL columns" "file:line and why"
expect_eq "$(psql_q -c "SELECT to_regclass('created_first') IS NULL AND (SELECT sum(n) FROM t) = 667 AND (SELECT sum(v) FROM heap) = 0")" t "before any change: not even the statements before it ran"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE version = 4")" 0 "no history row"

cat >"$D/4_nokey.up.sql" <<'SQL'
-- migrate:batch 10
UPDATE t SET n = t.n + 1 FROM heap WHERE heap.v = t.n;
SQL
run $A up
expect_rc 2 "an UPDATE that joins is refused"
expect_err "4_nokey.up.sql:2:1: error: cannot run UPDATE in batches \(-- migrate:batch, line 1\): it has a FROM clause" "it says why, at file:line"
cat >"$D/4_nokey.up.sql" <<'SQL'
-- migrate:batch 10
UPDATE t SET id = id + 5000 WHERE tag = 'x';
SQL
run $A up
expect_rc 2 "an UPDATE of the key column is refused"
expect_err "4_nokey.up.sql:2:1: error: cannot run this UPDATE in batches: it assigns column \"id\" of the key" "it names the key column"
cat >"$D/4_nokey.up.sql" <<'SQL'
-- migrate:batch 10
CREATE INDEX CONCURRENTLY t_n ON t (n);
SQL
run $A up
expect_rc 2 "only an UPDATE or a DELETE can be batched"
expect_err "only an UPDATE or a DELETE can be batched" "it says so"
printf -- "-- migrate:batch ten\nUPDATE t SET n = 0;\n" >"$D/4_nokey.up.sql"
run $A up
expect_rc 2 "a batch size must be a number"
expect_err "4_nokey.up.sql:1:1: error: invalid batch size \"ten\"" "it says which"
printf -- "SELECT 1;\n-- migrate:batch 10\nUPDATE t\n  SET n = nosuchcol + 1;\n" >"$D/4_nokey.up.sql"
run $A up
expect_rc 1 "a batch that fails"
expect_err "4_nokey.up.sql:3:1: error: column \"nosuchcol\" does not exist" "is reported at the statement's file:line, not at a position in the batch's own text"
run repair --dir "$D" --mark-reverted 4
expect_rc 0 "settled by hand"
expect_eq "$(wrong_rows)" 0 "none of the refused or failed runs changed a row"
rm "$D/4_nokey.up.sql" "$D/4_nokey.down.sql"

# --- an older history table gains the progress column in place --------------------------
run $A down --steps 2
psql_q -c "ALTER TABLE schema_migrations DROP COLUMN progress"
run status --dir "$D"
expect_rc 0 "status reads a history table without the progress column"
run $A up
expect_rc 0 "up on a history table of an older migrate"
expect_eq "$(psql_q -c "SELECT progress->>'rows' FROM schema_migrations WHERE version = 2")" 667 "the column was added and the progress recorded"
expect_eq "$(wrong_rows)" 0 "and every row updated once"

# --- on a terminal: a progress line ---------------------------------------------------
run $A down --steps 2
script -qec "$MIGRATE $A up" /dev/null >"$T_WORK/tty.out" 2>&1 </dev/null
T_OUT=$(tr '\r' '\n' <"$T_WORK/tty.out"); T_RC=0
expect_out "2_backfill.up.sql:3: 667 rows in 14 batches, [0-9]+ rows/s" "on a terminal, a progress line: rows, batches, rate"
expect_out "2_backfill.up.sql:3: [0-9]+ rows in [0-9]+ batches, [0-9]+ rows/s, about [0-9]+s left" "with the time left from the row estimate"
expect_eq "$(wrong_rows)" 0 "and every row updated once"

# --- plan shows the batches to expect -------------------------------------------------
printf -- "-- migrate:batch 100\nUPDATE t SET n = n WHERE tag IS NULL;\n" >"$D/5_plan.up.sql"
echo "SELECT 1;" >"$D/5_plan.down.sql"
psql_q -c "ANALYZE t"
run plan --dir "$D"
expect_out "in batches of 100 rows over the table's key.*: about 10 batches for ~1000 rows" "plan: the batches expected from the row estimate"
run plan --dir "$D" --format json
expect_eq "$(printf '%s' "$T_OUT" | tr -d ' \n' | grep -o '"batch":{[^}]*}')" '"batch":{"size":100,"rows_estimate":1000}' "plan --format json: the batch size and row estimate"
run plan --dir "$D" --format markdown
expect_out "^- line 2: in batches of 100 rows over the table's key, each its own transaction that records its progress \(docs/batch.md\): about 10 batches for \\\\?~1000 rows" "plan --format markdown: the batches expected from the row estimate, under the lock table"
run plan --dir "$D" --offline
expect_out "in batches of 100 rows over the table's key" "plan --offline: batched, without an estimate"
run plan --dir "$D" --offline --format markdown
expect_out "^- line 2: in batches of 100 rows over the table's key, each its own transaction that records its progress \(docs/batch.md\)$" "plan --offline --format markdown: batched, without an estimate"
rm "$D/5_plan.up.sql" "$D/5_plan.down.sql"

run $A up --batch-rate -1
expect_rc 2 "--batch-rate takes rows per second"
printf 'apply:\n  batch_rate: fast\n' >"$T_WORK/bad.yml"
run -c "$T_WORK/bad.yml" $A up
expect_rc 2 "apply.batch_rate in migrate.yml is checked"
expect_err "bad.yml:2:[0-9]+: error: \"apply.batch_rate\" must be a non-negative integer" "with file:line"
printf 'apply:\n  batch_delay: 1ms\n  batch_rate: 100000\n' >"$T_WORK/ok.yml"
run $A down --steps 2
expect_eq "$(psql_q -c "SELECT count(*) FROM t WHERE n <> 0")" 0 "the backfill reverted"
run -c "$T_WORK/ok.yml" $A up
expect_rc 0 "apply.batch_delay and apply.batch_rate from migrate.yml"
expect_eq "$(wrong_rows)" 0 "throttled, every row still updated once"
t_done
