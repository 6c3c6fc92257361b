#!/bin/sh
# 0530-bridge-resume.sh — resume without loss (docs/events.md#delivery, N1, N2):
# the bridge is killed with SIGKILL in the middle of a stream of 500
# messages and restarted; the client reconnects with the last seq it saw
# and has every message exactly once, in order, live ones included. A
# resume from before the retained log gets a resync event.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start
it_start_bridge

M=/api/v1/management/dialogs
mgmt POST $M '{"object_id":"o1","object_type":"t","participants":[{"user_id":"alice","display_name":"A"},{"user_id":"bob","display_name":"B"}]}'
D=$(jqr .data.id)

ws_open a1 'user_id=alice'
ws_wait a1 '.type == "connected"' 1 10

# 500 sends by bob, ten keep-alive curl runs of 50.
send_all() {
	i=0
	while [ $i -lt 10 ]; do
		set --
		j=0
		while [ $j -lt 50 ]; do
			[ $j -gt 0 ] && set -- "$@" --next
			set -- "$@" -s -o /dev/null -H 'Content-Type: application/json' \
			    --data-binary "{\"content\":\"<p>n$((i * 50 + j))</p>\"}" \
			    "$BASE/api/v1/dialogs/$D/messages?user_id=bob"
			j=$((j + 1))
		done
		curl "$@"
		i=$((i + 1))
	done
}
send_all &
SENDER=$!
ws_wait a1 '.type == "message.new"' 100 60
kill -9 "$BRIDGE_PID"
wait "$BRIDGE_PID" 2>/dev/null
BRIDGE_PID=""
check "first connection ended" "$(ws_closed a1 10 | cut -c1-7)" "#closed"
LAST=$(grep -v '^#' "$T/ws-a1.out" | jq -s '[.[] | .seq // 0] | max')
N1=$(ws_count a1 '.type == "message.new"')
check "the kill came mid-stream" "$([ "$N1" -ge 100 ] && [ "$N1" -lt 450 ] && echo yes)" yes
# messages go on being written while no bridge runs: wait for 20 of them
logged() { with_env "$MTCHAT_BUILD/mtchat-admin" events tail | grep -c '"message.new"'; }
L0=$(logged) n=100
while [ "$(logged)" -lt $((L0 + 20)) ] && [ "$(logged)" -lt 500 ] && [ $n -gt 0 ]; do
	sleep 0.05; n=$((n - 1))
done
it_start_bridge
ws_open a2 "user_id=alice&since=$LAST"
wait "$SENDER"
ws_wait a2 '.type == "message.new"' $((500 - $(ws_count a1 '.type == "message.new"'))) 60

all=$(cat "$T/ws-a1.out" "$T/ws-a2.out" | grep -v '^#' | jq -r 'select(.type == "message.new") | .seq')
check "500 messages received" "$(printf '%s\n' "$all" | wc -l | tr -d ' ')" 500
check "each exactly once" "$(printf '%s\n' "$all" | sort -n | uniq | wc -l | tr -d ' ')" 500
check "in order" "$(printf '%s\n' "$all" | sort -n -c 2>&1 && echo sorted)" sorted
logged=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -r 'select(.type == "message.new") | .seq')
check "exactly the logged messages" "$(printf '%s\n' "$all" | md5sum)" "$(printf '%s\n' "$logged" | md5sum)"
check "contents in order" "$(cat "$T/ws-a1.out" "$T/ws-a2.out" | grep -v '^#' | jq -r 'select(.type == "message.new") | .content' | sed -n '1p;500p' | tr '\n' ' ')" "<p>n0</p> <p>n499</p> "
check "second connection starts with connected" "$(head -1 "$T/ws-a2.out" | jq -r .type)" connected
check "no resync on a good resume" "$(ws_count a2 '.type == "resync"')" 0

# Resume from the head: nothing replayed, live goes on.
HEAD=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -s 'map(.seq) | max')
ws_open a3 "user_id=alice&since=$HEAD"
ws_wait a3 '.type == "connected"' 1 10
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>live</p>"}'
ws_wait a3 '.type == "message.new"' 1 10
check "from the head: only the live message" "$(ws_count a3 '.type == "message.new"')" 1

# Older than the retained log, or beyond it: resync with the cursor.
# the prune runs 2 s later on its own clock (lib/tm.h), no sleep
echo 2 > "$T/later"
with_env env MTCHAT_TEST_CLOCK="$T/later" "$MTCHAT_BUILD/mtchat-admin" \
	events prune --keep 1s --force >/dev/null
ws_open r1 'user_id=alice&since=3'
ws_wait r1 '.type == "resync"' 1 10
check "resync after connected" "$(grep -v '^#' "$T/ws-r1.out" | jq -r .type | head -2 | tr '\n' ' ')" "connected resync "
check "resync fields" "$(grep -v '^#' "$T/ws-r1.out" | jq -c 'select(.type == "resync") | keys_unsorted')" '["type","cursor"]'
CUR=$(grep -v '^#' "$T/ws-r1.out" | jq 'select(.type == "resync") | .cursor')
check "resync cursor is the log head" "$([ "$CUR" -gt "$HEAD" ] && echo yes)" yes
ws_open r2 'user_id=alice&since=999999999'
ws_wait r2 '.type == "resync"' 1 10
check "resync beyond the head" "$(ws_count r2 '.type == "resync"')" 1
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>after</p>"}'
ws_wait r1 '.type == "message.new"' 1 10
check "live after resync" "$(ws_count r1 '.type == "message.new" and .content == "<p>after</p>"')" 1
check "nothing replayed after resync" "$(ws_count r1 '.type == "message.new"')" 1

it_done
