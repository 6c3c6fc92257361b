#!/bin/sh
# 0345-send-retry.sh — sends can be retried safely (issue 15): the same
# Idempotency-Key (or client_message_id) from the same user to the same
# dialog answers the first message again, writes nothing and sends no
# event; a read mark racing the deletion of its message is a no-op (200),
# while a message of another dialog is still a 404 (S8).
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start
p() { printf '{"user_id":"%s","display_name":"%s"}' "$1" "$1"; }
mgmt POST /api/v1/management/dialogs "{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p bob)]}"
D=$(jqr .data.id)
mgmt POST /api/v1/management/dialogs "{\"object_id\":\"o2\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p bob)]}"
D2=$(jqr .data.id)
U="/api/v1/dialogs/$D/messages?user_id=alice"

# send KEY BODY: with an Idempotency-Key header; headers in $T/h
send() {
	STATUS=$(curl -s -o "$T/body" -D "$T/h" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' -H "Idempotency-Key: $1" \
	    --data-binary "$2" "$BASE$U")
	BODY=$(cat "$T/body")
}
send k-1 '{"content":"<p>once</p>"}'
check_status 200 "first send"
ID=$(jqr .data.id)
FIRST=$(printf '%s' "$BODY" | jq -c .data)
check "first send is not a replay" "$(grep -ci '^idempotent-replayed' "$T/h")" 0
send k-1 '{"content":"<p>once</p>"}'
check_status 200 "the retry"
check "the retry answers the same message" "$(printf '%s' "$BODY" | jq -c .data)" "$FIRST"
check "and says so" "$(grep -ci '^idempotent-replayed: true' "$T/h")" 1
check "one message written" "$(events_of message.new "$D")" 1
req GET "/api/v1/dialogs/$D/messages?user_id=bob"
check "one message listed" "$(jqr '[.data.messages[] | select(.message_type == "user")] | length')" 1
send k-2 '{"content":"<p>once</p>"}'
check "another key is another message" "$(jqr .data.id | grep -vc "$ID")" 1
# the key is the user's, in that dialog
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H 'Idempotency-Key: k-1' --data-binary '{"content":"<p>bob</p>"}' \
    "$BASE/api/v1/dialogs/$D/messages?user_id=bob")
check "bob's k-1 is bob's own" "$(jq -r .data.sender_id "$T/body")" bob
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H 'Idempotency-Key: k-1' --data-binary '{"content":"<p>other</p>"}' \
    "$BASE/api/v1/dialogs/$D2/messages?user_id=alice")
check "k-1 in another dialog is another message" "$(jq -r .data.dialog_id "$T/body")" "$D2"
# in the body, for clients that cannot set headers
req POST "$U" '{"content":"<p>body key</p>","client_message_id":"c-9"}'
B1=$(jqr .data.id)
req POST "$U" '{"content":"<p>body key</p>","client_message_id":"c-9"}'
check "client_message_id works the same" "$(jqr .data.id)" "$B1"
# bad keys
req POST "$U" '{"content":"x","client_message_id":""}'
check_status 400 "an empty key"
check "refusal envelope" "$(jqr .error.code)" INVALID_INPUT
send 'a b' '{"content":"x"}'
check_status 400 "a key with a space"
send "$(head -c 300 /dev/zero | tr '\0' 'k')" '{"content":"x"}'
check_status 400 "a key over 255 characters"
req POST "$U" '{"content":"x","client_message_id":42}'
check_status 422 "a client_message_id that is no string"
# a retry after the message was deleted: the key is spent, a new message
req DELETE "/api/v1/dialogs/$D/messages/$B1?user_id=alice"
req POST "$U" '{"content":"<p>body key</p>","client_message_id":"c-9"}'
check "after a delete the key makes a new message" "$(jqr .data.id | grep -vc "$B1")" 1

# a read mark racing a delete
req POST "/api/v1/dialogs/$D/messages?user_id=bob" '{"content":"<p>gone soon</p>"}'
G=$(jqr .data.id)
req DELETE "/api/v1/dialogs/$D/messages/$G?user_id=bob"
check_status 204 "bob deletes it"
req POST "/api/v1/dialogs/$D/read?user_id=alice" "{\"last_read_message_id\":\"$G\"}"
check_status 200 "marking the just-deleted message read is a no-op"
req POST "/api/v1/dialogs/$D2/read?user_id=alice" "{\"last_read_message_id\":\"$G\"}"
check_status 404 "a message of another dialog is still not found (S8)"
check "with its code" "$(jqr .error.code)" MESSAGE_NOT_FOUND
it_done
