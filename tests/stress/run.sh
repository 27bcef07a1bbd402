#!/bin/sh
# tests/stress/run.sh [BINARY] - the fault tests of "make check" with many more trials:
# 500 kill -9, 200 SIGINT/SIGTERM, 200 pg_terminate_backend, 50 server restarts, 100 rounds of 5 concurrent
# runners (override with FAULT_KILL_TRIALS, FAULT_SIGNAL_TRIALS, FAULT_TERM_TRIALS, FAULT_RESTART_TRIALS,
# FAULT_CONCURRENT_TRIALS; FAULT_SEED replays a run). Not part of make check: about
# 15 minutes on two cores. Its figures go in the closing note of a change that touches
# the runner.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$TOP/build/migrate}
[ -x "$BIN" ] || { echo "no binary at $BIN: run make first" >&2; exit 2; }
FAULT_KILL_TRIALS=${FAULT_KILL_TRIALS:-500}
FAULT_SIGNAL_TRIALS=${FAULT_SIGNAL_TRIALS:-200}
FAULT_TERM_TRIALS=${FAULT_TERM_TRIALS:-200}
FAULT_RESTART_TRIALS=${FAULT_RESTART_TRIALS:-50}
FAULT_CONCURRENT_TRIALS=${FAULT_CONCURRENT_TRIALS:-100}
export FAULT_KILL_TRIALS FAULT_SIGNAL_TRIALS FAULT_TERM_TRIALS FAULT_RESTART_TRIALS FAULT_CONCURRENT_TRIALS
[ -n "${FAULT_SEED:-}" ] && export FAULT_SEED
start=$(date +%s)
TEST_ONLY="fault_kill fault_signal_random fault_conn fault_concurrent" sh "$TOP/tests/run.sh" "$BIN"
rc=$?
echo "# stress run: $(( $(date +%s) - start ))s"
exit $rc
