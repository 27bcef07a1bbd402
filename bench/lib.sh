# bench/lib.sh - set-up shared by the benchmarks. Source it with BENCH (a short
# name for messages), TOP and MIGRATE set, then call bench_begin KEEP, where KEEP
# is 1 to keep the work directory afterwards.

die() { echo "$BENCH: error: $*" >&2; exit 1; }
note() { echo "$BENCH: $*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

bench_cleanup() {
	pg_stop
	if [ "$BENCH_KEEP" = 1 ]; then note "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}

# Check the binary, load the server helpers, make $WORK, clean up on exit.
bench_begin() {
	BENCH_KEEP=${1:-}
	[ -x "$MIGRATE" ] || die "\"$MIGRATE\" is not an executable (build it with make, or pass its path)"
	. "$TOP/tests/lib/pg.sh"
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/$BENCH.XXXXXX") || die "could not create a work directory"
	chmod 755 "$WORK"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# bench_start_server TMPFS: start the throwaway PostgreSQL, its files in /dev/shm when
# TMPFS is 1 and /dev/shm is writable (the disk's speed out of the figures), else under TMPDIR.
bench_start_server() {
	where="on disk"
	if [ "$1" = 1 ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
		TMPDIR=/dev/shm
		where="in memory (/dev/shm)"
	fi
	note "starting a throwaway PostgreSQL ($PG_BIN), its files $where"
	pg_start || die "could not start a throwaway PostgreSQL"
}
