#!/bin/sh
# bench/apply.sh [path/to/migrate]
#
# The runner's own cost. A benchmark, not a test: figures are printed, never
# asserted; a non-zero exit status means something broke.
#
# On a fresh database each time:
#   1. 500 migrations of one CREATE TABLE each;
#   2. 500 migrations of SELECT 1 (the runner's overhead alone).
# Each through:
#   - migrate up (history row + audit row per migration, one pipelined round trip);
#   - psql -f of one script holding every migration in its own BEGIN ... COMMIT
#     (the floor: the same statements, no bookkeeping, one connection);
#   - dbmate up --no-dump-schema, when npm can install the "dbmate" package
#     (into a temp dir; APPLY_DBMATE=0 skips it).
# Then the round trips per migration: strace counts migrate's send -> receive
# turns on its socket for 500 pending migrations, less those of a run with none
# pending, divided by 500.
#
# Knobs: APPLY_N (500), APPLY_RUNS (5: the median is shown), APPLY_DBMATE (1),
# APPLY_TMPFS (1: the server's files in /dev/shm), APPLY_KEEP=1 keeps the work
# directory.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
MIGRATE=${1:-$TOP/build/migrate}
case "$MIGRATE" in /*) ;; *) MIGRATE=$(pwd)/$MIGRATE ;; esac
N=${APPLY_N:-500}
RUNS=${APPLY_RUNS:-5}

BENCH=apply
. "$TOP/bench/lib.sh"
bench_begin "${APPLY_KEEP:-}"
# the runner itself is measured: migrate up runs with --no-backup (a pg_dump
# per run or target is a separate, documented cost; psql and dbmate take none)

# The server's files live in memory by default (/dev/shm): creating a table
# creates files, and on a disk the file system's own cost (which varies run to
# run with what was deleted lately) swamps the runner's. APPLY_TMPFS=0 keeps
# them on the disk under TMPDIR.
bench_start_server "${APPLY_TMPFS:-1}"

# --- the migrations, in migrate's layout, dbmate's and one psql script ------------
make_set() { # make_set NAME SQL-with-%d
	mkdir -p "$WORK/$1/migrate" "$WORK/$1/dbmate/db/migrations"
	: >"$WORK/$1/all.sql"
	i=1
	while [ $i -le "$N" ]; do
		v=$(printf '2026110100%04d' $i)
		sql=$(printf "$2" $i)
		printf '%s\n' "$sql" >"$WORK/$1/migrate/${v}_m$i.up.sql"
		printf 'SELECT 1;\n' >"$WORK/$1/migrate/${v}_m$i.down.sql"
		printf -- '-- migrate:up\n%s\n\n-- migrate:down\nSELECT 1;\n' "$sql" \
			>"$WORK/$1/dbmate/db/migrations/${v}_m$i.sql"
		printf 'BEGIN;\n%s\nCOMMIT;\n' "$sql" >>"$WORK/$1/all.sql"
		i=$((i + 1))
	done
}
make_set create "CREATE TABLE t%d (id bigint PRIMARY KEY, name text);"
make_set select "SELECT 1;"

DBMATE=
if [ "${APPLY_DBMATE:-1}" = 1 ] && command -v npm >/dev/null 2>&1; then
	note "installing dbmate from npm into $WORK/npm"
	if npm install --silent --prefix "$WORK/npm" dbmate >"$WORK/npm.log" 2>&1 &&
		[ -x "$WORK/npm/node_modules/.bin/dbmate" ]; then
		DBMATE=$WORK/npm/node_modules/.bin/dbmate
		note "$("$DBMATE" --version)"
	else
		note "could not install dbmate (see $WORK/npm.log): skipped"
	fi
fi

BROKEN=0
fresh_db() { # (called in subshells: the name comes from the clock)
	FRESH=apply_$(date +%s%N)
	"$PG_BIN/createdb" "$FRESH" || die "createdb"
	psql_q -c "CHECKPOINT" >/dev/null
}

# time_one TOOL SET: wall ms on a fresh database
time_one() {
	fresh_db
	t0=$(now_ms)
	case $1 in
	migrate)
		(cd "$WORK/$2" && PGDATABASE=$FRESH "$MIGRATE" --dir migrate up -q --no-backup) >"$WORK/out" 2>&1 ;;
	psql)
		PGDATABASE=$FRESH "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -f "$WORK/$2/all.sql" >"$WORK/out" 2>&1 ;;
	dbmate)
		(cd "$WORK/$2/dbmate" && DATABASE_URL="postgres://postgres@/$FRESH?socket=$PGHOST&port=$PGPORT&sslmode=disable" \
			"$DBMATE" --no-dump-schema up) >"$WORK/out" 2>&1 ;;
	esac
	rc=$?
	t1=$(now_ms)
	[ $rc = 0 ] || { BROKEN=1; note "$1 on $2 failed (exit $rc)"; tail -3 "$WORK/out" >&2; }
	# dropped once timed, so that the runs do not pile up databases
	"$PG_BIN/dropdb" "$FRESH" || BROKEN=1
	echo $((t1 - t0))
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# Rounds interleave the tools (psql, migrate, dbmate, psql, ...), so that what
# the machine does meanwhile (another job, the file system settling) falls on
# all of them alike; each figure is the median of its runs.
for set in create select; do
	r=0
	while [ $r -lt "$RUNS" ]; do
		for tool in psql migrate dbmate; do
			[ $tool = dbmate ] && [ -z "$DBMATE" ] && continue
			eval "all_${set}_$tool=\"\${all_${set}_$tool:-} $(time_one $tool $set)\""
		done
		r=$((r + 1))
	done
	for tool in psql migrate dbmate; do
		[ $tool = dbmate ] && [ -z "$DBMATE" ] && continue
		eval "all=\$all_${set}_$tool"
		m=$(echo "$all" | median)
		eval "ms_${set}_$tool=$m"
		note "$set / $tool:$all ms (median $m)"
	done
done

# --- round trips per migration -------------------------------------------------------
# A turn = the client sent, then waited for and read the answer.
turns() { # turns STRACE-LOG
	awk '/sendto\(/ { s = 1 } /recvfrom\(/ && s { t++; s = 0 } END { print t + 0 }' "$1"
}
rt=-
if command -v strace >/dev/null 2>&1; then
	for set in create select; do
		fresh_db
		(cd "$WORK/$set" && PGDATABASE=$FRESH strace -f -e trace=sendto,recvfrom -o "$WORK/st-all" \
			"$MIGRATE" --dir migrate up -q --no-backup) >/dev/null 2>&1 || BROKEN=1
		(cd "$WORK/$set" && PGDATABASE=$FRESH strace -f -e trace=sendto,recvfrom -o "$WORK/st-none" \
			"$MIGRATE" --dir migrate up -q --no-backup) >/dev/null 2>&1 || BROKEN=1
		a=$(turns "$WORK/st-all"); b=$(turns "$WORK/st-none")
		eval "rt_$set=\$(echo \"scale=2; ($a - $b) / $N\" | bc)"
		note "$set: $a turns with $N pending, $b with none"
	done
else
	note "strace not found: round trips not measured"
fi

pct() { echo "scale=1; ($1 - $2) * 100 / $2" | bc; }
echo
echo "apply: $N migrations on a fresh database ($(nproc) CPUs, $("$PG_BIN/postgres" --version | sed 's/.*) //'), files $where, median of $RUNS runs)"
printf '  %-28s %12s %12s\n' "" "CREATE TABLE" "SELECT 1"
printf '  %-28s %9s ms %9s ms\n' "psql -f, BEGIN/COMMIT each" "$ms_create_psql" "$ms_select_psql"
printf '  %-28s %9s ms %9s ms\n' "migrate up" "$ms_create_migrate" "$ms_select_migrate"
[ -n "$DBMATE" ] && printf '  %-28s %9s ms %9s ms\n' "dbmate up" "$ms_create_dbmate" "$ms_select_dbmate"
printf '  %-28s %10s %% %10s %%\n' "migrate vs psql" "$(pct "$ms_create_migrate" "$ms_create_psql")" \
	"$(pct "$ms_select_migrate" "$ms_select_psql")"
[ -n "$DBMATE" ] && printf '  %-28s %10s %% %10s %%\n' "migrate vs dbmate" "$(pct "$ms_create_migrate" "$ms_create_dbmate")" \
	"$(pct "$ms_select_migrate" "$ms_select_dbmate")"
[ "$rt" = - ] && [ -n "${rt_create:-}" ] && printf '  %-28s %12s %12s\n' "migrate round trips each" "$rt_create" "$rt_select"
exit $BROKEN
