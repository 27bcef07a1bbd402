# Through a real PgBouncer in transaction pooling mode (127.0.0.1, started here):
# the session advisory lock is refused with a hint; "lock: table" serialises two
# runners (each migration applied once); non-transactional migrations are refused;
# a schema fleet keeps each tenant's search_path per transaction; lock leases.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/pgbouncer.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
pgbouncer_start transaction 2 || { t_not_ok "could not start pgbouncer"; t_done; exit 1; }
trap 'pgbouncer_stop' EXIT
U="postgresql://postgres@127.0.0.1:$PGB_PORT/$db"
D="$T_WORK/m"; mkdir -p "$D"
psql_q -c "CREATE TABLE applied_count (version int)"
for i in 1 2 3 4 5 6; do
	printf "INSERT INTO applied_count VALUES (%s);\nSELECT pg_sleep(0.1);\n" "$i" >"$D/${i}_m.up.sql"
	echo "DELETE FROM applied_count WHERE version = $i;" >"$D/${i}_m.down.sql"
done

run -d "$U" --dir "$D" up
expect_rc 3 "lock: advisory through transaction pooling: exit 3"
expect_err "cannot hold the runner lock through a transaction pooler" "says why"
expect_err 'set "apply.lock: table"' "says to use lock: table"
expect_eq "$(psql_q -c "SELECT count(*) FROM applied_count")" 0 "nothing ran"

printf 'apply:\n  lock: table\n' >"$T_WORK/table.yml"
"$MIGRATE" -c "$T_WORK/table.yml" -d "$U" --dir "$D" up >"$T_WORK/r1.out" 2>&1 & p1=$!
"$MIGRATE" -c "$T_WORK/table.yml" -d "$U" --dir "$D" up >"$T_WORK/r2.out" 2>&1 & p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
cat "$T_WORK/r1.out" "$T_WORK/r2.out" >>"$T_ALL_OUTPUT"
expect_eq "$rc1 $rc2" "0 0" "two runners through PgBouncer both exit 0"
expect_eq "$(psql_q -c "SELECT count(*) || '/' || count(DISTINCT version) FROM applied_count")" "6/6" "each migration applied exactly once"
if grep -q "waiting up to 60s for the lock on public.schema_migrations held by .*pid [0-9]* .*lease ends in" "$T_WORK/r1.out" "$T_WORK/r2.out"; then
	t_ok "one runner waited for the other's lock row"
else
	t_not_ok "expected one runner to wait" "$(cat "$T_WORK/r1.out" "$T_WORK/r2.out")"
fi
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations_lock")" 0 "the lock row is gone after both"

# a migration that cannot run in a transaction: refused through the pooler, fine direct
echo "CREATE INDEX CONCURRENTLY applied_count_v ON applied_count (version);" >"$D/7_idx.up.sql"
echo "DROP INDEX CONCURRENTLY applied_count_v;" >"$D/7_idx.down.sql"
run -c "$T_WORK/table.yml" -d "$U" --dir "$D" up
expect_rc 2 "a non-transactional migration through the pooler: exit 2"
expect_err "7_idx.up.sql: error: runs without a transaction \(no-transaction\), which is not safe through a transaction pooler" "names the file and why"
expect_err "direct connection" "says what to do"
run -c "$T_WORK/table.yml" --dir "$D" up
expect_rc 0 "the same over a direct connection"
run -c "$T_WORK/table.yml" -d "$U" --dir "$D" status
expect_rc 0 "status through the pooler"
expect_out "7 applied, 0 pending" "sees it applied"

# a lock row whose lease has not ended: wait, give up with exit 3 naming the owner
psql_q -c "INSERT INTO schema_migrations_lock VALUES ('public.schema_migrations', 'ops@elsewhere pid 42', now(), now() + interval '1 hour')"
echo "SELECT 1;" >"$D/8_x.up.sql"; echo "SELECT 1;" >"$D/8_x.down.sql"
run -c "$T_WORK/table.yml" -d "$U" --dir "$D" up --wait 1s
expect_rc 3 "a live lock row: exit 3 after --wait"
expect_err "another migrate run holds the lock on public.schema_migrations \(ops@elsewhere pid 42, lease ends in [0-9]+s\)" "names the owner and the lease"
# ... and once its lease has ended (its runner died), it is taken over
psql_q -c "UPDATE schema_migrations_lock SET expires_at = now() - interval '1 minute'"
run -c "$T_WORK/table.yml" -d "$U" --dir "$D" up
expect_rc 0 "an expired lease is taken over"
expect_err "warning: took over the lock on public.schema_migrations from ops@elsewhere pid 42 \(lease expired" "says from whom"

