# Recovery from failed CONCURRENTLY builds, for real: a unique index over duplicate rows,
# a REINDEX CONCURRENTLY whose build fails, and lock timeouts while waiting for old
# snapshots. repair drops the INVALID indexes they leave; up's retry drops them first.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
invalid() { psql_q -c "SELECT coalesce(string_agg(c.relname, ',' ORDER BY c.relname), '') FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid"; }

# 1. CREATE UNIQUE INDEX CONCURRENTLY over duplicate rows fails and leaves an INVALID index
psql_q -c "CREATE TABLE dup (id int); INSERT INTO dup VALUES (1), (1), (2)"
echo "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dup_id ON dup (id);" >"$D/1_dup_id.up.sql"
echo "DROP INDEX CONCURRENTLY IF EXISTS dup_id;" >"$D/1_dup_id.down.sql"
run --dir "$D" up --no-backup
expect_rc 1 "a failing CREATE UNIQUE INDEX CONCURRENTLY"
expect_err "could not create unique index \"dup_id\" \(SQLSTATE 23505\)" "the server's reason"
expect_eq "$(psql_q -c "SELECT state FROM schema_migrations WHERE version = 1")" dirty "the version is dirty"
expect_eq "$(invalid)" dup_id "the failed build left an INVALID index"
run --dir "$D" up --no-backup
expect_rc 1 "up refuses while dirty"
run --dir "$D" repair
expect_rc 0 "repair"
expect_err "dropping invalid index public.dup_id, left by CREATE INDEX at .*1_dup_id.up.sql:1" "names the index and the statement that left it"
expect_out "version 1: dropped 1 invalid index; cleared from history" "says what it did"
expect_eq "$(invalid)" "" "no INVALID index left"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 0 "the dirty mark is cleared"
expect_eq "$(psql_q -c "SELECT outcome || ' ' || note FROM schema_migrations_log WHERE direction = 'repair'")" "repaired dropped 1 invalid index" "the repair is logged"
psql_q -c "DELETE FROM dup WHERE ctid = (SELECT min(ctid) FROM dup WHERE id = 1)"
run --dir "$D" up --no-backup
expect_rc 0 "up runs it again once the data is fixed"
expect_eq "$(psql_q -c "SELECT indisvalid FROM pg_index WHERE indexrelid = 'dup_id'::regclass")" t "the index is valid"

