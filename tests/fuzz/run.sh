#!/bin/sh
# tests/fuzz/run.sh BUILD SECONDS TARGET... - run each libFuzzer target for SECONDS from
# its seed corpus (tests/fuzz/corpus/TARGET, read only) and what earlier runs found
# (BUILD/corpus/TARGET); report the executions reached. A crash, a leak or undefined
# behaviour stops the target and leaves BUILD/crash-TARGET-* to reproduce it with
# "BUILD/fuzz_TARGET FILE".
set -u
B=$1; S=$2; shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
rc=0
for t in "$@"; do
	mkdir -p "$B/corpus/$t"
	log="$B/fuzz_$t.log"
	"$B/fuzz_$t" -max_total_time="$S" -close_fd_mask=3 -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$B/crash-$t-" "$B/corpus/$t" "$HERE/corpus/$t" \
		>"$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ "$st" = 0 ]; then
		echo "fuzz_$t: ${execs:-?} executions in ${S}s, $cov, corpus $(ls "$B/corpus/$t" | wc -l) inputs, no crash"
	else
		echo "fuzz_$t: FAILED (exit $st) after ${execs:-?} executions; see $log"
		grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5
		ls "$B"/crash-"$t"-* 2>/dev/null
		rc=1
	fi
done
exit $rc
