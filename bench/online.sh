#!/bin/sh
# bench/online.sh [path/to/migrate]
#
# The batch executor (-- migrate:batch N, docs/batch.md) against a hand-written
# keyset loop on the same backfill. A benchmark, not a test: figures are
# printed, never asserted; a non-zero exit status means something broke.
#
# A table of ONLINE_ROWS rows (1,000,000) with a bigint primary key, copied
# fresh for each run from a template database; the backfill sets a new column
# from another one on every row (UPDATE accounts SET v = balance * 2), in
# batches of ONLINE_BATCH (10000) rows, each batch its own transaction:
#   - migrate up --no-backup with the statement under -- migrate:batch;
#   - psql running a DO block that walks the key, UPDATE ... WHERE id > last AND
#     id <= next, COMMIT after each batch (the loop people hand-write; it runs
#     in the server, with no round trip per batch and no progress recorded).
# Printed: wall time, rows per second and WAL bytes of each run, the medians,
# and migrate's rows per second as a percentage of the hand loop's: from the
# medians, and per pair of runs made back to back (on a shared machine whose
# load drifts, the median of the pairs' is the steadier figure). Each run is
# checked: every row has v = balance * 2.
#
# Then, under application load (pgbench, ONLINE_CLIENTS clients, each
# transaction reading one random row of the table and updating its note, so
# that it takes the row's lock), the same backfill once each way: migrate, the
# hand loop, and the unbatched single UPDATE (one transaction: every row it has
# changed stays locked until it commits). Printed: the backfill's time, and the
# latency of the application's transactions that overlapped it (p99, worst,
# how many and how many per second: the clients stuck behind the single
# UPDATE's locks make few, so look at the worst and the rate, not only the
# p99), and the failed ones.
#
# Then throttling (bench/online_replica.sh): a real streaming replica
# (pg_basebackup -R, on a unix socket), apply.max_replica_lag set, its replay
# paused during the backfill and resumed a while later: migrate's own messages,
# how long it waited, and its rows per second before and after.
#
# Knobs: ONLINE_ROWS (1000000), ONLINE_BATCH (10000), ONLINE_RUNS (5: medians),
# ONLINE_TMPFS (1: the server's files in /dev/shm), ONLINE_REPLICA (1: the
# throttling run; 0: skip it), ONLINE_REPLICA_LAG (1s), ONLINE_REPLICA_PAUSE
# (5: seconds replay stays paused), ONLINE_LOAD (1: the runs under load; 0: skip
# them), ONLINE_CLIENTS (4), ONLINE_KEEP=1 keeps the work directory.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
MIGRATE=${1:-$TOP/build/migrate}
case "$MIGRATE" in /*) ;; *) MIGRATE=$(pwd)/$MIGRATE ;; esac
ROWS=${ONLINE_ROWS:-1000000}
BATCH=${ONLINE_BATCH:-10000}
RUNS=${ONLINE_RUNS:-5}

BENCH=online
. "$TOP/bench/lib.sh"
bench_begin "${ONLINE_KEEP:-}"
bench_start_server "${ONLINE_TMPFS:-1}"

psql_q -c "CREATE DATABASE online_tmpl" >/dev/null || die "createdb"
psql_q -d online_tmpl -c "CREATE TABLE accounts (id bigint PRIMARY KEY, balance int NOT NULL, note text, v int)" \
	-c "INSERT INTO accounts SELECT g, g % 1000, 'account ' || g, NULL FROM generate_series(1, $ROWS) g" \
	-c "VACUUM ANALYZE accounts" >/dev/null || die "could not fill the table"
note "accounts: $ROWS rows, batches of $BATCH"

mkdir -p "$WORK/m"
printf -- '-- migrate:batch %s\nUPDATE accounts SET v = balance * 2;\n' "$BATCH" >"$WORK/m/1_backfill.up.sql"
echo "UPDATE accounts SET v = NULL;" >"$WORK/m/1_backfill.down.sql"
cat >"$WORK/loop.sql" <<SQL
DO \$\$
DECLARE last bigint := 0; nxt bigint;
BEGIN
  LOOP
    SELECT max(id) INTO nxt FROM (SELECT id FROM accounts WHERE id > last ORDER BY id LIMIT $BATCH) s;
    EXIT WHEN nxt IS NULL;
    UPDATE accounts SET v = balance * 2 WHERE id > last AND id <= nxt;
    COMMIT;
    last := nxt;
  END LOOP;
END \$\$;
SQL

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
wal() { psql_q -d "$1" -c "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"; }

# backfill TOOL DB OUT: the backfill, its output in OUT
backfill() {
	case $1 in
	migrate) PGDATABASE=$2 "$MIGRATE" --dir "$WORK/m" -q up --no-backup >"$3" 2>&1 ;;
	loop) psql_q -d "$2" -f "$WORK/loop.sql" >"$3" 2>&1 ;;
	single) psql_q -d "$2" -f "$WORK/single.sql" >"$3" 2>&1 ;;
	esac || { cat "$3" >&2; die "$1: the backfill failed"; }
}

# check TOOL DB: every row backfilled
check() {
	bad=$(psql_q -d "$2" -c "SELECT count(*) FROM accounts WHERE v IS DISTINCT FROM balance * 2")
	[ "$bad" = 0 ] || die "$1: $bad rows not backfilled"
}

# one RUN of TOOL: prints "ms wal_bytes"
one() {
	db=online_$1_$2
	psql_q -c "CREATE DATABASE $db TEMPLATE online_tmpl" >/dev/null || die "createdb $db"
	psql_q -d "$db" -c "CHECKPOINT" >/dev/null
	w0=$(wal "$db"); t0=$(now_ms)
	backfill "$1" "$db" "$WORK/out"
	t1=$(now_ms); w1=$(wal "$db")
	check "$1" "$db"
	psql_q -c "DROP DATABASE $db" >/dev/null
	echo "$((t1 - t0)) $((w1 - w0))"
}

for tool in migrate loop; do
	eval "ms_$tool=''; wal_$tool=''"
done
pct=''
echo "UPDATE accounts SET v = balance * 2;" >"$WORK/single.sql"
r=1
while [ $r -le "$RUNS" ]; do
	for tool in migrate loop; do # alternated, so that drift in the machine hits both
		set -- $(one $tool $r)
		rate=$((ROWS * 1000 / $1))
		note "run $r, $tool: $1 ms, $rate rows/s, WAL $2 bytes"
		eval "ms_$tool=\"\$ms_$tool $1\"; wal_$tool=\"\$wal_$tool $2\""
		eval "last_$tool=$1"
	done
	pct="$pct $((last_loop * 100 / last_migrate))" # this pair's, run back to back
	r=$((r + 1))
done

echo
echo "backfill of $ROWS rows in batches of $BATCH, median of $RUNS runs (files $where):"
printf '%-28s %10s %12s %14s\n' "" "ms" "rows/s" "WAL bytes"
for tool in migrate loop; do
	eval "m=\$(echo \$ms_$tool | median); w=\$(echo \$wal_$tool | median)"
	eval "ms_med_$tool=$m"
	case $tool in
	migrate) label="migrate (-- migrate:batch)" ;;
	loop) label="hand loop (DO, COMMIT)" ;;
	esac
	printf '%-28s %10s %12s %14s\n' "$label" "$m" "$((ROWS * 1000 / m))" "$w"
done
echo "migrate's rate: $((ms_med_loop * 100 / ms_med_migrate))% of the hand loop's (medians);" \
	"per pair of runs:$(echo "$pct" | sed 's/\([0-9]\) /\1%, /g; s/\([0-9]\)$/\1%/'), median $(echo "$pct" | median)%"

[ "${ONLINE_REPLICA:-1}" = 1 ] && . "$TOP/bench/online_replica.sh"

[ "${ONLINE_LOAD:-1}" = 1 ] || exit 0

# --- under application load --------------------------------------------------
CLIENTS=${ONLINE_CLIENTS:-4}
PGBENCH=$PG_BIN/pgbench
[ -x "$PGBENCH" ] || die "no pgbench in $PG_BIN (ONLINE_LOAD=0 skips the runs under load)"
now_us() { echo $(($(date +%s%N) / 1000)); }
cat >"$WORK/app.sql" <<SQL
\\set id random(1, $ROWS)
BEGIN;
SELECT balance, note FROM accounts WHERE id = :id;
UPDATE accounts SET note = 'account ' || :id WHERE id = :id;
END;
SQL
# the load lasts long enough for the slowest backfill, slowed down by the load
slow=$ms_med_migrate
[ "$ms_med_loop" -gt "$slow" ] && slow=$ms_med_loop
LOAD_SECS=$((3 + slow * 5 / 1000))

# loaded TOOL: prints "backfill_ms p99_ms worst_ms transactions failed"
loaded() {
	db=online_load_$1
	dir=$WORK/load_$1
	mkdir -p "$dir"
	psql_q -c "CREATE DATABASE $db TEMPLATE online_tmpl" >/dev/null || die "createdb $db"
	psql_q -d "$db" -c "CHECKPOINT" >/dev/null
	( cd "$dir" && PGDATABASE=$db "$PGBENCH" -n -f "$WORK/app.sql" -c "$CLIENTS" -j 2 \
		-T "$LOAD_SECS" -l --log-prefix=app >"$dir/pgbench.out" 2>"$dir/pgbench.err" ) &
	bench_pid=$!
	sleep 1
	t0=$(now_us)
	backfill "$1" "$db" "$dir/out"
	t1=$(now_us)
	wait "$bench_pid" || { cat "$dir/pgbench.err" >&2; die "pgbench failed"; }
	[ "$(cat "$dir"/app.[0-9]* | awk '{ e = $5 * 1000000 + $6; if (e > m) m = e } END { printf "%.0f\n", m }')" -ge "$t1" ] ||
		note "$1: the load ended before the backfill did (slower than 5 times its unloaded median)"
	check "$1 under load" "$db"
	psql_q -c "DROP DATABASE $db" >/dev/null
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$dir/pgbench.out")
	failed=$((${failed:-0} + $(grep -c 'aborted' "$dir/pgbench.err")))
	# client tx latency_us script epoch_s epoch_us: the transactions that overlapped the backfill
	cat "$dir"/app.[0-9]* | awk -v w0="$t0" -v w1="$t1" '$3 != "failed" && $3 != "skipped" {
		end = $5 * 1000000 + $6; if (end - $3 < w1 && end > w0) print $3 }' | sort -n |
		awk -v ms=$(((t1 - t0) / 1000)) -v f="$failed" '{ v[NR] = $1 } END {
			i = int(NR * 0.99 + 0.999999); if (i < 1) i = 1
			printf "%d %.1f %.1f %d %d\n", ms, v[i] / 1000, v[NR] / 1000, NR, f }'
}

note "under load: pgbench -c $CLIENTS (a read and an update of one random row per transaction) for ${LOAD_SECS}s each"
echo
echo "the same backfill under application load (pgbench, $CLIENTS clients), its transactions during the backfill:"
printf '%-28s %10s %9s %10s %8s %7s %7s\n' "" "ms" "p99 ms" "worst ms" "tx" "tx/s" "failed"
for tool in migrate loop single; do
	set -- $(loaded $tool)
	[ $# = 5 ] || die "$tool under load: no figures"
	case $tool in
	migrate) label="migrate (-- migrate:batch)" ;;
	loop) label="hand loop (DO, COMMIT)" ;;
	single) label="single UPDATE (unbatched)" ;;
	esac
	printf '%-28s %10s %9s %10s %8s %7s %7s\n' "$label" "$1" "$2" "$3" "$4" "$(($4 * 1000 / $1))" "$5"
done
