#!/bin/sh
# run.sh — `make fuzz`: runs every libFuzzer target of tests/fuzz (or the
# ones named) for SECONDS each, on a working corpus under
# BUILD/corpus/TARGET grown from the committed seeds in
# tests/fuzz/corpus/TARGET (which it never writes to), after the
# regression inputs of tests/fuzz/regress/TARGET. A crash is saved as
# BUILD/crashes/TARGET-crash-...; copy it to tests/fuzz/regress/TARGET/
# once fixed. Prints one line per target: executions, executions a second,
# coverage (libFuzzer's cov: and ft:), corpus size, crashes.
# usage: run.sh BUILD SECONDS [target ...]
set -u
BUILD=${1:?usage: run.sh BUILD SECONDS [target ...]}
SECS=${2:-60}
shift 2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
targets=$*
[ -n "$targets" ] || targets=$(cd "$BUILD/fuzz" && ls fuzz_* | grep -v '\.' | sed 's/^fuzz_//')
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/crashes"
status=0
for t in $targets; do
	bin=$BUILD/fuzz/fuzz_$t
	work=$BUILD/corpus/$t
	log=$BUILD/fuzz-$t.log
	mkdir -p "$work"
	set -- -max_total_time="$SECS" -print_final_stats=1 \
	    -artifact_prefix="$BUILD/crashes/$t-"
	[ -f "$TOP/tests/fuzz/$t.dict" ] && set -- "$@" -dict="$TOP/tests/fuzz/$t.dict"
	if [ -d "$TOP/tests/fuzz/regress/$t" ] &&
	    ! "$bin" "$TOP/tests/fuzz/regress/$t"/* >"$log" 2>&1; then
		echo "$t: a regression input fails again (see $log)"
		status=1
		continue
	fi
	"$bin" "$@" "$work" "$TOP/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1)
	crashes=$(ls "$BUILD/crashes" | grep -c "^$t-")
	printf '%-12s %10s executions %7s/s  %-10s %-10s corpus %5s  crashes saved %s%s\n' \
	    "$t" "${execs:-?}" "${eps:-?}" "$cov" "$ft" "$(ls "$work" | wc -l)" \
	    "$crashes" "$([ $rc -ne 0 ] && echo "  FAILED, see $log")"
	[ $rc -eq 0 ] || status=1
done
exit $status
