#!/bin/sh
# bench/fleet.sh [path/to/migrate]
#
# Fleet throughput. A benchmark, not a test: figures are printed, never asserted;
# a non-zero exit status means something broke (the server, a migration).
#
# 500 tenant schemas and 20 tenant databases on one throwaway PostgreSQL, 10
# migrations each (tables, foreign keys, columns, indexes, constraints, a view,
# a function, a trigger). `migrate up --all` with --jobs 1, then on a fresh copy
# with --jobs 4; then a second `up --all` that has nothing to do.
#
# The server runs with its defaults for durability (fsync on, synchronous_commit
# on), as a real one does: every migration's commit waits for its WAL flush,
# which is where many targets at once overlap. FLEET_FSYNC=off runs it with
# fsync, synchronous_commit and full_page_writes off instead (CPU-bound).
#
# Knobs: FLEET_SCHEMAS (500), FLEET_DATABASES (20), FLEET_MIGRATIONS (10),
# FLEET_JOBS ("1 4"), FLEET_FSYNC (on), FLEET_KEEP=1 keeps the work directory.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
MIGRATE=${1:-$TOP/build/migrate}
case "$MIGRATE" in /*) ;; *) MIGRATE=$(pwd)/$MIGRATE ;; esac
SCHEMAS=${FLEET_SCHEMAS:-500}
DATABASES=${FLEET_DATABASES:-20}
MIGRATIONS=${FLEET_MIGRATIONS:-10}
JOBS_LIST=${FLEET_JOBS:-1 4}
FSYNC=${FLEET_FSYNC:-on}

BENCH=fleet
. "$TOP/bench/lib.sh"
bench_begin "${FLEET_KEEP:-}"
# the runner itself is measured: migrate up runs with --no-backup (a pg_dump
# per run or target is a separate, documented cost; psql and dbmate take none)

note "starting a throwaway PostgreSQL ($PG_BIN), fsync $FSYNC"
pg_start || die "could not start a throwaway PostgreSQL"
if [ "$FSYNC" = on ]; then
	# pg_start turns durability off for the tests; a real server has it on
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -w -m fast \
		-o "-c listen_addresses='' -k $PG_TMP -p $PGPORT -c max_connections=100" \
		restart >/dev/null || die "could not restart the server with fsync on"
fi
# CPU time of the server's processes so far: the postmaster's own and that of the
# backends it has reaped (utime + stime + cutime + cstime), in milliseconds;
# server_cpu_ms sys: the kernel's part only (stime + cstime)
server_cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" -v sys="${1:-}" '{ sub(/^.*\) /, "");
		t = sys ? $13 + $15 : $12 + $13 + $14 + $15; printf "%d", t * 1000 / hz }' \
		"/proc/$(head -1 "$PG_TMP/data/postmaster.pid")/stat"
}
# CPU time of this shell's finished children, from the shell's `times`, in
# milliseconds, into CHILD_MS (`times` must run in this shell: a subshell such
# as $(...) has no children)
child_cpu_ms() {
	times >"$WORK/times"
	CHILD_MS=$(tail -1 "$WORK/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/);
		t += a[1] * 60 + a[2] } printf "%d", t * 1000 }')
}
# --- ten migrations, the kind a tenant schema gets --------------------------------
M="$WORK/tenant"; mkdir -p "$M"
mig() { # mig N NAME UP DOWN
	v=$(printf '202611%08d' "$1")
	printf '%s\n' "$3" >"$M/${v}_$2.up.sql"
	printf '%s\n' "$4" >"$M/${v}_$2.down.sql"
}
mig 1 accounts "CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());" "DROP TABLE accounts;"
mig 2 users "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts, email text NOT NULL);" "DROP TABLE users;"
mig 3 users_email "CREATE UNIQUE INDEX users_email ON users (lower(email));" "DROP INDEX users_email;"
mig 4 projects "CREATE TABLE projects (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts, title text NOT NULL);
CREATE INDEX projects_account ON projects (account_id);" "DROP TABLE projects;"
mig 5 users_name "ALTER TABLE users ADD COLUMN display_name text;" "ALTER TABLE users DROP COLUMN display_name;"
mig 6 projects_state "ALTER TABLE projects ADD COLUMN state text NOT NULL DEFAULT 'active';
ALTER TABLE projects ADD CONSTRAINT projects_state_check CHECK (state IN ('active', 'archived')) NOT VALID;" "ALTER TABLE projects DROP COLUMN state;"
mig 7 validate "ALTER TABLE projects VALIDATE CONSTRAINT projects_state_check;" "SELECT 1;"
mig 8 touch_fn "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN NEW.created_at := now(); RETURN NEW; END \$\$;" "DROP FUNCTION touch();"
mig 9 touch_trigger "CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();" "DROP TRIGGER accounts_touch ON accounts;"
mig 10 active_projects "CREATE VIEW active_projects AS SELECT * FROM projects WHERE state = 'active';" "DROP VIEW active_projects;"
i=11
while [ $i -le "$MIGRATIONS" ]; do
	mig $i "extra_$i" "ALTER TABLE accounts ADD COLUMN extra_$i text;" "ALTER TABLE accounts DROP COLUMN extra_$i;"
	i=$((i + 1))
done
[ "$MIGRATIONS" -lt 10 ] && for f in "$M"/*; do
	n=$(basename "$f" | cut -c7-14 | sed 's/^0*//'); [ "$n" -gt "$MIGRATIONS" ] && rm -f "$f"
