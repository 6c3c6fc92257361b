#!/bin/sh
# run.sh — runs every test against the programs of one build directory:
# the Check unit tests (tests/unit) and the integration scripts (tests/it),
# and prints one closing line "N passed, N failed".
# usage: sh tests/run.sh BUILD_DIR [pattern]
set -u
BUILD=${1:?usage: tests/run.sh BUILD_DIR [pattern]}
PATTERN=${2:-}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
export MTCHAT_BUILD=$BUILD MTCHAT_TOP=$TOP
# Sanitizer reports fail the test; leaks too, where LeakSanitizer can run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"

pass=0 fail=0 failed=""
run_one() {	# name command...
	name=$1; shift
	log=$LOGDIR/$name.log
	start=$(date +%s)
	if "$@" >"$log" 2>&1; then
		pass=$((pass + 1)); st=ok
	else
		fail=$((fail + 1)); st=FAIL; failed="$failed $name"
	fi
	printf '%-4s %-40s %3ss\n' "$st" "$name" $(( $(date +%s) - start ))
	if [ $st = FAIL ]; then sed 's/^/    | /' "$log" | tail -40; fi
}

for t in "$BUILD"/tests/check_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	case $n in *.o|*.d) continue ;; esac
	[ -n "$PATTERN" ] && case $n in *$PATTERN*) ;; *) continue ;; esac
	run_one "$n" "$t"
done
for t in "$TOP"/tests/it/[0-9]*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ -n "$PATTERN" ] && case $n in *$PATTERN*) ;; *) continue ;; esac
	run_one "$n" sh "$t"
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
