#!/bin/sh
# 0510-bridge-client.sh — what clients send to the bridge
# (docs/websocket.md#connecting, F17, N4): refusals before the upgrade,
# ping/pong, an error event for every bad message with the connection still
# usable, the frame-size cap closing with 1009, and subscribe narrowing only
# filter=subscribed connections.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start
it_start_bridge BRIDGE_MAX_FRAME=4096

# upgrade QUERY: a WebSocket handshake by curl; sets STATUS and BODY.
upgrade() {
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 5 \
	    -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	    -H 'Sec-WebSocket-Version: 13' \
	    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	    "$BASE/api/v1/ws$1")
	BODY=$(cat "$T/body")
}
upgrade ''
check_status 400 "no user_id"
check "no user_id body" "$BODY" "Missing user_id query parameter"
upgrade '?user_id='
check_status 400 "empty user_id"
check "empty user_id body" "$BODY" "user_id cannot be empty"
upgrade '?user_id=alice&since=x1'
check_status 400 "bad since"
check "bad since body" "$BODY" "Invalid since parameter"
upgrade '?user_id=alice&filter=some'
check_status 400 "bad filter"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/ws?user_id=alice")
check_status 400 "plain GET of /api/v1/ws"

M=/api/v1/management/dialogs
p() { printf '{"user_id":"%s","display_name":"%s"}' "$1" "$1"; }
mgmt POST $M "{\"object_id\":\"o1\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p bob)]}"
D1=$(jqr .data.id)
mgmt POST $M "{\"object_id\":\"o2\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p carol)]}"
D2=$(jqr .data.id)
mgmt POST $M "{\"object_id\":\"o3\",\"object_type\":\"t\",\"participants\":[$(p carol)]}"
D3=$(jqr .data.id)

# A user id is decoded as REST decodes it (docs/differences.md F18): + stays +.
ws_open sp 'user_id=a+b%2Bc%20d'
ws_wait sp '.type == "connected"' 1 10
check "user_id decoded as REST does" "$(ws_count sp '.employee_id == "a+b+c d"')" 1

ws_open c 'user_id=alice'
ws_wait c '.type == "connected"' 1 10
ws_send c '{"type":"ping","extra":1}'
ws_wait c '.type == "pong"'
check "pong" "$(grep -v '^#' "$T/ws-c.out" | jq -c 'select(.type == "pong")')" '{"type":"pong"}'

# err TEXT EXPECTED: one bad message, one error event with that message.
nerr=0
err() {
	ws_send c "$1"
	nerr=$((nerr + 1))
	ws_wait c '.type == "error"' $nerr 5
	check "error for $1" "$(grep -v '^#' "$T/ws-c.out" | jq -r 'select(.type == "error") | .message' | sed -n "${nerr}p")" "$2"
}
err 'garbage' 'Invalid message format: not valid JSON'
err '[1,2]' 'Invalid message format: expected an object with a string "type"'
err '{"type":42}' 'Invalid message format: expected an object with a string "type"'
err '{"dialog_id":"x"}' 'Invalid message format: expected an object with a string "type"'
err '{"type":"shout"}' 'Unknown message type: shout'
err '{"type":"subscribe"}' 'dialog_id required'
err '{"type":"unsubscribe"}' 'dialog_id required'
err '{"type":"subscribe","dialog_id":"nope"}' 'Invalid dialog_id'
err "{\"type\":\"subscribe\",\"dialog_id\":\"$D3\"}" 'Not a participant of this dialog'
err '{"type":"subscribe","dialog_id":"01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70"}' 'Not a participant of this dialog'
err '!bin {"type":"ping"}' 'Binary frames are not supported'
check "error events have exactly type and message" "$(grep -v '^#' "$T/ws-c.out" | jq -c 'select(.type == "error") | keys_unsorted' | sort -u)" '["type","message"]'
ws_send c '{"type":"ping"}'
ws_wait c '.type == "pong"' 2 5
check "still usable after the errors" "$(ws_count c '.type == "pong"')" 2

