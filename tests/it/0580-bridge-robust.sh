#!/bin/sh
# 0580-bridge-robust.sh — mtchat-bridge survives any client (issue 14).
# Each request that used to kill it, through lighttpd and straight to it,
# after which the same process still answers a WebSocket and a poll; a
# '+' in a user id is not a space; the per-user connection cap; held polls
# count against BRIDGE_MAX_CONNECTIONS; a culled client gets its 1008
# close frame; thousands of slow clients do not take lighttpd down.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start
it_start_bridge BRIDGE_HANDSHAKE_SECS=2 BRIDGE_MAX_CONNECTIONS_PER_USER=3 \
	BRIDGE_MAX_CONNECTIONS=12 BRIDGE_QUEUE_LIMIT=16
B=http://127.0.0.1:$BRIDGE_PORT

# raw HOST PORT WAIT BYTES...: sends the bytes (python escapes), waits
# WAIT s, prints the answer's status code ("none" if the server closed
# without one, "open" if it said nothing).
raw() {
	python3 - "$@" <<'PY'
import socket, sys, time
port, wait, data = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
data = data.encode().decode("unicode_escape").encode("latin-1")
s = socket.create_connection(("127.0.0.1", port))
if data:
    s.sendall(data)
time.sleep(wait)
s.settimeout(5)
try:
    r = s.recv(200)
    print(r.split(b" ")[1].decode() if r.startswith(b"HTTP/") else "none")
except socket.timeout:
    print("open")
except ConnectionResetError:
    print("none")
PY
}

nalive=0
alive() {	# desc: the same bridge still serves a WebSocket and a poll
	nalive=$((nalive + 1))
	check "$1: bridge process still there" \
		"$(kill -0 "$BRIDGE_PID" 2>/dev/null && echo yes)" yes
	api GET "/api/v1/events?user_id=probe&timeout=0"
	check_status 200 "$1: a poll through lighttpd"
	ws_open "alive$nalive" 'user_id=probe'
	ws_wait "alive$nalive" '.type == "connected"' 1 10
	check "$1: a WebSocket connects" \
		"$(ws_count "alive$nalive" '.type == "connected"')" 1
	ws_send "alive$nalive" '!close'
	ws_closed "alive$nalive" 5 >/dev/null
}

# 1. An 8,000-byte header through lighttpd, and straight to the bridge.
big=$(head -c 8000 /dev/zero | tr '\0' 'a')
st=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" \
	"$BASE/api/v1/events?user_id=a&timeout=0")
check "8,000-byte header through lighttpd answered" \
	"$(case $st in 200|431|400) echo yes;; *) echo "no: $st";; esac)" yes
alive "8,000-byte header through lighttpd"
big=$(head -c 9000 /dev/zero | tr '\0' 'a')
check "a header over BRIDGE_MAX_HEADER is a 431" \
	"$(raw "$BRIDGE_PORT" 0 "GET /api/v1/events?user_id=a HTTP/1.1\r\nX-Big: $big\r\n\r\n")" 431
alive "9,000-byte header"

# 2. A NUL byte in the user id: a 400 from lighttpd, and from the bridge
# (libwebsockets cannot parse it: refused before it sees it).
api GET "/api/v1/events?user_id=a%00b&timeout=0"
check_status 400 "user_id=a%00b through lighttpd"
check "user_id=a%00b straight" \
	"$(raw "$BRIDGE_PORT" 0 'GET /api/v1/events?user_id=a%00b&timeout=0 HTTP/1.1\r\n\r\n')" 400
check "a broken escape straight" \
	"$(raw "$BRIDGE_PORT" 0 'GET /api/v1/events?user_id=a%zz HTTP/1.1\r\n\r\n')" 400
alive "user_id=a%00b"

# 3. A connection closed without a byte; several at once.
pids=""
for i in 1 2 3 4 5; do raw "$BRIDGE_PORT" 0 '' >/dev/null & pids="$pids $!"; done
wait $pids
alive "connect and close"

# 4. Half a header left open: a 408 after BRIDGE_HANDSHAKE_SECS, closed.
check "half a header times out with 408" \
	"$(raw "$BRIDGE_PORT" 3 'GET /api/v1/events?user_id=a HTTP/1.1\r\nHost')" 408
alive "half a header"

# 5. A 5 KB query argument.
arg=$(head -c 5000 /dev/zero | tr '\0' 'b')
curl -s -o "$T/b5k" -w '%{http_code}' "$B/api/v1/events?user_id=a&x=$arg&timeout=0" > "$T/st"
check "5 KB argument answered 200" "$(cat "$T/st")" 200
alive "5 KB argument"

