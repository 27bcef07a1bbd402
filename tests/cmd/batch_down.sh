# -- migrate:batch N in a DOWN migration (docs/batch.md): killed (kill -9) or interrupted
# (SIGINT) half way, the version stays dirty with its progress (direction "down"), and
# the next "migrate down" resumes after the last committed batch: every row changed back
# exactly once (a counter column, checked row by row), the statements before the batched
# one not run again, the version forgotten (and "reverted" in the audit log) only after
# the last batch. An edited down file is not resumed.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/bg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
A="--dir $D --no-backup"

# the down's batches are under way: at least 3 committed
down_started="SELECT coalesce((SELECT progress->>'direction' = 'down' AND (progress->>'batches')::int >= 3 FROM schema_migrations WHERE version = 2), false)"
# rows of t whose counter is not what it should be after the down (0) / the up (1 where tag IS NULL)
wrong_down() { psql_q -c "SELECT count(*) FROM t WHERE n <> 0"; }
wrong_up() { psql_q -c "SELECT count(*) FROM t WHERE n <> CASE WHEN tag IS NULL THEN 1 ELSE 0 END"; }
reverted_logged() { psql_q -c "SELECT count(*) FROM schema_migrations_log WHERE version = 2 AND direction = 'down' AND outcome = 'reverted'"; }

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
# DROP INDEX without IF EXISTS: run twice, it fails
cat >"$D/2_backfill.down.sql" <<'SQL'
DROP INDEX t_c;
-- migrate:batch 50
UPDATE t SET n = n - 1 WHERE tag IS NULL;
ALTER TABLE t DROP COLUMN c;
SQL

run $A up
expect_rc 0 "up"
expect_eq "$(wrong_up)" 0 "the up's backfill"

# --- kill -9 half way through the down, then down resumes --------------------------------
bg $A --batch-delay 100ms down
until_true "$down_started"
kill -9 $PID
finish
done_rows=$(psql_q -c "SELECT count(*) FROM t WHERE n = 0 AND tag IS NULL")
expect_eq "$(psql_q -c "SELECT state || ' ' || (progress->>'direction') || ' ' || (progress->>'stmt') || ' ' || (progress->>'rows') FROM schema_migrations WHERE version = 2")" "dirty down 1 $done_rows" "killed half way: dirty, its progress says down, statement 1, and counts exactly the rows changed back"
[ "$done_rows" -gt 0 ] && [ "$done_rows" -lt 667 ] && t_ok "killed half way ($done_rows of 667 rows)" || t_not_ok "the kill should land half way" "rows done: $done_rows"
expect_eq "$(reverted_logged)" 0 "the audit log does not say reverted"
run status --dir "$D"
expect_out "2 backfill: stopped part way through the batches of its down \($done_rows rows in [0-9]+ batches committed\); \"migrate down\" resumes it" "status says down resumes it"
run $A up
expect_rc 1 "up does not run over a down under way"
expect_err "version 2 \(backfill\) stopped part way through the batches of its down: run \"migrate down\" to finish it" "it says so"
expect_eq "$(psql_q -c "SELECT count(*) FROM t WHERE n = 0 AND tag IS NULL")" "$done_rows" "up changed nothing"
run repair --dir "$D"
expect_rc 2 "repair does not clear a resumable down"
expect_err "\"migrate down\" resumes it after the last committed batch" "it says what does"
run $A down
expect_rc 0 "the next down finishes it"
expect_err "resuming 2 backfill at .*2_backfill.down.sql:3 after the last committed batch" "it says it resumes"
expect_eq "$(wrong_down)" 0 "after kill -9 and down: every row changed back exactly once"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE version = 2")" 0 "forgotten only after the last batch"
expect_eq "$(reverted_logged)" 1 "the audit log says reverted once"
expect_eq "$(psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'")" 0 "the statement after the batched one ran"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE version = 1")" 1 "only the one version was reverted"

# --- SIGINT half way through the down ---------------------------------------------------
run $A up
expect_eq "$(wrong_up)" 0 "up again"
bg $A --batch-delay 100ms down
until_true "$down_started"
kill -INT $PID
finish
expect_rc 130 "SIGINT stops the down"
expect_err "is marked dirty with its progress" "it says the progress is kept"
expect_err "run \"migrate down\" again once the cause is gone: it resumes" "and how to go on"
done_rows=$(psql_q -c "SELECT count(*) FROM t WHERE n = 0 AND tag IS NULL")
expect_eq "$(psql_q -c "SELECT progress->>'rows' FROM schema_migrations WHERE version = 2")" "$done_rows" "the recorded progress is what was committed"
expect_eq "$(reverted_logged)" 1 "the audit log does not say reverted for this run"
run $A down
expect_rc 0 "down after SIGINT finishes it"
expect_eq "$(wrong_down)" 0 "after SIGINT and down: every row changed back exactly once"
expect_eq "$(reverted_logged)" 2 "reverted, once more"

# --- down --to over several versions: the interrupted one is resumed first -----------------
run $A up
bg $A --batch-delay 100ms down --to 0
until_true "$down_started"
kill -9 $PID
finish
run $A down --to 0
expect_rc 0 "down --to 0 resumes the version under way, then reverts the rest"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 0 "all reverted"
expect_eq "$(psql_q -c "SELECT to_regclass('t') IS NULL")" t "the older version's down ran too"

# --- an edited down file is not resumed -------------------------------------------------
run $A up
bg $A --batch-delay 100ms down
until_true "$down_started"
kill -9 $PID
finish
sed -i 's/n = n - 1/n = 0/' "$D/2_backfill.down.sql"
run $A down
expect_rc 1 "an edited down is not resumed"
expect_err "version 2 \(backfill\) is dirty" "it is a plain dirty version"
expect_err "its down file changed since the down stopped" "it says why"
expect_eq "$(psql_q -c "SELECT state FROM schema_migrations WHERE version = 2")" dirty "nothing changed"
t_done
