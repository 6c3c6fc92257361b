#!/bin/sh
# 0555-bridge-presence.sh — the presence lane (docs/events.md#presence, issue
# 16), with real WebSocket clients of a real bridge:
#   1. a chat event is never queued behind a connection's pending
#      presence: a recipient backlogged with 1,000 presence changes gets a
#      message sent after them before most of them, and seq still only
#      grows on its connection (the overtaken changes come without one);
#   2. coalescing: a user who comes online and goes offline three times
#      while a recipient is backlogged costs that recipient one frame, the
#      latest state, while a tab of the same user that keeps up gets all
#      seven;
#   3. the threshold: above PRESENCE_FANOUT_MAX_DIALOG members, presence
#      of a dialog's members goes only to connections subscribed to it, or
#      sharing a smaller dialog; a resume replays it by the same rule; the
#      participants endpoint still says is_online.
# Backlogged recipients connect straight to the bridge with a small
# receive buffer and read nothing until told.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start
it_start_bridge PRESENCE_FANOUT_MAX_DIALOG=2000
BWS=ws://127.0.0.1:$BRIDGE_PORT
M=/api/v1/management/dialogs
p() { printf '{"user_id":"%s","display_name":"%s"}' "$1" "$1"; }

# presence_rows USER STATE: presence.update rows of USER with is_online STATE.
presence_rows() {
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
		jq -c "select(.type == \"presence.update\" and .body.user_id == \"$1\" and .body.is_online == $2)" |
		wc -l | tr -d ' '
}
# online_rows: presence.update rows that take someone online.
online_rows() {
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
		jq -c 'select(.type == "presence.update" and .body.is_online == true)' |
		wc -l | tr -d ' '
}
# wait_rows N CMD...: waits (10 s at most) until CMD prints at least N.
wait_rows() {
	_n=$1 _t=200; shift
	while [ "$_t" -gt 0 ]; do
		[ "$("$@")" -ge "$_n" ] && return 0
		sleep 0.05
		_t=$((_t - 1))
	done
	return 1
}
# connects USER: how many WebSockets of USER the bridge logged (a stalled
# client cannot say so itself).
connects() { grep -c "bridge: connect .* user $1 " "$T/bridge.log"; }
# online USER...: each USER polls once, which makes them online (N3).
online() {
	for u in "$@"; do
		printf 'url = "%s/api/v1/events?user_id=%s"\noutput = "/dev/null"\n' "$BASE" "$u"
	done > "$T/polls.cfg"
	curl -s -Z --parallel-max 16 -K "$T/polls.cfg" >/dev/null 2>&1
}
frames() { grep -v '^#' "$T/ws-$1.out"; }

# --- 1. messages before presence ------------------------------------------
NP=1000
{
	printf '{"object_id":"o1","object_type":"t","participants":[%s,%s' "$(p r)" "$(p s)"
	i=0
	while [ $i -lt $NP ]; do printf ',%s' "$(p "p$i")"; i=$((i + 1)); done
	printf ']}'
} > "$T/d1.json"
mgmt POST $M "$(cat "$T/d1.json")"
check_status 200 "dialog of $((NP + 2))"
D1=$(jqr .data.id)
WS_BASE=$BWS ws_open r 'user_id=r' --stall-until "$T/go-r" --rcvbuf 4096
wait_rows 1 connects r
online $(seq 0 $((NP - 1)) | sed 's/^/p/')
wait_rows $((NP + 1)) online_rows
req POST "/api/v1/dialogs/$D1/messages?user_id=s" '{"content":"<p>after the storm</p>"}'
check_status 200 "message after $NP presence changes"
MID=$(jqr .data.id)
: > "$T/go-r"
ws_wait r ".id == \"$MID\"" 1 20
ws_wait r '.type == "presence.update"' $NP 30
frames r > "$T/r.json"
MSEQ=$(jq -r "select(.id == \"$MID\") | .seq" "$T/r.json")
before=$(jq -s "[.[] | .type] | index(\"message.new\") as \$m | .[:\$m] | map(select(. == \"presence.update\")) | length" "$T/r.json")
check "the message arrived" "$(jq -c "select(.id == \"$MID\")" "$T/r.json" | wc -l | tr -d ' ')" 1
echo "presence frames before the message: $before"
check "the message overtook most of the $NP pending presence frames ($before before it)" \
	"$([ "$before" -lt $((NP / 2)) ] && echo yes)" yes
check "every presence change arrived once" \
	"$(jq -r 'select(.type == "presence.update") | .user_id' "$T/r.json" | sort -u | wc -l | tr -d ' ')/$(jq -c 'select(.type == "presence.update")' "$T/r.json" | wc -l | tr -d ' ')" "$NP/$NP"
check "seq strictly increasing on the connection" \
	"$(jq -s '[.[] | .seq | select(. != null)] | . == (sort | unique)' "$T/r.json")" true
