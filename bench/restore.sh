#!/bin/sh
# bench/restore.sh [path/to/migrate]
#
# What the one-transaction restore costs (migrate restore: pg_restore --file=-
# into an unlinked file, run by psql --single-transaction, with the dependents
# dropped and recreated around it), against pg_restore --single-transaction
# straight into the database, on the same backup. A benchmark, not a test:
# figures are printed, never asserted; a non-zero exit status means something
# broke.
#
# A table of RESTORE_MB (200) MB and a small one; a migration alters the big one
# (so its backup holds it); a later one adds a foreign key to it and a view on
# it. Then: migrate restore --no-backup of that backup (3 times), and, after
# dropping the dependents (which it cannot handle), pg_restore --clean
# --if-exists --single-transaction of the same file (3 times).
#
# Knobs: RESTORE_MB, RESTORE_KEEP=1.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
MIGRATE=${1:-$TOP/build/migrate}
case "$MIGRATE" in /*) ;; *) MIGRATE=$(pwd)/$MIGRATE ;; esac
MB=${RESTORE_MB:-200}

BENCH=restore
. "$TOP/bench/lib.sh"
bench_begin "${RESTORE_KEEP:-}"
pg_start || die "could not start PostgreSQL"
PATH=$PG_BIN:$PATH
cd "$WORK" || exit 1
psql_q -c "CREATE TABLE big (id bigint PRIMARY KEY, pad text)" || exit 1
# about 130 bytes a row
rows=$((MB * 1024 * 1024 / 130))
psql_q -c "INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, $rows) g" || exit 1
mkdir m
echo "ALTER TABLE big ADD COLUMN note text;" >m/1_note.up.sql
echo "ALTER TABLE big DROP COLUMN note;" >m/1_note.down.sql
echo "CREATE TABLE c (id int PRIMARY KEY, big_id bigint REFERENCES big); CREATE VIEW vbig AS SELECT id FROM big;" >m/2_later.up.sql
echo "DROP VIEW vbig; DROP TABLE c;" >m/2_later.down.sql
"$MIGRATE" --dir m up --to 1 -q || die "up --to 1"
f=$(ls backups/*.dump)
"$MIGRATE" --dir m up -q || die "up"
note "$(psql_q -c "SELECT pg_size_pretty(pg_total_relation_size('big'))") table, backup $(du -h "$f" | cut -f1), its SQL $(pg_restore --clean --if-exists -f - "$f" | wc -c | awk '{ printf "%.0f MB", $1 / 1048576 }')"
for i in 1 2 3; do
	t0=$(now_ms)
	"$MIGRATE" --dir m restore --yes --no-backup -q "$f" 2>/dev/null || die "migrate restore"
	echo "migrate restore (one transaction, foreign key and view recreated): $(($(now_ms) - t0)) ms"
done
psql_q -c "DROP VIEW vbig; ALTER TABLE c DROP CONSTRAINT c_big_id_fkey" || exit 1
for i in 1 2 3; do
	t0=$(now_ms)
	pg_restore --clean --if-exists --single-transaction -d "$PGDATABASE" "$f" || die "pg_restore"
	echo "pg_restore --single-transaction (no dependents): $(($(now_ms) - t0)) ms"
done
