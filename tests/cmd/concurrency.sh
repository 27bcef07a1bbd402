# Runs are serialised by an advisory lock: two runners apply each migration exactly once.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
psql_q -c "CREATE TABLE applied_count (version int)"
for i in 1 2 3 4 5 6; do
	printf "INSERT INTO applied_count VALUES (%s);\nSELECT pg_sleep(0.1);\n" "$i" >"$D/${i}_m.up.sql"
	echo "DELETE FROM applied_count WHERE version = $i;" >"$D/${i}_m.down.sql"
done
"$MIGRATE" --dir "$D" up >"$T_WORK/r1.out" 2>&1 & p1=$!
"$MIGRATE" --dir "$D" up >"$T_WORK/r2.out" 2>&1 & p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
cat "$T_WORK/r1.out" "$T_WORK/r2.out" >>"$T_ALL_OUTPUT"
expect_eq "$rc1 $rc2" "0 0" "both runners exit 0"
expect_eq "$(psql_q -c "SELECT count(*) || '/' || count(DISTINCT version) FROM applied_count")" "6/6" "each migration applied exactly once"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations_log WHERE outcome = 'applied'")" 6 "six applied attempts logged"
if grep -q "nothing to do" "$T_WORK/r1.out" "$T_WORK/r2.out" || grep -q "waiting" "$T_WORK/r1.out" "$T_WORK/r2.out"; then
	t_ok "one runner waited for the other"
else
	t_not_ok "expected one runner to wait" "$(cat "$T_WORK/r1.out" "$T_WORK/r2.out")"
fi

# a lock held elsewhere: gives up after --wait with exit 3
echo "SELECT 1;" >"$D/7_m.up.sql"; echo "SELECT 1;" >"$D/7_m.down.sql"
"$PG_BIN/psql" -qAtX >/dev/null 2>&1 <<'SQL' &
SELECT pg_advisory_lock(l.k) FROM (SELECT ('x' || substr(encode(sha256('migrate:public.schema_migrations'), 'hex'), 1, 16))::bit(64)::bigint AS k) l;
SELECT pg_sleep(4);
SQL
holder=$!
sleep 1
run --dir "$D" up --wait 1s
expect_rc 3 "cannot take the runner lock: exit 3"
expect_err "another migrate run holds the lock on public.schema_migrations" "says who holds what"
expect_err "waiting up to 1s for the lock on public.schema_migrations held by pid [0-9]+" "names the holder's pid"
wait $holder
run --dir "$D" up
expect_rc 0 "after the holder is gone"
t_done
