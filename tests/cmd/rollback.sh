# on_failure: rollback reverts what the failed run applied, newest first, with the
# recorded down SQL; redo reverts and re-applies.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
mig() { # mig VERSION NAME UP DOWN
	printf '%s\n' "$3" >"$D/$1_$2.up.sql"
	[ -n "$4" ] && printf '%s\n' "$4" >"$D/$1_$2.down.sql"
	return 0
}
mig 1 a "CREATE TABLE a (id bigint);" "DROP TABLE a;"
mig 2 b "CREATE TABLE b (id bigint); INSERT INTO b VALUES (1);" "DROP TABLE b;"
mig 3 a_note "ALTER TABLE a ADD COLUMN note text;" "ALTER TABLE a DROP COLUMN note;"
mig 4 breaks "CREATE TABLE c (id bigint); SELECT 1 / 0;" "DROP TABLE c;"
schema() { psql_q -c "SELECT coalesce(string_agg(table_name || '.' || column_name, ',' ORDER BY table_name, column_name), '') FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'schema_migrations%'"; }

# default: stop, nothing reverted
run --dir "$D" up --no-backup
expect_rc 1 "a failing migration with on_failure stop"
expect_eq "$(psql_q -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")" "1,2,3" "stop keeps what was applied before the failure"
run --dir "$D" down --all --no-backup -q
expect_rc 0 "back to nothing"

# --on-failure rollback: 3, 2, 1 reverted, newest first
run --dir "$D" up --on-failure rollback
expect_rc 1 "exit 1 after a rollback"
expect_err "division by zero" "the failure is reported"
expect_err "on_failure: rollback: reverting the 3 migrations this run applied, newest first" "says it rolls back"
expect_eq "$(printf '%s\n' "$T_OUT" | grep -E '^(applied|reverted) ' | cut -d' ' -f1,2 | tr '\n' ' ')" "applied 1 applied 2 applied 3 reverted 3 reverted 2 reverted 1 " "reverted newest first, each one reported"
expect_out "rolled back 3 migrations: 3, 2, 1" "what was reverted"
expect_out "the database is back at version 0, where this run started" "the final state"
expect_eq "$(schema)" "" "the schema is as before the run"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 0 "history is as before the run"
expect_eq "$(psql_q -c "SELECT string_agg(version || ':' || outcome || ':' || note, ',' ORDER BY id) FROM schema_migrations_log WHERE direction = 'down'")" "3:reverted:rollback: 4 failed,2:reverted:rollback: 4 failed,1:reverted:rollback: 4 failed" "each revert is logged, with why"
expect_eq "$(psql_q -c "SELECT count(DISTINCT run_id) FROM schema_migrations_log WHERE direction IN ('up', 'down') AND id > (SELECT max(id) FROM schema_migrations_log WHERE direction = 'backup')")" 1 "the reverts belong to the failed run"

# only what this run applied: version 1 from an earlier run stays
run --dir "$D" up --to 1 --no-backup -q
printf 'apply:\n  on_failure: rollback\n' >"$T_WORK/rb.yml"
run -c "$T_WORK/rb.yml" --dir "$D" up --no-backup
expect_rc 1 "on_failure: rollback from the config"
expect_out "rolled back 2 migrations: 3, 2" "only this run's migrations are reverted"
expect_out "back at version 1" "back where the run started"
expect_eq "$(psql_q -c "SELECT string_agg(version::text, ',') FROM schema_migrations")" 1 "the earlier run's migration stays"
expect_eq "$(schema)" "a.id" "and its table"
run -c "$T_WORK/rb.yml" --dir "$D" up --on-failure stop --no-backup
expect_rc 1 "--on-failure stop overrides the config"
expect_no "rolled back [0-9]" "no rollback with --on-failure stop"
run --dir "$D" down --all --no-backup -q

