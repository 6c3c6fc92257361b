# lib.sh — what every integration test sources: a fresh database, a real
# lighttpd running the real mtchat.fcgi over FastCGI (and, on request, the
# real mtchat-bridge) on ephemeral loopback ports, curl helpers and checks.
#
#   . "$MTCHAT_TOP/tests/it/lib.sh"
#   it_start [NAME=VALUE ...]      environment for mtchat.fcgi (and bridge)
#   api METHOD PATH [BODY]         sets STATUS and BODY; headers from
#                                  SCOPE (X-Scope-Config value), TOKEN
#                                  (bearer), CT (content type)
#   mgmt METHOD PATH [BODY]        api with the admin token
#   check DESC ACTUAL EXPECTED     one assertion
#   check_status CODE [DESC]       STATUS equals CODE
#   jqr FILTER                     jq -r FILTER on BODY
#   clock_advance SECS             moves the programs' clock forward (with
#                                  MTCHAT_TEST_CLOCK=$T/clock given to
#                                  it_start), instead of sleeping
#   it_sql SQL                     runs SQL on the test's store (sqlite3
#                                  or psql), rows as sqlite3 prints them
#   it_done                        stops everything, checks logs, exits
#
# The store: MTCHAT_TEST_BACKEND=pg (the PostgreSQL pass of tests/run.sh,
# which exports its cluster's coordinates, tests/pg.sh) gives the test a
# database of its own in that cluster, created by it_env and written to
# the programs' environment as MTCHAT_DATABASE_URL beside MTCHAT_DB, and
# dropped by it_done (tests/run.sh drops what a test leaves). IT_BACKEND
# is the pass (sqlite or pg); IT_STORE the store the programs really use:
# pg only once they call libpq (issue 22), sqlite before. A test marks
# itself with a line "# backend: any" (nothing to do with the store: run
# once), "# backend: sqlite" (SQLite only) or "# backend: pg".
# shellcheck shell=sh

set -u
: "${MTCHAT_BUILD:?run through tests/run.sh (or set MTCHAT_BUILD)}"
: "${MTCHAT_TOP:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/mtchat-it.XXXXXX")
IT_NAME=$(basename "$0" .sh)
PASS=0 FAIL=0
ADMIN_TOKEN=it-admin-token
SCOPE="" TOKEN="" CT="application/json"
LIGHTTPD_PID="" BRIDGE_PID=""
IT_BACKEND=${MTCHAT_TEST_BACKEND:-sqlite} IT_STORE=sqlite
IT_PG_DB="" IT_PG_URL=""
case $IT_BACKEND in
sqlite) ;;
pg)
	. "$MTCHAT_TOP/tests/pg.sh"
	pg_attach || { echo "MTCHAT_TEST_BACKEND=pg: no cluster" \
	    "(MTCHAT_TEST_PG_*: run through tests/run.sh)"; exit 1; }
	if [ -n "${MTCHAT_TEST_PG_LIVE:-}" ]; then
		[ "$MTCHAT_TEST_PG_LIVE" = 1 ] && IT_STORE=pg
	elif pg_build_calls_libpq "$MTCHAT_BUILD"; then
		IT_STORE=pg
	fi
	;;
*)	echo "MTCHAT_TEST_BACKEND=$IT_BACKEND: sqlite or pg"; exit 1 ;;
esac

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# On the pg pass, the test's database (once per test, whatever number of
# it_env): it_<test name>_<random>, as tests/run.sh looks for leftovers.
it_pg_db() {
	[ "$IT_BACKEND" = pg ] && [ -z "$IT_PG_DB" ] || return 0
	_n=$(printf '%s' "$IT_NAME" | tr -c 'a-zA-Z0-9' _ |
	    tr '[:upper:]' '[:lower:]' | cut -c1-40)
	_n=it_${_n}_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
	IT_PG_URL=$(pg_createdb "$_n") ||
		{ echo "createdb $_n failed"; exit 1; }
	IT_PG_DB=$_n
}

it_pg_drop() {
	[ -n "$IT_PG_DB" ] || return 0
	pg_dropdb "$IT_PG_DB" && IT_PG_DB="" IT_PG_URL=""
}

# SQL the API cannot run, on the test's store: sqlite3 on the database
# file (IT_DB), or psql on the test's PostgreSQL database; rows printed as
# sqlite3 prints them (columns separated by |, NULL empty, no header).
# Keep to SQL both accept (no PRAGMA; CAST(x > y AS INTEGER) for a 0/1).
it_sql() {	# sql
	if [ "$IT_STORE" = pg ]; then
		pg_psql_on "$IT_PG_DB" -A -t -F '|' -c "$1"
	else
		sqlite3 -cmd '.timeout 5000' "${IT_DB:-$T/mtchat.db}" "$1"
	fi
}

