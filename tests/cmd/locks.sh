# Lock timeouts: a migration blocked behind a transaction is retried and succeeds once the
# lock is released; when retries run out it fails cleanly (exit 1, nothing applied).
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
psql_q -c "CREATE TABLE busy (id bigint); INSERT INTO busy VALUES (1)"
echo "ALTER TABLE busy ADD COLUMN note text;" >"$D/1_alter.up.sql"
echo "ALTER TABLE busy DROP COLUMN note;" >"$D/1_alter.down.sql"
cat >"$T_WORK/fast-retries.yml" <<'YML'
apply:
  retry_delay: 100ms
  retry_max_delay: 400ms
YML

# hold ACCESS SHARE for 2 s: the ALTER needs ACCESS EXCLUSIVE
"$PG_BIN/psql" -qAtX -c "BEGIN; SELECT * FROM busy; SELECT pg_sleep(2); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 0.5
run -c "$T_WORK/fast-retries.yml" --dir "$D" up --lock-timeout 100ms --retries 30
wait $holder
expect_rc 0 "succeeds after the lock is released"
expect_err "lock timeout at .*1_alter.up.sql:1 \(ALTER TABLE\), rolled back; retry 1/30" "retries are reported"
expect_eq "$(psql_q -c "SELECT retries > 0 FROM schema_migrations_log WHERE version = 1 AND outcome = 'applied'")" t "the log counts the retries"
expect_eq "$(psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'note'")" 1 "column added"

# retries run out: exit 1, log row with 55P03 and the retry count, nothing applied
echo "ALTER TABLE busy ADD COLUMN other text;" >"$D/2_alter.up.sql"
echo "ALTER TABLE busy DROP COLUMN other;" >"$D/2_alter.down.sql"
"$PG_BIN/psql" -qAtX -c "BEGIN; SELECT * FROM busy; SELECT pg_sleep(4); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 0.5
run -c "$T_WORK/fast-retries.yml" --dir "$D" up --lock-timeout 50ms --retries 2
expect_rc 1 "exit 1 when retries run out"
expect_err "2_alter.up.sql:1:1: error: could not take the lock for ALTER TABLE within lock_timeout \(50ms\), gave up after 2 retries" "clear message"
expect_eq "$(psql_q -c "SELECT sqlstate || ' ' || retries || ' ' || outcome FROM schema_migrations_log WHERE version = 2")" "55P03 2 failed" "log row with SQLSTATE 55P03 and the retry count"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations WHERE version = 2")" 0 "not recorded"
expect_eq "$(psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'other'")" 0 "nothing applied"
wait $holder

# CREATE INDEX CONCURRENTLY really runs outside a transaction (inside one the server refuses)
echo "CREATE INDEX CONCURRENTLY busy_id ON busy (id);" >"$D/3_idx.up.sql"
echo "DROP INDEX CONCURRENTLY busy_id;" >"$D/3_idx.down.sql"
run --dir "$D" up
expect_rc 0 "CREATE INDEX CONCURRENTLY applies"
expect_eq "$(psql_q -c "SELECT indisvalid FROM pg_index WHERE indexrelid = 'busy_id'::regclass")" t "the index is valid"
expect_eq "$(psql_q -c "SELECT tx_mode FROM schema_migrations WHERE version = 3")" no-transaction "recorded as no-transaction"
t_done