# 6. 1,500 query arguments (under the header size limit): more fields than
# the bridge takes (80), a 431 straight and through lighttpd; 60 are fine.
q=$(python3 -c 'print("&".join("k%d" % i for i in range(1500)))')
curl -s -o /dev/null -w '%{http_code}' "$B/api/v1/events?user_id=a&timeout=0&$q" > "$T/st"
check "1,500 arguments: 431" "$(cat "$T/st")" 431
st=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/events?user_id=a&timeout=0&$q")
check "1,500 arguments through lighttpd: 431" "$st" 431
q=$(python3 -c 'print("&".join("k%d" % i for i in range(60)))')
curl -s -o /dev/null -w '%{http_code}' "$B/api/v1/events?user_id=a&timeout=0&$q" > "$T/st"
check "60 arguments: 200" "$(cat "$T/st")" 200
alive "1,500 arguments"

# Garbage instead of a request line.
check "garbage is a 400" "$(raw "$BRIDGE_PORT" 0 '\x00\x01\x02 nonsense\r\n\r\n')" 400
alive "garbage"

# '+' stays '+' in a user id (F18): user a+b never gets what is meant for
# user "a b". A message to a dialog of "a b" only, then one to a dialog of
# a+b: a+b sees the second and never the first.
p() { printf '{"user_id":"%s","display_name":"%s"}' "$1" "$1"; }
M=/api/v1/management/dialogs
mgmt POST $M "{\"object_id\":\"s\",\"object_type\":\"t\",\"participants\":[$(p 'a b')]}"
DS=$(jqr .data.id)
mgmt POST $M "{\"object_id\":\"p\",\"object_type\":\"t\",\"participants\":[$(p 'a+b')]}"
DP=$(jqr .data.id)
ws_open plus 'user_id=a+b'
ws_wait plus '.type == "connected"' 1 10
check "a+b connects as a+b" "$(ws_count plus '.employee_id == "a+b"')" 1
req POST "/api/v1/dialogs/$DS/messages?user_id=a%20b" '{"content":"<p>for a b</p>"}'
check_status 200 "a b sends"
req POST "/api/v1/dialogs/$DP/messages?user_id=a%2Bb" '{"content":"<p>for a+b</p>"}'
check_status 200 "a+b sends"
ws_wait plus '.type == "message.new"' 1 10
check "a+b got its own message" "$(ws_count plus '.content == "<p>for a+b</p>"')" 1
check "a+b got nothing of a b's dialog" "$(ws_count plus ".dialog_id == \"$DS\"")" 0
api GET "/api/v1/events?user_id=a+b&since=0&timeout=0"
check "a+b's poll: nothing of a b's dialog" \
	"$(jqr "[.data.events[] | select(.dialog_id == \"$DS\")] | length")" 0
check "a+b's poll: its own message" \
	"$(jqr "[.data.events[] | select(.dialog_id == \"$DP\" and .type == \"message.new\")] | length")" 1
ws_send plus '!close'
ws_closed plus 5 >/dev/null

# The per-user cap (3 here): a fourth WebSocket and a poll are refused
# with 429; another user is not.
for i in 1 2 3; do ws_open "cap$i" 'user_id=capped'; done
for i in 1 2 3; do ws_wait "cap$i" '.type == "connected"' 1 10; done
ws_open cap4 'user_id=capped'
check "fourth WebSocket of one user refused" "$(ws_closed cap4 5)" "#status 429"
api GET "/api/v1/events?user_id=capped&timeout=0"
check_status 429 "a poll of that user too"
check "with the reason" "$(jqr .error.code)" TOO_MANY_CONNECTIONS
api GET "/api/v1/events?user_id=other&timeout=0"
check_status 200 "another user is not limited"
for i in 1 2 3; do ws_send "cap$i" '!close'; done
for i in 1 2 3; do ws_closed "cap$i" 5 >/dev/null; done

# Held polls count against BRIDGE_MAX_CONNECTIONS (12 here). They are of
# the members of one dialog, so that one message ends them all.
hs=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do hs="$hs${hs:+,}$(p "h$i")"; done
mgmt POST $M "{\"object_id\":\"h\",\"object_type\":\"t\",\"participants\":[$hs]}"
DH=$(jqr .data.id)
# online first (a poll is a ping), so that holding adds no presence event
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	curl -s -o /dev/null "$B/api/v1/events?user_id=h$i&timeout=0"
done
n=100 C=0
while [ $n -gt 0 ]; do
	api GET "/api/v1/events?user_id=h1&since=0&timeout=0"
	[ "$(jqr '[.data.events[] | select(.type == "presence.update")] | length')" -ge 11 ] && break
	sleep 0.05
	n=$((n - 1))
done
C=$(jqr .data.cursor)
hold() {
	curl -s -o "$T/held$1" "$B/api/v1/events?user_id=h$1&since=$C&timeout=30" &
	pids="$pids $!"
}
pids=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do hold $i; done
full() { curl -s -o /dev/null -w '%{http_code}' "$B/api/v1/events?user_id=full&timeout=0"; }
# A held poll may meet a full bridge: the probe below holds a slot while
# it is answered, and so does an earlier poll whose close the bridge has
# not read yet. Such a poll is refused at once (a 503, "Too many
# connections", as text or JSON); it is sent again until all twelve are
# held: until the bridge is full and no poll was refused in this round or
# the one before (a poll sent again has been answered or is held).
n=100 sent=1
while [ $n -gt 0 ]; do
	st=$(full) again=0
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		if grep -q 'Too many connections' "$T/held$i" 2>/dev/null; then
			rm -f "$T/held$i"
			hold $i
			again=1
		fi
	done
	[ "$st" = 503 ] && [ $again = 0 ] && [ $sent = 0 ] && break
	sent=$again
	sleep 0.1; n=$((n - 1))
done
check "a poll past the limit is refused" "$(full)" 503
ws_open full 'user_id=full'
check "a WebSocket past the limit too" "$(ws_closed full 5 | cut -c1-12)" "#status 503"
req POST "/api/v1/dialogs/$DH/messages?user_id=h1" '{"content":"<p>wake</p>"}'
wait $pids
check "the message ended every held poll" \
	"$(cat "$T"/held* | jq -r '.data.events[] | select(.type == "message.new") | .content' | grep -c wake)" 12
n=50
while [ $n -gt 0 ] && [ "$(full)" != 200 ]; do sleep 0.1; n=$((n - 1)); done
check "room again once the polls ended" "$(full)" 200

# A culled client gets the close frame 1008 once it reads again.
mgmt POST $M "{\"object_id\":\"c\",\"object_type\":\"t\",\"participants\":[$(p slow),$(p fast)]}"
DC=$(jqr .data.id)
WS_BASE=ws://127.0.0.1:$BRIDGE_PORT ws_open slow 'user_id=slow' \
	--stall-until "$T/go" --rcvbuf 4096
n=50	# it reads nothing: the bridge's log says when it is connected
while [ $n -gt 0 ] && ! grep -q 'connect .* user slow ' "$T/bridge.log"; do
	sleep 0.1; n=$((n - 1))
done
bigmsg=$(head -c 30000 /dev/zero | tr '\0' 'x')
printf '{"content":"<p>%s</p>"}' "$bigmsg" > "$T/big.json"
sent=0
while [ $sent -lt 300 ] && ! grep -q 'cull .* user slow' "$T/bridge.log"; do
	curl -s -o /dev/null -H 'Content-Type: application/json' \
	    --data-binary "@$T/big.json" "$BASE/api/v1/dialogs/$DC/messages?user_id=fast"
	sent=$((sent + 1))
done
check "the stalled client was culled" "$(grep -c 'cull .* user slow' "$T/bridge.log")" 1
touch "$T/go"
check "and gets the close frame 1008" "$(ws_closed slow 10)" "#closed 1008 too far behind"
alive "after a cull"

# Thousands of slow clients against lighttpd (slowloris from one address):
# /health still answers, and so does the bridge through it.
python3 - "$PORT" 3000 > "$T/slow.out" 2>&1 <<'PY' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    try:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    except OSError as e:
        print("connect failed at", i, e)
        break
print("open", len(socks), flush=True)
for r in range(8):
    for s in socks:
        try:
            s.sendall(b"X-a: b\r\n")
        except OSError:
            pass
    time.sleep(1)
PY
SLOW=$!
n=100
while [ $n -gt 0 ] && ! grep -q '^open' "$T/slow.out"; do sleep 0.1; n=$((n - 1)); done
check "3,000 slow connections are open" "$(grep -c '^open 3000' "$T/slow.out")" 1
st=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE/health")
check "/health answers meanwhile" "$st" 200
api GET "/api/v1/events?user_id=probe&timeout=0"
check_status 200 "a poll through lighttpd meanwhile"
kill $SLOW 2>/dev/null
wait $SLOW 2>/dev/null
alive "slow clients"

it_done
