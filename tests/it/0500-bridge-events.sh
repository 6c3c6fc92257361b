#!/bin/sh
# 0500-bridge-events.sh — every server event of seeds/websocket.md reaches
# exactly its audience (docs/events.md#audience; S2, F1, F10, N1 of
# docs/differences.md) through a real lighttpd, mtchat.fcgi and mtchat-bridge,
# with real WebSocket clients: the documented fields plus seq, two tabs of one
# user, nothing for a connected stranger, presence only to users sharing a
# dialog.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start
it_start_bridge

M=/api/v1/management/dialogs
p() { printf '{"user_id":"%s","display_name":"%s"}' "$1" "$1"; }
mgmt POST $M "{\"object_id\":\"o1\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p bob)]}"
check_status 200 "fixture D1"
D1=$(jqr .data.id)
mgmt POST $M "{\"object_id\":\"o2\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p carol)]}"
D2=$(jqr .data.id)

# keys NAME TYPE: the keys of the last TYPE event NAME received.
keys() {
	grep -v '^#' "$T/ws-$1.out" | jq -c "select(.type == \"$2\") | keys_unsorted" | tail -1
}
ws_open bob 'user_id=bob'
ws_open eve 'user_id=eve'
ws_open carol 'user_id=carol'
for n in bob eve carol; do
	ws_wait $n '.type == "connected"' 1 10
	check "$n connected" "$(ws_count $n '.type == "connected" and .employee_id == "'$n'"')" 1
done
check "connected has exactly employee_id" "$(keys bob connected)" '["type","employee_id"]'

ws_open a1 'user_id=alice'
ws_wait a1 '.type == "connected"'
ws_wait bob '.type == "presence.update" and .user_id == "alice"' 1 5
check "bob sees alice online" "$(ws_count bob '.type == "presence.update" and .user_id == "alice" and .is_online == true')" 1
check "presence.update fields" "$(keys bob presence.update)" '["type","user_id","is_online","seq"]'
ws_wait carol '.type == "presence.update" and .user_id == "alice"' 1 5
check "carol (shares D2) sees alice online" "$(ws_count carol '.type == "presence.update" and .user_id == "alice"')" 1
ws_open a2 'user_id=alice'
ws_wait a2 '.type == "connected"'

# message.new (F10: reply_to_id and attachments) to both tabs and bob.
req POST "/api/v1/dialogs/$D1/messages?user_id=bob" '{"content":"<p>m1</p>"}'
check_status 200 "send m1"
M1=$(jqr .data.id)
for n in a1 a2 bob; do
	ws_wait $n ".type == \"message.new\" and .id == \"$M1\"" 1 5
	check "$n got m1" "$(ws_count $n ".type == \"message.new\" and .id == \"$M1\"")" 1
done
check "message.new fields" "$(keys a1 message.new)" \
	'["type","id","dialog_id","sender_id","content","sent_at","message_type","reply_to_id","attachments","payload","seq"]'
check "message.new values" "$(grep -v '^#' "$T/ws-a1.out" | jq -c "select(.id == \"$M1\") | [.dialog_id == \"$D1\", .sender_id, .content, .message_type, .reply_to_id, .attachments]")" \
	'[true,"bob","<p>m1</p>","user",null,[]]'
SEQ1=$(grep -v '^#' "$T/ws-a1.out" | jq -r "select(.id == \"$M1\") | .seq")
check "seq is the change-log position" "$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -r "select(.type == \"message.new\" and (.body | tostring | contains(\"$M1\"))) | .seq" | head -1)" "$SEQ1"

# message.edited, message.read, message.deleted.
req PUT "/api/v1/dialogs/$D1/messages/$M1?user_id=bob" '{"content":"<p>m1 edited</p>"}'
check_status 200 "edit m1"
ws_wait a2 '.type == "message.edited"' 1 5
check "message.edited fields" "$(keys a2 message.edited)" '["type","id","dialog_id","content","last_edited_at","payload","seq"]'
check "message.edited carries the whole message" \
	"$(grep -v '^#' "$T/ws-a2.out" | jq -c 'select(.type == "message.edited") | .payload.message | [.content, .sender_id, .message_type, (.last_edited_at | type)]')" \
	'["<p>m1 edited</p>","bob","user","string"]'
req POST "/api/v1/dialogs/$D1/read?user_id=alice" "{\"last_read_message_id\":\"$M1\"}"
check_status 200 "read m1"
ws_wait bob '.type == "message.read"' 1 5
check "message.read fields" "$(keys bob message.read)" '["type","dialog_id","user_id","last_read_message_id","seq"]'
check "message.read values" "$(grep -v '^#' "$T/ws-bob.out" | jq -c 'select(.type == "message.read") | [.user_id, .last_read_message_id]')" "[\"alice\",\"$M1\"]"
req DELETE "/api/v1/dialogs/$D1/messages/$M1?user_id=bob"
check_status 204 "delete m1"
ws_wait a1 '.type == "message.deleted"' 1 5
check "message.deleted fields" "$(keys a1 message.deleted)" '["type","id","dialog_id","seq"]'

