#!/bin/sh
# run.sh — runs every test against the programs of one build directory:
# the Check unit tests (tests/unit) and the integration scripts (tests/it),
# once per store, and prints one closing line "N passed, N failed" for all.
# usage: sh tests/run.sh BUILD_DIR [pattern]
#
# The passes (MTCHAT_TEST_BACKENDS, default "sqlite pg"; always in that
# order):
#   sqlite  the unit tests, then the integration scripts on SQLite
#   pg      the integration scripts again, each on a fresh database of one
#           throw-away PostgreSQL cluster (tests/pg.sh) started for the
#           whole pass; results and logs are named NAME@pg. Where
#           PostgreSQL is not installed the pass is skipped with one line.
# A script that marks itself near its top with "# backend: any" (nothing
# to do with the store) runs in the first pass only, "# backend: sqlite"
# in the sqlite pass only (the pg pass says it skips it), "# backend: pg"
# in the pg pass only; unmarked scripts run in both.
#
# MTCHAT_TEST_JOBS=N runs up to N integration scripts at once (default 1):
# each one's line is printed when it ends, its output stays in its log.
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

BACKENDS=${MTCHAT_TEST_BACKENDS-sqlite pg}
JOBS=${MTCHAT_TEST_JOBS:-1}
want_sqlite=0 want_pg=0
for b in $BACKENDS; do
	case $b in
	sqlite) want_sqlite=1 ;;
	pg) want_pg=1 ;;
	*) echo "MTCHAT_TEST_BACKENDS: $b: sqlite or pg" >&2; exit 2 ;;
	esac
done
[ $want_sqlite = 1 ] || [ $want_pg = 1 ] ||
	{ echo "MTCHAT_TEST_BACKENDS: empty" >&2; exit 2; }
case $JOBS in
''|*[!0-9]*|0) echo "MTCHAT_TEST_JOBS: not a count: $JOBS" >&2; exit 2 ;;
esac

pass=0 fail=0 skip=0 failed=""
RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/mtchat-run.XXXXXX")
running="" nrunning=0
PG_UP=0

cleanup() {
	for n in $running; do
		[ -f "$RUNDIR/$n.pid" ] && kill "$(cat "$RUNDIR/$n.pid")" 2>/dev/null
	done
	[ -n "$running" ] && wait	# for the scripts to stop their servers
	[ $PG_UP = 1 ] && pg_stop
	rm -rf "$RUNDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

report() {	# name rc secs
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1)); st=ok
	else
		fail=$((fail + 1)); st=FAIL; failed="$failed $1"
	fi
	printf '%-4s %-40s %3ss\n' "$st" "$1" "$3"
	if [ $st = FAIL ]; then sed 's/^/    | /' "$LOGDIR/$1.log" | tail -40; fi
}

run_one() {	# name command...
	name=$1; shift
	start=$(date +%s)
	"$@" >"$LOGDIR/$name.log" 2>&1 </dev/null
	report "$name" $? $(( $(date +%s) - start ))
}

# Reports the jobs that have ended; 0 when there was one.
reap() {
	_left="" _any=1
	for n in $running; do
		if [ -f "$RUNDIR/$n.done" ]; then
			# shellcheck disable=SC2046
			report "$n" $(cat "$RUNDIR/$n.done")
			rm -f "$RUNDIR/$n.done" "$RUNDIR/$n.pid"
			nrunning=$((nrunning - 1)) _any=0
		else
			_left="$_left $n"
		fi
	done
	running=$_left
	return $_any
}

wait_jobs() {	# most left running
	while [ $nrunning -gt "$1" ]; do
		reap || sleep 0.1
	done
}

# An integration script, in the background when MTCHAT_TEST_JOBS > 1.
run_it() {	# name backend script
	if [ "$JOBS" -eq 1 ]; then
		MTCHAT_TEST_BACKEND=$2 run_one "$1" sh "$3"
		return
	fi
	wait_jobs $((JOBS - 1))
	(
		s=$(date +%s)
		MTCHAT_TEST_BACKEND=$2 sh "$3" >"$LOGDIR/$1.log" 2>&1 </dev/null &
		echo $! > "$RUNDIR/$1.pid"
		wait $!
		echo "$? $(( $(date +%s) - s ))" > "$RUNDIR/$1.tmp"
		mv "$RUNDIR/$1.tmp" "$RUNDIR/$1.done"
	) &
	running="$running $1" nrunning=$((nrunning + 1))
}