# Writes the environment of the mtchat programs to $T/env.
it_env() {
	it_pg_db
	{
		echo "MTCHAT_DB=${IT_DB:-$T/mtchat.db}"
		[ -n "$IT_PG_URL" ] && echo "MTCHAT_DATABASE_URL=$IT_PG_URL"
		echo "MTCHAT_CONFIG=$T/mtchat.conf"
		echo "MTCHAT_BRIDGE_SOCKET=$T/bridge.sock"
		echo "MTCHAT_SYNCHRONOUS=NORMAL"
		echo "ADMIN_API_TOKEN=$ADMIN_TOKEN"
		# the suite runs as root (CI) and the daemons refuse root
		# without this; 0595-privdrop tests the drop itself
		echo "MTCHAT_ALLOW_ROOT=true"
		echo "ASAN_OPTIONS=${ASAN_OPTIONS:-}"
		echo "UBSAN_OPTIONS=${UBSAN_OPTIONS:-}"
		for kv in "$@"; do echo "$kv"; done
	} > "$T/env"
	: > "$T/mtchat.conf"
	[ -f "$T/clock" ] || echo 0 > "$T/clock"
}

# The clock of every program started with MTCHAT_TEST_CLOCK=$T/clock
# (lib/tm.h) jumps SECS forward at once: TTLs and inactivity periods pass
# without a sleep. Written in place, as tm.c wants.
clock_advance() {	# secs
	echo $(( $(cat "$T/clock") + $1 )) > "$T/clock"
}

# Runs a command with the programs' environment.
with_env() {
	(while IFS= read -r kv; do export "$kv"; done < "$T/env"; exec "$@")
}

