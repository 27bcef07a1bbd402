#!/bin/sh
# bench/zero-downtime.sh [path/to/migrate]
#
# Application latency while a migration waits for a lock. A benchmark, not a
# test: figures are printed, never asserted. Exit status is non-zero only when
# something broke (the server, pgbench, or either migration failed).
#
# Scenario, run twice on a fresh database each time:
#   1. a table of 1M rows under read/write load (pgbench, 4 clients, a point
#      SELECT and an UPDATE on random ids, per-transaction log);
#   2. a long transaction takes ACCESS SHARE on the table (SELECT ... LIMIT 1)
#      and keeps it for 8 s: the application does not notice, but ALTER TABLE
#      needs ACCESS EXCLUSIVE and must wait for it;
#   3. the migration "ALTER TABLE accounts ADD COLUMN note text" runs through
#      plain psql (case 1), then through `migrate up --lock-timeout 50ms` (case 2).
# With plain psql the ALTER queues for 8 s and every application query queues
# behind it. With migrate the ALTER gives up after 50 ms, rolls back, backs
# off and retries, so the application waits at most about one lock timeout.
#
# Then the idle-in-transaction scenario, twice: the long transaction takes its
# ACCESS SHARE and sits "idle in transaction" (a client that forgot to commit)
# for the same time, and migrate runs
#   idle-wait:   apply.blockers: wait (the default) with a budget of 5 retries
#                (100ms doubling to 1s): it names the blocker at each retry and
#                gives up cleanly (exit 1, nothing applied) while it still holds;
#   idle-cancel: apply.blockers: cancel-idle, blockers_idle_after 1s: the
#                blocker is terminated once idle for 1 s and the migration ends.
#
# Knobs (environment): ZD_ROWS (1000000), ZD_HOLD seconds (8), ZD_LOCK_TIMEOUT
# (50ms), ZD_DURATION seconds of load per case (15), ZD_CLIENTS (4), ZD_JOBS (2),
# ZD_CASES (psql migrate idle-wait idle-cancel), ZD_VERBOSE=1 shows migrate's output,
# ZD_RATE (unset: as fast as possible; N: pgbench -R N), ZD_KEEP=1 keeps the
# work directory (pgbench logs, migrate output).
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
MIGRATE=${1:-$TOP/build/migrate}
case "$MIGRATE" in /*) ;; *) MIGRATE=$(pwd)/$MIGRATE ;; esac

ROWS=${ZD_ROWS:-1000000}
HOLD=${ZD_HOLD:-8}
LOCK_TIMEOUT=${ZD_LOCK_TIMEOUT:-50ms}
DURATION=${ZD_DURATION:-15}
CLIENTS=${ZD_CLIENTS:-4}
JOBS=${ZD_JOBS:-2}
RATE=${ZD_RATE:-}
CASES=${ZD_CASES:-psql migrate idle-wait idle-cancel}
LEAD=2 # seconds of undisturbed load before the lock holder starts

die() { echo "zero-downtime: error: $*" >&2; exit 1; }
note() { echo "zero-downtime: $*" >&2; }

[ -x "$MIGRATE" ] || die "\"$MIGRATE\" is not an executable (build it with make, or pass its path)"

. "$TOP/tests/lib/pg.sh"
if [ ! -x "$PG_BIN/pgbench" ] && [ -f "$TOP/scripts/deps.sh" ]; then
	sh "$TOP/scripts/deps.sh" >&2 || true
fi
for b in initdb pg_ctl psql pgbench createdb; do
	[ -x "$PG_BIN/$b" ] || die "\"$PG_BIN/$b\" not found (install the postgresql server package)"
done
PSQL="$PG_BIN/psql"
PGBENCH="$PG_BIN/pgbench"

# A watchdog for every process we wait on, so a stuck run cannot hang forever.
if command -v timeout >/dev/null 2>&1; then
	WATCH="timeout -k 5 $((DURATION + HOLD + 60))"
else
	WATCH=
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/zero-downtime.XXXXXX") || die "could not create a work directory"
chmod 755 "$WORK"
BG_PIDS=
cleanup() {
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
	pg_stop
	if [ "${ZD_KEEP:-}" = 1 ]; then note "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { echo $(($(date +%s%N) / 1000)); }

note "starting a throwaway PostgreSQL 15 ($PG_BIN)"
pg_start || die "could not start a throwaway PostgreSQL"
# the long transaction is the application's (not a superuser, whom cancel-idle spares)
psql_q -c "CREATE ROLE zd_app LOGIN" >/dev/null || die "could not create the role zd_app"
BROKEN=0

# --- the migration, the application's script, migrate's config -------------
mkdir -p "$WORK/migrations"
echo "ALTER TABLE accounts ADD COLUMN note text;" >"$WORK/migrations/20260101000000_add_note.up.sql"
echo "ALTER TABLE accounts DROP COLUMN note;" >"$WORK/migrations/20260101000000_add_note.down.sql"

cat >"$WORK/app.sql" <<EOF
\\set id random(1, $ROWS)
BEGIN;
SELECT balance FROM accounts WHERE id = :id;
UPDATE accounts SET balance = balance + 1 WHERE id = :id;
END;
EOF

# Enough retry budget to outlast the holder: 100ms doubling to 1s, 30 times
# (at least ~14 s of back-off even with the unluckiest jitter).
cat >"$WORK/migrate.yml" <<EOF
apply:
  retries: 30
  retry_delay: 100ms
  retry_max_delay: 1s
EOF

# idle-wait: a budget that runs out while the blocker holds (~3 s of back-off)
cat >"$WORK/idle-wait.yml" <<EOF
apply:
  retries: 5
  retry_delay: 100ms
  retry_max_delay: 1s
  blockers: wait
EOF
cat >"$WORK/idle-cancel.yml" <<EOF
apply:
  retries: 30
  retry_delay: 100ms
  retry_max_delay: 1s
  blockers: cancel-idle
  blockers_idle_after: 1s
EOF

MIGRATE_EXTRA=
if "$MIGRATE" up --help 2>/dev/null | grep -q -- '--no-backup'; then
	MIGRATE_EXTRA=--no-backup # a pg_dump would take its own ACCESS SHARE: not what we measure
fi

# --- one fresh database per case ----------------------------------------------
make_db() {
	"$PG_BIN/createdb" "$1" || return 1
	# autovacuum off on the table so an autoanalyze (SHARE UPDATE EXCLUSIVE,
	# which also conflicts with ALTER TABLE) cannot blur the comparison
	PGDATABASE=$1 psql_q <<EOF >/dev/null
CREATE TABLE accounts (id int NOT NULL, balance int NOT NULL DEFAULT 0, filler text NOT NULL)
  WITH (autovacuum_enabled = off, fillfactor = 90);
INSERT INTO accounts SELECT g, 0, repeat('x', 84) FROM generate_series(1, $ROWS) g;
ALTER TABLE accounts ADD PRIMARY KEY (id);
VACUUM ANALYZE accounts;
GRANT SELECT ON accounts TO zd_app;
CHECKPOINT;
EOF
}

# --- one case -----------------------------------------------------------------
# run_case NAME: loads $NAME's database, runs load + holder + migration and
# leaves figures in $WORK/NAME.*
run_case() {
	name=$1
	db=zd_$name
	dir=$WORK/$name
	mkdir -p "$dir"
	note "[$name] creating $db with $ROWS rows"
	make_db "$db" || { note "[$name] could not create the table"; return 1; }

	rate_opt=
	[ -n "$RATE" ] && rate_opt="-R $RATE"
	note "[$name] application load: pgbench -c $CLIENTS -j $JOBS -T $DURATION${RATE:+ -R $RATE}"
	t_load=$(now_us)
	# shellcheck disable=SC2086
	( cd "$dir" && PGDATABASE=$db $WATCH "$PGBENCH" -n -f "$WORK/app.sql" \
		-c "$CLIENTS" -j "$JOBS" -T "$DURATION" $rate_opt -l --log-prefix=app \
		>"$dir/pgbench.out" 2>"$dir/pgbench.err"; echo $? >"$dir/pgbench.rc" ) &
	bench_pid=$!
	BG_PIDS="$BG_PIDS $bench_pid"
	sleep "$LEAD"

	case $name in
	idle-*)
		note "[$name] long transaction: ACCESS SHARE on accounts, idle in transaction for ${HOLD}s"
		( { printf 'BEGIN;\nSELECT id FROM accounts LIMIT 1;\n'; sleep "$HOLD"; echo "COMMIT;"; } |
			PGDATABASE=$db PGUSER=zd_app PGAPPNAME=zd-holder $WATCH "$PSQL" -qAtX -v ON_ERROR_STOP=1 \
			>"$dir/holder.out" 2>&1
		  echo $? >"$dir/holder.rc"; now_us >"$dir/holder.end" ) & ;;
	*)
		note "[$name] long transaction: ACCESS SHARE on accounts for ${HOLD}s"
		( PGDATABASE=$db PGAPPNAME=zd-holder $WATCH "$PSQL" -qAtX -v ON_ERROR_STOP=1 <<EOF >"$dir/holder.out" 2>&1
BEGIN;
SELECT id FROM accounts LIMIT 1;
SELECT pg_sleep($HOLD);
COMMIT;
EOF
		  echo $? >"$dir/holder.rc"; now_us >"$dir/holder.end" ) & ;;
	esac
	holder_pid=$!
	BG_PIDS="$BG_PIDS $holder_pid"
	i=0 held=0
	while [ $i -lt 100 ]; do # up to 5 s
		held=$(PGDATABASE=$db psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE a.application_name = 'zd-holder' AND l.locktype = 'relation'
			  AND l.relation = 'accounts'::regclass AND l.granted" 2>/dev/null)
		[ "${held:-0}" -ge 1 ] 2>/dev/null && break
		i=$((i + 1))
		sleep 0.05
	done
	t_hold=$(now_us)
	[ "${held:-0}" -ge 1 ] 2>/dev/null || { note "[$name] the long transaction never took its lock"; return 1; }
	sleep 0.5

	t_mig0=$(now_us)
	if [ "$name" = psql ]; then
		note "[$name] migration: psql -1 -f ...add_note.up.sql"
		PGDATABASE=$db $WATCH "$PSQL" -X -q -v ON_ERROR_STOP=1 -1 \
			-f "$WORK/migrations/20260101000000_add_note.up.sql" >"$dir/migration.out" 2>&1
		mig_rc=$?
	else
		cfg=$WORK/migrate.yml
		[ -f "$WORK/$name.yml" ] && cfg=$WORK/$name.yml
		note "[$name] migration: migrate up --lock-timeout $LOCK_TIMEOUT ($(basename "$cfg"))"
		# shellcheck disable=SC2086
		( cd "$dir" && PGDATABASE=$db exec $WATCH "$MIGRATE" -c "$cfg" \
			--dir "$WORK/migrations" up --lock-timeout "$LOCK_TIMEOUT" $MIGRATE_EXTRA ) \
			>"$dir/migration.out" 2>&1
		mig_rc=$?
	fi
	t_mig1=$(now_us)
	echo "$mig_rc" >"$dir/migration.rc"
	want_rc=0 want_col=1
	[ "$name" = idle-wait ] && want_rc=1 want_col=0 # gives up cleanly, nothing applied
	[ "$mig_rc" = "$want_rc" ] || { note "[$name] the migration exited $mig_rc, not $want_rc:"; sed 's/^/    /' "$dir/migration.out" >&2; }
	[ "${ZD_VERBOSE:-}" = 1 ] && sed "s/^/    [$name] /" "$dir/migration.out" >&2

	wait "$holder_pid"
	wait "$bench_pid"
	BG_PIDS=
	holder_rc=$(cat "$dir/holder.rc" 2>/dev/null || echo 1)
	want_holder=0
	[ "$name" = idle-cancel ] && want_holder=2 # terminated: psql loses its connection
	[ "$holder_rc" = "$want_holder" ] || { note "[$name] the long transaction exited $holder_rc, not $want_holder:"; sed 's/^/    /' "$dir/holder.out" >&2; }
	terminated=$(grep -c '^  terminated pid' "$dir/migration.out")

	col=$(PGDATABASE=$db psql_q -c "SELECT count(*) FROM pg_attribute
		WHERE attrelid = 'accounts'::regclass AND attname = 'note' AND NOT attisdropped")
	retries=-
	if [ "$name" != psql ]; then
		retries=$(grep -c 'retry [0-9]*/[0-9]*' "$dir/migration.out")
		# migrate's own record of it, when history --format json says so
		h=$(cd "$dir" && PGDATABASE=$db "$MIGRATE" -c "$WORK/migrate.yml" --dir "$WORK/migrations" \
			history --format json 2>/dev/null |
			tr -d ' \n' | grep -o '"outcome":"applied"[^}]*"retries":[0-9]*' |
			sed 's/.*"retries"://' | head -1)
		[ "$name" = idle-wait ] && h=
		[ -n "$h" ] && [ "$h" != "$retries" ] &&
			note "[$name] stderr shows $retries retries, history records $h"
		[ -n "$h" ] && retries=$h
	fi

	# figures from pgbench's summary and its per-transaction log
	bench_rc=$(cat "$dir/pgbench.rc" 2>/dev/null || echo 1)
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$dir/pgbench.out")
	aborted=$(grep -c 'aborted' "$dir/pgbench.err")
	tps=$(sed -n 's/^tps = \([0-9]*\).*/\1/p' "$dir/pgbench.out" | head -1)
	hold_end=$(cat "$dir/holder.end" 2>/dev/null || echo "$t_mig1")
	cat "$dir"/app.[0-9]* 2>/dev/null | awk -v w0="$t_mig0" -v w1="$t_mig1" -v out="$dir/lat" '
		# client tx latency_us script epoch_s epoch_us [lag] [retries]
		$3 == "failed" { nfail++; next }
		$3 == "skipped" { next }
		{
			end = $5 * 1000000 + $6; lat = $3; start = end - lat
			print lat > (out ".all")
			if (start < w1 && end > w0) print lat > (out ".win")
			n++
		}
		END { printf "%d %d\n", n, nfail > (out ".count") }'
	read -r ntx logfail <"$dir/lat.count" 2>/dev/null || { ntx=0 logfail=0; }
	stats() { # FILE -> "max_ms p99_ms count count_over_10ms"
		if [ -s "$1" ]; then
			sort -n "$1" | awk '{ v[NR] = $1; if ($1 > 10000) slow++ } END {
				i = int(NR * 0.99 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
				printf "%.1f %.1f %d %d\n", v[NR] / 1000, v[i] / 1000, NR, slow }'
		else
			echo "- - 0 0"
		fi
	}
	# shellcheck disable=SC2046
	set -- $(stats "$dir/lat.win"); win_max=$1 win_p99=$2 win_n=$3 win_slow=$4
	# shellcheck disable=SC2046
	set -- $(stats "$dir/lat.all"); all_max=$1 all_p99=$2

	{
		echo "mig_ms=$(((t_mig1 - t_mig0) / 1000))"
		echo "mig_rc=$mig_rc"
		echo "col=$col"
		echo "retries=$retries"
		echo "terminated=$terminated"
		echo "hold_rel=$(((t_hold - t_load) / 1000))"
		echo "unhold_rel=$(((hold_end - t_load) / 1000))"
		echo "mig0_rel=$(((t_mig0 - t_load) / 1000))"
		echo "mig1_rel=$(((t_mig1 - t_load) / 1000))"
		echo "win_max=$win_max win_p99=$win_p99 win_n=$win_n win_slow=$win_slow"
		echo "all_max=$all_max all_p99=$all_p99"
		echo "ntx=$ntx tps=${tps:--}"
		echo "failed=${failed:-?} logfail=${logfail:-0} aborted=$aborted bench_rc=$bench_rc"
	} >"$dir/figures"

	if [ "$bench_rc" != 0 ] || [ "$ntx" = 0 ]; then
		note "[$name] pgbench did not complete (exit $bench_rc):"
		sed 's/^/    /' "$dir/pgbench.err" | head -20 >&2
		return 1
	fi
	[ "$mig_rc" = "$want_rc" ] && [ "$holder_rc" = "$want_holder" ] || return 1
	[ "$col" = "$want_col" ] || { note "[$name] column \"note\": $col, expected $want_col"; return 1; }
	return 0
}

