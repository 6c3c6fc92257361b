#!/bin/sh
# 0610-poll-hold.sh — the bounded hold of GET /api/v1/events in
# mtchat.fcgi (POLL_MAX_WAIT_SECS=3): a held poll returns as soon as an
# event for the user commits, keeps waiting through other users' events,
# ends at min(timeout, POLL_MAX_WAIT_SECS) (timeout defaults to 25 s, as
# in the bridge), and timeout=0 answers at once.
. "$MTCHAT_TOP/tests/it/lib.sh"
PROCS=3 it_start POLL_MAX_WAIT_SECS=3

new_dialog() {	# participants-json -> dialog id
	mgmt POST /api/v1/management/dialogs \
		"{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":$1}"
	jqr .data.id
}
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# Starts a poll in the background; its body goes to $T/held, its duration
# in milliseconds to $T/held.ms.
held_poll() {	# user query
	(s=$(ms); curl -s -o "$T/held" "$BASE/api/v1/events?user_id=$1&$2"
	 echo $(( $(ms) - s )) > "$T/held.ms") &
	HELD=$!
}
took() { cat "$T/held.ms"; }

D1=$(new_dialog '[{"user_id":"alice","display_name":"Alice"},{"user_id":"bob","display_name":"Bob"}]')
D2=$(new_dialog '[{"user_id":"bob","display_name":"Bob"},{"user_id":"carol","display_name":"Carol"}]')
# Everyone online once, so that later polls write no presence events.
for u in alice bob carol; do req GET "/api/v1/events?user_id=$u"; done
req GET "/api/v1/events?user_id=alice"
C=$(jqr .data.cursor)

# --- timeout=0: answered at once even with a hold configured
s=$(ms); req GET "/api/v1/events?user_id=alice&since=$C&timeout=0"; d=$(( $(ms) - s ))
check "timeout=0: no hold" "$([ $d -lt 1000 ] && echo fast || echo "slow ${d}ms")" "fast"
check "timeout=0: empty" "$(printf '%s' "$BODY" | jq -c .data.events)" "[]"
# no timeout: the bridge's default (25 s), bounded by POLL_MAX_WAIT_SECS
held_poll alice "since=$C"
wait "$HELD"
check "no timeout: held POLL_MAX_WAIT_SECS" "$(t=$(took); [ "$t" -ge 2800 ] && [ "$t" -lt 5000 ] && echo yes || echo "no: ${t}ms")" "yes"

# --- an event for the user ends the hold early
held_poll alice "since=$C&timeout=10"
sleep 0.5
mgmt POST "/api/v1/management/dialogs/$D1/participants" '{"user_id":"dave","display_name":"Dave"}'
check "M5 add" "$STATUS" "201"
wait "$HELD"
BODY=$(cat "$T/held")
check "held poll woke with the event" "$(jqr '[.data.events[] | .type + " " + .user_id] | join(";")')" "participant.joined dave"
check "woke promptly (<1.5 s after the write)" "$([ "$(took)" -lt 2000 ] && echo yes || echo "no: $(took)ms")" "yes"
check "woke after the write (was held)" "$([ "$(took)" -ge 400 ] && echo yes || echo "no: $(took)ms")" "yes"
C=$(jqr .data.cursor)

# --- other users' events do not end it; the hold ends at POLL_MAX_WAIT_SECS
held_poll alice "since=$C&timeout=30"
sleep 0.5
mgmt POST "/api/v1/management/dialogs/$D2/participants" '{"user_id":"erin","display_name":"Erin"}'
wait "$HELD"
BODY=$(cat "$T/held")
check "bounded by POLL_MAX_WAIT_SECS" "$(t=$(took); [ "$t" -ge 2800 ] && [ "$t" -lt 5000 ] && echo yes || echo "no: ${t}ms")" "yes"
check "D2's event not delivered" "$(printf '%s' "$BODY" | jq -c .data.events)" "[]"
check "cursor moved past it" "$(jqr .data.cursor)" "$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | tail -1 | jq .seq)"
C=$(jqr .data.cursor)

# --- a shorter timeout wins
held_poll alice "since=$C&timeout=1"
wait "$HELD"
check "timeout=1 holds about a second" "$(t=$(took); [ "$t" -ge 900 ] && [ "$t" -lt 2500 ] && echo yes || echo "no: ${t}ms")" "yes"

# --- two held polls and a write: both wake (one process each)
held_poll alice "since=$C&timeout=10"; H1=$HELD
(curl -s -o "$T/held2" "$BASE/api/v1/events?user_id=bob&since=$C&timeout=10") & H2=$!
sleep 0.5
req POST "/api/v1/dialogs/$D1/messages?user_id=dave" '{"content":"hi"}'
if [ "$STATUS" = 201 ] || [ "$STATUS" = 200 ]; then
	wait "$H1" "$H2"
	check "alice woke with the message" "$(jq -r '.data.events[0].type' "$T/held")" "message.new"
	check "bob woke with the message" "$(jq -r '[.data.events[].type] | index("message.new") != null' "$T/held2")" "true"
else
	echo "skip: C15 answers $STATUS"
	wait "$H1" "$H2"
fi

it_done
