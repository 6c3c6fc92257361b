#!/bin/sh
# 0535-history.sh — who may see an event is decided at the time of the event
# (docs/differences.md S2, issue 15): resuming with since, over the long-poll of
# mtchat.fcgi, the bridge's long-poll and its WebSocket replay, a user gets a
# dialog's events only for the seqs at which they were a participant. Then: a
# prune during a WebSocket replay ends in resync, every time.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start BRIDGE_QUEUE_LIMIT=100000
it_start_bridge BRIDGE_QUEUE_LIMIT=100000
B=http://127.0.0.1:$BRIDGE_PORT
p() { printf '{"user_id":"%s","display_name":"%s"}' "$1" "$1"; }
M=/api/v1/management/dialogs

mgmt POST $M "{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":[$(p carol),$(p bob)]}"
D=$(jqr .data.id)
# carol posts a secret, edits it, deletes it — all before zoe is added
req POST "/api/v1/dialogs/$D/messages?user_id=carol" '{"content":"password=hunter2"}'
S=$(jqr .data.id)
req PUT "/api/v1/dialogs/$D/messages/$S?user_id=carol" '{"content":"password=*****"}'
req DELETE "/api/v1/dialogs/$D/messages/$S?user_id=carol"
check_status 204 "the secret is gone"
mgmt POST "$M/$D/participants" "$(p zoe)"
check_status 201 "zoe added afterwards (M5)"
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>hello zoe</p>"}'
# zoe leaves, bob speaks while she is out, she is added again, bob again
req POST "/api/v1/dialogs/$D/leave?user_id=zoe" "{}"
check_status 200 "zoe leaves"
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>while out</p>"}'
mgmt POST "$M/$D/participants" "$(p zoe)"
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>welcome back</p>"}'

# what one history says: the contents of message.* events, in order
contents() {
	jq -r '[.[] | select(.type | startswith("message.")) |
	    (.content // .type)] | join("|")'
}
# (the system message of zoe's leave was written while she was still in)
WANT='<p>hello zoe</p>|{"event":"participant_left","name":"zoe"}|<p>welcome back</p>'

curl -s "$BASE/api/v1/events?user_id=zoe&since=0&timeout=0" > "$T/fcgi.json"
check "mtchat.fcgi's poll: nothing from before zoe or while she was out" \
	"$(jq '.data.events' "$T/fcgi.json" | contents)" "$WANT"
check "no trace of the secret there" "$(grep -c hunter2 "$T/fcgi.json")" 0
check "zoe's own joins and leave are hers" \
	"$(jq -r '[.data.events[] | select(.type | startswith("participant.")) | .type] | join(",")' "$T/fcgi.json")" \
	"participant.joined,participant.left,participant.joined"

curl -s "$B/api/v1/events?user_id=zoe&since=0&timeout=0" > "$T/bridge.json"
check "the bridge's poll: the same" "$(jq '.data.events' "$T/bridge.json" | contents)" "$WANT"
check "the same events" "$(jq -c '[.data.events[] | .seq]' "$T/bridge.json")" \
	"$(jq -c '[.data.events[] | .seq]' "$T/fcgi.json")"

WS_BASE=ws://127.0.0.1:$BRIDGE_PORT ws_open zoe 'user_id=zoe&since=0'
ws_wait zoe '.content == "<p>welcome back</p>"' 1 10
grep -v '^#' "$T/ws-zoe.out" | jq -s '.' > "$T/ws.json"
check "the WebSocket replay: the same" "$(contents < "$T/ws.json")" "$WANT"
check "no trace of the secret there" "$(grep -c hunter2 "$T/ws-zoe.out")" 0
check "carol (in all along) replays everything" \
	"$(curl -s "$BASE/api/v1/events?user_id=carol&since=0&timeout=0" | jq '.data.events' | contents)" \
	'password=hunter2|password=*****|message.deleted|<p>hello zoe</p>|{"event":"participant_left","name":"zoe"}|<p>while out</p>|<p>welcome back</p>'
# and live, too, zoe gets what comes now
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>live</p>"}'
ws_wait zoe '.content == "<p>live</p>"' 1 10
check "live after the replay" "$(ws_count zoe '.content == "<p>live</p>"')" 1
ws_send zoe '!close'
ws_closed zoe 5 >/dev/null

# A prune while a WebSocket replays a backlog: the client gets resync,
# never a silent hole. The client reads nothing until the prune is done
# (a small receive buffer stalls the replay after a few events).
mgmt POST $M "{\"object_id\":\"big\",\"object_type\":\"t\",\"participants\":[$(p pat),$(p sam)]}"
DB=$(jqr .data.id)
big=$(head -c 30000 /dev/zero | tr '\0' 'x')
backlog() {	# n: n messages of 30 kB from sam, through one keep-alive
	python3 - "$PORT" "$DB" "$1" "$big" <<'PY'
import http.client, json, sys
port, d, n, big = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port)
body = json.dumps({"content": "<p>%s</p>" % big})
for i in range(n):
    c.request("POST", "/api/v1/dialogs/%s/messages?user_id=sam" % d, body,
              {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    if r.status != 200:
        print("status", r.status); sys.exit(1)
PY
}
ROUNDS=${HISTORY_ROUNDS:-5}
round=0 resyncs=0 silent=0
while [ $round -lt $ROUNDS ]; do
	round=$((round + 1))
	api GET "/api/v1/events?user_id=pat"
	since=$(jqr .data.cursor)
	backlog "${HISTORY_BACKLOG:-200}" || { echo "backlog failed"; break; }
	rm -f "$T/go"
	WS_BASE=ws://127.0.0.1:$BRIDGE_PORT ws_open "pat$round" \
		"user_id=pat&since=$since" --pause-until "$T/go" --rcvbuf 4096
	# it reads nothing yet: the bridge's log says when it is in
	n=100
	while [ $n -gt 0 ] && [ "$(grep -c 'connect .* user pat ' "$T/bridge.log")" -lt $round ]; do
		sleep 0.05
		n=$((n - 1))
	done
	with_env "$MTCHAT_BUILD/mtchat-admin" events prune --keep 0s --force >/dev/null
	touch "$T/go"
	if ws_wait "pat$round" '.type == "resync"' 1 20; then
		resyncs=$((resyncs + 1))
		# what came before the resync is a gap-free run of seqs
		gaps=$(grep -v '^#' "$T/ws-pat$round.out" | jq -s '[.[] | select(.seq) | .seq] |
		    [range(1; length) as $i | select(.[$i] <= .[$i - 1])] | length')
		[ "$gaps" = 0 ] || silent=$((silent + 1))
	else
		silent=$((silent + 1))
	fi
	ws_send "pat$round" '!close'
	ws_closed "pat$round" 5 >/dev/null
done
check "a prune under a replay: resync in every round" "$resyncs/$silent" "$ROUNDS/0"
it_done
