#!/bin/sh
# 0820-multi-presence.sh — presence with two bridges over one database
# (docs/events.md#presence, docs/postgresql.md#several-nodes): each bridge
# keeps rows of its own instance (A: the default, host name:port; B:
# BRIDGE_INSTANCE=node-b), and a user is online while any row is fresh.
#   1. u connects to A, then to B: one online event, two rows;
#   2. u leaves A: u stays online (no offline event; is_online in C13);
#   3. B is killed with kill -9: before the TTL nothing changes; after it a
#      reaper run takes u offline with exactly one offline event, while v,
#      still on A (pinging), keeps their row and stays online;
#   4. a bridge B killed while w was on it leaves w's row; B started again
#      removes it at once (one offline event), and a clean stop of A
#      removes A's rows (v offline, once).
# The TTL passes on the test clock shared by every program (clock_advance)
# in two steps with a ping to A between, so that A's own users stay fresh.
# Both stores: two bridges on one SQLite file on one machine work as
# mtchat.fcgi and one bridge do (different ports and wake-up sockets).
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start PRESENCE_TTL_SECS=60 MTCHAT_TEST_CLOCK=$T/clock
PA=$(free_port) PB=$(free_port)
PID_A="" PID_B=""

# start_bridge NAME PORT [NAME=VALUE ...]: a bridge logging to
# $T/bridge-NAME.log, with a wake-up socket of its own; sets PID_NAME.
start_bridge() {
	_n=$1 _p=$2; shift 2
	(while IFS= read -r kv; do export "$kv"; done < "$T/env"
	 for kv in "$@"; do export "$kv"; done
	 BRIDGE_LISTEN=127.0.0.1 BRIDGE_PORT=$_p
	 MTCHAT_BRIDGE_SOCKET=$T/bridge-$_n.sock
	 export BRIDGE_LISTEN BRIDGE_PORT MTCHAT_BRIDGE_SOCKET
	 exec "$MTCHAT_BUILD/mtchat-bridge" -v) 2>>"$T/bridge-$_n.log" &
	eval "PID_$_n=$!"
	wait_http "http://127.0.0.1:$_p/api/v1/events" ||
		{ echo "bridge $_n did not start"; cat "$T/bridge-$_n.log"
		  kill $PID_A $PID_B 2>/dev/null; it_stop; exit 1; }
}
kill9() {	# NAME
	eval "_pid=\$PID_$1"
	kill -9 "$_pid"; wait "$_pid" 2>/dev/null
	eval "PID_$1=''"
}
# "user:is_online " of every presence.update row, in order
pres() {
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
		jq -r 'select(.type == "presence.update") | "\(.body.user_id):\(.body.is_online)"' | tr '\n' ' '
}
rows() {	# user: the instances of the user's presence rows
	it_sql "SELECT instance FROM presence WHERE user_id = '$1' ORDER BY instance" | tr '\n' ' '
}
wait_rows() {	# user expected
	_t=200
	while [ "$_t" -gt 0 ]; do
		[ "$(rows "$1")" = "$2" ] && return 0
		sleep 0.05; _t=$((_t - 1))
	done
	return 1
}
online() {	# user: is_online of user in the participants list, seen by o
	req GET "/api/v1/dialogs/$D/participants?user_id=o"
	jqr ".data[] | select(.user_id == \"$1\") | .is_online"
}
ping() {	# ws name
	_k=$(($(ws_count "$1" '.type == "pong"') + 1))
	ws_send "$1" '{"type":"ping"}'
	ws_wait "$1" '.type == "pong"' "$_k" 10
}
reaper() { with_env "$MTCHAT_BUILD/mtchat-reaper" 2>&1; }

start_bridge A "$PA"
start_bridge B "$PB" BRIDGE_INSTANCE=node-b
IA=$(hostname):$PA
BOTH=$(printf '%s\n' "$IA" node-b | LC_ALL=C sort | tr '\n' ' ')	# byte order
check "A named by host name and port" \
	"$(grep -c "listening as $IA " "$T/bridge-A.log")" 1