# 2. REINDEX CONCURRENTLY whose build fails leaves <index>_ccnew
psql_q >/dev/null <<'SQL'
CREATE FUNCTION f(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1';
CREATE TABLE r (x int);
INSERT INTO r SELECT generate_series(1, 100);
CREATE INDEX r_f ON r (f(x));
CREATE INDEX r_x ON r (x);
CREATE OR REPLACE FUNCTION f(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS
  $$BEGIN IF $1 = 50 THEN RAISE EXCEPTION 'f refuses 50'; END IF; RETURN $1; END$$;
SQL
echo "REINDEX INDEX CONCURRENTLY r_f;" >"$D/2_reindex.up.sql"
echo "SELECT 1;" >"$D/2_reindex.down.sql"
run --dir "$D" up --no-backup
expect_rc 1 "a failing REINDEX INDEX CONCURRENTLY"
expect_err "f refuses 50" "the server's reason"
expect_eq "$(invalid)" r_f_ccnew "it left r_f_ccnew INVALID"
run --dir "$D" repair
expect_rc 0 "repair after REINDEX INDEX CONCURRENTLY"
expect_err "dropping invalid index public.r_f_ccnew, left by REINDEX at .*2_reindex.up.sql:1" "drops r_f_ccnew"
expect_eq "$(invalid)" "" "no INVALID index left"
expect_eq "$(psql_q -c "SELECT indisvalid FROM pg_index WHERE indexrelid = 'r_f'::regclass")" t "the original index is still there and valid"

echo "REINDEX TABLE CONCURRENTLY r;" >"$D/2_reindex.up.sql"
run --dir "$D" up --no-backup
expect_rc 1 "a failing REINDEX TABLE CONCURRENTLY"
expect_eq "$(invalid)" "r_f_ccnew,r_x_ccnew" "it left a _ccnew copy of each index of the table"
run --dir "$D" repair
expect_rc 0 "repair after REINDEX TABLE CONCURRENTLY"
expect_out "dropped 2 invalid indexes" "drops both"
expect_eq "$(invalid)" "" "no INVALID index left"
psql_q -c "CREATE OR REPLACE FUNCTION f(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT \$1'"
run --dir "$D" up --no-backup
expect_rc 0 "up runs the REINDEX again once the function is fixed"

# 3. Lock timeout while CREATE INDEX CONCURRENTLY waits for an older snapshot: the retry
#    drops the INVALID index the timed-out attempt left, then succeeds.
psql_q -c "CREATE TABLE big (id int); INSERT INTO big SELECT generate_series(1, 1000)"
echo "CREATE INDEX CONCURRENTLY big_id ON big (id);" >"$D/3_big_id.up.sql"
echo "DROP INDEX CONCURRENTLY big_id;" >"$D/3_big_id.down.sql"
cat >"$T_WORK/fast.yml" <<'YML'
apply:
  retry_delay: 100ms
  retry_max_delay: 300ms
YML
"$PG_BIN/psql" -qAtX -c "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class; SELECT pg_sleep(2); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 0.5
run -c "$T_WORK/fast.yml" --dir "$D" up --no-backup --lock-timeout 200ms --retries 30
wait $holder
expect_rc 0 "CREATE INDEX CONCURRENTLY succeeds after lock-timeout retries"
expect_err "lock timeout at .*3_big_id.up.sql:1 \(CREATE INDEX\), retry 1/30" "the lock timeout is retried"
expect_err "dropping invalid index public.big_id, left by CREATE INDEX" "the retry drops the INVALID index first"
expect_eq "$(psql_q -c "SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_id'::regclass")" t "the index is valid"
expect_eq "$(invalid)" "" "no INVALID index left"
expect_eq "$(psql_q -c "SELECT retries > 0 FROM schema_migrations_log WHERE version = 3 AND outcome = 'applied'")" t "the retries are logged"

# ... and the same for REINDEX CONCURRENTLY (its leftover is big_id_ccnew)
echo "REINDEX INDEX CONCURRENTLY big_id;" >"$D/4_reindex_big.up.sql"
echo "SELECT 1;" >"$D/4_reindex_big.down.sql"
"$PG_BIN/psql" -qAtX -c "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class; SELECT pg_sleep(2); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 0.5
run -c "$T_WORK/fast.yml" --dir "$D" up --no-backup --lock-timeout 200ms --retries 30
wait $holder
expect_rc 0 "REINDEX CONCURRENTLY succeeds after lock-timeout retries"
expect_err "dropping invalid index public.big_id_ccnew, left by REINDEX" "the retry drops big_id_ccnew first"
expect_eq "$(invalid)" "" "no INVALID index left"

# 4. Retries run out: dirty, with the INVALID index; repair cleans up
echo "CREATE INDEX CONCURRENTLY big_id2 ON big (id);" >"$D/5_big_id2.up.sql"
echo "DROP INDEX CONCURRENTLY big_id2;" >"$D/5_big_id2.down.sql"
"$PG_BIN/psql" -qAtX -c "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class; SELECT pg_sleep(1.5); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 0.5
run --dir "$D" up --no-backup --lock-timeout 100ms --retries 0
wait $holder
expect_rc 1 "retries exhausted"
expect_err "could not take the lock for CREATE INDEX within lock_timeout \(100ms\), gave up after 0 retries" "says so"
expect_eq "$(psql_q -c "SELECT outcome || ' ' || sqlstate FROM schema_migrations_log WHERE version = 5")" "dirty 55P03" "logged dirty with 55P03"
expect_eq "$(invalid)" big_id2 "the INVALID index is there"
run --dir "$D" repair
expect_rc 0 "repair"
run --dir "$D" up --no-backup
expect_rc 0 "up after repair"
expect_eq "$(invalid)" "" "no INVALID index left"

# a dirty version whose file is gone cannot be inspected
psql_q -c "INSERT INTO schema_migrations (version, name, checksum, tx_mode, state) VALUES (99, 'gone', 'x', 'no-transaction', 'dirty')"
run --dir "$D" repair
expect_rc 2 "repair of a dirty version without its file"
expect_err "version 99 \(gone\) is dirty and its file is gone" "says so"
run --dir "$D" repair --mark-reverted 99
expect_rc 0 "settled by hand"
# version 0 is a version: the audit log says 0, not NULL; a backup row (a whole run) says NULL
export PGDATABASE=$(pg_fresh_db)
D0="$T_WORK/v0"; mkdir -p "$D0"
echo "CREATE TABLE zero (id int);" >"$D0/0_zero.up.sql"
echo "DROP TABLE zero;" >"$D0/0_zero.down.sql"
run --dir "$D0" up
expect_rc 0 "up of version 0"
expect_eq "$(psql_q -c "SELECT coalesce(version::text, 'NULL') FROM schema_migrations_log WHERE direction = 'up'")" 0 "the audit log records version 0 as 0"
expect_eq "$(psql_q -c "SELECT coalesce(version::text, 'NULL') FROM schema_migrations_log WHERE direction = 'backup'")" NULL "the backup row has no version"
run --dir "$D0" down --no-backup
expect_eq "$(psql_q -c "SELECT coalesce(version::text, 'NULL') FROM schema_migrations_log WHERE direction = 'down'")" 0 "and its down as 0"
# repair acts on the index the dirty migration created (on its table, in its schema), not
# on an INVALID index of that name in another schema of the search path, and never on an
# index whose build another session is running now
export PGDATABASE=$(pg_fresh_db)
DR="$T_WORK/rep"; mkdir -p "$DR"
psql_q -c "CREATE SCHEMA other; CREATE TABLE d2 (id int); INSERT INTO d2 VALUES (1), (1); CREATE TABLE other.d2 (id int); INSERT INTO other.d2 VALUES (1), (1); CREATE TABLE bt (id int)"
psql_q -c "CREATE UNIQUE INDEX CONCURRENTLY d2_id ON other.d2 (id)" 2>/dev/null
echo "CREATE UNIQUE INDEX CONCURRENTLY d2_id ON d2 (id);" >"$DR/1_d2.up.sql"
echo "CREATE INDEX CONCURRENTLY bt_id ON bt (id);" >"$DR/2_bt.up.sql"
run --dir "$DR" up --no-backup --to 1
expect_rc 1 "the unique index fails"
# a writer keeps its transaction open: another session's build of bt_id waits, INVALID
"$PG_BIN/psql" -qAtX -c "BEGIN; INSERT INTO bt VALUES (1); SELECT pg_sleep(20)" >/dev/null 2>&1 &
sleep 0.5
"$PG_BIN/psql" -qAtX -c "CREATE INDEX CONCURRENTLY bt_id ON bt (id)" >"$T_WORK/bt.out" 2>&1 &
builder=$!
i=0; while [ "$(psql_q -c "SELECT count(*) FROM pg_stat_progress_create_index")" = 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
psql_q -c "INSERT INTO schema_migrations (version, name, checksum, tx_mode, state) SELECT 2, 'bt', checksum, 'no-transaction', 'dirty' FROM schema_migrations WHERE version = 1"
PGOPTIONS="-c search_path=public,other" run --dir "$DR" repair
expect_rc 0 "repair"
expect_err "dropping invalid index public.d2_id" "drops the dirty migration's own index"
expect_no "other.d2_id" "not the one of that name in another schema of the search path"
expect_no "dropping invalid index public.bt_id" "not the index another session is building"
expect_eq "$(psql_q -c "SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY 1) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid")" "other.d2_id,public.bt_id" "the other schema's index and the build in progress are left"
psql_q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'BEGIN; INSERT INTO bt%'" >/dev/null
wait $builder
expect_eq "$?" 0 "the other session's build finished"
expect_eq "$(psql_q -c "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.bt_id'::regclass")" t "and its index is valid"
t_done