# the recorded down SQL is used, even after the down file changed on disk
mig 3 a_note "ALTER TABLE a ADD COLUMN note text; SELECT pg_sleep(1);" "ALTER TABLE a DROP COLUMN note;"
# the down file changes while migration 3 runs (its files were read before it began)
(i=0; while [ "$(psql_q -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()")" = 0 ] && [ $i -lt 300 ]; do
	sleep 0.05; i=$((i + 1)); done
 printf 'SELECT no_such_function();\n' >"$D/3_a_note.down.sql") &
run --dir "$D" up --on-failure rollback --no-backup
wait
expect_out "rolled back 3 migrations" "rolled back with the recorded down SQL"
expect_eq "$(schema)" "" "the schema is as before"
mig 3 a_note "ALTER TABLE a ADD COLUMN note text;" "ALTER TABLE a DROP COLUMN note;"

# a migration of the run without down SQL: the rollback stops there, says so
rm "$D/2_b.down.sql"
# (the whole database: a run that only creates tables has no table backup to point at)
printf 'backup:\n  scope: database\n' >"$T_WORK/wholedb.yml"
run -c "$T_WORK/wholedb.yml" --dir "$D" up --on-failure rollback
expect_rc 1 "rollback stopped by a migration without down SQL"
expect_err "cannot roll back 2 b: no down SQL was recorded for it" "names it"
expect_out "rolled back 1 migration: 3" "what was reverted before"
expect_err "rollback stopped: 2 migrations of this run stay applied \(newest: 2\)" "what stays"
expect_err "migrate restore .*backups/$db-.*-0-to-4\.dump --yes" "points at the backup as the last resort"
expect_eq "$(psql_q -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")" "1,2" "history matches what stays"
run --dir "$D" down --all --force-irreversible --no-backup -q
psql_q -c "DROP TABLE IF EXISTS b"
mig 2 b "CREATE TABLE b (id bigint); INSERT INTO b VALUES (1);" "DROP TABLE b;"

# a failure that leaves a version dirty: no rollback, say why
mig 4 breaks "CREATE INDEX CONCURRENTLY b_nope ON b (nope);" "SELECT 1;"
run --dir "$D" up --on-failure rollback --no-backup
expect_rc 1 "non-transactional failure"
expect_err "rollback not attempted: 4 breaks failed part way and is dirty" "no rollback over a dirty version"
expect_err "migrate down --steps 4" "says how to go back once settled"
run --dir "$D" repair --mark-reverted 4 -q
mig 4 breaks "SELECT 1 / 0;" "SELECT 1;"

# redo: down then up of the newest, for development
run --dir "$D" redo --no-backup
expect_rc 0 "redo"
expect_eq "$(printf '%s\n' "$T_OUT" | grep -E '^(applied|reverted) ' | cut -d' ' -f1,2 | tr '\n' ' ')" "reverted 3 applied 3 " "redo reverts then applies the newest"
expect_out "1 migration redone" "says so"
mig 3 a_note "ALTER TABLE a ADD COLUMN note text, ADD COLUMN extra int;" "ALTER TABLE a DROP COLUMN note, DROP COLUMN extra;"
run --dir "$D" redo --steps 2
expect_rc 0 "redo --steps 2 after editing the newest"
expect_eq "$(printf '%s\n' "$T_OUT" | grep -E '^(applied|reverted) ' | cut -d' ' -f1,2 | tr '\n' ' ')" "reverted 3 reverted 2 applied 2 applied 3 " "down newest first, up oldest first"
expect_err "reverting 3 with the down SQL recorded when it was applied" "the edited migration goes down with its recorded down SQL"
expect_eq "$(schema)" "a.extra,a.id,a.note,b.id" "and comes back up from the edited file"
expect_out "^backup: .*-3-to-3\.dump" "redo takes a backup"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations_log WHERE note = 'redo'")" 6 "redo's steps are logged"
mv "$D"/3_a_note.* "$T_WORK/"
run --dir "$D" redo
expect_rc 2 "redo of a migration whose file is gone"
expect_err "cannot redo version 3 \(a_note\): its file is gone" "names it"
mv "$T_WORK"/3_a_note.* "$D/"
run --dir "$D" redo --steps 0
expect_rc 2 "redo --steps 0"
t_done
