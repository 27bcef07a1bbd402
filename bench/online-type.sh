#!/bin/sh
# bench/online-type.sh [path/to/migrate]
#
# Changing a column's type on a big table under application load: the naive
# ALTER TABLE pgbench_accounts ALTER COLUMN aid TYPE bigint (through psql)
# against the sequence `migrate new --change-type pgbench_accounts.aid bigint`
# writes (docs/recipes.md), applied with `migrate up --no-backup`. A benchmark,
# not a test: figures are printed, never asserted; a non-zero exit status means
# something broke.
#
# pgbench_accounts of ONLINE_TYPE_ROWS rows (10,000,000: pgbench -i -s 100) is
# generated once into a template database; each run works on a copy (CREATE
# DATABASE ... TEMPLATE). During each change, the application (pgbench,
# ONLINE_TYPE_CLIENTS clients, each transaction reading one random account and
# updating its balance, per-transaction latency log -l) runs in slices of 5 s
# until the change has finished. Printed for each way: the total duration of
# the change, and of the application's transactions that overlapped it the
# worst latency, the p99, their count and rate (tx/s), and the failed ones
# (errors and aborted clients); medians when ONLINE_TYPE_RUNS > 1. Each run is
# checked: aid is bigint afterwards, still the primary key, and no row lost.
# A control run first: the same load for ONLINE_TYPE_IDLE seconds (30) with no
# change at all, for what the machine alone does to the latency. For the generated sequence, each migration's duration is printed too, and
# the server logs lock waits over 10 ms (log_lock_waits), summarised.
#
# Knobs: ONLINE_TYPE_ROWS (10000000; rounded to pgbench's 100,000-row scale),
# ONLINE_TYPE_RUNS (1), ONLINE_TYPE_CLIENTS (4), ONLINE_TYPE_IDLE (30), ONLINE_TYPE_TMPFS (1: the
# server's files in /dev/shm), ONLINE_TYPE_KEEP=1 keeps the work directory,
# ONLINE_TYPE_WAYS ("idle naive generated": the runs, in that order),
# ONLINE_TYPE_UP_ARGS (more options for `migrate up`, e.g. "--batch-delay 5ms"),
# ONLINE_TYPE_SETTINGS (server settings for the run, default
# "shared_buffers=4GB wal_buffers=64MB", and wal_init_zero=off when the files are in
# /dev/shm; "" for PostgreSQL's own defaults; a setting that needs a restart gets one),
# ONLINE_TYPE_WAITS=1 keeps what the server's processes wait for, 20 times a second,
# in the run's directory (waits).
#
# Why those settings: PostgreSQL's defaults (128 MB of shared buffers, 4 MB of WAL
# buffers) are for a small machine, not a server with a 2.6 GB table under load:
# with them the application's backends write out the backfill's dirty pages
# themselves. And a new WAL segment is written full of zeros while every commit
# waits (WALWriteLock): in this virtual machine each page of memory touched for the
# first time costs a host fault (0.1-0.3 ms; about 150 MB/s, dd into /dev/shm), so
# 16 MB of zeros into tmpfs, where they buy nothing, stall the whole application
# 80-300 ms (bench/README.md).
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
MIGRATE=${1:-$TOP/build/migrate}
case "$MIGRATE" in /*) ;; *) MIGRATE=$(pwd)/$MIGRATE ;; esac
ROWS=${ONLINE_TYPE_ROWS:-10000000}
RUNS=${ONLINE_TYPE_RUNS:-1}
CLIENTS=${ONLINE_TYPE_CLIENTS:-4}
IDLE=${ONLINE_TYPE_IDLE:-30}
WAYS=${ONLINE_TYPE_WAYS:-idle naive generated}
UP_ARGS=${ONLINE_TYPE_UP_ARGS:-}
SCALE=$((ROWS / 100000))
[ "$SCALE" -ge 1 ] || SCALE=1
ROWS=$((SCALE * 100000))

BENCH=online-type
. "$TOP/bench/lib.sh"
bench_begin "${ONLINE_TYPE_KEEP:-}"
PGBENCH=$PG_BIN/pgbench
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench) || die "no pgbench"
bench_start_server "${ONLINE_TYPE_TMPFS:-1}"
psql_q -c "ALTER SYSTEM SET log_lock_waits = on" -c "ALTER SYSTEM SET deadlock_timeout = '10ms'" \
	-c "ALTER SYSTEM SET max_wal_size = '4GB'" -c "SELECT pg_reload_conf()" >/dev/null || die "settings"
SETTINGS="shared_buffers=4GB wal_buffers=64MB"
case $where in *dev/shm*) SETTINGS="$SETTINGS wal_init_zero=off" ;; esac
for kv in ${ONLINE_TYPE_SETTINGS-$SETTINGS}; do
	psql_q -c "ALTER SYSTEM SET ${kv%%=*} = '${kv#*=}'" -c "SELECT pg_reload_conf()" >/dev/null ||
		die "setting $kv"
	note "server setting: $kv"
done
# settings such as wal_buffers or shared_buffers take a restart (the same command line)
if [ "$(psql_q -c "SELECT count(*) FROM pg_settings WHERE pending_restart")" != 0 ]; then
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -w -m fast restart >/dev/null || die "restart"
	note "server restarted for: $(psql_q -c "SELECT string_agg(name || '=' || current_setting(name), ' ')
		FROM pg_settings WHERE source = 'configuration file' AND context = 'postmaster'
		AND name <> 'dynamic_shared_memory_type'")"
fi
[ -n "$UP_ARGS" ] && note "migrate up options: --no-backup $UP_ARGS"

t0=$(now_ms)
psql_q -c "CREATE DATABASE ot_tmpl" >/dev/null || die "createdb"
PGDATABASE=ot_tmpl "$PGBENCH" -i -q -s "$SCALE" >"$WORK/init.out" 2>&1 || { cat "$WORK/init.out" >&2; die "pgbench -i"; }
note "pgbench_accounts: $ROWS rows (pgbench -i -s $SCALE, $(($(now_ms) - t0)) ms)"

# the generated sequence, written once from the template
mkdir -p "$WORK/m"
DATABASE_URL="postgresql:///ot_tmpl?host=$PGHOST&port=$PGPORT" "$MIGRATE" --dir "$WORK/m" new --change-type pgbench_accounts.aid bigint >"$WORK/new.out" 2>&1 ||
	{ cat "$WORK/new.out" >&2; die "migrate new --change-type"; }
note "migrate new --change-type wrote $(ls "$WORK/m"/*.up.sql | wc -l) migrations"

cat >"$WORK/app.sql" <<SQL
\\set aid random(1, $ROWS)
BEGIN;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;
END;
SQL
echo "ALTER TABLE pgbench_accounts ALTER COLUMN aid TYPE bigint;" >"$WORK/naive.sql"

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
now_us() { echo $(($(date +%s%N) / 1000)); }

# app DB DIR: pgbench in 5 s slices until DIR/stop exists
app() {
	n=0
	while [ ! -e "$2/stop" ]; do
		n=$((n + 1))
		( cd "$2" && PGDATABASE=$1 "$PGBENCH" -n -f "$WORK/app.sql" -c "$CLIENTS" -j 2 -T 5 \
			-l --log-prefix=app >"$2/pgbench.$n.out" 2>"$2/pgbench.$n.err" ) ||
			{ touch "$2/pgbench.failed"; [ -S "$PGHOST/.s.PGSQL.$PGPORT" ] || break; } # server gone: die
	done
}

# stolen DIR: the host's steal time (/proc/stat, in 10 ms ticks, both vCPUs) every 0.2 s
# until DIR/stop exists, as "epoch_us ticks" lines in DIR/steal: a stall of the whole
# virtual machine shows there, not in the server's log
stolen() {
	while [ ! -e "$1/stop" ]; do
		echo "$(now_us) $(awk '/^cpu / { print $9; exit }' /proc/stat)"
		sleep 0.2
	done >"$1/steal"
}

# change WAY DB DIR
change() {
	case $1 in
	idle) sleep "$IDLE" ;;
	naive) psql_q -d "$2" -f "$WORK/naive.sql" >"$3/out" 2>&1 ;;
	generated) DATABASE_URL="postgresql:///$2?host=$PGHOST&port=$PGPORT" "$MIGRATE" --dir "$WORK/m" up --no-backup $UP_ARGS >"$3/out" 2>&1 ;;
	esac || { # the load, the sampler and this run's figures end here
		cat "$3/out" >&2; touch "$3/stop"; [ -n "$waits_pid" ] && kill "$waits_pid"
		die "$1: the change failed"; }
}

check() {
	[ "$1" = idle ] && return
	got=$(psql_q -d "$2" -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = 'pgbench_accounts'::regclass AND attname = 'aid'")
	[ "$got" = bigint ] || die "$1: aid is $got afterwards"
	pk=$(psql_q -d "$2" -c "SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'pgbench_accounts'::regclass AND contype = 'p'")
	[ "$pk" = "PRIMARY KEY (aid)" ] || die "$1: primary key is \"$pk\" afterwards"
	n=$(psql_q -d "$2" -c "SELECT count(*) FROM pgbench_accounts")
	[ "$n" = "$ROWS" ] || die "$1: $n rows afterwards"
}

# one WAY RUN: prints "ms worst_ms p99_ms tx tx_per_s failed"
one() {
	db=ot_$1_$2
	dir=$WORK/$1_$2
	mkdir -p "$dir"
	psql_q -c "CREATE DATABASE $db TEMPLATE ot_tmpl" >/dev/null || die "createdb $db"
	psql_q -d "$db" -c "CHECKPOINT" >/dev/null
	app "$db" "$dir" &
	app_pid=$!
	stolen "$dir" &
	stolen_pid=$!
	waits_pid=
	if [ -n "${ONLINE_TYPE_WAITS:-}" ]; then # what every server process waits for, 20 times a second
		printf '%s\n' "SELECT to_char(clock_timestamp(), 'HH24:MI:SS.MS'), pid, backend_type," \
			"wait_event_type, wait_event, left(query, 30) FROM pg_stat_activity" \
			"WHERE wait_event_type NOT IN ('Activity', 'Client') AND pid <> pg_backend_pid()" '\watch 0.05' \
			>"$dir/waits.sql"
		psql_q -d "$db" -f "$dir/waits.sql" >"$dir/waits" 2>&1 &
		waits_pid=$!
	fi
	sleep 3
	log0=$(wc -c <"$PG_TMP/server.log")
	t0=$(now_us)
	change "$1" "$db" "$dir"
	t1=$(now_us)
	sleep 1
	touch "$dir/stop"
	wait "$app_pid" "$stolen_pid"
	[ -n "$waits_pid" ] && { kill "$waits_pid" 2>/dev/null; wait "$waits_pid"; } # gone before DROP DATABASE
	tail -c +"$((log0 + 1))" "$PG_TMP/server.log" >"$dir/server.log"
	echo "$t0" >"$dir/t0"
	[ -e "$dir/pgbench.failed" ] && note "$1: a pgbench slice exited non-zero (see $dir/pgbench.*.err)"
	check "$1" "$db"
	# FORCE: the sampler's backend may still be on its way out (a copy left behind
	# is 2-3 GB of /dev/shm; a few of them and the server is killed for memory)
	psql_q -c "DROP DATABASE $db WITH (FORCE)" >/dev/null || die "drop $db"
	failed=$(cat "$dir"/pgbench.*.out | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}')
	failed=$((failed + $(cat "$dir"/pgbench.*.err | grep -c 'aborted')))
	# client tx latency_us script epoch_s epoch_us: the transactions that overlapped the change
	cat "$dir"/app.[0-9]* | awk -v w0="$t0" -v w1="$t1" '$3 != "failed" && $3 != "skipped" {
		end = $5 * 1000000 + $6; if (end - $3 < w1 && end > w0) print $3 }' | sort -n |
		awk -v us=$((t1 - t0)) -v f="$failed" '{ v[NR] = $1 } END {
			i = int(NR * 0.99 + 0.999999); if (i < 1) i = 1
			printf "%d %.1f %.1f %d %d %d\n", us / 1000, v[NR] / 1000, v[i] / 1000, NR, NR * 1000000 / us, f }'
}

note "application: pgbench -c $CLIENTS (a read and an update of one random account per transaction)"
r=1
while [ $r -le "$RUNS" ]; do
	for way in $WAYS; do
		set -- $(one $way $r)
		[ $# = 6 ] || die "$way run $r: no figures"
		note "run $r, $way: $1 ms, worst $2 ms, p99 $3 ms, $4 tx ($5 tx/s), $6 failed"
		for k in ms worst p99 tx tps failed; do
			eval "${k}_$way=\"\${${k}_$way:-} $1\""
			shift
		done
	done
	r=$((r + 1))
done

echo
echo "ALTER COLUMN aid TYPE bigint on pgbench_accounts ($ROWS rows, files $where) under load"
echo "(pgbench, $CLIENTS clients); the application's transactions during the change$([ "$RUNS" -gt 1 ] && echo ", medians of $RUNS runs" || echo ", one run each"):"
printf '%-34s %10s %10s %9s %8s %7s %7s\n' "" "total ms" "worst ms" "p99 ms" "tx" "tx/s" "failed"
for way in $WAYS; do
	case $way in
	idle) label="no change (the load alone, ${IDLE}s)" ;;
	naive) label="naive ALTER (psql)" ;;
	generated) label="migrate new --change-type + up" ;;
	esac
	line=$(printf '%-34s' "$label")
	for k in ms worst p99 tx tps failed; do
		eval "v=\$(echo \$${k}_$way | median)"
		line="$line $(printf '%9s' "$v") "
	done
	echo "$line"
done
echo
echo "the generated migrations (last run), each one's duration as migrate up printed it:"
grep -E '^\s*(applied|[0-9]{14})' "$WORK/generated_$RUNS/out" | sed 's/^/  /' || cat "$WORK/generated_$RUNS/out"
# the 5 worst transactions, and the migration running when each ended (the windows
# are the printed durations laid end to end from the start: approximate)
echo "the application's 5 worst transactions during the generated run, and the migration then running:"
last=$WORK/generated_$RUNS
sed -n 's/^applied [0-9]* \([^ ]*\) (.*, \([0-9]*\) ms)$/\1 \2/p' "$last/out" >"$last/phases"
cat "$last"/app.[0-9]* | awk -v w0="$(cat "$last/t0")" '$3 != "failed" && $3 != "skipped" {
	end = $5 * 1000000 + $6; if (end > w0) print $3, end - w0 }' | sort -n | tail -5 |
	awk 'NR == FNR { name[NR] = $1; upto[NR] = (NR > 1 ? upto[NR - 1] : 0) + $2 * 1000; n = NR; next }
	{ p = "after the last"; for (i = 1; i <= n; i++) if ($2 <= upto[i]) { p = name[i]; break }
	  printf "  %8.1f ms, ended %6.1f s in: %s\n", $1 / 1000, $2 / 1000000, p }' "$last/phases" -
awk -v w0="$(cat "$last/t0")" 'NR > 1 && $2 > prev { s = ($2 - prev) * 10; t = ($1 - w0) / 1e6
	if (s > worst) { worst = s; at = t } total += s } { prev = $2 }
	END { printf "host steal time during the generated run: %d ms in all, at most %d ms in 0.2 s (%.1f s in)\n",
		total, worst, at }' "$last/steal"
echo "lock waits over 10 ms logged during the generated run:"
grep -E 'still waiting|acquired' "$WORK/generated_$RUNS/server.log" | sed 's/^[^]]*\] *//; s/^/  /' | head -20