check "no frame after the message has a seq below its" \
	"$(jq -s "(map(.id == \"$MID\") | index(true)) as \$m | .[\$m + 1:] | map(select(.seq != null and .seq < $MSEQ)) | length" "$T/r.json")" 0
check "some changes came without a seq" \
	"$([ "$(jq -c 'select(.type == "presence.update" and has("seq") == false)' "$T/r.json" | wc -l)" -gt 0 ] && echo yes)" yes

# --- 2. coalescing ---------------------------------------------------------
# r2 reads nothing and 40 kB messages fill its socket: presence for it
# waits. Its other tab r2b reads everything.
mgmt POST $M "{\"object_id\":\"o2\",\"object_type\":\"t\",\"participants\":[$(p r2),$(p x),$(p z),$(p s2)]}"
D2=$(jqr .data.id)
WS_BASE=$BWS ws_open r2 'user_id=r2' --stall-until "$T/go-r2" --rcvbuf 4096
wait_rows 1 connects r2
ws_open r2b 'user_id=r2'
ws_wait r2b '.type == "connected"' 1 10
# (The client library takes one message off the socket while it stalls:
# two of 40 kB.)
big=$(head -c 40000 /dev/zero | tr '\0' 'y')
for k in 1 2; do
	req POST "/api/v1/dialogs/$D2/messages?user_id=s2" "{\"content\":\"<p>$big</p>\"}"
	check_status 200 "a 40 kB message"
done
BIG=$(jqr .data.id)
ws_wait r2b ".id == \"$BIG\"" 1 10
# x: online, offline, three times, then online: seven transitions, each
# in the change-log before the next.
for k in 1 2 3 4; do
	ws_open "x$k" 'user_id=x'
	ws_wait "x$k" '.type == "connected"' 1 10
	wait_rows $k presence_rows x true
	[ $k -eq 4 ] && break
	ws_send "x$k" '!close'
	ws_closed "x$k" >/dev/null
	wait_rows $k presence_rows x false
done
online z
wait_rows 1 presence_rows z true
ws_wait r2b '.type == "presence.update" and .user_id == "z"' 1 10
check "a tab that keeps up gets all 7 transitions of x" \
	"$(ws_count r2b '.type == "presence.update" and .user_id == "x"')" 7
: > "$T/go-r2"
ws_wait r2 '.type == "presence.update" and .user_id == "z"' 1 20
check "the backlogged tab got the big message" "$(ws_count r2 ".id == \"$BIG\"")" 1
check "the backlogged tab got one frame for x, the latest state" \
	"$(frames r2 | jq -c 'select(.type == "presence.update" and .user_id == "x") | .is_online')" true
check "r2: seq strictly increasing" \
	"$(frames r2 | jq -s '[.[] | .seq | select(. != null)] | . == (sort | unique)')" true

# --- 3. the threshold ------------------------------------------------------
# A bridge for which 4 members is large: DB has 5. a shares only DB with
# x; b too, but subscribes to DB; c shares the small DS with x; y shares
# the small DY with a (a's marker: the lane keeps change-log order).
kill "$BRIDGE_PID"
wait "$BRIDGE_PID" 2>/dev/null
it_start_bridge PRESENCE_FANOUT_MAX_DIALOG=4
mgmt POST $M "{\"object_id\":\"o3\",\"object_type\":\"t\",\"participants\":[$(p a),$(p b),$(p c),$(p x3),$(p w3)]}"
DB=$(jqr .data.id)
mgmt POST $M "{\"object_id\":\"o4\",\"object_type\":\"t\",\"participants\":[$(p c),$(p x3)]}"
mgmt POST $M "{\"object_id\":\"o5\",\"object_type\":\"t\",\"participants\":[$(p a),$(p y3)]}"
for n in a b c; do
	ws_open $n "user_id=$n"
	ws_wait $n '.type == "connected"' 1 10
done
ws_send b "{\"type\":\"subscribe\",\"dialog_id\":\"$DB\"}"
ws_send b '{"type":"ping"}'
ws_wait b '.type == "pong"' 1 10
SINCE=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -s 'map(.seq) | max')
online x3
wait_rows 1 presence_rows x3 true
online y3
wait_rows 1 presence_rows y3 true
ws_wait b '.type == "presence.update" and .user_id == "x3"' 1 10
ws_wait c '.type == "presence.update" and .user_id == "x3"' 1 10
ws_wait a '.type == "presence.update" and .user_id == "y3"' 1 10
check "b, subscribed to the large dialog, sees x3" \
	"$(ws_count b '.type == "presence.update" and .user_id == "x3"')" 1
check "c, sharing a small dialog, sees x3" \
	"$(ws_count c '.type == "presence.update" and .user_id == "x3"')" 1
check "a sees y3 (a small dialog)" \
	"$(ws_count a '.type == "presence.update" and .user_id == "y3"')" 1
check "a, sharing only the large dialog, does not see x3" \
	"$(ws_count a '.type == "presence.update" and .user_id == "x3"')" 0
check "b, sharing no dialog with y3, does not see y3" \
	"$(ws_count b '.type == "presence.update" and .user_id == "y3"')" 0
req GET "/api/v1/dialogs/$DB/participants?user_id=a"
check "a reads x3's is_online from the participants" \
	"$(jqr '.data[] | select(.user_id == "x3") | .is_online')" true
# A resume replays presence by the same rule.
ws_open a2 "user_id=a&since=$SINCE"
ws_wait a2 '.type == "presence.update" and .user_id == "y3"' 1 10
check "replay to a: y3, not x3" \
	"$(frames a2 | jq -c 'select(.type == "presence.update") | .user_id' | tr '\n' ' ')" '"y3" '

it_done
