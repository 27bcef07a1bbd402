# migrate backups lists them; migrate restore FILE --yes puts one back with
# pg_restore --clean --if-exists --single-transaction, after a confirmation on a terminal.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
# whole-database backups here (backup.scope: database); backups of the tables a run
# changes, and their restore, are in backup_scope.sh
printf 'backup:\n  scope: database\n' >migrate.yml
D="$T_WORK/m"; mkdir -p "$D"
for i in 1 2 3; do
	echo "CREATE TABLE t$i (id bigint);" >"$D/${i}_t$i.up.sql"
	echo "DROP TABLE t$i;" >"$D/${i}_t$i.down.sql"
done

run backups
expect_rc 0 "backups with none"
expect_out 'no backups in "backups"' "says there are none"

run --dir "$D" up --to 1
psql_q -c "INSERT INTO t1 SELECT generate_series(1, 100)"

run --dir "$D" up
expect_rc 0 "up, with a backup of t1's 100 rows"
second=$(printf '%s\n' "$T_OUT" | sed -n 's/^backup: \([^ ]*\) .*/\1/p')
expect_eq "$(echo "$second" | grep -c -- "-1-to-3\.dump$")" 1 "the second backup is 1-to-3"
psql_q -c "INSERT INTO t1 VALUES (101)"

run backups
expect_rc 0 "backups"
expect_eq "$(printf '%s\n' "$T_OUT" | awk 'NR > 1 { print $2 " " $3 " " $4 }' | tr '\n' ',')" "$db 1 3,$db 0 1," "lists them newest first: database, from, to"
expect_out "^TAKEN \(UTC\) +DATABASE +FROM VERSION +TO VERSION +SIZE +SOURCE +FILE" "with a header"
expect_out " $db on .*:$PG_TEST_PORT +backups/$db-" "and the source its sidecar records"
run backups --format json
expect_out '"from_version": "1",' "json: versions are strings"
expect_out '^  "format_version": "1",' "json: format_version first"
expect_out "\"database\": \"$db\"," "json: the source object names the database"
expect_out '"schema": null,' "json: and no schema (a whole database)"
run backups --format xml
expect_rc 2 "backups --format xml"

# without --yes and without a terminal: refused
run --dir "$D" restore "$second"
expect_rc 2 "restore without --yes, no terminal"
expect_err "pass --yes to confirm" "says --yes is needed"
expect_eq "$(psql_q -c "SELECT count(*) FROM t1")" 101 "nothing restored"

run --dir "$D" restore "$T_WORK/nope.dump" --yes
expect_rc 2 "restore of a missing file"
expect_err 'could not open backup ".*nope.dump": No such file or directory' "says so"
echo "not a dump" >"$T_WORK/fake.dump"
run --dir "$D" restore "$T_WORK/fake.dump" --yes
expect_rc 2 "restore of a file that is not an archive"
expect_err "is not a backup pg_restore can read" "says so"
run --dir "$D" restore
expect_rc 2 "restore without a file"
expect_err "which backup" "asks which"

# on a terminal: the database name must be typed
if command -v script >/dev/null 2>&1; then
	echo "wrong" | script -qec "$MIGRATE --dir $D restore $second" /dev/null >"$T_WORK/tty.out" 2>&1
	grep -q "type the database name to confirm" "$T_WORK/tty.out" && t_ok "asks for confirmation on a terminal" || t_not_ok "no prompt" "$(cat "$T_WORK/tty.out")"
	grep -q "not confirmed: nothing was restored" "$T_WORK/tty.out" && t_ok "a wrong answer restores nothing" || t_not_ok "wrong answer" "$(cat "$T_WORK/tty.out")"
	cat "$T_WORK/tty.out" >>"$T_ALL_OUTPUT"
	expect_eq "$(psql_q -c "SELECT count(*) FROM t1")" 101 "nothing restored"
fi

run --dir "$D" restore "$second" --yes
expect_rc 0 "restore --yes"
expect_out "^backup: backups/$db-[0-9a-f]{10}-[0-9T.]+Z-3-to-1\.dump" "the state being replaced is backed up first"
expect_out "restored database \"$db\" from $second: history back at version 1" "says where history stands"
expect_eq "$(psql_q -c "SELECT count(*) FROM t1")" 100 "t1 is as it was at the backup"
expect_eq "$(psql_q -c "SELECT string_agg(version::text, ',') FROM schema_migrations")" 1 "history is as it was at the backup"
expect_err "warning: 2 relations were not in the backup and are left as they are: public.t2, public.t3" "names what the backup did not hold"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations_log WHERE direction = 'up' AND outcome = 'applied'")" 3 "the audit log keeps what came after the backup"
expect_eq "$(psql_q -c "SELECT outcome || ' ' || (backup_path = '$second') || ' ' || (wal_lsn IS NOT NULL) FROM schema_migrations_log WHERE direction = 'restore'")" "restored true true" "the restore is logged with its file and recovery point"
run --dir "$D" history
expect_out "restore +restored .* history back at version 1: $second; recovery point: WAL" "history shows the restore"
run --dir "$D" status
expect_out "2 +pending" "status: 2 pending again"
psql_q -c "DROP TABLE t2, t3"
run --dir "$D" up
expect_rc 0 "up after the restore"

