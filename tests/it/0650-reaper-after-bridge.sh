#!/bin/sh
# 0650-reaper-after-bridge.sh — presence stays right when the bridge dies:
# a WebSocket user is online (a peer sees it); the bridge is killed with
# kill -9, so nobody takes the user offline; after PRESENCE_TTL_SECS the
# reaper expires the row and writes the offline presence.update, which a
# peer polling mtchat.fcgi (no daemon left) receives. A second reaper run
# writes nothing more. The TTL passes on the test clock, not by sleeping.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start PRESENCE_TTL_SECS=60 MTCHAT_TEST_CLOCK=$T/clock
it_start_bridge

# A second lighttpd without the bridge proxy: bob polls mtchat.fcgi itself.
PORT2=$(free_port)
mkdir "$T/nob"
sh "$MTCHAT_TOP/tools/lighttpd-conf.sh" "$PORT2" "$MTCHAT_BUILD/mtchat.fcgi" \
	"$T/nob" "$T/env" 1 > "$T/nob/lighttpd.conf"
/usr/sbin/lighttpd -D -f "$T/nob/lighttpd.conf" 2>>"$T/nob-error.log" &
L2=$!
wait_http "http://127.0.0.1:$PORT2/health" || { echo "second lighttpd"; exit 1; }
bob() {	# poll mtchat.fcgi as bob
	_b=$BASE; BASE=http://127.0.0.1:$PORT2; req GET "/api/v1/events?user_id=bob$1"; BASE=$_b
}

mgmt POST /api/v1/management/dialogs '{"object_id":"o","object_type":"t","participants":[{"user_id":"alice","display_name":"A"},{"user_id":"bob","display_name":"B"}]}'
check_status 200 "fixture"

bob ""
cursor=$(jqr .data.cursor)
ws_open a 'user_id=alice'
ws_wait a '.type == "connected"' 1 10
check "alice connected" "$?" "0"

# bob (polling mtchat.fcgi) sees alice come online.
n=50 online=""
while [ $n -gt 0 ]; do
	bob "&since=$cursor"
	online=$(jqr '[.data.events[] | select(.type=="presence.update" and .user_id=="alice")] | last | .is_online')
	[ "$online" = "true" ] && break
	sleep 0.1; n=$((n - 1))
done
check "peer sees alice online" "$online" "true"
cursor=$(jqr .data.cursor)

kill -9 "$BRIDGE_PID"
wait "$BRIDGE_PID" 2>/dev/null
BRIDGE_PID=""
out=$(with_env "$MTCHAT_BUILD/mtchat-reaper" 2>&1)
check "reaper before the TTL: silent" "$out" ""
bob "&since=$cursor"
check "still online before the TTL" "$(jqr '[.data.events[] | select(.type=="presence.update")] | length')" "0"

clock_advance 61
out=$(with_env "$MTCHAT_BUILD/mtchat-reaper" 2>&1)
check "reaper after the TTL prints nothing" "$out" ""
with_env "$MTCHAT_BUILD/mtchat-reaper" >/dev/null 2>&1
bob "&since=$cursor"
check "one offline event for alice" \
	"$(printf '%s' "$BODY" | jq -c '[.data.events[] | select(.type=="presence.update") | [.user_id, .is_online]]')" \
	'[["alice",false]]'
check "presence rows left" "$(with_env "$MTCHAT_BUILD/mtchat-admin" stats --json | jq .presence_rows)" "1"

kill "$L2"; wait "$L2" 2>/dev/null
cat "$T"/nob/lighttpd-error.log >> "$T/nob-error.log" 2>/dev/null
it_done
