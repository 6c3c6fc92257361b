#!/bin/sh
# 0620-reaper.sh — mtchat-reaper with the bridge stopped
# (PRESENCE_TTL_SECS=60): a poller goes offline through the reaper after the
# TTL, with the offline presence.update reaching peers' polls; silence on
# success, --dry-run, -v, --limit, two reapers at once without double
# events, the wake-up datagram, exit codes. The TTL passes on the test
# clock (clock_advance), not by sleeping.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start PRESENCE_TTL_SECS=60 MTCHAT_TEST_CLOCK=$T/clock
TTL_PASSES=61
R=$MTCHAT_BUILD/mtchat-reaper

reaper() {	# args... -> OUT, ERR, RC
	with_env "$R" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
}
poll() {	# user [query]
	req GET "/api/v1/events?user_id=$1${2:+&$2}"
}
# "user:is_online" of every presence.update row, in order
presence_rows() {
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
		jq -r 'select(.type == "presence.update") | "\(.body.user_id):\(.body.is_online)"' | tr '\n' ' '
}
offline_count() {	# user
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
		jq -c "select(.type == \"presence.update\" and .body.user_id == \"$1\" and .body.is_online == false)" | wc -l | tr -d ' '
}
presence_n() {
	with_env "$MTCHAT_BUILD/mtchat-admin" stats --json | jq .presence_rows
}

mgmt POST /api/v1/management/dialogs \
	'{"object_id":"o","object_type":"t","participants":[{"user_id":"alice","display_name":"A"},{"user_id":"bob","display_name":"B"}]}'
poll alice
poll bob
CB=$(jqr .data.cursor)
check "both online" "$(presence_rows)" "alice:true bob:true "

# --- nothing stale yet: silent, exit 0, nothing written
reaper
check "fresh rows: exit 0" "$RC" "0"
check "fresh rows: no output" "$OUT$ERR" ""
check "fresh rows: nothing expired" "$(presence_n)" "2"

# --- after the TTL: dry-run lists, changes nothing
clock_advance $TTL_PASSES
reaper --dry-run
check "dry-run exit 0" "$RC" "0"
check "dry-run lists both, oldest first" "$(printf '%s\n' "$OUT" | sed 's/ (last seen .*//' | tr '\n' ';')" \
	'would expire "alice";would expire "bob";'
check "dry-run shows when" "$(printf '%s\n' "$OUT" | grep -c '(last seen [0-9T:.-]*Z)$')" "2"
check "dry-run changed nothing" "$(presence_n) $(presence_rows)" "2 alice:true bob:true "

# bob polls again (refreshes); alice stays away
poll bob "since=$CB"
CB=$(jqr .data.cursor)
reaper -v
check "-v exit 0" "$RC" "0"
check "-v: nothing on stdout" "$OUT" ""
check "-v explains" "$(printf '%s\n' "$ERR" | grep -c 'expired 1 row$')" "1"
check "alice offline, bob still online" "$(presence_rows)" "alice:true bob:true alice:false "
poll bob "since=$CB"
check "bob's poll receives alice going offline" \
	"$(printf '%s' "$BODY" | jq -c '[.data.events[] | select(.type == "presence.update") | [.user_id, .is_online]]')" \
	'[["alice",false]]'
CB=$(jqr .data.cursor)

# --- idempotent
reaper
check "second run: silent" "$RC $OUT$ERR" "0 "
check "second run: no new event" "$(offline_count alice)" "1"

# --- F2: a poll after expiry brings alice back, with an event
poll alice
poll bob "since=$CB"
check "alice back online for bob" \
	"$(printf '%s' "$BODY" | jq -c '[.data.events[] | select(.type == "presence.update") | [.user_id, .is_online]]')" \
	'[["alice",true]]'

# --- two reapers at once: every user goes offline exactly once
for u in u1 u2 u3 u4 u5 u6; do poll "$u"; done
clock_advance $TTL_PASSES
(with_env "$R" >"$T/r1" 2>&1; echo $? >"$T/r1.rc") &
P1=$!
(with_env "$R" >"$T/r2" 2>&1; echo $? >"$T/r2.rc") &
P2=$!
wait "$P1" "$P2"
check "concurrent reapers: exit 0, silent" "$(cat "$T/r1.rc" "$T/r2.rc" "$T/r1" "$T/r2" | tr '\n' ' ')" "0 0 "
n=0
for u in alice bob u1 u2 u3 u4 u5 u6; do
	[ "$(offline_count $u)" = "$([ $u = alice ] && echo 2 || echo 1)" ] && n=$((n + 1))
done
check "one offline event per user" "$n" "8"
check "no presence rows left" "$(presence_n)" "0"

# --- --limit, and the wake-up datagram to MTCHAT_BRIDGE_SOCKET
for u in v1 v2 v3; do poll "$u"; done
clock_advance $TTL_PASSES
# (none comes on PostgreSQL: waits 2 s there)
python3 - "$T/bridge.sock" "$([ "$IT_STORE" = pg ] && echo 2 || echo 20)" \
    >"$T/dgram" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(float(sys.argv[2]))
try:
    print(s.recv(64).decode())
except socket.timeout:
    print("none")
EOF
PY=$!
n=0; while [ ! -S "$T/bridge.sock" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
reaper --limit 2
check "--limit 2: exit 0, silent" "$RC $OUT$ERR" "0 "
check "--limit 2: two of three expired" "$(presence_n)" "1"
wait "$PY"
# (on PostgreSQL the transaction's NOTIFY wakes the bridges instead,
# tests/it/0810-pg-nodes.sh: no datagram)
if [ "$IT_STORE" = pg ]; then
	check "no wake-up datagram on PostgreSQL" "$(cat "$T/dgram")" none
else
	check "wake-up datagram names the last seq" "$(cat "$T/dgram")" \
	    "$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | tail -1 | jq .seq)"
fi
reaper
check "the rest next run" "$(presence_n)" "0"

# --- usage, configuration and database errors
reaper --help
check "--help exit 0" "$RC" "0"
check "--help synopsis" "$(printf '%s\n' "$OUT" | head -1)" "usage: mtchat-reaper [-nv] [-c file] [--limit N] [--check-config]"
reaper --version
check "--version" "$RC $(printf '%s' "$OUT" | cut -d' ' -f1)" "0 mtchat-reaper"
reaper --bogus
check "unknown option: exit 2" "$RC" "2"
check "unknown option: synopsis on stderr" "$(printf '%s\n' "$ERR" | tail -1)" "usage: mtchat-reaper [-nv] [-c file] [--limit N] [--check-config]"
reaper --limit 0
check "--limit 0: exit 2" "$RC" "2"
reaper extra
check "operand: exit 2" "$RC" "2"
reaper -c "$T/nope.conf"
check "missing config file: exit 2" "$RC" "2"
with_env env PRESENCE_TTL_SECS=x "$R" 2>"$T/err"
check "bad value: exit 2" "$?" "2"
check "bad value: one line" "$(cat "$T/err")" "mtchat-reaper: environment: PRESENCE_TTL_SECS: not a number"
if [ "$IT_STORE" = pg ]; then	# a database the cluster does not have
	with_env env MTCHAT_DATABASE_URL="$(pg_url "${IT_PG_DB}_none")" "$R" 2>"$T/err"
else
	with_env env MTCHAT_DB="$T/none.db" "$R" 2>"$T/err"
fi
check "missing database: exit 1" "$?" "1"

it_done