# participant.joined reaches the joiner too; participant.left the leaver.
mgmt POST "$M/$D1/participants" "$(p eve)"
check_status 201 "eve added to D1"
ws_wait eve '.type == "participant.joined"' 1 5
check "eve gets her own participant.joined" "$(ws_count eve '.type == "participant.joined" and .user_id == "eve"')" 1
check "participant.joined fields" "$(keys eve participant.joined)" '["type","dialog_id","user_id","seq"]'
ws_wait bob '.type == "participant.joined" and .user_id == "eve"' 1 5
req POST "/api/v1/dialogs/$D1/messages?user_id=bob" '{"content":"<p>m2</p>"}'
M2=$(jqr .data.id)
ws_wait eve ".id == \"$M2\"" 1 5
check "eve gets D1 messages while in it" "$(ws_count eve ".id == \"$M2\"")" 1
mgmt DELETE "$M/$D1/participants/eve"
check_status 204 "eve removed"
ws_wait eve '.type == "participant.left"' 1 5
check "eve gets her own participant.left" "$(ws_count eve '.type == "participant.left" and .user_id == "eve"')" 1
check "participant.left fields" "$(keys eve participant.left)" '["type","dialog_id","user_id","seq"]'
ws_wait a1 '.type == "participant.left" and .user_id == "eve"' 1 5

# dialog.unarchived only to the user who had archived (F14).
req POST "/api/v1/dialogs/$D1/archive?user_id=bob" ""
check_status 200 "bob archives D1"
req POST "/api/v1/dialogs/$D1/messages?user_id=alice" '{"content":"<p>m3</p>"}'
M3=$(jqr .data.id)
ws_wait bob '.type == "dialog.unarchived"' 1 5
check "bob gets dialog.unarchived" "$(ws_count bob '.type == "dialog.unarchived"')" 1
check "dialog.unarchived fields" "$(keys bob dialog.unarchived)" '["type","dialog_id","seq"]'
ws_wait a1 ".id == \"$M3\"" 1 5
check "alice gets no dialog.unarchived" "$(ws_count a1 '.type == "dialog.unarchived"')" 0

# D2 traffic reaches alice and carol only; dialog.deleted (F19).
req POST "/api/v1/dialogs/$D2/messages?user_id=carol" '{"content":"<p>d2</p>"}'
MD2=$(jqr .data.id)
ws_wait a2 ".id == \"$MD2\"" 1 5
ws_wait carol ".id == \"$MD2\"" 1 5
check "carol got her D2 message" "$(ws_count carol ".id == \"$MD2\"")" 1
mgmt DELETE "$M/$D2"
check_status 204 "delete D2"
ws_wait carol '.type == "dialog.deleted"' 1 5
check "dialog.deleted fields" "$(keys carol dialog.deleted)" '["type","dialog_id","seq"]'
ws_wait a1 '.type == "dialog.deleted"' 1 5

# Two tabs: alice stays online until both close.
ws_send a1 '!close'
ws_closed a1 >/dev/null
# A sentinel instead of a sleep: zed, who shares D3 with bob, comes online
# and goes offline. An offline of alice's would have been written by the
# same presence flush as zed's online or an earlier one, so before zed's
# offline in the log, and bob receives the log in order.
mgmt POST $M "{\"object_id\":\"o3\",\"object_type\":\"t\",\"participants\":[$(p bob),$(p zed)]}"
ws_open zed 'user_id=zed'
ws_wait bob '.type == "presence.update" and .user_id == "zed" and .is_online' 1 5
ws_send zed '!close'
ws_wait bob '.type == "presence.update" and .user_id == "zed" and .is_online == false' 1 5
check "sentinel: bob saw zed come and go" "$(ws_count bob '.type == "presence.update" and .user_id == "zed"')" 2
check "no offline while a tab is open" "$(ws_count bob '.type == "presence.update" and .user_id == "alice" and .is_online == false')" 0
ws_send a2 '!close'
ws_closed a2 >/dev/null
ws_wait bob '.type == "presence.update" and .user_id == "alice" and .is_online == false' 1 5
check "bob sees alice offline once" "$(ws_count bob '.type == "presence.update" and .user_id == "alice" and .is_online == false')" 1
check "carol (no shared dialog now) does not see alice offline" "$(ws_count carol '.type == "presence.update" and .is_online == false')" 0

# The stranger saw only what concerned her; nobody saw D1 traffic outside it.
check "stranger never saw m1, m3, D2" "$(ws_count eve "(.id == \"$M1\" or .id == \"$M3\" or .dialog_id == \"$D2\")")" 0
check "stranger never saw presence" "$(ws_count eve '.type == "presence.update"')" 0
check "carol never saw D1" "$(ws_count carol ".dialog_id == \"$D1\"")" 0
for n in bob eve carol; do
	check "$n: seq strictly increasing" "$(grep -v '^#' "$T/ws-$n.out" | jq -s '[.[] | .seq | select(. != null)] | . == (sort | unique)')" true
done
check "per-connection messages carry no seq" "$(ws_count bob '(.type == "connected" or .type == "pong") and has("seq")')" 0

it_done
