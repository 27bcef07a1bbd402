# tests/lib/fault.sh - shared by the fault tests (tests/cmd/fault_*.sh, tests/stress/):
# a 30-migration project mixing transactional migrations with CREATE INDEX CONCURRENTLY
# ones, the check that schema and history agree, and the random moments to strike at.
# Sourced after t.sh and pg.sh.

FAULT_N=30
FAULT_SEED=${FAULT_SEED:-$(( $(date +%s) % 100000 ))}

# fault_project DIR: version v creates table f_v and records v in applied_count, in one
# transaction; every 5th instead builds f_{v-1}_idx CONCURRENTLY (no transaction).
fault_project() {
	mkdir -p "$1"
	v=1
	while [ $v -le $FAULT_N ]; do
		if [ $((v % 5)) = 0 ]; then
			cat >"$1/${v}_f${v}_idx.up.sql" <<SQL
-- migrate:no-transaction
SELECT pg_sleep(0.005);
CREATE INDEX CONCURRENTLY IF NOT EXISTS f_$((v - 1))_idx ON f_$((v - 1)) (id);
INSERT INTO applied_count VALUES ($v);
SQL
			echo "DROP INDEX CONCURRENTLY IF EXISTS f_$((v - 1))_idx;" >"$1/${v}_f${v}_idx.down.sql"
		else
			{
				[ $v = 1 ] && echo "CREATE TABLE applied_count (v int NOT NULL);"
				echo "CREATE TABLE f_$v (id bigint PRIMARY KEY);"
				echo "INSERT INTO f_$v VALUES ($v);"
				echo "INSERT INTO applied_count VALUES ($v);"
				echo "SELECT pg_sleep(0.005);"
			} >"$1/${v}_f$v.up.sql"
			echo "DROP TABLE f_$v;" >"$1/${v}_f$v.down.sql"
		fi
		v=$((v + 1))
	done
}

# fault_reset DB: an empty public schema (history and log included).
fault_reset() {
	psql_q -d "$1" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
}

# fault_wait_idle DB: until the struck runner's sessions (and pg_dump's) are gone.
fault_wait_idle() {
	_i=0
	while [ $_i -lt 600 ]; do
		_n=$(psql_q -d "$1" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name IN ('migrate', 'pg_dump') AND pid <> pg_backend_pid()" 2>/dev/null)
		[ "$_n" = 0 ] && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# fault_check DB: sets FAULT_STATE to "applied/dirty" (from history) and FAULT_PROBLEMS to
# what disagrees between schema and history (empty when all is well): a transactional
# migration is applied (table, row, history row) or absent, never in between; a
# non-transactional one is applied (valid index), absent (no index), or dirty.
fault_check() {
	_out=$(fault_check_sql "$1" 2>&1) || _out="? the check itself failed: $_out"
	FAULT_STATE=${_out%% *}
	FAULT_PROBLEMS=${_out#* }
}

fault_check_sql() {
	psql_q -d "$1" <<'SQL'
CREATE FUNCTION pg_temp.fault_check(n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	ver int; st text; cnt bigint; ix regclass; valid bool;
	hist bool := to_regclass('public.schema_migrations') IS NOT NULL;
	counts bool := to_regclass('public.applied_count') IS NOT NULL;
	p text := '';
BEGIN
	FOR ver IN 1..n LOOP
		st := NULL;
		IF hist THEN
			SELECT state INTO st FROM public.schema_migrations WHERE version = ver;
		END IF;
		cnt := 0;
		IF counts THEN
			SELECT count(*) INTO cnt FROM public.applied_count WHERE v = ver;
		END IF;
		IF ver % 5 = 0 THEN
			ix := to_regclass(format('public.f_%s_idx', ver - 1));
			SELECT indisvalid INTO valid FROM pg_index WHERE indexrelid = ix;
			IF st = 'applied' AND (ix IS NULL OR NOT valid OR cnt = 0) THEN
				p := p || format('%s applied without its valid index or count; ', ver);
			ELSIF st IS NULL AND (ix IS NOT NULL OR cnt > 0) THEN
				p := p || format('%s not recorded but its index or count exists; ', ver);
			ELSIF ix IS NOT NULL AND NOT valid AND st IS DISTINCT FROM 'dirty' THEN
				p := p || format('%s: an INVALID index without a dirty version; ', ver);
			END IF;
		ELSE
			IF st = 'dirty' THEN
				p := p || format('%s: a transactional migration is dirty; ', ver);
			ELSIF (st IS NOT NULL) <> (to_regclass(format('public.f_%s', ver)) IS NOT NULL) THEN
				p := p || format('%s: history says %s, table f_%s %s; ', ver, coalesce(st, 'absent'),
					ver, CASE WHEN to_regclass(format('public.f_%s', ver)) IS NULL THEN 'absent' ELSE 'exists' END);
			ELSIF (st IS NOT NULL) <> (cnt = 1) THEN
				p := p || format('%s: history says %s, applied_count has %s rows; ', ver, coalesce(st, 'absent'), cnt);
			END IF;
		END IF;
	END LOOP;
	IF hist THEN
		SELECT count(*) FILTER (WHERE state = 'applied') || '/' || count(*) FILTER (WHERE state = 'dirty')
			INTO st FROM public.schema_migrations;
		IF st !~ '/[01]$' THEN
			p := p || 'more than one dirty version; ';
		END IF;
	ELSE
		st := '0/0';
	END IF;
	RETURN st || ' ' || p;
END $$;
SELECT pg_temp.fault_check(30);
SQL
}

# fault_live_pg_dump: how many pg_dump processes of this test's server are alive (zombies,
# already dead and waiting for init to reap them, do not count; nor do other servers').
fault_live_pg_dump() {
	_n=0
	for _p in $(pgrep -x pg_dump); do
		tr '\0' ' ' 2>/dev/null <"/proc/$_p/cmdline" | grep -qF "host='$PGHOST'" || continue
		[ "$(awk '{ print $3 }' "/proc/$_p/stat" 2>/dev/null)" = Z ] && continue
		_n=$((_n + 1))
	done
	echo $_n
}

# fault_delays COUNT MAX: COUNT random moments in [0, MAX) seconds, one a line.
fault_delays() {
	awk -v n="$1" -v max="$2" -v seed="$FAULT_SEED" \
		'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%.3f\n", rand() * max }'
}

# fault_run_seconds CMD...: how long CMD takes, in seconds (to aim the faults, never asserted).
fault_run_seconds() {
	_t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	_t1=$(date +%s%N)
	awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}

# fault_finish DB ARGS...: after a fault, settle a dirty version (repair) and run up again.
# Sets FAULT_REPAIRED (0/1) and FAULT_UP_RC, and records the outputs for the secrets check.
fault_finish() {
	_db=$1; shift
	FAULT_REPAIRED=0
	fault_check "$_db"
	if [ "${FAULT_STATE#*/}" != 0 ]; then
		PGDATABASE=$_db "$MIGRATE" "$@" repair >"$T_WORK/repair.out" 2>&1 || {
			echo "# repair failed: $(cat "$T_WORK/repair.out")"
		}
		cat "$T_WORK/repair.out" >>"$T_ALL_OUTPUT"
		FAULT_REPAIRED=1
	fi
	PGDATABASE=$_db "$MIGRATE" "$@" up >"$T_WORK/finish.out" 2>&1
	FAULT_UP_RC=$?
	cat "$T_WORK/finish.out" >>"$T_ALL_OUTPUT"
}