done

# --- one fleet per --jobs value, all made before any is timed ---------------------
# Each run gets its own database of tenant schemas and its own tenant databases,
# so no run follows another's mass DROP (ext4 slows down while it remembers the
# freed inodes) and none inherits another's catalog.
make_fleet() { # make_fleet TAG
	"$PG_BIN/createdb" "fleet_$1" || return 1
	PGDATABASE=fleet_$1 psql_q -c "DO \$\$ BEGIN FOR i IN 1..$SCHEMAS LOOP
		EXECUTE format('CREATE SCHEMA %I', 'tenant_' || lpad(i::text, 4, '0')); END LOOP; END \$\$" \
		>/dev/null || return 1
	i=1
	while [ $i -le "$DATABASES" ]; do
		"$PG_BIN/createdb" "$(printf 'tenantdb_%s_%03d' "$1" $i)" || return 1
		i=$((i + 1))
	done
	# the schemas alone, then the whole fleet: the same file and the databases
	cat >"$WORK/schemas_$1.yml" <<YML
database:
  url: dbname=fleet_$1
targets:
  main: false
  schemas:
    query: SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\_%' ORDER BY 1
    dir: $M
YML
	{ cat "$WORK/schemas_$1.yml"; cat <<YML; } >"$WORK/fleet_$1.yml"
  databases:
    query: SELECT datname FROM pg_database WHERE datname LIKE 'tenantdb\_$1\_%' ORDER BY 1
    dir: $M
YML
}

targets=$((SCHEMAS + DATABASES))
note "$SCHEMAS schemas + $DATABASES databases = $targets targets, $MIGRATIONS migrations each"
run=0
for jobs in $JOBS_LIST; do
	run=$((run + 1))
	make_fleet "r$run" || die "could not create the fleet"
done
BROKEN=0
run=0
for jobs in $JOBS_LIST; do
	run=$((run + 1))
	# each run starts from a checkpoint, so none pays for flushing another's files
	psql_q -c "CHECKPOINT" >/dev/null
	note "up --all --jobs $jobs"
	s0=$(server_cpu_ms); k0=$(server_cpu_ms sys)
	t0=$(now_ms)
	child_cpu_ms; c0=$CHILD_MS
	"$MIGRATE" -c "$WORK/fleet_r$run.yml" up --all --no-backup --jobs "$jobs" >"$WORK/up-$run.out" 2>"$WORK/up-$run.err"
	rc=$?
	t1=$(now_ms)
	eval "srv_r$run=$(($(server_cpu_ms) - s0)); ker_r$run=$(($(server_cpu_ms sys) - k0))"
	child_cpu_ms
	eval "cli_r$run=$((CHILD_MS - c0))"
	[ $rc = 0 ] || { BROKEN=1; note "up --all --jobs $jobs failed (exit $rc)"; tail -5 "$WORK/up-$run.err" >&2; }
	eval "ms_r$run=$((t1 - t0))"
	eval "ms_$jobs=$((t1 - t0))"
	note "  $((t1 - t0)) ms: $(tail -1 "$WORK/up-$run.out")"