# the restore itself can be undone: the backup it took
undo=$(ls backups/$db-*-3-to-1.dump)
run --dir "$D" restore "$undo" --yes --no-backup
expect_rc 0 "restore of the backup taken by the restore"
expect_eq "$(psql_q -c "SELECT count(*) FROM t1")" 101 "back to the state before the first restore"

# a view added after the backup on a table it holds: dropped and recreated around the restore
psql_q -c "CREATE VIEW v1 AS SELECT id FROM t1; INSERT INTO t1 VALUES (102)"
run --dir "$D" restore "$second" --yes --no-backup
expect_rc 0 "restore with a view added since on a restored table"
expect_err "view public.v1 depends on a restored relation: dropped before and recreated after" "says it recreates the view"
expect_eq "$(psql_q -c "SELECT count(*) FROM v1")" 100 "the view is back, on the restored rows"

# a dependent that cannot be recreated (a column the backup's table lacks): nothing restored
psql_q -c "ALTER TABLE t1 ADD COLUMN later int; CREATE VIEW v_later AS SELECT later FROM t1; INSERT INTO t1 VALUES (103)"
run --dir "$D" restore "$second" --yes --no-backup
expect_rc 1 "a dependent that cannot be recreated: exit 1"
expect_err "could not recreate what depends on the restored tables: view public.v_later; nothing was restored" "names it, says nothing was restored"
expect_err "detail: .*ERROR: +column t1.later does not exist" "with the server's reason"
expect_eq "$(psql_q -c "SELECT count(*) FROM t1")|$(psql_q -c "SELECT count(*) FROM v_later")|$(psql_q -c "SELECT count(*) FROM v1")" "101|101|101" "the database is untouched, views included"
expect_eq "$(psql_q -c "SELECT outcome FROM schema_migrations_log WHERE direction = 'restore' ORDER BY id DESC LIMIT 1")" failed "the failed restore is logged"
psql_q -c "DROP VIEW v_later; ALTER TABLE t1 DROP COLUMN later"

# the backup's source: another database's backup is refused unless --into names this one
other=$(pg_fresh_db)
PGDATABASE=$other psql_q -c "CREATE TABLE keep (x int); INSERT INTO keep VALUES (7)"
PGDATABASE=$other run --dir "$D" restore "$second" --yes --no-backup
expect_rc 2 "a backup of another database: exit 2"
expect_err "backup \"$second\" was taken of $db on .*, not of $other on .* \(the database connected to\): nothing was restored" "names both"
expect_err "hint: to put it into this database all the same: --into $other" "says how"
expect_eq "$(PGDATABASE=$other psql_q -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 1 "nothing restored there"
PGDATABASE=$other run --dir "$D" restore "$second" --yes --no-backup --into "$db"
expect_rc 2 "--into naming a database other than the one connected to"
expect_err "--into names database \"$db\", but the connection is to \"$other\"" "says so"
PGDATABASE=$other run --dir "$D" restore "$second" --yes --no-backup --into "$other"
expect_rc 0 "--into the database connected to"
expect_err "restoring a backup of $db on .* into $other on " "says what goes where"
expect_eq "$(PGDATABASE=$other psql_q -c "SELECT count(*) FROM t1")|$(PGDATABASE=$other psql_q -c "SELECT count(*) FROM keep")" "100|1" "restored there, its own table kept"
# a backup without a sidecar (taken before migrate recorded the source): unknown, --into needed
cp "$second" "$T_WORK/old-20261121T143000.000Z-1-to-3.dump"
run --dir "$D" restore "$T_WORK/old-20261121T143000.000Z-1-to-3.dump" --yes --no-backup
expect_rc 2 "a backup with no sidecar: exit 2"
expect_err "the source of backup .* is unknown: it has no sidecar file" "says the source is unknown"
expect_err "hint: if it is a backup of this database .*, say so with --into $db" "says how"
run --dir "$D" restore "$T_WORK/old-20261121T143000.000Z-1-to-3.dump" --yes --no-backup --into "$db"
expect_rc 0 "restored with --into"

# backup.keep: 1: the backup taken before the restore prunes nothing (the file being restored is the oldest)
printf 'backup:\n  scope: database\n  keep: 1\n' >"$T_WORK/keep1.yml"
run -c "$T_WORK/keep1.yml" --dir "$D" restore "$second" --yes
expect_rc 0 "restore with backup.keep: 1"
[ -f "$second" ] && t_ok "the backup restored from is still there" || t_not_ok "backup.keep: 1 removed the backup being restored" "$(ls backups)"

# the sidecar: mode 0600, the source and the recovery point, never the password
for f in backups/*.dump; do
	[ -f "$f.json" ] || t_not_ok "no sidecar for $f"
done
side=$(ls backups/*.dump.json | head -1)
expect_eq "$(stat -c %a "$side")" 600 "a sidecar is mode 0600"
expect_eq "$(jq -r '.source.database + " " + .scope + " " + (.wal_lsn | test("^[0-9A-F]+/[0-9A-F]+$") | tostring) + " " + (.run_id | length > 0 | tostring)' "$side")" "$db database true true" "it records the source, the scope, the WAL position and the run"
if grep -rq -- "$PG_TEST_PASSWORD" backups/; then t_not_ok "the password is in a backup or sidecar"; else t_ok "the password is in no backup or sidecar file"; fi
t_done