# redo and on_failure: rollback go through the same sequence as down: a down that
# cannot run in a transaction is refused through the pooler before any change
hist() { psql_q -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations"; }
before=$(hist)
run -c "$T_WORK/table.yml" -d "$U" --dir "$D" redo --steps 2
expect_rc 2 "redo of a no-transaction down through the pooler: exit 2, like down"
expect_err "7_idx.down.sql: error: runs without a transaction \(no-transaction\), which is not safe through a transaction pooler" "redo names the down file"
expect_eq "$(hist)" "$before" "redo changed no history"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_indexes WHERE indexname = 'applied_count_v'")" 1 "redo dropped nothing"
run -c "$T_WORK/table.yml" -d "$U" --dir "$D" down --steps 2
expect_rc 2 "down refuses the same"
echo "CREATE TABLE side (id int);" >"$D/9_side.up.sql"
echo "DROP INDEX CONCURRENTLY applied_count_v;" >"$D/9_side.down.sql"
echo "SELECT * FROM no_such_table;" >"$D/10_bad.up.sql"; echo "SELECT 1;" >"$D/10_bad.down.sql"
run -c "$T_WORK/table.yml" -d "$U" --dir "$D" up --on-failure rollback
expect_rc 2 "up --on-failure rollback whose rollback needs a no-transaction down: exit 2"
expect_err "9_side.down.sql: error: runs without a transaction" "names the down the rollback would run"
expect_err "on_failure: rollback would have to run it" "says why a down is checked"
expect_eq "$(hist)" "$before" "nothing was applied"
expect_eq "$(psql_q -c "SELECT to_regclass('side') IS NULL")" t "9's table was not created"
rm -f "$D/9_side.up.sql" "$D/9_side.down.sql" "$D/10_bad.up.sql" "$D/10_bad.down.sql"

# a schema fleet through the pooler: search_path is set per transaction (SET LOCAL),
# so with 2 server connections shared by 4 workers every tenant still gets its own tables
T="$T_WORK/tenant"; mkdir -p "$T"
echo "CREATE TABLE notes (id int, who text DEFAULT current_schema());" >"$T/1_notes.up.sql"
echo "DROP TABLE notes;" >"$T/1_notes.down.sql"
echo "INSERT INTO notes (id) VALUES (1);" >"$T/2_row.up.sql"
echo "DELETE FROM notes;" >"$T/2_row.down.sql"
psql_q -c "DO \$\$ BEGIN FOR i IN 1..8 LOOP EXECUTE format('CREATE SCHEMA %I', 'pt_' || i); END LOOP; END \$\$"
cat >"$T_WORK/fleet.yml" <<YML
apply:
  lock: table
targets:
  main: false
  schemas:
    query: SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pt\_%'
    dir: $T
YML
run -c "$T_WORK/fleet.yml" -d "$U" up --all --jobs 4
expect_rc 0 "schema fleet through PgBouncer"
expect_out "8 targets: 8 migrated" "all eight migrated"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_namespace n WHERE nspname LIKE 'pt\_%' AND to_regclass(quote_ident(nspname) || '.notes') IS NOT NULL")" 8 "each tenant has its table"
ok=0
for i in 1 2 3 4 5 6 7 8; do
	[ "$(psql_q -c "SELECT string_agg(who, ',') FROM pt_$i.notes")" = "pt_$i" ] && ok=$((ok + 1))
done
expect_eq "$ok" 8 "every row was written with its own tenant's search_path"
# both pooled server connections at once (each transaction holds one): their search_path
for i in 1 2; do
	"$PG_BIN/psql" -qAtX "$U" -c "BEGIN" -c "SELECT current_setting('search_path'), pg_sleep(0.3)" -c "COMMIT" >"$T_WORK/sp$i" 2>&1 &
done
wait
expect_eq "$(cat "$T_WORK/sp1" "$T_WORK/sp2" | sort -u)" '"$user", public|' "no session setting leaked into the pooled server connections"
# through the pooler too, a lock timeout's retry names who blocks us: our server
# process is found by the application_name the runner sets in each transaction
psql_q -c "CREATE TABLE busy (id int)"
D2="$T_WORK/blocked"; mkdir -p "$D2"
echo "ALTER TABLE busy ADD COLUMN a text;" >"$D2/1_a.up.sql"
echo "ALTER TABLE busy DROP COLUMN a;" >"$D2/1_a.down.sql"
rm -f "$T_WORK/go"
{ echo "BEGIN; LOCK busy IN ACCESS SHARE MODE;"
  i=0; while [ ! -f "$T_WORK/go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
  sleep 3; echo "COMMIT;"; } | PGAPPNAME=pooled-blocker "$PG_BIN/psql" -qAtX >/dev/null 2>&1 &
holder=$!
i=0
while [ "$(psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'pooled-blocker' AND l.relation = 'busy'::regclass AND l.granted")" != 1 ] && [ $i -lt 600 ]; do
	sleep 0.1; i=$((i + 1))
done
touch "$T_WORK/go"
pid=$(psql_q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pooled-blocker'")
run -c "$T_WORK/table.yml" -d "$U" --dir "$D2" --table blocked_history up --no-backup --lock-timeout 200ms --retries 40
wait $holder
expect_rc 0 "through the pooler: succeeds once the blocker commits"
expect_err "retry 1/40" "it retried"
expect_err "blocked by pid $pid \(user [a-z_]+( \(superuser\))?, application pooled-blocker, client local, idle in transaction" \
	"through the pooler the retry names the blocker: pid, user, application, state"
expect_eq "$(psql_q -c "SELECT bool_or(blockers->0->>'application_name' = 'pooled-blocker') FROM blocked_history_log WHERE version = 1")" t \
	"the audit log row holds the blocker"
t_done
