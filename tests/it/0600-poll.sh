#!/bin/sh
# 0600-poll.sh — polling mtchat.fcgi with the bridge stopped
# (docs/differences.md N3): the response shape, cursor semantics (since=cursor
# never repeats an event), every event for the user in order and nothing of
# dialogs they are not in, presence through polling seen by peers, bad input,
# and resync after the log was pruned.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start

new_dialog() {	# participants-json -> dialog id
	mgmt POST /api/v1/management/dialogs \
		"{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":$1}"
	jqr .data.id
}
poll() {	# user [query] -> BODY
	req GET "/api/v1/events?user_id=$1${2:+&$2}"
}
head_seq() {	# the newest change-log seq, through mtchat-admin
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail | tail -1 | jq -r '.seq // 0'
}
# The events of the last poll as compact "type dialog user" lines.
ev_lines() {
	printf '%s' "$BODY" | jq -r '.data.events[] |
		[.type, (.dialog_id // "-"), (.user_id // .sender_id // "-")] | join(" ")'
}

# --- without since: the current cursor and no events, answered at once
poll alice
check_status 200 "poll without since"
check "N3 shape" "$(printf '%s' "$BODY" | jq -c '.data | keys')" '["cursor","events"]'
check "no events without since" "$(printf '%s' "$BODY" | jq -c .data.events)" "[]"
check "cursor is the head" "$(jqr .data.cursor)" "$(head_seq)"
check "a poll is a presence ping" "$(events_of presence.update)" "1"
CA=$(jqr .data.cursor)

# --- fixtures: alice and bob share D1; bob and carol share D2
D1=$(new_dialog '[{"user_id":"alice","display_name":"Alice"},{"user_id":"bob","display_name":"Bob"}]')
D2=$(new_dialog '[{"user_id":"bob","display_name":"Bob"},{"user_id":"carol","display_name":"Carol"}]')

poll alice "since=$CA"
check_status 200 "poll since"
check "alice gets D1's joins in order, not D2's" "$(ev_lines | tr '\n' ';')" \
	"participant.joined $D1 alice;participant.joined $D1 bob;"
check "event object: stored body plus seq" \
	"$(printf '%s' "$BODY" | jq -c '.data.events[0] | keys_unsorted')" \
	'["type","dialog_id","user_id","seq"]'
check "seqs increase" "$(printf '%s' "$BODY" | jq '[.data.events[].seq] | . == (sort | unique) and .[0] > '"$CA")" "true"
check "cursor >= every seq" "$(printf '%s' "$BODY" | jq '.data.cursor >= ([.data.events[].seq] | max)')" "true"
check "cursor = head after reading everything" "$(jqr .data.cursor)" "$(head_seq)"
CA=$(jqr .data.cursor)

poll alice "since=$CA"
check "since=cursor repeats nothing" "$(printf '%s' "$BODY" | jq -c .data.events)" "[]"
check "cursor stays" "$(jqr .data.cursor)" "$CA"
check "frequent polls do not rewrite presence" "$(events_of presence.update)" "1"

# --- presence: bob's first poll brings him online for alice and carol
poll bob
CB=$(jqr .data.cursor)
check "bob's online event written" "$(events_of presence.update)" "2"
poll alice "since=$CA"
check "alice sees bob online" "$(ev_lines | tr '\n' ';')" "presence.update - bob;"
check "is_online true" "$(jqr '.data.events[0].is_online')" "true"
CA=$(jqr .data.cursor)
poll carol "since=0"
# bob joined D2 just before carol (one M1, seq apart): not hers to see (S2)
check "carol: her join to D2 and bob online" "$(ev_lines | tr '\n' ';')" \
	"participant.joined $D2 carol;presence.update - bob;"
CC=$(jqr .data.cursor)
poll dave "since=0"
check "dave (no dialogs) receives nothing" "$(printf '%s' "$BODY" | jq -c .data.events)" "[]"
check "dave's cursor still advances" "$(jqr .data.cursor)" "$(head_seq)"
# alice's own online event never reaches alice; bob, who shares D1, gets it
poll bob "since=0"
check "bob sees alice and carol come online" \
	"$(printf '%s' "$BODY" | jq -r '[.data.events[] | select(.type == "presence.update") | .user_id] | join(",")')" "alice,carol"
CB=$(jqr .data.cursor)

# C13 shows a polling peer online (when the dialog endpoints are there).
req GET "/api/v1/dialogs/$D1/participants?user_id=bob"
if [ "$STATUS" = 200 ]; then
	check "C13: polling alice is online" \
		"$(jqr '.data[] | select(.user_id == "alice") | .is_online')" "true"
else
	echo "skip: C13 answers $STATUS"
fi

# --- messages: every event of alice's dialogs, in order, none of D2
req POST "/api/v1/dialogs/$D1/messages?user_id=bob" '{"content":"one"}'
if [ "$STATUS" = 201 ] || [ "$STATUS" = 200 ]; then
	M1=$(jqr .data.id)
	req POST "/api/v1/dialogs/$D2/messages?user_id=carol" '{"content":"secret"}'
	req POST "/api/v1/dialogs/$D1/messages?user_id=alice" '{"content":"two"}'
	M2=$(jqr .data.id)
	poll alice "since=$CA"
	check "alice: D1 messages in order, not D2's" "$(ev_lines | tr '\n' ';')" \
		"message.new $D1 bob;message.new $D1 alice;"
	check "message ids in order" "$(jqr '[.data.events[].id] | join(",")')" "$M1,$M2"
	check "no D2 content leaks" "$(printf '%s' "$BODY" | grep -c secret)" "0"
	CA=$(jqr .data.cursor)
	poll carol "since=$CC"
	check "carol: only D2's message" "$(ev_lines | tr '\n' ';')" "message.new $D2 carol;"
	# A participant who left still gets participant.left about themself.
	req POST "/api/v1/dialogs/$D1/leave?user_id=alice"
	if [ "$STATUS" = 200 ]; then
		poll alice "since=$CA"
		check "alice receives her own participant.left" \
			"$(printf '%s' "$BODY" | jq -r '[.data.events[] | .type] | map(select(. == "participant.left")) | length')" "1"
		CA=$(jqr .data.cursor)
		req POST "/api/v1/dialogs/$D1/messages?user_id=bob" '{"content":"after"}'
		poll alice "since=$CA"
		check "nothing of D1 after leaving" "$(printf '%s' "$BODY" | jq -c .data.events)" "[]"
	fi
else
	echo "skip: C15 answers $STATUS"
fi

# --- bad input: plain 400 from the query extractor, INVALID_INPUT for
# negative numbers, identity as for REST
poll alice "since=abc"
check_status 400 "since not a number"
check "plain-text message" "$BODY" "Failed to deserialize query string: since: invalid digit found in string"
poll alice "since=1&timeout=x"
check_status 400 "timeout not a number"
check "timeout message" "$BODY" "Failed to deserialize query string: timeout: invalid digit found in string"
poll alice "since=-1"
check_status 400 "negative since"
check "negative since code" "$(jqr '.error.code + " " + .error.message')" "INVALID_INPUT since must not be negative"
poll alice "since=0&timeout=-5"
check_status 400 "negative timeout"
check "negative timeout code" "$(jqr .error.code)" "INVALID_INPUT"
req GET "/api/v1/events?since=0"
check_status 400 "no user_id"
check "no user_id message" "$(jqr .error.message)" "user_id query parameter required"
req POST "/api/v1/events?user_id=alice" '{}'
check_status 405 "POST"
poll alice "since=99999999"
check "since beyond the head: resync" "$(printf '%s' "$BODY" | jq -c '.data.events[0] | keys_unsorted')" '["type","cursor"]'

# --- resync after prune: a since older than the retained log
H=$(head_seq)
with_env "$MTCHAT_BUILD/mtchat-admin" events prune --keep 0 >"$T/prune.log" 2>&1
check "prune --keep 0 quiet" "$(cat "$T/prune.log")" ""
poll bob "since=$CB"
check_status 200 "poll from a pruned seq"
check "resync event" "$(printf '%s' "$BODY" | jq -c .data.events)" "[{\"type\":\"resync\",\"cursor\":$H}]"
check "resync cursor" "$(jqr .data.cursor)" "$H"
poll bob "since=$H"
check "from the resync cursor: no resync, no events" "$(printf '%s' "$BODY" | jq -c .data.events)" "[]"
poll bob "since=$CB&timeout=1"
check "resync is answered at once even with a timeout" "$(jqr '.data.events[0].type')" "resync"

it_done