# Oversized frame: close 1009, other connections unaffected.
ws_open big 'user_id=bob'
ws_wait big '.type == "connected"' 1 10
ws_send big '!big 5000'
check "oversized frame closes with 1009" "$(ws_closed big 5 | cut -d' ' -f1-2)" "#closed 1009"
ws_send c '{"type":"ping"}'
ws_wait c '.type == "pong"' 3 5
check "other connection unaffected" "$(ws_count c '.type == "pong"')" 3

# filter=subscribed narrows dialog events; a default connection drops none.
ws_open f 'user_id=alice&filter=subscribed'
ws_wait f '.type == "connected"' 1 10
ws_send f "{\"type\":\"subscribe\",\"dialog_id\":\"$D1\"}"
ws_send c "{\"type\":\"subscribe\",\"dialog_id\":\"$D1\"}"
# a connection's messages are read in order: its pong says the
# subscription before it is in place (no sleep)
pongs() { ws_count "$1" '.type == "pong"'; }
sync_ws() {	# name: waits until name's earlier messages were read
	_n=$(( $(pongs "$1") + 1 ))
	ws_send "$1" '{"type":"ping"}'
	ws_wait "$1" '.type == "pong"' $_n 5
}
sync_ws f
sync_ws c
req POST "/api/v1/dialogs/$D1/messages?user_id=bob" '{"content":"<p>one</p>"}'
X1=$(jqr .data.id)
req POST "/api/v1/dialogs/$D2/messages?user_id=carol" '{"content":"<p>two</p>"}'
X2=$(jqr .data.id)
ws_wait c ".id == \"$X2\"" 1 5
ws_wait f ".id == \"$X1\"" 1 5
check "default connection: subscribed dialog" "$(ws_count c ".id == \"$X1\"")" 1
check "default connection: other dialog too" "$(ws_count c ".id == \"$X2\"")" 1
check "filtered: subscribed dialog" "$(ws_count f ".id == \"$X1\"")" 1
check "filtered: not the other dialog" "$(ws_count f ".id == \"$X2\"")" 0
mgmt POST "$M/$D3/participants" "$(p alice)"
check_status 201 "alice added to D3"
ws_wait f '.type == "participant.joined" and .user_id == "alice"' 1 5
check "filtered: own participant.joined passes" "$(ws_count f ".type == \"participant.joined\" and .dialog_id == \"$D3\"")" 1
ws_open bob 'user_id=bob'
ws_wait f '.type == "presence.update" and .user_id == "bob"' 1 5
check "filtered: presence passes" "$(ws_count f '.type == "presence.update" and .user_id == "bob"')" 1
ws_send f "{\"type\":\"unsubscribe\",\"dialog_id\":\"$D1\"}"
sync_ws f
req POST "/api/v1/dialogs/$D1/messages?user_id=bob" '{"content":"<p>three</p>"}'
X3=$(jqr .data.id)
ws_wait c ".id == \"$X3\"" 1 5
# c has X3: the bridge has handed that row to every connection; a pong
# queued on f after it comes after X3, had f been given X3
sync_ws f
check "filtered: nothing after unsubscribe" "$(ws_count f ".id == \"$X3\"")" 0
check "no error from the valid subscriptions" "$(ws_count f '.type == "error"')" 0

# ?subscribe= subscribes at connect, before a replay: a filtered resume
# gets the replayed events of its dialogs (and of no other).
ws_open fr "user_id=alice&filter=subscribed&since=0&subscribe=$D1,not-an-id,$D3"
ws_wait fr ".id == \"$X3\"" 1 10
check "filtered replay: D1's messages" "$(ws_count fr ".type == \"message.new\" and .dialog_id == \"$D1\" and .message_type == \"user\"")" 2
check "filtered replay: none of D2's" "$(ws_count fr ".type == \"message.new\" and .dialog_id == \"$D2\"")" 0
check "a bad id in subscribe is an error event" "$(ws_count fr '.type == "error" and .message == "Invalid dialog_id"')" 1

it_done