# The mark of a script, in its leading comment lines: any, sqlite, pg, or
# both (none).
mark_of() {
	m=$(sed -n '/^[^#]/q; s/^# backend: *\([a-z]*\).*/\1/p' "$1" | head -1)
	echo "${m:-both}"
}

# What a pass does with each integration script: lines "run NAME",
# "skip NAME MARK" or "bad NAME MARK".
plan() {	# backend first(0/1)
	for t in "$TOP"/tests/it/[0-9]*.sh; do
		[ -f "$t" ] || continue
		n=$(basename "$t" .sh)
		[ -n "$PATTERN" ] && case $n in *$PATTERN*) ;; *) continue ;; esac
		m=$(mark_of "$t")
		case $1/$m in
		*/both|sqlite/sqlite|pg/pg) echo "run $n" ;;
		*/any) [ "$2" = 1 ] && echo "run $n" ;;
		sqlite/pg) ;;
		pg/sqlite) echo "skip $n $m" ;;
		*) echo "bad $n $m" ;;
		esac
	done
}

# The integration scripts of a plan on one backend; names get SUFFIX.
it_pass() {	# backend suffix planfile
	while read -r what n m; do
		case $what in
		run) run_it "$n$2" "$1" "$TOP/tests/it/$n.sh" ;;
		skip)
			printf '%-4s %-40s (backend: %s)\n' skip "$n$2" "$m"
			skip=$((skip + 1)) ;;
		*)
			echo "FAIL $n: unknown mark \"# backend: $m\""
			fail=$((fail + 1)) failed="$failed $n$2" ;;
		esac
	done < "$3"
	wait_jobs 0
}

if [ $want_sqlite = 1 ]; then
	for t in "$BUILD"/tests/check_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		case $n in *.o|*.d) continue ;; esac
		[ -n "$PATTERN" ] && case $n in *$PATTERN*) ;; *) continue ;; esac
		run_one "$n" "$t"
	done
	plan sqlite 1 > "$RUNDIR/sqlite.plan"
	it_pass sqlite "" "$RUNDIR/sqlite.plan"
fi

[ $want_sqlite = 1 ] && first=0 || first=1
[ $want_pg = 1 ] && plan pg $first > "$RUNDIR/pg.plan"
if [ $want_pg = 1 ] && ! grep -q '^run ' "$RUNDIR/pg.plan"; then
	it_pass pg @pg "$RUNDIR/pg.plan"	# skips only: no cluster
elif [ $want_pg = 1 ]; then
	. "$TOP/tests/pg.sh"
	PG_NO_TRAP=1 PG_UP=1
	pg_up
	case $? in
	0)
		pg_export
		v=$("$PG_BINDIR/postgres" -V 2>/dev/null |
		    sed -n 's/^postgres (PostgreSQL) \([^ ]*\).*/\1/p')
		echo "pg: one cluster for the pass: PostgreSQL ${v:-?}," \
		    "127.0.0.1:$PG_PORT, $PG_DIR"
		# (MTCHAT_TEST_PG_LIVE set by the caller wins: harness tests)
		if [ -n "${MTCHAT_TEST_PG_LIVE:-}" ]; then
			:
		elif pg_build_calls_libpq "$BUILD"; then
			MTCHAT_TEST_PG_LIVE=1
		else
			MTCHAT_TEST_PG_LIVE=0
			echo "pg: note: the programs of $BUILD do not call libpq" \
			    "yet (issue 22): they ignore MTCHAT_DATABASE_URL and" \
			    "this pass runs them on SQLite"
		fi
		export MTCHAT_TEST_PG_LIVE
		it_pass pg @pg "$RUNDIR/pg.plan"
		left=$(pg_psql -A -t -c "SELECT datname FROM pg_database
		    WHERE starts_with(datname, 'it_') ORDER BY 1")
		for d in $left; do pg_dropdb "$d"; done
		[ -n "$left" ] && echo "pg: dropped what tests left:" $left
		;;
	2)
		echo "pg: skipped: $PG_WHY"
		;;
	*)
		echo "pg: FAIL: $PG_WHY"
		fail=$((fail + 1)) failed="$failed pg"
		;;
	esac
	pg_stop
	PG_UP=0
fi

[ -n "$failed" ] && echo "failed:$failed"
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
