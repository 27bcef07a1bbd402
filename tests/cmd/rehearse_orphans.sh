# rehearse after a kill -9: the killed rehearse's scratch database is left behind (nothing
# can drop it then), and a later rehearse drops it - but only the scratch databases whose
# owner is gone: never a live rehearse's (one runs alongside here and must finish), never
# one made on another host, never a user database with a similar name, never one a
# session is connected to. See docs/usage.md (rehearse).
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

scratches() { psql_q -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE 'migrate\_rehearse\_%' ORDER BY 1"; }
exists() { [ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$1'")" = 1 ]; }
comment_of() { psql_q -d postgres -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$1'"; }
# field 22 of /proc/PID/stat (start time in clock ticks since boot), counted after the ')'
start_of() { awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat"; }
# wait (at most about 60 s) until the SQL prints t
wait_for() {
	_i=0
	while [ "$(psql_q -d postgres -c "$1")" != t ] && [ $_i -lt 600 ]; do sleep 0.1; _i=$((_i + 1)); done
}
forge() { # forge NAME [COMMENT]: a database as another rehearse (or a user) could have made it
	psql_q -d postgres -c "CREATE DATABASE \"$1\"" >/dev/null
	[ -z "${2:-}" ] || psql_q -d postgres -c "COMMENT ON DATABASE \"$1\" IS '$2'" >/dev/null
}

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
echo "CREATE TABLE items (id bigint PRIMARY KEY);" >"$D/1_items.up.sql"
echo "DROP TABLE items;" >"$D/1_items.down.sql"
S="$T_WORK/slow"; mkdir -p "$S"
cp "$D"/* "$S"/
echo "SELECT pg_sleep(300);" >"$S/2_slow.up.sql"
echo "SELECT 1;" >"$S/2_slow.down.sql"

# --- a live rehearse that must outlive the cleanup: it waits until the test lets it go -------
L="$T_WORK/live"; mkdir -p "$L"
cp "$D"/* "$L"/
cat >"$L/2_wait.up.sql" <<'SQL'
DO $$ BEGIN
  WHILE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'orphans_test_go') LOOP
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SQL
echo "SELECT 1;" >"$L/2_wait.down.sql"
"$MIGRATE" --dir "$L" rehearse >"$T_WORK/l.out" 2>&1 &
lpid=$!
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE 'DO \$\$ BEGIN%orphans_test_go%')"
livedb=$(psql_q -d postgres -c "SELECT datname FROM pg_stat_activity WHERE query LIKE 'DO \$\$ BEGIN%orphans_test_go%'")

# --- kill -9 in the middle of a statement leaves the scratch database behind -------------
"$MIGRATE" --dir "$S" rehearse >"$T_WORK/k.out" 2>&1 &
kpid=$!
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(300)')"
orphan=$(psql_q -d postgres -c "SELECT datname FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(300)'")
kill -9 $kpid
wait $kpid
cat "$T_WORK/k.out" >>"$T_ALL_OUTPUT"
exists "$orphan" && t_ok "kill -9: the scratch database $orphan is left behind" \
	|| t_not_ok "kill -9 left nothing to clean up" "$(scratches)"
case $orphan in
migrate_rehearse_????????_${kpid}_*_????????) t_ok "its name holds the host, the killed pid and its start time" ;;
*) t_not_ok "name of the scratch database" "got: $orphan" "want: migrate_rehearse_<host>_${kpid}_<start>_<random>" ;;
esac
host=$(echo "$orphan" | cut -d_ -f3)
comment=$(comment_of "$orphan")
case $comment in
*"boot $(cat /proc/sys/kernel/random/boot_id)") t_ok "its comment names the owner's host and boot" ;;
*) t_not_ok "the comment names the boot id" "got: $comment" ;;
esac
# the server notices the client is gone (client_connection_check_interval): the pg_sleep ends
wait_for "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '$orphan')"
expect_eq "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$orphan'")" 0 \
	"the killed rehearse's statement ends on the server without waiting for its 300 s"

# --- look-alikes and other owners ---------------------------------------------------------
sh -c 'exit 0' & dead=$!; wait $dead
sleep 300 & live=$!
lstart=$(start_of $live)
other_host=$(echo "$comment" | sed 's/; host [^ ]*/; host some-other-host/')
other_boot=$(echo "$comment" | sed 's/boot .*/boot 00000000-0000-0000-0000-000000000000/')
if [ "$host" = 00000000 ]; then ohash=11111111; else ohash=00000000; fi
forge migrate_rehearse_mine                                       # a user's database
forge "migrate_rehearse_${host}_${dead}_1_0000abcd"               # our form, no comment: not migrate's
forge "migrate_rehearse_${host}_${dead}_1_0000abce" "$other_host" # another host (same hash)
forge "migrate_rehearse_${ohash}_${dead}_1_0000abcf" "$comment"   # another host's hash
forge "migrate_rehearse_${host}_${live}_${lstart}_0000abd0" "$comment"          # owner alive
forge "migrate_rehearse_${host}_${live}_$((lstart + 1))_0000abd1" "$comment"    # pid reused
forge "migrate_rehearse_${host}_${live}_${lstart}_0000abd2" "$other_boot"       # host restarted
forge "migrate_rehearse_${host}_${dead}_1_0000abd3" "$comment"                  # in use
psql_q -d "migrate_rehearse_${host}_${dead}_1_0000abd3" -c "SELECT pg_sleep(300)" >/dev/null 2>&1 &
busy=$!
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = 'migrate_rehearse_${host}_${dead}_1_0000abd3')"

# the schema dump's directory of a rehearse killed while loading it, a live one's, a user's
tmp="$T_WORK/tmp"; mkdir -p "$tmp/migrate-rehearse.$dead.1.aB3xYz" "$tmp/migrate-rehearse.$live.$lstart.cD4eFg" \
	"$tmp/migrate-rehearse.$dead.1.hI5jKl" "$tmp/migrate-rehearse.mine"
for d in "$tmp"/migrate-rehearse.*; do echo "CREATE TABLE x ();" >"$d/schema.sql"; done
echo "notes" >"$tmp/migrate-rehearse.$dead.1.hI5jKl/notes.txt"
export TMPDIR="$tmp"

# --- a later rehearse cleans up ---------------------------------------------------------------
run --dir "$D" rehearse
expect_rc 0 "a later rehearse runs"
expect_err "dropped the scratch database \"$orphan\" that an earlier rehearse left behind \(its process is gone\)" \
	"it drops the killed rehearse's scratch database and says so"
exists "$orphan" && t_not_ok "the orphan is gone" || t_ok "the orphan is gone"
exists "$livedb" && t_ok "the live rehearse's scratch database is untouched" || t_not_ok "the live rehearse's database was dropped"
kill -0 $lpid 2>/dev/null && t_ok "the live rehearse is still running" || t_not_ok "the live rehearse ended" "$(cat "$T_WORK/l.out")"
exists migrate_rehearse_mine && t_ok "a user database with a similar name is kept" || t_not_ok "a user database was dropped"
exists "migrate_rehearse_${host}_${dead}_1_0000abcd" && t_ok "one of the same form without migrate's comment is kept" \
	|| t_not_ok "a database without migrate's comment was dropped"
exists "migrate_rehearse_${host}_${dead}_1_0000abce" && t_ok "another host's (same hash, other host in the comment) is kept" \
	|| t_not_ok "another host's database was dropped"
exists "migrate_rehearse_${ohash}_${dead}_1_0000abcf" && t_ok "another host's (other hash) is kept" \
	|| t_not_ok "another host's database was dropped (hash)"
exists "migrate_rehearse_${host}_${live}_${lstart}_0000abd0" && t_ok "one whose owner process is alive is kept" \
	|| t_not_ok "a live owner's database was dropped"
exists "migrate_rehearse_${host}_${live}_$((lstart + 1))_0000abd1" && t_not_ok "a pid now used by another process: dropped" \
	|| t_ok "a pid now used by another process: dropped"
expect_err "0000abd1\" that an earlier rehearse left behind \(its process is gone \(its pid is another process's now\)\)" \
	"says why: the pid is another process's"
exists "migrate_rehearse_${host}_${live}_${lstart}_0000abd2" && t_not_ok "one from before the host restarted: dropped" \
	|| t_ok "one from before the host restarted: dropped"
exists "migrate_rehearse_${host}_${dead}_1_0000abd3" && t_ok "an orphan a session is connected to is kept" \
	|| t_not_ok "an orphan in use was dropped"
expect_err "0000abd3\" was left behind .* a session is connected to it" "and says why it is left"
[ -e "$tmp/migrate-rehearse.$dead.1.aB3xYz" ] && t_not_ok "a killed rehearse's schema dump is removed" "$(ls -R "$tmp")" \
	|| t_ok "a killed rehearse's schema dump is removed"
[ -e "$tmp/migrate-rehearse.$live.$lstart.cD4eFg/schema.sql" ] && [ -e "$tmp/migrate-rehearse.mine/schema.sql" ] \
	&& t_ok "a live rehearse's dump and a look-alike directory are kept" || t_not_ok "a directory not ours was removed" "$(ls -R "$tmp")"
[ -e "$tmp/migrate-rehearse.$dead.1.hI5jKl/notes.txt" ] && [ -e "$tmp/migrate-rehearse.$dead.1.hI5jKl/schema.sql" ] \
	&& t_ok "a directory holding anything else is kept, whole" \
	|| t_not_ok "a directory holding another file was removed"

# --- the live rehearse finishes cleanly, and the orphan in use goes once it is free ------------
psql_q -d postgres -c "CREATE DATABASE orphans_test_go" >/dev/null
wait $lpid; lrc=$?
cat "$T_WORK/l.out" >>"$T_ALL_OUTPUT"
expect_eq "$lrc" 0 "the live rehearse finished cleanly after the cleanup (exit 0)"
exists "$livedb" && t_not_ok "the live rehearse dropped its own scratch database" || t_ok "the live rehearse dropped its own scratch database"
psql_q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'migrate_rehearse_${host}_${dead}_1_0000abd3'" >/dev/null
wait $busy
wait_for "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = 'migrate_rehearse_${host}_${dead}_1_0000abd3')"
run --dir "$D" rehearse
expect_rc 0 "another rehearse"
exists "migrate_rehearse_${host}_${dead}_1_0000abd3" && t_not_ok "the orphan no longer in use is dropped" \
	|| t_ok "the orphan no longer in use is dropped"
exists "migrate_rehearse_${host}_${live}_${lstart}_0000abd0" && t_ok "the live owner's is still kept" \
	|| t_not_ok "a live owner's database was dropped"

# leave the server as we found it: other tests count scratch databases
kill $live 2>/dev/null; wait $live 2>/dev/null
for d in $(scratches) orphans_test_go; do psql_q -d postgres -c "DROP DATABASE IF EXISTS \"$d\"" >/dev/null; done
expect_eq "$(scratches)" "" "nothing left"
t_done
