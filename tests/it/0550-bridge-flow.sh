#!/bin/sh
# 0550-bridge-flow.sh — flow control, presence expiry and stopping (
# F2, F3): a client that never reads is cut off at its queue limit while the
# others keep receiving; SIGTERM sends every socket a close frame and takes
# every user offline with events; a connection that stops pinging expires
# (presence.update offline), comes back with a ping, and is closed after
# twice the TTL.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start
it_start_bridge BRIDGE_QUEUE_LIMIT=16

M=/api/v1/management/dialogs
mgmt POST $M '{"object_id":"o1","object_type":"t","participants":[{"user_id":"alice","display_name":"A"},{"user_id":"bob","display_name":"B"}]}'
D=$(jqr .data.id)

WS_BASE=ws://127.0.0.1:$BRIDGE_PORT ws_open stall 'user_id=alice' --stall --rcvbuf 4096
ws_open h 'user_id=alice'
ws_open b 'user_id=bob'
ws_wait h '.type == "connected"' 1 10
ws_wait b '.type == "connected"' 1 10
n=50	# the stalled one reads nothing: the bridge's log says it is there
while [ $n -gt 0 ] && [ "$(grep -c 'connect .* user alice ' "$T/bridge.log")" -lt 2 ]; do
	sleep 0.1; n=$((n - 1))
done

# Batches of 20 messages of 40 kB (keep-alive curl runs) until the stalled
# connection is culled: how much the kernel buffers varies.
big=$(head -c 40000 /dev/zero | tr '\0' 'x')
printf '{"content":"<p>%s</p>"}' "$big" > "$T/big.json"
sent=0
while [ $sent -lt 400 ] && ! grep -q 'cull .* user alice: queue limit' "$T/bridge.log"; do
	set --
	i=0
	while [ $i -lt 20 ]; do
		[ $i -gt 0 ] && set -- "$@" --next
		set -- "$@" -s -o /dev/null -H 'Content-Type: application/json' \
		    --data-binary "@$T/big.json" "$BASE/api/v1/dialogs/$D/messages?user_id=bob"
		i=$((i + 1))
	done
	curl "$@"
	sent=$((sent + 20))
	sleep 0.3
done
ws_wait h '.type == "message.new"' $sent 30
ws_wait b '.type == "message.new"' $sent 30
check "healthy tab got all $sent" "$(ws_count h '.type == "message.new"')" $sent
check "bob got all $sent" "$(ws_count b '.type == "message.new"')" $sent
check "stalled client culled at its queue limit" "$(grep -c 'cull .* user alice: queue limit' "$T/bridge.log")" 1
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>after</p>"}'
ws_wait h '.content == "<p>after</p>"' 1 10
check "healthy tab still receiving" "$(ws_count h '.content == "<p>after</p>"')" 1

kill "$(cat "$T/ws-stall.pid")" 2>/dev/null

# SIGTERM: close frames, everybody offline with events, exit 0.
off0=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -c 'select(.type == "presence.update" and (.body.is_online == false))' | wc -l)
kill -TERM "$BRIDGE_PID"
wait "$BRIDGE_PID"
check "bridge exits 0 on SIGTERM" "$?" 0
BRIDGE_PID=""
check "close frame 1001 to alice" "$(ws_closed h 5)" "#closed 1001 server shutdown"
check "close frame 1001 to bob" "$(ws_closed b 5)" "#closed 1001 server shutdown"
off1=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -c 'select(.type == "presence.update" and (.body.is_online == false))' | wc -l)
check "alice and bob offline with events" "$((off1 - off0))" 2
check "nobody left online" "$(with_env "$MTCHAT_BUILD/mtchat-admin" stats --json | jq .presence_rows)" 0

# Presence expiry with a 2 s TTL (F2).
it_start_bridge PRESENCE_TTL_SECS=2
ws_open b2 'user_id=bob'
ws_wait b2 '.type == "connected"' 1 10
ws_open a2 'user_id=alice'
ws_wait a2 '.type == "connected"' 1 10
ws_wait b2 '.type == "presence.update" and .user_id == "alice" and .is_online == false' 1 10
check "silent alice expires" "$(ws_count b2 '.type == "presence.update" and .user_id == "alice" and .is_online == false')" 1
ws_send a2 '{"type":"ping"}'
ws_wait b2 '.type == "presence.update" and .user_id == "alice" and .is_online == true' 2 10
check "a ping after expiry brings alice back" "$(ws_count b2 '.type == "presence.update" and .user_id == "alice" and .is_online == true')" 2
check "silent connection closed after twice the TTL" "$(ws_closed a2 10 | cut -d' ' -f1-2)" "#closed 1001"

# Refreshes come in time: a user who keeps pinging for twice the TTL is
# never one mtchat-reaper would take offline.
ws_open c2 'user_id=carol'
ws_wait c2 '.type == "connected"' 1 10
stale=""
for i in 1 2 3 4 5 6 7 8; do
	ws_send c2 '{"type":"ping"}'
	sleep 0.5
	stale="$stale$(with_env env PRESENCE_TTL_SECS=2 "$MTCHAT_BUILD/mtchat-reaper" -n)"
done
check "a pinging user's row is always fresh" "$stale" ""
check "carol online" "$(with_env "$MTCHAT_BUILD/mtchat-admin" stats --json | jq .presence_rows)" 1

it_done