for c in $CASES; do
	run_case "$c" || BROKEN=1
done

# --- report ---------------------------------------------------------------------
fig() { # CASE KEY
	[ -f "$WORK/$1/figures" ] || { echo "-"; return; }
	tr ' ' '\n' <"$WORK/$1/figures" | sed -n "s/^$2=//p" | head -1
}
row() { printf '  %-38s %12s %12s %12s %12s\n' "$@"; }
ms() { case "$1" in "" | -) echo - ;; *) echo "$1 ms" ;; esac; }
secs() { case "$1" in "" | -) echo - ;; *) awk -v v="$1" 'BEGIN { printf "%.2f s", v / 1000 }' ;; esac; }
id() { echo "${1:--}"; }
each() { # LABEL FORMATTER KEY: one row, a column per case
	row "$1" "$($2 "$(fig psql "$3")")" "$($2 "$(fig migrate "$3")")" \
		"$($2 "$(fig idle-wait "$3")")" "$($2 "$(fig idle-cancel "$3")")"
}

echo
echo "zero-downtime: ALTER TABLE accounts ADD COLUMN note text on $ROWS rows, while a"
echo "transaction holds ACCESS SHARE for ${HOLD}s (running pg_sleep; in the idle-* cases idle in"
echo "transaction); app = pgbench -c $CLIENTS -j $JOBS -T $DURATION${RATE:+ -R $RATE} (BEGIN; point SELECT;"
echo "UPDATE; END on random ids); migrate: --lock-timeout $LOCK_TIMEOUT, delay 100ms doubling to"
echo "1s, retries 30 (idle-wait: 5); idle-cancel: apply.blockers cancel-idle after 1s."
echo "Window = transactions overlapping the migration."
echo
row "" "plain psql" "migrate" "idle-wait" "idle-cancel"
row "" "----------" "-------" "---------" "-----------"
each "migration wall time" secs mig_ms
each "migration exit status" id mig_rc
each "column added" id col
each "lock-timeout retries" id retries
each "blockers terminated" id terminated
each "app worst latency, migration window" ms win_max
each "app p99 latency, migration window" ms win_p99
each "app transactions in the window" id win_n
each "  of which slower than 10 ms" id win_slow
each "app worst latency, whole run" ms all_max
each "app p99 latency, whole run" ms all_p99
each "app transactions" id ntx
each "app tps" id tps
each "app failed transactions (pgbench)" id failed
each "app aborted clients" id aborted
echo
for c in $CASES; do
	[ -f "$WORK/$c/figures" ] || continue
	printf '  timeline %-12s load 0 s, lock held %s..%s, migration %s..%s\n' "$c:" \
		"$(secs "$(fig $c hold_rel)")" "$(secs "$(fig $c unhold_rel)")" \
		"$(secs "$(fig $c mig0_rel)")" "$(secs "$(fig $c mig1_rel)")"
done
for c in migrate idle-wait idle-cancel; do
	[ -f "$WORK/$c/figures" ] || continue
	m=$(fig $c win_max) f=$(fig $c failed) rc=$(fig $c mig_rc) want=0
	[ "$c" = idle-wait ] && want=1
	if [ "$rc" != "$want" ]; then
		echo "  target $c (worst latency < 100 ms, 0 failed transactions): n/a, the migration exited $rc"
	elif [ "$m" != - ] && [ -n "$m" ]; then
		verdict=$(awk -v m="$m" -v f="${f:-1}" 'BEGIN { print (m < 100 && f == 0) ? "met" : "NOT met" }')
		echo "  target $c (worst latency < 100 ms, 0 failed transactions): $verdict"
	fi
done
[ "$BROKEN" = 0 ] || { note "something broke: see the messages above"; exit 1; }
exit 0
