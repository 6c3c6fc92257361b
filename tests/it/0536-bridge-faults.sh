#!/bin/sh
# 0536-bridge-faults.sh — the bridge's reads of the change-log fail and it
# skips nothing: started with MTCHAT_TEST_STORE_FAULTS (every N-th store
# call fails, once start-up is done: store.h), it delivers 200 messages
# to two WebSockets exactly once each and in order, the failed reads
# retried from where they stopped (at the next wake-up or the one-second
# timer), and a long-poll gets a gapless start of them (polling again
# after a 503, as a client does, when its own reads failed before any
# event; a read that fails later answers the events collected). Once with
# SQLITE_IOERR on every third call, once with SQLITE_BUSY on every fourth.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start
M=/api/v1/management/dialogs
mgmt POST $M '{"object_id":"o","object_type":"t","participants":[{"user_id":"alice","display_name":"A"},{"user_id":"bob","display_name":"B"},{"user_id":"carol","display_name":"C"}]}'
D=$(jqr .data.id)
N=200

send_all() {	# tag: N messages by bob, keep-alive curl runs of 50
	_tag=$1 i=0
	while [ $i -lt $N ]; do
		set --
		j=0
		while [ $j -lt 50 ]; do
			[ $j -gt 0 ] && set -- "$@" --next
			set -- "$@" -s -o /dev/null -H 'Content-Type: application/json' \
			    --data-binary "{\"content\":\"<p>$_tag$((i + j))</p>\"}" \
			    "$BASE/api/v1/dialogs/$D/messages?user_id=bob"
			j=$((j + 1))
		done
		curl "$@"
		i=$((i + 50))
	done
}
# contents of message.new NAME got with TAG, in order of arrival
got() {	# name tag
	grep -v '^#' "$T/ws-$1.out" | jq -r "select(.type == \"message.new\") | .content" |
		grep "<p>$2" | tr '\n' ' '
}
want() {	# tag
	i=0; while [ $i -lt $N ]; do printf '<p>%s%d</p> ' "$1" $i; i=$((i + 1)); done
}

for spec in IOERR:every:3 BUSY:every:4; do
	tag=$(echo "$spec" | cut -d: -f1)
	it_start_bridge MTCHAT_TEST_STORE_FAULTS=$spec
	ws_open "a$tag" 'user_id=alice'
	ws_open "b$tag" 'user_id=bob'
	ws_wait "a$tag" '.type == "connected"' 1 10
	ws_wait "b$tag" '.type == "connected"' 1 10
	H=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | tail -1 | jq .seq)
	curl -s -o "$T/poll-$tag" --max-time 30 \
	    "$BASE/api/v1/events?user_id=carol&since=$H&timeout=20" &
	POLL=$!
	send_all "$tag"
	ws_wait "a$tag" ".type == \"message.new\" and (.content | startswith(\"<p>$tag\"))" $N 60
	ws_wait "b$tag" ".type == \"message.new\" and (.content | startswith(\"<p>$tag\"))" $N 60
	check "$spec: alice got every message once, in order" "$(got "a$tag" "$tag")" "$(want "$tag")"
	check "$spec: bob too" "$(got "b$tag" "$tag")" "$(want "$tag")"
	check "$spec: seq increasing" \
	    "$(grep -v '^#' "$T/ws-a$tag.out" | jq -s '[.[] | .seq | select(. != null)] | . == (sort | unique)')" true
	wait $POLL
	BODY=$(cat "$T/poll-$tag")
	# a poll whose own reads failed is answered 503; the client polls
	# again from the same since, as it would
	# (a poll and the presence write it causes make the same number of
	# store calls each time, so with every N-th call failing a retry
	# can fail at the same call for ever: 0 to 4 polls of another user
	# before each retry move which call that is)
	n=30
	while [ "$(jqr '.data.events | type')" != array ] && [ $n -gt 0 ]; do
		k=$((n % 5))
		while [ $k -gt 0 ]; do
			curl -s -o /dev/null "$BASE/api/v1/events?user_id=alice&timeout=0"
			k=$((k - 1))
		done
		BODY=$(curl -s "$BASE/api/v1/events?user_id=carol&since=$H&timeout=0")
		n=$((n - 1))
	done
	# Never a hole: the events, when the poll could read them, are a
	# gapless start; a poll whose every retry failed at the same call
	# (the failures are periodic, not random) says so with the envelope.
	echo "$spec: the long-poll answered after $((30 - n)) retries:" \
	    "$(jqr 'if .data then "\(.data.events | length) events" else .error.code end')"
	if [ "$(jqr '.data.events | type')" = array ]; then
		check "$spec: the long-poll got a gapless start of them" \
		    "$(jqr '[.data.events[] | select(.type == "message.new") | .content] | to_entries | all(.value == "<p>'"$tag"'\(.key)</p>")')" true
	else
		check "$spec: a poll that could not read answers 503 with the envelope" \
		    "$(jqr .error.code)" SERVICE_UNAVAILABLE
	fi
	n=$(grep -c 'tail: reading the change-log' "$T/bridge.log")
	check "$spec: reads did fail (and were retried)" "$([ "$n" -gt 0 ] && echo yes)" yes
	kill "$BRIDGE_PID"; wait "$BRIDGE_PID" 2>/dev/null; BRIDGE_PID=""
	mv "$T/bridge.log" "$T/bridge-$tag.log.txt"
done
it_done
