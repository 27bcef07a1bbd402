# Backup before apply: pg_dump -Fc into backup.dir (mode 0600, named after the database,
# time and versions), the recovery point in the log, pruning, skipping, and every way
# pg_dump can fail stopping the run before any change.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
for i in 1 2 3; do
	echo "CREATE TABLE t$i (id bigint);" >"$D/${i}_t$i.up.sql"
	echo "DROP TABLE t$i;" >"$D/${i}_t$i.down.sql"
done
B="$T_WORK/b"
printf 'backup:\n  dir: %s\n' "$B" >"$T_WORK/b.yml"
# the whole database (backup.scope: database); the default, the tables a run changes, is in backup_scope.sh
printf 'backup:\n  dir: %s\n  scope: database\n' "$B" >"$T_WORK/bdb.yml"

run -c "$T_WORK/b.yml" --dir "$D" up --to 2
expect_rc 0 "up with a backup"
expect_out "^backup: $B/$db-[0-9a-f]{10}-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-0-to-2\.dump \(" "prints the backup, named {database}-{hash of the target}-{UTC time}-{from}-to-{to}.dump"
f=$(ls "$B"/*.dump)
expect_eq "$(stat -c %a "$f")" 600 "the backup file is mode 0600"
expect_eq "$(stat -c %a "$B")" 700 "the backup directory it created is mode 0700"
"$PG_BIN/pg_restore" -l "$f" >"$T_WORK/toc" 2>&1
expect_eq "$?" 0 "pg_restore reads the backup (a custom-format archive)"
grep -q "TABLE public schema_migrations " "$T_WORK/toc" && t_ok "the backup holds the history table" || t_not_ok "history table not in the backup" "$(cat "$T_WORK/toc")"
grep -q "TABLE public schema_migrations_log " "$T_WORK/toc" && t_not_ok "the audit log must not be in the backup" || t_ok "the audit log is left out (a restore keeps it)"
grep -q "TABLE public t1 " "$T_WORK/toc" && t_not_ok "t1 was created after the backup" || t_ok "the backup is of the state before the run"
expect_eq "$(psql_q -c "SELECT backup_path = '$f' AND outcome = 'taken' AND wal_lsn IS NOT NULL AND server_time IS NOT NULL FROM schema_migrations_log WHERE direction = 'backup'")" t "the log records the backup path, WAL position and server time"
expect_eq "$(psql_q -c "SELECT bool_and(b.wal_lsn <= pg_current_wal_lsn() AND b.server_time <= a.started_at) FROM schema_migrations_log b, schema_migrations_log a WHERE b.direction = 'backup' AND a.direction = 'up'")" t "the recovery point comes before the first change"
expect_eq "$(psql_q -c "SELECT count(DISTINCT run_id) FROM schema_migrations_log")" 1 "the backup row belongs to the run"

run -c "$T_WORK/b.yml" --dir "$D" history
expect_out "backup +taken .* up from version 0 to 2; tables: public.schema_migrations: $B/$db-.*\.dump; recovery point: WAL [0-9A-F]+/[0-9A-F]+ at 20[0-9-]+T[0-9:.]+Z" "history shows the backup and the recovery point"
run -c "$T_WORK/b.yml" --dir "$D" history --format json
expect_out '"wal_lsn": "[0-9A-F]+/[0-9A-F]+"' "history json has the WAL position"

# nothing to do: no backup
run -c "$T_WORK/b.yml" --dir "$D" up --to 2
expect_no "backup:" "no backup when there is nothing to do"
expect_eq "$(ls "$B"/*.dump | wc -l)" 1 "still one backup"

# --no-backup and backup.enabled: false skip it, and say so in the log
run -c "$T_WORK/b.yml" --dir "$D" up --no-backup
expect_rc 0 "up --no-backup"
expect_out "backup: skipped \(--no-backup\)" "says it skipped the backup"
expect_eq "$(psql_q -c "SELECT outcome || ' ' || note || ' ' || (wal_lsn IS NOT NULL) FROM schema_migrations_log WHERE direction = 'backup' ORDER BY id DESC LIMIT 1")" "skipped --no-backup true" "the skip is logged, with the recovery point"
printf 'backup:\n  dir: %s\n  enabled: false\n' "$B" >"$T_WORK/off.yml"
run -c "$T_WORK/off.yml" --dir "$D" down
expect_rc 0 "down with backups off"
expect_eq "$(psql_q -c "SELECT note FROM schema_migrations_log WHERE direction = 'backup' ORDER BY id DESC LIMIT 1")" "backup.enabled: false" "the config that skipped it is logged"
expect_eq "$(ls "$B"/*.dump | wc -l)" 1 "no file for skipped backups"

# down takes one too, named from -> to
run -c "$T_WORK/b.yml" --dir "$D" down --steps 2
expect_rc 0 "down with a backup"
expect_out "^backup: $B/$db-[0-9a-f]{10}-[0-9T.]+Z-2-to-0\.dump" "down's backup is named 2-to-0"

# backup.keep prunes the oldest of this database, and nothing else
printf 'backup:\n  dir: %s\n  keep: 2\n' "$B" >"$T_WORK/keep.yml"
touch "$B/notes.txt" "$B/otherdb-20200101T000000.000Z-0-to-1.dump"
for i in 1 2 3; do
	run -c "$T_WORK/keep.yml" --dir "$D" up -q
	run -c "$T_WORK/keep.yml" --dir "$D" down --all -q
done
expect_eq "$(ls "$B" | grep -c "^$db-.*\.dump$")" 2 "backup.keep: 2 keeps the two newest of this database"
expect_eq "$(ls "$B" | grep -c "^$db-.*\.dump\.json$")" 2 "and their sidecars, the older ones' removed with them"
expect_eq "$(ls "$B/notes.txt" "$B/otherdb-20200101T000000.000Z-0-to-1.dump" | wc -l)" 2 "other files and other databases' backups are kept"

# the password reaches pg_dump through its environment, never its argument vector or the name
enc=$(printf '%s' "$PG_TEST_PASSWORD" | sed 's/-/%2D/g')
URL="postgresql://pwuser:$enc@/$db?host=$PGHOST&port=$PGPORT"
psql_q -c "CREATE TABLE busy (id int)"
"$PG_BIN/psql" -qAtX -c "BEGIN; LOCK TABLE busy; SELECT pg_sleep(3); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 0.5
"$MIGRATE" -c "$T_WORK/b.yml" -d "$URL" --dir "$D" up --to 1 >"$T_WORK/pw.out" 2>&1 &
mig=$!
found=""
for _ in $(seq 1 40); do
	# ours: other test runs on this machine may be dumping too
	for pid in $(pgrep -x pg_dump); do
		tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "host='$PGHOST'" && found=$pid
	done
	[ -n "$found" ] && break
	sleep 0.05
done
if [ -n "$found" ]; then
	tr '\0' ' ' <"/proc/$found/cmdline" >"$T_WORK/cmdline"
	tr '\0' '\n' <"/proc/$found/environ" >"$T_WORK/environ"
	grep -q -- "--format=custom" "$T_WORK/cmdline" && t_ok "pg_dump runs -Fc with an argument vector" || t_not_ok "pg_dump command line" "$(cat "$T_WORK/cmdline")"
	grep -q -- "$PG_TEST_PASSWORD" "$T_WORK/cmdline" && t_not_ok "the password is in pg_dump's argv" || t_ok "the password is not in pg_dump's argv"
	grep -qx "PGPASSWORD=$PG_TEST_PASSWORD" "$T_WORK/environ" && t_ok "pg_dump gets the password through its environment" || t_not_ok "PGPASSWORD not in pg_dump's environment"
else
	t_not_ok "did not see pg_dump running"
fi
wait $mig; rc=$?
wait $holder
cat "$T_WORK/pw.out" >>"$T_ALL_OUTPUT"
expect_eq "$rc" 0 "a backup with a password-protected role works"
ls "$B" | grep -q -- "$PG_TEST_PASSWORD" && t_not_ok "password in a backup name" || t_ok "no password in the backup names"

# a server message that quotes the password is scrubbed, on screen and in the log
# (run.sh checks every log table of every test database for the password afterwards)
P="$T_WORK/p"; mkdir -p "$P"
echo "SELECT '$PG_TEST_PASSWORD'::int;" >"$P/1_echo.up.sql"
echo "SELECT 1;" >"$P/1_echo.down.sql"
run -d "$URL" --dir "$P" --table public.echo_history up --no-backup
expect_rc 1 "a migration whose error quotes the password"
expect_err 'invalid input syntax for type integer: "\*\*\*"' "the password is scrubbed from the message"
expect_eq "$(psql_q -c "SELECT message FROM echo_history_log WHERE outcome = 'failed'")" 'invalid input syntax for type integer: "***"' "and from the log"

# pg_dump failing stops the run before any change: exit 1 with the reason
db2=$(pg_fresh_db)
psql_q -d "$db2" -c "CREATE ROLE limited LOGIN" 2>/dev/null
psql_q -d "$db2" -c "GRANT CREATE ON SCHEMA public TO limited; CREATE TABLE secret (x int); REVOKE ALL ON secret FROM PUBLIC"
run -c "$T_WORK/bdb.yml" -d "dbname=$db2 user=limited" --dir "$D" up
expect_rc 1 "pg_dump failing: exit 1"
expect_err "error: pg_dump failed \(exit status 1\)" "says pg_dump failed"
expect_err "detail: pg_dump: .*permission denied for table secret" "with pg_dump's reason"
expect_err "stopped before any change: the backup failed" "says nothing changed"
expect_eq "$(psql_q -d "$db2" -c "SELECT to_regclass('t1') IS NULL AND (SELECT count(*) FROM schema_migrations) = 0")" t "nothing applied"
expect_eq "$(psql_q -d "$db2" -c "SELECT outcome || ': ' || message FROM schema_migrations_log WHERE direction = 'backup'")" "failed: pg_dump failed (exit status 1): pg_dump: error: query failed: ERROR:  permission denied for table secret" "the failed backup is logged"
ls "$B" | grep -q "^$db2-" && t_not_ok "a failed backup left a file" || t_ok "a failed backup leaves no file"
ls -A "$B" | grep -q partial && t_not_ok "a failed backup left a partial file" || t_ok "nor a partial file"

# a lock held for longer than --wait: pg_dump gives up, the run stops
"$PG_BIN/psql" -qAtX -d "$db2" -c "BEGIN; LOCK TABLE secret; SELECT pg_sleep(3); COMMIT;" >/dev/null 2>&1 &
holder=$!
sleep 0.5
run -c "$T_WORK/bdb.yml" -d "dbname=$db2" --dir "$D" up --wait 1s
expect_rc 1 "pg_dump waiting for a lock beyond --wait: exit 1"
expect_err "detail: pg_dump: .*LOCK TABLE public.secret" "with pg_dump's reason"
wait $holder

# pg_dump missing
printf 'backup:\n  dir: %s\n  pg_dump: /nonexistent/bin/pg_dump\n' "$B" >"$T_WORK/nodump.yml"
run -c "$T_WORK/nodump.yml" -d "dbname=$db2" --dir "$D" up
expect_rc 1 "pg_dump missing: exit 1"
expect_err 'could not run "/nonexistent/bin/pg_dump": No such file or directory' "says it could not run pg_dump"
expect_err "postgresql-client-15" "says what to install"
expect_eq "$(psql_q -d "$db2" -c "SELECT count(*) FROM schema_migrations")" 0 "nothing applied"

# the backup directory cannot be created
printf 'backup:\n  dir: %s/notadir/b\n' "$T_WORK/b.yml" >"$T_WORK/baddir.yml"
run -c "$T_WORK/baddir.yml" -d "dbname=$db2" --dir "$D" up
expect_rc 1 "backup directory not writable: exit 1"
expect_err "could not create backup directory .*: Not a directory" "says why"
expect_eq "$(psql_q -d "$db2" -c "SELECT count(*) FROM schema_migrations")" 0 "nothing applied"

# a partial file left by a killed run is removed by the next backup
touch "$B/.$db-20200101T000000.000Z-0-to-1.dump.partial-999999"
run -c "$T_WORK/b.yml" --dir "$D" down
expect_err "removed .*\.partial-999999, left by a backup that did not finish" "stale partial files are removed"

# a database whose history tables an earlier migrate created (no backup columns in the log)
db3=$(pg_fresh_db)
psql_q -d "$db3" >/dev/null <<'SQL'
CREATE TABLE schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
  down_sql text, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user,
  os_user text, duration_ms bigint, tx_mode text NOT NULL,
  state text NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'dirty')));
CREATE TABLE schema_migrations_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, run_id text NOT NULL,
  version bigint, name text, direction text NOT NULL, started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT clock_timestamp(), outcome text NOT NULL, sqlstate text,
  message text, retries integer NOT NULL DEFAULT 0, db_user text NOT NULL DEFAULT current_user,
  os_user text, note text);
INSERT INTO schema_migrations_log (run_id, version, name, direction, started_at, outcome) VALUES ('old', 0, 'old', 'up', now(), 'applied');
SQL
run -c "$T_WORK/b.yml" -d "dbname=$db3" --dir "$D" history
expect_rc 0 "history reads a log table from before the backup columns"
expect_out "up +applied .* old" "with its rows"
expect_eq "$(psql_q -d "$db3" -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'schema_migrations_log' AND column_name IN ('backup_path', 'wal_lsn', 'server_time')")" 0 "a read-only command adds nothing"
run -c "$T_WORK/b.yml" -d "dbname=$db3" --dir "$D" up --to 1
expect_rc 0 "up on it"
expect_eq "$(psql_q -d "$db3" -c "SELECT count(*) FROM information_schema.columns WHERE table_name = 'schema_migrations_log' AND column_name IN ('backup_path', 'wal_lsn', 'server_time')")" 3 "the log table gets the new columns"
expect_eq "$(psql_q -d "$db3" -c "SELECT count(*) FROM schema_migrations_log WHERE direction = 'backup' AND backup_path IS NOT NULL AND wal_lsn IS NOT NULL")" 1 "and the backup row"

# progress on a terminal, for a dump that takes a while
if command -v script >/dev/null 2>&1; then
	"$PG_BIN/psql" -qAtX -c "BEGIN; LOCK TABLE busy; SELECT pg_sleep(2.5); COMMIT;" >/dev/null 2>&1 &
	holder=$!
	sleep 0.5
	script -qec "$MIGRATE -c $T_WORK/bdb.yml --dir $D up --to 2" /dev/null >"$T_WORK/tty.out" 2>&1
	wait $holder
	grep -q "backing up database \"$db\": .* written, [0-9]s" "$T_WORK/tty.out" && t_ok "progress is shown on a terminal" || t_not_ok "no progress on a terminal" "$(cat -v "$T_WORK/tty.out")"
	cat "$T_WORK/tty.out" >>"$T_ALL_OUTPUT"
fi
run -c "$T_WORK/b.yml" --dir "$D" down --all
expect_no "backing up database" "no progress line when not on a terminal"
t_done
