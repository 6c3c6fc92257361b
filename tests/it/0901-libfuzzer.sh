#!/bin/sh
# 0901-libfuzzer.sh — the coverage-guided fuzz targets of tests/fuzz
# (built by `make fuzz-build`, which `make check` runs), each briefly and
# deterministically: first every input of tests/fuzz/regress/TARGET (the
# crashes found so far), then FUZZ_RUNS executions with a fixed seed
# (FUZZ_SEED, default 1) from the committed seeds, into a scratch corpus.
# Any sanitizer report or failed property fails the test; the crash is
# kept in the work directory. `make fuzz` runs them for longer.
# backend: any (in-process fuzz targets, no store)
set -u
FB=${MTCHAT_FUZZ_BUILD:-$MTCHAT_TOP/build/fuzz}
SEED=${FUZZ_SEED:-1}
if [ ! -x "$FB/fuzz/fuzz_rest" ]; then
	echo "skip: no fuzz targets in $FB (make fuzz-build)"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/mtchat-fuzz.XXXXXX")
pass=0 fail=0
# Executions per target: about two seconds each on the CI machine.
for spec in rest:6000 sanitize:40000 json:60000 jwt:60000 cfg:40000 \
    reqargs:60000 bridge_http:80000 ws_msg:60000; do
	t=${spec%%:*} runs=${FUZZ_RUNS:-${spec#*:}}
	bin=$FB/fuzz/fuzz_$t
	if [ -d "$MTCHAT_TOP/tests/fuzz/regress/$t" ]; then
		if "$bin" "$MTCHAT_TOP/tests/fuzz/regress/$t"/* >"$T/$t-regress.log" 2>&1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1)); echo "FAIL $t: a regression input"
			tail -30 "$T/$t-regress.log"
		fi
	fi
	mkdir -p "$T/$t"
	set -- -seed="$SEED" -runs="$runs" -max_total_time=60 \
	    -print_final_stats=1 -artifact_prefix="$T/$t-"
	[ -f "$MTCHAT_TOP/tests/fuzz/$t.dict" ] &&
		set -- "$@" -dict="$MTCHAT_TOP/tests/fuzz/$t.dict"
	if "$bin" "$@" "$T/$t" "$MTCHAT_TOP/tests/fuzz/corpus/$t" >"$T/$t.log" 2>&1; then
		pass=$((pass + 1))
		printf '%-12s %s executions in %s s, %s\n' "$t" \
		    "$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$t.log")" \
		    "$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$T/$t.log")" \
		    "$(grep -o 'cov: [0-9]*' "$T/$t.log" | tail -1)"
	else
		fail=$((fail + 1)); echo "FAIL $t (seed $SEED)"
		grep -v '^#' "$T/$t.log" | tail -40
	fi
done
echo "$pass passed, $fail failed"
if [ $fail -eq 0 ]; then rm -rf "$T"; else echo "(kept: $T)"; fi
[ $fail -eq 0 ]