done
note "second up --all (nothing to do), --jobs 4"
t0=$(now_ms)
"$MIGRATE" -c "$WORK/fleet_r$run.yml" up --all --no-backup --jobs 4 >"$WORK/noop.out" 2>"$WORK/noop.err" || BROKEN=1
noop_ms=$(($(now_ms) - t0))
note "  $noop_ms ms: $(tail -1 "$WORK/noop.out")"
t0=$(now_ms)
"$MIGRATE" -c "$WORK/schemas_r$run.yml" up --all --no-backup --jobs 4 >"$WORK/noop2.out" 2>&1 || BROKEN=1
noop_schemas_ms=$(($(now_ms) - t0))
t0=$(now_ms)
"$MIGRATE" -c "$WORK/fleet_r$run.yml" status --all --jobs 4 >"$WORK/status.out" 2>&1 || BROKEN=1
status_ms=$(($(now_ms) - t0))

echo
echo "fleet: $SCHEMAS tenant schemas + $DATABASES tenant databases, $MIGRATIONS migrations each ($(nproc) CPUs, $("$PG_BIN/postgres" --version | sed 's/.*) //'), fsync $FSYNC)"
run=0
for jobs in $JOBS_LIST; do
	run=$((run + 1))
	eval "ms=\$ms_r$run"
	eval "srv=\$srv_r$run; ker=\$ker_r$run; cli=\$cli_r$run"
	printf '  up --all --jobs %-3s %8.2f s  (%s migrations/s; CPU: server %.2f s, %.2f s of it in the kernel; migrate %.2f s)\n' \
		"$jobs" "$(echo "$ms / 1000" | bc -l)" "$(echo "$targets * $MIGRATIONS * 1000 / $ms" | bc)" \
		"$(echo "$srv / 1000" | bc -l)" "$(echo "$ker / 1000" | bc -l)" "$(echo "$cli / 1000" | bc -l)"
done
if [ -n "${ms_1:-}" ] && [ -n "${ms_4:-}" ]; then
	printf '  speed-up --jobs 4 over --jobs 1: %.2fx\n' "$(echo "$ms_1 / $ms_4" | bc -l)"
	# the server and migrate share this machine's CPUs: the --jobs 4 run cannot
	# take less wall time than its CPU time spread over all of them
	run=0
	for jobs in $JOBS_LIST; do
		run=$((run + 1))
		[ "$jobs" = 4 ] && eval "cpu4=\$((srv_r$run + cli_r$run))"
	done
	floor=$(echo "$cpu4 / $(nproc)" | bc -l)
	printf '  bound: --jobs 4 used %.2f s of CPU, so on %d CPUs it needs >= %.2f s: at most %.2fx\n' \
		"$(echo "$cpu4 / 1000" | bc -l)" "$(nproc)" "$(echo "$floor / 1000" | bc -l)" \
		"$(echo "$ms_1 / $floor" | bc -l)"
fi
printf '  second up --all, nothing to do, %d targets: %.2f s\n' "$targets" "$(echo "$noop_ms / 1000" | bc -l)"
printf '  second up --all, nothing to do, %d schemas only: %.2f s\n' "$SCHEMAS" "$(echo "$noop_schemas_ms / 1000" | bc -l)"
printf '  status --all, %d targets: %.2f s\n' "$targets" "$(echo "$status_ms / 1000" | bc -l)"
sed 's/^/    /' "$WORK/status.out"
exit $BROKEN
