#!/bin/sh
# 0310-messages-paging.sh — C14 list messages: the modes none / before /
# after / around of docs/rest.md C14 at every edge (empty dialog, limit 0 and
# 1, first and last message, anchors that are no message), the F16 flags
# as true statements about the dialog, first_unread_message_id by id
# (F15), the S10 limit rules, attachments per message, access and query
# errors.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start

LOW=00000000-0000-7000-8000-000000000000	# sorts before every id
HIGH=ffffffff-ffff-7fff-bfff-ffffffffffff	# sorts after every id

# A dialog without system messages: created empty, then M5 (no message).
empty_dialog() {	# users...
	mgmt POST /api/v1/management/dialogs \
		'{"object_id":"p","object_type":"t","participants":[]}'
	d=$(jqr .data.id)
	for u in "$@"; do
		mgmt POST "/api/v1/management/dialogs/$d/participants" \
			"{\"user_id\":\"$u\",\"display_name\":\"$u\"}"
	done
	echo "$d"
}
page() {	# user dialog query -> BODY
	req GET "/api/v1/dialogs/$2/messages?user_id=$1${3:+&$3}"
}
# The page as "contents|has_more_before|has_more_after|first unread", the
# first unread named by its content ("-" when the key is absent).
pshape() {
	printf '%s' "$BODY" | jq -r '.data as $d | [([$d.messages[].content] | join(",")),
		($d.has_more_before | tostring), ($d.has_more_after | tostring),
		(if $d | has("first_unread_message_id")
		 then ($d.messages[] | select(.id == $d.first_unread_message_id) | .content) // "?"
		 else "-" end)] | join("|")'
}
err() {
	jqr '.error.code + " " + .error.message'
}

# ---- an empty dialog ----------------------------------------------------
E=$(empty_dialog alice)
for q in "" "limit=0" "limit=1" "before=$HIGH" "after=$LOW" "around=$LOW" "around=$HIGH&limit=0"; do
	page alice "$E" "$q"
	check_status 200 "empty dialog ($q)"
	check "empty dialog ($q)" "$(pshape)" "|false|false|-"
	check "empty dialog ($q): exact keys" "$(jqr '.data | keys_unsorted | join(",")')" "messages,has_more_before,has_more_after"
done

# ---- seven messages m1..m7 ------------------------------------------------
P=$(empty_dialog alice bob)
i=1
while [ $i -le 7 ]; do
	req POST "/api/v1/dialogs/$P/messages?user_id=alice" "{\"content\":\"m$i\"}"
	eval "M$i=\$(jqr .data.id)"
	i=$((i + 1))
done
page bob "$P"
check "none: all, ascending" "$(pshape)" "m1,m2,m3,m4,m5,m6,m7|false|false|m1"
check "ids ascending" "$(jqr '[.data.messages[].id] | . == sort')" "true"
check "no attachments keys" "$(jqr '[.data.messages[] | has("attachments")] | any')" "false"
check "page keys" "$(jqr '.data | keys_unsorted | join(",")')" "messages,first_unread_message_id,has_more_before,has_more_after"
page alice "$P"
check "the sender has read all: no first_unread" "$(pshape)" "m1,m2,m3,m4,m5,m6,m7|false|false|-"
page bob "$P" "limit=3"
check "none limit 3" "$(pshape)" "m5,m6,m7|true|false|m5"
page bob "$P" "limit=1"
check "none limit 1" "$(pshape)" "m7|true|false|m7"
page bob "$P" "limit=0"
check "none limit 0: empty, older exist" "$(pshape)" "|true|false|-"
page bob "$P" "limit=7"
check "none limit = count" "$(pshape)" "m1,m2,m3,m4,m5,m6,m7|false|false|m1"

page bob "$P" "before=$M4&limit=2"
check "before m4 limit 2 (F16: newer exist)" "$(pshape)" "m2,m3|true|true|m2"
page bob "$P" "before=$M4"
check "before m4" "$(pshape)" "m1,m2,m3|false|true|m1"
page bob "$P" "before=$M1"
check "before the first" "$(pshape)" "|false|true|-"
page bob "$P" "before=$M2&limit=0"
check "before m2 limit 0" "$(pshape)" "|true|true|-"
page bob "$P" "before=$HIGH&limit=2"
check "before past the end" "$(pshape)" "m6,m7|true|false|m6"
page bob "$P" "before=$LOW"
check "before the start" "$(pshape)" "|false|true|-"

