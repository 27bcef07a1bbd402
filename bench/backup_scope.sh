#!/bin/sh
# bench/backup_scope.sh [path/to/migrate]
#
# What the backup before a change costs, by backup.scope. A benchmark, not a
# test: figures are printed, never asserted; a non-zero exit status means
# something broke.
#
# 1. A fleet: SCOPE_SCHEMAS (200) tenant schemas, each with 5 tables of
#    SCOPE_ROWS (2000) rows; one migration adds a column to one of them.
#    `migrate up --all --jobs 4` on a fresh copy (CREATE DATABASE ... TEMPLATE)
#    with backup.scope: tables (the default), backup.scope: database (each
#    tenant's whole schema), and --no-backup. Then the same three with a
#    migration that only creates a table (the default takes no dump).
# 2. A large database: SCOPE_MB (1500) MB in one table, and a small table that
#    one migration alters. `migrate up` with scope tables, then (after a down)
#    with scope database.
#
# Knobs: SCOPE_SCHEMAS, SCOPE_ROWS, SCOPE_MB, SCOPE_JOBS (4), SCOPE_KEEP=1.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
MIGRATE=${1:-$TOP/build/migrate}
case "$MIGRATE" in /*) ;; *) MIGRATE=$(pwd)/$MIGRATE ;; esac
SCHEMAS=${SCOPE_SCHEMAS:-200}
ROWS=${SCOPE_ROWS:-2000}
MB=${SCOPE_MB:-1500}
JOBS=${SCOPE_JOBS:-4}

BENCH=backup_scope
. "$TOP/bench/lib.sh"
bench_begin "${SCOPE_KEEP:-}"
note "starting a throwaway PostgreSQL ($PG_BIN)"
pg_start || die "could not start a throwaway PostgreSQL"
PATH=$PG_BIN:$PATH
cd "$WORK" || die "no work directory"

# --- 1. the fleet -----------------------------------------------------------------
note "creating $SCHEMAS tenant schemas (5 tables of $ROWS rows each)"
createdb fleet_base || die "createdb"
psql_q -d fleet_base -c "DO \$\$ BEGIN FOR i IN 1..$SCHEMAS LOOP
	EXECUTE format('CREATE SCHEMA %I', 'tenant_' || i);
	FOR t IN 1..5 LOOP
		EXECUTE format('CREATE TABLE %I.%I (id bigint PRIMARY KEY, v text)', 'tenant_' || i, 't' || t);
		EXECUTE format('INSERT INTO %I.%I SELECT g, md5(g::text) FROM generate_series(1, $ROWS) g',
			'tenant_' || i, 't' || t);
	END LOOP; END LOOP; END \$\$" || die "fleet set-up"
mkdir -p tenant main
echo "ALTER TABLE t1 ADD COLUMN note text;" >tenant/1_note.up.sql
echo "ALTER TABLE t1 DROP COLUMN note;" >tenant/1_note.down.sql
fleet_run() { # fleet_run LABEL SCOPE [ARGS]
	label=$1 scope=$2
	shift 2
	createdb -T fleet_base fleet_run || die "createdb"
	cat >fleet.yml <<YML
database:
  url: dbname=fleet_run
migrations:
  dir: main
backup:
  scope: $scope
  dir: $WORK/backups-$label
targets:
  main: false
  schemas:
    query: SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\_%'
    dir: tenant
YML
	t0=$(now_ms)
	"$MIGRATE" -c fleet.yml -q up --all --jobs "$JOBS" "$@" || die "up --all ($label) failed"
	ms=$(($(now_ms) - t0))
	size=$(du -sk "$WORK/backups-$label" 2>/dev/null | cut -f1)
	printf '%-34s %8d ms   backups: %6s kB\n' "fleet up --all, $label" "$ms" "${size:-0}"
	dropdb fleet_run
}
echo "# $SCHEMAS tenant schemas, one ALTER TABLE each, --jobs $JOBS"
fleet_run "scope tables (default)" tables
fleet_run "scope database" database
fleet_run "--no-backup" tables --no-backup
# a migration that only creates: no existing table changes, nothing to dump
mv tenant/1_note.up.sql tenant/1_note.up.alter
mv tenant/1_note.down.sql tenant/1_note.down.alter
echo "CREATE TABLE notes (id bigint PRIMARY KEY, t1_id bigint, body text);" >tenant/1_note.up.sql
echo "DROP TABLE notes;" >tenant/1_note.down.sql
echo "# $SCHEMAS tenant schemas, one CREATE TABLE each, --jobs $JOBS"
fleet_run "create, scope tables (default)" tables
fleet_run "create, scope database" database
fleet_run "create, --no-backup" tables --no-backup

# --- 2. the large database --------------------------------------------------------
note "creating a database of about $MB MB"
createdb big || die "createdb"
rows=$((MB * 1000000 / 200))
psql_q -d big -c "CREATE TABLE events (id bigint, payload text);
	INSERT INTO events SELECT g, repeat(md5(g::text), 5) FROM generate_series(1, $rows) g;
	CREATE TABLE settings (k text PRIMARY KEY, v text); INSERT INTO settings VALUES ('a', 'b')" ||
	die "large set-up"
size=$(psql_q -d big -c "SELECT pg_size_pretty(pg_database_size('big'))")
mkdir -p big
echo "ALTER TABLE settings ADD COLUMN note text;" >big/1_note.up.sql
echo "ALTER TABLE settings DROP COLUMN note;" >big/1_note.down.sql
echo "# database of $size, one ALTER TABLE of a one-row table"
for scope in tables database; do
	printf 'backup:\n  scope: %s\n  dir: %s/backups-big-%s\n' "$scope" "$WORK" "$scope" >big.yml
	t0=$(now_ms)
	"$MIGRATE" -c big.yml -d dbname=big --dir big -q up || die "up ($scope) failed"
	ms=$(($(now_ms) - t0))
	kb=$(du -sk "$WORK/backups-big-$scope" | cut -f1)
	printf '%-34s %8d ms   backup: %8s kB\n' "up, scope $scope" "$ms" "$kb"
	"$MIGRATE" -c big.yml -d dbname=big --dir big -q down --no-backup || die "down failed"
done
t0=$(now_ms)
"$MIGRATE" -d dbname=big --dir big -q up --no-backup || die "up --no-backup failed"
printf '%-34s %8d ms\n' "up, --no-backup" "$(($(now_ms) - t0))"