wait_http() {	# url [tries]
	n=${2:-100}
	while [ "$n" -gt 0 ]; do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

it_start() {
	PROCS=${PROCS:-2}
	it_env "$@"
	with_env "$MTCHAT_BUILD/mtchat-admin" init >/dev/null ||
		{ echo "mtchat-admin init failed"; exit 1; }
	PORT=$(free_port)
	BASE=http://127.0.0.1:$PORT
	sh "$MTCHAT_TOP/tools/lighttpd-conf.sh" "$PORT" \
		"$MTCHAT_BUILD/mtchat.fcgi" "$T" "$T/env" "$PROCS" \
		${BRIDGE_PORT:-} > "$T/lighttpd.conf"
	/usr/sbin/lighttpd -D -f "$T/lighttpd.conf" 2>>"$T/lighttpd-error.log" &
	LIGHTTPD_PID=$!
	wait_http "$BASE/health" || { echo "lighttpd did not start"; cat "$T/lighttpd-error.log"; exit 1; }
}

# Looks for sanitizer reports in every log of the run.
it_check_logs() {
	if grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:|SUMMARY: UndefinedBehavior' \
	    "$T"/*.log >/dev/null 2>&1; then
		echo "FAIL sanitizer report in logs:"
		grep -h -A30 -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$T"/*.log | head -60
		FAIL=$((FAIL + 1))
	fi
}

it_stop() {
	for f in "$T"/ws-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	[ -n "$BRIDGE_PID" ] && kill "$BRIDGE_PID" 2>/dev/null && wait "$BRIDGE_PID" 2>/dev/null
	[ -n "$LIGHTTPD_PID" ] && kill "$LIGHTTPD_PID" 2>/dev/null && wait "$LIGHTTPD_PID" 2>/dev/null
	BRIDGE_PID="" LIGHTTPD_PID=""
}

it_done() {
	it_stop
	it_check_logs
	it_pg_drop || { echo "FAIL dropping $IT_PG_DB"; FAIL=$((FAIL + 1)); }
	echo "$IT_NAME: $PASS passed, $FAIL failed"
	if [ "$FAIL" -eq 0 ]; then rm -rf "$T"; exit 0; fi
	echo "(work directory kept: $T)"
	exit 1
}
trap 'it_stop; exit 130' INT TERM

# api METHOD PATH [BODY]: PATH may carry a query string.
api() {
	method=$1 path=$2
	set -- -s -o "$T/body" -w '%{http_code}' -X "$method"
	[ -n "$CT" ] && set -- "$@" -H "Content-Type: $CT"
	[ -n "$SCOPE" ] && set -- "$@" -H "X-Scope-Config: $SCOPE"
	[ -n "$TOKEN" ] && set -- "$@" -H "Authorization: Bearer $TOKEN"
	[ -n "${EXTRA_HEADER:-}" ] && set -- "$@" -H "$EXTRA_HEADER"
	if [ -n "${IT_BODY+x}" ]; then set -- "$@" --data-binary "$IT_BODY"; fi
	STATUS=$(curl "$@" "$BASE$path")
	BODY=$(cat "$T/body")
}

# api with an optional body as third argument.
req() {
	if [ $# -ge 3 ]; then IT_BODY=$3; else unset IT_BODY; fi
	api "$1" "$2"
	unset IT_BODY
}

mgmt() {
	old=${EXTRA_HEADER:-}
	EXTRA_HEADER="Authorization: Bearer $ADMIN_TOKEN"
	req "$@"
	EXTRA_HEADER=$old
}

check() {	# desc actual expected
	if [ "$2" = "$3" ]; then
		PASS=$((PASS + 1))
	else
		FAIL=$((FAIL + 1))
		printf 'FAIL %s\n  expected: %s\n  actual:   %s\n' "$1" "$3" "$2"
		[ -n "${BODY:-}" ] && printf '  last body: %.400s\n' "$BODY"
	fi
}

check_status() {	# code [desc]
	check "${2:-status} ($STATUS)" "$STATUS" "$1"
}

jqr() {
	printf '%s' "$BODY" | jq -r "$1" 2>/dev/null
}

# base64 of a scope object for X-Scope-Config.
scope_b64() {
	printf '%s' "$1" | base64 -w0
}

# Counts change-log rows of a type (through mtchat-admin, not SQL).
events_of() {	# type [dialog]
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
		jq -c "select(.type == \"$1\")${2:+ | select(.dialog_id == \"$2\")}" | wc -l | tr -d ' '
}

# --- mtchat-bridge and WebSocket clients (tests/it/05NN-bridge-*.sh) ---
# Set BRIDGE_PORT=$(free_port) before it_start so that lighttpd proxies
# /api/v1/ws and /api/v1/events to the bridge.
#   it_start_bridge [NAME=VALUE ...]   starts mtchat-bridge -v (log:
#                                      $T/bridge.log), waits until it answers
#   ws_open NAME QUERY [opts]          a wsclient.py through lighttpd (WS_BASE
#                                      overrides ws://127.0.0.1:$PORT)
#   ws_send NAME TEXT                  sends one text frame (!close, !big N)
#   ws_wait NAME JQ-COND [N] [SECS]    waits for N frames matching JQ-COND
#   ws_count NAME JQ-COND              frames matching JQ-COND so far
#   ws_closed NAME [SECS]              waits for the end; prints "#closed ..."
it_start_bridge() {
	(while IFS= read -r kv; do export "$kv"; done < "$T/env"
	 for kv in "$@"; do export "$kv"; done
	 BRIDGE_LISTEN=127.0.0.1; export BRIDGE_PORT BRIDGE_LISTEN
	 exec "$MTCHAT_BUILD/mtchat-bridge" -v) 2>>"$T/bridge.log" &
	BRIDGE_PID=$!
	wait_http "http://127.0.0.1:$BRIDGE_PORT/api/v1/events" ||
		{ echo "bridge did not start"; cat "$T/bridge.log"; exit 1; }
}

ws_open() {
	_wname=$1 _wq=$2; shift 2
	: > "$T/ws-$_wname.out"; : > "$T/ws-$_wname.out.in"
	/usr/bin/python3 "$MTCHAT_TOP/tests/it/wsclient.py" \
		"${WS_BASE:-ws://127.0.0.1:$PORT}/api/v1/ws?$_wq" \
		"$T/ws-$_wname.out" "$@" 2>>"$T/wsclient.log" &
	echo $! > "$T/ws-$_wname.pid"
}

ws_send() {
	printf '%s\n' "$2" >> "$T/ws-$1.out.in"
}

ws_count() {
	grep -v '^#' "$T/ws-$1.out" | jq -c "select($2)" 2>/dev/null |
		wc -l | tr -d ' '
}

ws_wait() {	# name cond [n] [secs]
	_wn=${3:-1} _wt=$(( ${4:-10} * 20 ))
	while [ "$_wt" -gt 0 ]; do
		[ "$(ws_count "$1" "$2")" -ge "$_wn" ] && return 0
		sleep 0.05
		_wt=$((_wt - 1))
	done
	return 1
}

ws_closed() {	# name [secs]
	_wt=$(( ${2:-10} * 20 ))
	while [ "$_wt" -gt 0 ]; do
		if grep -q '^#' "$T/ws-$1.out"; then
			grep '^#' "$T/ws-$1.out" | tail -1
			return 0
		fi
		sleep 0.05
		_wt=$((_wt - 1))
	done
	echo "#open"
	return 1
}