page bob "$P" "after=$M4&limit=2"
check "after m4 limit 2" "$(pshape)" "m5,m6|true|true|m5"
page bob "$P" "after=$M6&limit=5"
check "after m6" "$(pshape)" "m7|true|false|m7"
page bob "$P" "after=$M7"
check "after the last" "$(pshape)" "|true|false|-"
page bob "$P" "after=$LOW&limit=2"
check "after the start (F16: nothing older)" "$(pshape)" "m1,m2|false|true|m1"
page bob "$P" "after=$M3&limit=0"
check "after m3 limit 0" "$(pshape)" "|true|true|-"
page bob "$P" "after=$HIGH"
check "after the end" "$(pshape)" "|true|false|-"

page bob "$P" "around=$M4&limit=4"
check "around m4 limit 4: 2 before, 3 from it, no first_unread" "$(pshape)" "m2,m3,m4,m5,m6|true|true|-"
page bob "$P" "around=$M4"
check "around m4 default limit" "$(pshape)" "m1,m2,m3,m4,m5,m6,m7|false|false|-"
page bob "$P" "around=$M1&limit=4"
check "around the first" "$(pshape)" "m1,m2,m3|false|true|-"
page bob "$P" "around=$M7&limit=4"
check "around the last" "$(pshape)" "m5,m6,m7|true|false|-"
page bob "$P" "around=$HIGH&limit=4"
check "around past the end (no such id)" "$(pshape)" "m6,m7|true|false|-"
page bob "$P" "around=$LOW&limit=4"
check "around before the start (no such id)" "$(pshape)" "m1,m2,m3|false|true|-"
page bob "$P" "around=$M4&limit=0"
check "around limit 0: the anchor only" "$(pshape)" "m4|true|true|-"
page bob "$P" "around=$M4&limit=1"
check "around limit 1: the anchor only" "$(pshape)" "m4|true|true|-"
page bob "$P" "around=$M7&limit=1"
check "around the last, limit 1" "$(pshape)" "m7|true|false|-"
page bob "$P" "around=$HIGH&limit=1"
check "around past the end, limit 1: empty" "$(pshape)" "|true|false|-"

# an anchor from another dialog is only a position
O=$(empty_dialog alice)
req POST "/api/v1/dialogs/$O/messages?user_id=alice" '{"content":"elsewhere"}'
OTHER=$(jqr .data.id)
page bob "$P" "before=$OTHER&limit=2"
check "anchor of another dialog (newer than all)" "$(pshape)" "m6,m7|true|false|m6"

# precedence: around > after > before
page bob "$P" "before=$M2&after=$M5&around=$M4&limit=2"
check "around wins" "$(pshape)" "m3,m4,m5|true|true|-"
page bob "$P" "before=$M2&after=$M5&limit=2"
check "after beats before" "$(pshape)" "m6,m7|true|false|m6"

# ---- first_unread_message_id by id (F15) ----------------------------------
req POST "/api/v1/dialogs/$P/read?user_id=bob" "{\"last_read_message_id\":\"$M3\"}"
check_status 200 "bob reads m3"
page bob "$P"
check "first unread after m3" "$(pshape)" "m1,m2,m3,m4,m5,m6,m7|false|false|m4"
page bob "$P" "before=$M3"
check "nothing unread in the page" "$(pshape)" "m1,m2|false|true|-"
page bob "$P" "limit=2"
check "first unread is the page's first newer one" "$(pshape)" "m6,m7|true|false|m6"
page bob "$P" "after=$M2&limit=3"
check "after m2: m4 is the first unread" "$(pshape)" "m3,m4,m5|true|true|m4"
page bob "$P" "around=$M5&limit=2"
check "around never has first_unread" "$(pshape)" "m4,m5,m6|true|true|-"
req DELETE "/api/v1/dialogs/$P/messages/$M3?user_id=alice"
check_status 204 "delete bob's read message"
page bob "$P" "limit=3"
check "position gone: first of the page" "$(pshape)" "m5,m6,m7|true|false|m5"
page bob "$P" "after=$M2&limit=2"
check "deleted m3 is skipped by paging" "$(pshape)" "m4,m5|true|true|m4"
page bob "$P" "around=$M3&limit=2"
check "around a deleted id" "$(pshape)" "m2,m4,m5|true|true|-"

