#!/bin/sh
# 0540-bridge-poll.sh — the held long-poll of the bridge (docs/differences.md
# N3): immediate answers when events wait, holding and waking on a new one,
# timing out empty with the right cursor, resync, identity as REST, poll as
# presence; and tailing without the wake-up datagram (fallback timer).
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start
it_start_bridge BRIDGE_POLL_MAX_SECS=3

M=/api/v1/management/dialogs
mgmt POST $M '{"object_id":"o1","object_type":"t","participants":[{"user_id":"alice","display_name":"A"},{"user_id":"bob","display_name":"B"}]}'
D=$(jqr .data.id)
head_seq() {
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -s 'map(.seq) | max // 0'
}
poll() {	# query [max-time]
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' --max-time "${2:-10}" \
	    "$BASE/api/v1/events$1")
	BODY=$(cat "$T/body")
}
now_ms() { date +%s%3N; }

H0=$(head_seq)
poll '?user_id=alice'
check_status 200 "poll without since"
check "without since: no events" "$(jqr '.data.events | length')" 0
check "without since: the current cursor" "$(jqr .data.cursor)" "$H0"
poll '?user_id=alice&since=0'
check_status 200 "poll since=0"
check "waiting events at once" "$(jqr '[.data.events[].type] | join(",")')" "participant.joined,participant.joined"
check "events carry seq" "$(jqr '[.data.events[].seq] | join(",")')" "1,2"
CUR=$(jqr .data.cursor)
check "cursor covers the events" "$([ "$CUR" -ge 2 ] && echo yes)" yes