mgmt POST /api/v1/management/dialogs '{"object_id":"o","object_type":"t","participants":[{"user_id":"o","display_name":"O"},{"user_id":"u","display_name":"U"},{"user_id":"v","display_name":"V"},{"user_id":"w","display_name":"W"}]}'
check_status 200 "fixture"
D=$(jqr .data.id)

# --- 1. u on A and on B: one online event --------------------------------
WS_BASE=ws://127.0.0.1:$PA ws_open ua 'user_id=u'
ws_wait ua '.type == "connected"' 1 10
wait_rows u "$IA "
check "u: a row of A" "$(rows u)" "$IA "
WS_BASE=ws://127.0.0.1:$PB ws_open ub 'user_id=u'
ws_wait ub '.type == "connected"' 1 10
wait_rows u "$BOTH"
check "u: rows of A and B" "$(rows u)" "$BOTH"
WS_BASE=ws://127.0.0.1:$PA ws_open va 'user_id=v'
ws_wait va '.type == "connected"' 1 10
wait_rows v "$IA "
check "one online event for u (and v's)" "$(pres)" "u:true v:true "
check "u online" "$(online u)" true

# --- 2. u leaves A: still online through B -------------------------------
ws_send ua '!close'
ws_closed ua >/dev/null
wait_rows u "node-b "
check "u: B's row left" "$(rows u)" "node-b "
# (a wrong offline event would be in the transaction of the removal)
check "no offline event for u" "$(pres)" "u:true v:true "
check "u still online in the participants list" "$(online u)" true

# --- 3. B killed: the reaper takes u offline after the TTL, not v ------
kill9 B
ws_closed ub >/dev/null
check "reaper before the TTL: silent" "$(reaper)" ""
check "before the TTL: nothing changed" "$(pres) $(rows u)" \
	"u:true v:true  node-b "
check "u online before the TTL" "$(online u)" true
seen0=$(it_sql "SELECT last_seen FROM presence WHERE user_id = 'v'")
clock_advance 30
ping va
# A refreshes v's row (a third of the TTL old) on its next tick.
t=200
while [ $t -gt 0 ] && [ "$(it_sql "SELECT last_seen FROM presence WHERE user_id = 'v'")" = "$seen0" ]; do
	sleep 0.05; t=$((t - 1))
done
check "A refreshed v's row" "$([ $t -gt 0 ] && echo yes)" yes
clock_advance 35
check "reaper after the TTL prints nothing" "$(reaper)" ""
check "a second run neither" "$(reaper)" ""
check "exactly one offline event, for u" "$(pres)" "u:true v:true u:false "
check "u: no row left" "$(rows u)" ""
check "v: A's row kept" "$(rows v)" "$IA "
check "u offline in the participants list" "$(online u)" false
check "v online in the participants list" "$(online v)" true

# --- 4. start of B removes what its kill -9 left; A's clean stop -------
start_bridge B "$PB" BRIDGE_INSTANCE=node-b
WS_BASE=ws://127.0.0.1:$PB ws_open wb 'user_id=w'
ws_wait wb '.type == "connected"' 1 10
wait_rows w "node-b "
kill9 B
ws_closed wb >/dev/null
check "w's row left by the kill" "$(rows w)" "node-b "
start_bridge B "$PB" BRIDGE_INSTANCE=node-b
check "B's start removed it" "$(rows w)" ""
check "w: online once, offline once" "$(pres)" \
	"u:true v:true u:false w:true w:false "
check "B's start says so" \
	"$(grep -c 'start: 1 presence row of node-b left' "$T/bridge-B.log")" 1
kill "$PID_B"; wait "$PID_B" 2>/dev/null; PID_B=""
kill "$PID_A"; wait "$PID_A" 2>/dev/null; PID_A=""
check "A's stop: v offline" "$(pres)" \
	"u:true v:true u:false w:true w:false v:false "
check "no presence rows left" "$(it_sql "SELECT count(*) FROM presence")" 0

it_done