# ---- attachments of the page: one array per message, in order ------------
req POST "/api/v1/dialogs/$P/messages?user_id=bob" "{\"content\":\"a1\",\"attachments\":[
	{\"s3_key\":\"dialogs/$P/x1\",\"filename\":\"x1\",\"content_type\":\"image/png\",\"size\":10},
	{\"s3_key\":\"dialogs/$P/x2\",\"filename\":\"x2\",\"content_type\":\"text/csv\",\"size\":20}]}"
check_status 200 "send with two attachments"
req POST "/api/v1/dialogs/$P/messages?user_id=bob" '{"content":"plain"}'
req POST "/api/v1/dialogs/$P/messages?user_id=bob" "{\"content\":\"a2\",\"attachments\":[
	{\"s3_key\":\"dialogs/$P/x3\",\"filename\":\"x3\",\"content_type\":\"video/mp4\",\"size\":30}]}"
page alice "$P" "limit=4"
check "attachments attached to their messages" \
	"$(jqr '[.data.messages[] | .content + ":" + ((.attachments // []) | map(.filename) | join("+"))] | join(" ")')" \
	"m7: a1:x1+x2 plain: a2:x3"
check "no attachments key when none" "$(jqr '[.data.messages[] | has("attachments")] | map(tostring) | join(",")')" "false,true,false,true"
check "attachment object" "$(printf '%s' "$BODY" | jq -c '.data.messages[1].attachments[1] | del(.id)')" '{"filename":"x2","content_type":"text/csv","size":20,"url":""}'
page alice "$P" "limit=1"
check "the page's attachments only" "$(jqr '[.data.messages[] | .content + ":" + ((.attachments // []) | map(.filename) | join("+"))] | join(" ")')" "a2:x3"
check "first_unread for alice: bob's message after her position" "$(pshape)" "a2|true|false|a2"

# ---- limit (S10) ----------------------------------------------------------
B=$(empty_dialog alice)
seq 1 105 | xargs -P 8 -I{} curl -s -o /dev/null -X POST \
	-H 'Content-Type: application/json' --data-binary '{"content":"n{}"}' \
	"$BASE/api/v1/dialogs/$B/messages?user_id=alice"
page alice "$B" "limit=1000"
check "limit over 100 is 100" "$(jqr '.data.messages | length')" "100"
check "clamped page: older exist" "$(jqr '.data.has_more_before')" "true"
page alice "$B" "limit=101&before=$HIGH"
check "before, limit clamped" "$(jqr '.data.messages | length')" "100"
page alice "$B"
check "default limit 50" "$(jqr '.data.messages | length')" "50"
page alice "$B" "limit=-1"
check_status 400 "negative limit"
check "negative limit" "$(err)" "INVALID_INPUT limit must not be negative"
for q in "limit=abc" "limit=" "limit=1.5" "limit=99999999999999999999" \
    "before=xyz" "after=" "around=123" "before=$M1&around=nope"; do
	page alice "$B" "$q"
	check_status 400 "bad query $q"
	check "bad query $q is plain text" "$(printf '%s' "$BODY" | grep -c '^Failed to deserialize query string')" "1"
done
page alice "$B" "limit=%2B5"
check "limit +5 (optional sign)" "$(jqr '.data.messages | length')" "5"

# ---- access ---------------------------------------------------------------
page carol "$P"
check_status 403 "list by a non-participant"
check "list by a non-participant" "$(err)" "FORBIDDEN Not a participant. Join the dialog first."
page alice 0191e2a4-0000-7000-8000-000000000001
check_status 403 "list of a missing dialog"
check "list of a missing dialog" "$(err)" "FORBIDDEN Not a participant. Join the dialog first."
page alice "not-a-uuid"
check_status 400 "list: bad UUID in the path"
req GET "/api/v1/dialogs/$P/messages"
check "list: no user_id" "$(err)" "BAD_REQUEST user_id query parameter required"
page carol "$P" "limit=abc"
check_status 400 "query errors come before access"

it_done