# Held: answers as soon as a message arrives.
t0=$(now_ms)
curl -s -o "$T/held" --max-time 20 "$BASE/api/v1/events?user_id=alice&since=$CUR&timeout=15" &
HELD=$!
sleep 0.7
check "poll is held" "$(kill -0 $HELD 2>/dev/null && echo held)" held
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>wake</p>"}'
MID=$(jqr .data.id)
wait $HELD
dt=$(( $(now_ms) - t0 ))
check "held poll woke early" "$([ $dt -lt 5000 ] && echo yes)" yes
BODY=$(cat "$T/held")
check "held poll got the message" "$(jqr "[.data.events[] | select(.type == \"message.new\") | .id] | join(\",\")")" "$MID"
C2=$(jqr .data.cursor)
check "cursor at least the message's seq" "$(jqr "[.data.events[].seq] | max <= $C2")" true
poll "?user_id=alice&since=$C2&timeout=0"
check "polling again with the cursor repeats nothing" "$(jqr '.data.events | map(select(.type == "message.new")) | length')" 0

# Timeout: empty, with the cursor of the log; capped by BRIDGE_POLL_MAX_SECS.
C3=$(head_seq)
t0=$(now_ms)
poll "?user_id=alice&since=$C3&timeout=1"
dt=$(( $(now_ms) - t0 ))
check_status 200 "timed-out poll"
check "timed out empty" "$(jqr '.data.events | length')" 0
check "timed-out cursor is the head" "$(jqr .data.cursor)" "$(head_seq)"
check "held about 1 s" "$([ $dt -ge 900 ] && [ $dt -lt 4000 ] && echo yes)" yes
t0=$(now_ms)
poll "?user_id=alice&since=$(head_seq)&timeout=30"
dt=$(( $(now_ms) - t0 ))
check "timeout capped at BRIDGE_POLL_MAX_SECS" "$([ $dt -ge 2500 ] && [ $dt -lt 6000 ] && echo yes)" yes

# A stranger's held poll sees nothing of the dialog.
# A sentinel ends it rather than its timeout: eve joins a dialog of her
# own after the secret, and what she gets stops there.
curl -s -o "$T/eve" --max-time 10 "$BASE/api/v1/events?user_id=eve&since=$(head_seq)&timeout=8" &
EVE=$!
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>secret</p>"}'
mgmt POST "$M" '{"object_id":"e","object_type":"t","participants":[{"user_id":"eve","display_name":"E"}]}'
wait $EVE
BODY=$(cat "$T/eve")
check "stranger gets nothing of the dialog" "$(jqr "[.data.events[] | select(.dialog_id == \"$D\" or .type == \"message.new\")] | length")" 0
BODY=$(curl -s "$BASE/api/v1/events?user_id=eve&since=$(jqr .data.cursor)&timeout=0")
check "nor after it" "$(jqr "[.data.events[] | select(.dialog_id == \"$D\" or .type == \"message.new\")] | length")" 0

# Identity and arguments as REST.
poll ''
check_status 400 "no user_id"
check "no user_id body" "$BODY" '{"error":{"code":"BAD_REQUEST","message":"user_id query parameter required"}}'
poll '?user_id='
check "empty user_id body" "$BODY" '{"error":{"code":"BAD_REQUEST","message":"user_id cannot be empty"}}'
poll '?user_id=alice&since=abc'
check_status 400 "bad since"
check "bad since body" "$BODY" "Failed to deserialize query string: since: invalid digit found in string"
poll '?user_id=alice&since=1&timeout=-1'
check_status 400 "negative timeout"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary '' "$BASE/api/v1/events?user_id=alice")
check_status 405 "POST /api/v1/events"

# A poll is a presence ping: alice's WebSocket sees carol come online.
mgmt POST "$M/$D/participants" '{"user_id":"carol","display_name":"C"}'
ws_open a 'user_id=alice'
ws_wait a '.type == "connected"' 1 10
poll '?user_id=carol&timeout=0'
ws_wait a '.type == "presence.update" and .user_id == "carol"' 1 5
check "poll made carol online" "$(ws_count a '.type == "presence.update" and .user_id == "carol" and .is_online == true')" 1

# No datagram socket: events still arrive within the fallback interval.
rm -f "$T/bridge.sock"
t0=$(now_ms)
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>no wake</p>"}'
ws_wait a '.type == "message.new" and .content == "<p>no wake</p>"' 1 5
dt=$(( $(now_ms) - t0 ))
check "delivered without the datagram" "$(ws_count a '.content == "<p>no wake</p>"')" 1
check "within the 1 s fallback (+ slack)" "$([ $dt -lt 2000 ] && echo yes)" yes

# Resync when since is older than the retained log.
# the prune runs 2 s later on its own clock (lib/tm.h), no sleep
echo 2 > "$T/later"
with_env env MTCHAT_TEST_CLOCK="$T/later" "$MTCHAT_BUILD/mtchat-admin" \
	events prune --keep 1s --force >/dev/null
poll '?user_id=alice&since=1&timeout=0'
check "resync event" "$(jqr '.data.events[0].type')" resync
check "resync cursor is the answer's" "$(jqr '.data.events[0].cursor == .data.cursor')" true

# Every answer closes its connection (the bridge reads each request
# itself, issue 14): polls one after the other take one connection each,
# the first ended by its hold running out (a timer of the bridge, no I/O
# on the socket), and the second still holds its 1 s.
poll '?user_id=alice'
C=$(jqr .data.cursor)
U="http://127.0.0.1:$BRIDGE_PORT/api/v1/events?user_id=alice&since=$C&timeout=1"
s=$(now_ms)
got=$(curl -s --max-time 8 -w '%{http_code}/%{num_connects} ' "$U" -o /dev/null \
	"$U" -o /dev/null)
d=$(( $(now_ms) - s ))
check "polls in a row: one connection each" "$got" "200/1 200/1 "
check "polls in a row: the second held its 1 s, no more" \
	"$([ $d -ge 1900 ] && [ $d -lt 4000 ] && echo yes || echo "no: ${d}ms")" yes
# Pipelined: the first is answered with Connection: close, then the
# connection ends (no idle keep-alive connection stays behind); the
# client sends the second again on a new one, as HTTP says.
got=$(python3 - "$BRIDGE_PORT" "$C" <<'PY'
import socket, sys, time
req = ("GET /api/v1/events?user_id=alice&since=%s&timeout=1 HTTP/1.1\r\n"
       "Host: b\r\n\r\n" % sys.argv[2]).encode()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(8)
t, buf, closed = time.time(), b"", False
s.sendall(req + req)
try:
    while True:
        d = s.recv(65536)
        if not d:
            closed = True
            break
        buf += d
except socket.timeout:
    pass
print(buf.count(b"HTTP/1.1 200"), b"connection: close" in buf.lower(),
      "closed" if closed else "open", "fast" if time.time() - t < 4 else "slow")
PY
)
check "pipelined polls: one answer, Connection: close, then closed" "$got" "1 True closed fast"

# CORS on the bridge's long-poll, by the same rules as mtchat.fcgi: a
# preflight for Authorization (JWT clients) and the header on answers.
hdrs=$(curl -s -D - -o /dev/null -X OPTIONS "http://127.0.0.1:$BRIDGE_PORT/api/v1/events" \
	-H 'Origin: https://app.example' -H 'Access-Control-Request-Method: GET' \
	-H 'Access-Control-Request-Headers: authorization' | tr -d '\r')
check "bridge preflight status" "$(printf '%s\n' "$hdrs" | head -1 | cut -d' ' -f2)" "200"
check "bridge preflight origin" "$(printf '%s\n' "$hdrs" | grep -i '^access-control-allow-origin:' | cut -d' ' -f2)" "*"
check "bridge preflight headers" "$(printf '%s\n' "$hdrs" | grep -i '^access-control-allow-headers:' | cut -d' ' -f2)" "authorization"
hdrs=$(curl -s -D - -o /dev/null "http://127.0.0.1:$BRIDGE_PORT/api/v1/events?user_id=alice" \
	-H 'Origin: https://app.example' | tr -d '\r')
check "bridge poll answer carries CORS" "$(printf '%s\n' "$hdrs" | grep -i '^access-control-allow-origin:' | cut -d' ' -f2)" "*"
hdrs=$(curl -s -D - -o /dev/null "http://127.0.0.1:$BRIDGE_PORT/api/v1/events" | tr -d '\r')
check "no Origin, no CORS header" "$(printf '%s\n' "$hdrs" | grep -ci '^access-control-allow-origin:')" "0"

it_done
