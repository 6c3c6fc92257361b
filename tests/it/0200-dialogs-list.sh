#!/bin/sh
# 0200-dialogs-list.sh — the dialog reads C1–C4 through the real server:
# exact field presence (docs/rest.md#dialog-list-item with F9), scope matching
# (docs/api.md#scopes, F7), ordering and paging of C1 (F6, S10), search (F21),
# the archived filter, the two branches of C4 (F8), and every documented error
# of these endpoints.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start

NO_ID=0191e2a4-0000-7000-8000-000000000001
K0="id,object_id,object_type,title,object_url,created_by,created_at"
STATE="unread_count,is_archived,is_pinned,notifications_enabled"
MINE="$K0,participants_count,i_am_participant,can_join,$STATE,last_message_at,last_message,participants"
OPEN="$K0,participants_count,i_am_participant,can_join,last_message_at,participants"

SA=$(scope_b64 '{"scope_level0":["tenant-a"]}')
SAX=$(scope_b64 '{"scope_level0":["tenant-a"],"scope_level1":["dept-x"]}')
SB=$(scope_b64 '{"scope_level0":["tenant-b"]}')
SEMPTY=$(scope_b64 '{}')
SCHAT=$(scope_b64 '{"scope_level2":["chat:access"],"other":1}')
SCASE=$(scope_b64 '{"scope_level0":["Tenant-A"]}')

new_dialog() {	# body -> dialog id
	mgmt POST /api/v1/management/dialogs "$1"
	jqr .data.id
}
get() {		# user path [query] -> BODY (with SCOPE as set)
	req GET "$2?user_id=$1${3:+&$3}"
}
list() {	# user [query] -> BODY of C1
	get "$1" /api/v1/dialogs "${2:-}"
}
ids() {		# the ids of a list, in order
	jqr '[.data[].id] | join(" ")'
}
keys() {	# the keys of item N of a list
	jqr ".data[$1] | keys_unsorted | join(\",\")"
}
err() {
	jqr '.error.code + " " + .error.message'
}

D1=$(new_dialog '{"object_id":"T1","object_type":"tender","title":"Tender Alpha 100%",
	"meta":{"priority":"high"},
	"participants":[{"user_id":"alice","display_name":"Alice","company":"Acme"},
	                {"user_id":"bob","display_name":"Bob"}],
	"access_scopes":[{"scope_level0":["tenant-a"]}]}')
D2=$(new_dialog '{"object_id":"T1","object_type":"tender",
	"participants":[{"user_id":"bob","display_name":"Bob","company":"Beta_Co"}],
	"access_scopes":[{"scope_level0":["tenant-a"],"scope_level1":["dept-x"]}]}')
D3=$(new_dialog '{"object_id":"O1","object_type":"order","title":"Заказ Мебели",
	"participants":[{"user_id":"alice","display_name":"Alice"}]}')
D4=$(new_dialog '{"object_id":"O2","object_type":"order","title":"Wildcard",
	"participants":[{"user_id":"carol","display_name":"Carol"}],
	"access_scopes":[{}]}')
D5=$(new_dialog '{"object_id":"T2","object_type":"tender","title":"Other",
	"participants":[{"user_id":"dave","display_name":"Dave"}],
	"access_scopes":[{"scope_level0":["tenant-b"]},{"scope_level2":["chat:access"]}]}')
D6=$(new_dialog '{"object_id":"M6","object_type":"misc","title":"Empty",
	"participants":[],"access_scopes":[{"scope_level0":["tenant-a"]}]}')
D7=$(new_dialog '{"object_id":"M7","object_type":"misc",
	"participants":[{"user_id":"bob","display_name":"Bob"}]}')
check "fixtures" "$(printf '%s\n' "$D1" "$D2" "$D3" "$D4" "$D5" "$D6" "$D7" | grep -c '^[0-9a-f-]\{36\}$')" "7"

# ---- identity and scope header errors (every list endpoint) --------------
for p in /api/v1/dialogs "/api/v1/dialogs/$D1" /api/v1/dialogs/by-object/tender/T1 \
    /api/v1/dialogs/by-object/tender/T1/list; do
	req GET "$p"
	check "$p: no user_id" "$STATUS $(err)" "400 BAD_REQUEST user_id query parameter required"
	req GET "$p?user_id="
	check "$p: empty user_id" "$STATUS $(err)" "400 BAD_REQUEST user_id cannot be empty"
	SCOPE='!!!notbase64'
	get alice "$p"
	check "$p: bad base64" "$STATUS $(err)" "400 BAD_REQUEST Invalid X-Scope-Config: not valid base64"
	SCOPE=$(scope_b64 '[1]')
	get alice "$p"
	check "$p: not an object" "$STATUS $(err)" "400 BAD_REQUEST Invalid X-Scope-Config: not valid JSON"
	SCOPE=$(scope_b64 '{"scope_level0":"tenant-a"}')
	get alice "$p"
	check "$p: level not an array" "$STATUS $(err)" "400 BAD_REQUEST Invalid X-Scope-Config: not valid JSON"
	SCOPE=""
done

# ---- C1: query errors ---------------------------------------------------
list alice "type=bogus"
check "C1 invalid type" "$STATUS $(err)" "400 BAD_REQUEST Invalid type parameter"
list alice "type="
check "C1 empty type" "$STATUS $(err)" "400 BAD_REQUEST Invalid type parameter"
list alice "type=available"
check "C1 available without header" "$STATUS $(err)" \
	"400 BAD_REQUEST X-Scope-Config header required for available dialogs"
for q in limit=abc limit= offset=1.5 archived=yes archived= "archived=TRUE"; do
	list alice "$q"
	check "C1 $q: plain 400" "$STATUS $(printf '%s' "$BODY" | cut -c1-34)" \
		"400 Failed to deserialize query string"
done
# lighttpd refuses %00 itself; as plain CGI the program answers it.
out=$(with_env env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
	REQUEST_URI=/api/v1/dialogs QUERY_STRING='user_id=alice&search=a%00b' \
	"$MTCHAT_BUILD/mtchat.fcgi" </dev/null | tr -d '\r')
check "C1 NUL in search: plain 400" "$(printf '%s\n' "$out" | head -1) $(printf '%s\n' "$out" | tail -1 | cut -c1-34)" \
	"Status: 400 Bad Request Failed to deserialize query string"
list alice "limit=x&type=bogus"
check "C1 query decoding before the type check" "$STATUS" "400"
check "C1 query decoding before the type check: plain" "$(err)" ""
list alice "limit=-1"
check "C1 negative limit (S10)" "$STATUS $(err)" "400 INVALID_INPUT limit must not be negative"
list alice "type=bogus&limit=-1"
check "C1 type checked before limit" "$(err)" "BAD_REQUEST Invalid type parameter"
req GET "/api/v1/dialogs/not-a-uuid?user_id=alice"
check "C2 bad uuid: plain 400" "$STATUS $(printf '%s' "$BODY" | cut -c1-12)" "400 Invalid URL:"

# ---- C1 participating: presence matrix, F7 ------------------------------
list alice
check_status 200 "C1 alice"
check "C1 alice: both dialogs, newest first" "$(ids)" "$D3 $D1"
check "C1 participating keys (no meta)" "$(keys 0)" "$MINE"
check "C1 participating keys (meta)" "$(keys 1)" "$(echo "$MINE" | sed 's/created_at/created_at,meta/')"
check "C1 participating values" "$(jqr '.data[1] | [.participants_count, .i_am_participant, .can_join, .unread_count, .is_archived, .is_pinned, .notifications_enabled, .meta.priority, .created_by, .object_url] | map(tostring) | join(" ")')" \
	"2 true false 0 false false true high alice null"
check "C1 participants summary (nulls omitted)" "$(jqr '.data[1].participants | tostring')" \
	'[{"user_id":"alice","display_name":"Alice","company":"Acme"},{"user_id":"bob","display_name":"Bob"}]'
check "C1 last_message of a system message" "$(jqr '.data[1].last_message | keys_unsorted | join(",")')" \
	"id,content,sent_at,message_type"
check "C1 last_message_at is the last message's sent_at" "$(jqr '.data[1].last_message_at == .data[1].last_message.sent_at')" "true"
check "C1 chat_created content" "$(jqr '.data[1].last_message.content | fromjson | .event')" "chat_created"
SCOPE=$SB
list alice
check "F7: a non-matching header hides nothing of one's own" "$(ids)" "$D3 $D1"
SCOPE=$SEMPTY
list alice
check "F7: empty scopes hide nothing either" "$(ids)" "$D3 $D1"
SCOPE=""
list nobody
check "C1 for a user in no dialog" "$STATUS $BODY" '200 {"data":[]}'

# ---- C1 available: scope matching (docs/api.md#scopes)
# ----------------------------------
avail() {	# scope user [query] -> ids
	SCOPE=$1
	list "$2" "type=available${3:+&$3}"
	SCOPE=""
	ids
}
check "docs/api.md#scopes level0 value; empty levels match" "$(avail "$SA" erin)" "$D6 $D4 $D1"
check "docs/api.md#scopes every non-empty level must share a value" "$(avail "$SAX" erin)" "$D6 $D4 $D2 $D1"
check "docs/api.md#scopes {} matches only all-empty rows" "$(avail "$SEMPTY" erin)" "$D4"
check "docs/api.md#scopes OR across rows; unknown keys ignored" "$(avail "$SCHAT" erin)" "$D5 $D4"
check "docs/api.md#scopes values are case-sensitive" "$(avail "$SCASE" erin)" "$D4"
check "docs/api.md#scopes other tenant" "$(avail "$SB" erin)" "$D5 $D4"
check "available never lists one's own dialogs" "$(avail "$SA" carol)" "$D6 $D1"
check "available ignores archived" "$(avail "$SA" erin archived=true)" "$D6 $D4 $D1"
SCOPE=$SA
list erin "type=available"
check "available keys (no participants, no messages)" "$(keys 0)" "$K0,participants_count,i_am_participant,can_join"
check "available values" "$(jqr '.data[0] | [.participants_count, .i_am_participant, .can_join] | map(tostring) | join(" ")')" "0 false true"
check "available keys (meta, participants, messages)" "$(keys 2)" "$(echo "$OPEN" | sed 's/created_at/created_at,meta/')"
list erin "type=available&limit=1&offset=1"
check "available paging" "$(ids)" "$D4"
SCOPE=""

# ---- C1 search (F21) ----------------------------------------------------
search() {	# user query-value [scope] -> ids
	SCOPE=${3:-}
	list "$1" "search=$2${3:+&type=available}"
	SCOPE=""
	ids
}
check "search: title, case-insensitive" "$(search alice aLPHa)" "$D1"
check "search: '+' is a space" "$(search alice Tender+alpha)" "$D1"
check "search: any participant's company" "$(search alice ACME)" "$D1"
check "search: % is literal" "$(search alice %25)" "$D1"
check "search: _ is literal" "$(search alice _)" ""
check "search: _ inside a company" "$(search bob A_C)" "$D2"
check "search: % inside a word is literal" "$(search bob a%25c)" ""
check "search: Cyrillic, case-insensitive" "$(search alice %D0%BC%D0%B5%D0%B1%D0%B5%D0%BB%D0%B8)" "$D3"
check "search: Cyrillic upper case" "$(search alice %D0%97%D0%90%D0%9A%D0%90%D0%97)" "$D3"
check "search: empty means no filter" "$(search bob '')" "$D7 $D2 $D1"
check "search: no match" "$(search bob zzz)" ""
check "search: available dialogs too" "$(search erin EMP "$SA")" "$D6"

# ---- C1 ordering (F6), unread and last message, archived filter ---------
E1=$(new_dialog '{"object_id":"E1","object_type":"ord","title":"E1","participants":[
	{"user_id":"olga","display_name":"Olga"},{"user_id":"pete","display_name":"Pete","company":"P"}]}')
E2=$(new_dialog '{"object_id":"E2","object_type":"ord","title":"E2","participants":[{"user_id":"olga","display_name":"Olga"}]}')
E3=$(new_dialog '{"object_id":"E3","object_type":"ord","title":"E3","participants":[{"user_id":"olga","display_name":"Olga"}]}')
list olga
check "F6: creation order without messages" "$(ids)" "$E3 $E2 $E1"
req POST "/api/v1/dialogs/$E1/messages?user_id=pete" '{"content":"hello olga"}'
check_status 200 "pete sends"
M=$(jqr .data.id)
list olga
check "F6: the latest activity first" "$(ids)" "$E1 $E3 $E2"
check "unread counts another user's message" "$(jqr '.data[0].unread_count')" "1"
check "last_message of a user message" "$(jqr '.data[0].last_message | [keys_unsorted, .id == "'"$M"'", .content, .sender_id, .sender_name, .message_type] | tostring')" \
	'[["id","content","sender_id","sender_name","sent_at","message_type"],true,"hello olga","pete","Pete","user"]'
req POST "/api/v1/dialogs/$E2/pin?user_id=olga" ''
list olga
check "F6: pinned first" "$(ids)" "$E2 $E1 $E3"
check "pinned flag" "$(jqr '[.data[].is_pinned] | map(tostring) | join(" ")')" "true false false"
req POST "/api/v1/dialogs/$E3/pin?user_id=olga" ''
list olga
check "F6: pinned by activity, then the others" "$(ids)" "$E3 $E2 $E1"
req POST "/api/v1/dialogs/$E3/archive?user_id=olga" ''
list olga "archived=true"
check "archived=true" "$(ids)" "$E3"
check "archived flag" "$(jqr '.data[0].is_archived')" "true"
list olga "archived=false"
check "archived=false" "$(ids)" "$E2 $E1"
list olga
check "archived absent: both" "$(ids)" "$E3 $E2 $E1"
mgmt DELETE "/api/v1/management/dialogs/$E1/participants/pete"
list olga "archived=false"
check "sender_name omitted once the sender left" "$(jqr '.data[1].last_message | [has("sender_id"), has("sender_name")] | tostring')" "[true,false]"

# ---- C1 paging (S10) ----------------------------------------------------
i=0
while [ $i -lt 101 ]; do
	mgmt POST /api/v1/management/dialogs "{\"object_id\":\"p$i\",\"object_type\":\"page\",\"participants\":[{\"user_id\":\"many\",\"display_name\":\"M\"}]}"
	i=$((i + 1))
done
list many
check "default limit 50" "$(jqr '.data | length')" "50"
ALL=$(ids)
list many "limit=1000"
check "limit above 100 is 100" "$(jqr '.data | length')" "100"
check "the page is the start of the whole list" "$(ids | cut -d' ' -f1-50)" "$ALL"
list many "limit=100&offset=100"
check "offset 100 leaves one" "$(jqr '.data | length')" "1"
list many "limit=0"
check "limit 0: empty list" "$STATUS $BODY" '200 {"data":[]}'
list many "limit=2&offset=-5"
check "negative offset is 0" "$(ids)" "$(echo "$ALL" | cut -d' ' -f1-2)"
list many "limit=2&offset=1"
check "limit and offset" "$(ids)" "$(echo "$ALL" | cut -d' ' -f2-3)"
list many "offset=1000"
check "offset past the end" "$BODY" '{"data":[]}'

# ---- C2 -----------------------------------------------------------------
nev() {
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail | wc -l | tr -d ' '
}
N0=$(nev)
get alice "/api/v1/dialogs/$D1"
check_status 200 "C2 participant"
check "C2 participant keys" "$(jqr '.data | keys_unsorted | join(",")')" \
	"$K0,meta,participants_count,i_am_participant,can_join,participants"
check "C2 participant values" "$(jqr '.data | [.participants_count, .i_am_participant, .can_join, (.participants | length)] | map(tostring) | join(" ")')" "2 true false 2"
get alice "/api/v1/dialogs/$NO_ID"
check "C2 missing dialog" "$STATUS $(err)" "404 DIALOG_NOT_FOUND Dialog not found"
get erin "/api/v1/dialogs/$D1"
check "C2 no header" "$STATUS $(err)" "403 SCOPE_MISMATCH No access to this dialog"
SCOPE=$SB
get erin "/api/v1/dialogs/$D1"
check "C2 non-matching header" "$STATUS $(err)" "403 SCOPE_MISMATCH No access to this dialog"
SCOPE=$SA
get erin "/api/v1/dialogs/$D1"
check_status 200 "C2 potential participant"
check "C2 potential participant keys" "$(jqr '.data | keys_unsorted | join(",")')" "$K0,meta,i_am_participant,can_join"
check "C2 potential participant values" "$(jqr '.data | [.i_am_participant, .can_join] | map(tostring) | join(" ")')" "false true"
get erin "/api/v1/dialogs/$D3"
check "C2 a dialog without scopes is closed" "$STATUS $(err)" "403 SCOPE_MISMATCH No access to this dialog"
SCOPE=""
get alice "/api/v1/dialogs/$(echo "$D3" | tr a-f A-F | tr -d -)"
check "C2 lenient uuid" "$STATUS $(jqr .data.id)" "200 $D3"

# ---- C3 -----------------------------------------------------------------
byobj() {	# user type id
	get "$1" "/api/v1/dialogs/by-object/$2/$3"
}
byobj alice tender T1
check "C3 participant" "$STATUS $(jqr .data.id)" "200 $D1"
check "C3 participant keys (F9)" "$(jqr '.data | keys_unsorted | join(",")')" \
	"$(echo "$MINE" | sed 's/created_at/created_at,meta/')"
byobj bob tender T1
check "C3 the newest accessible" "$(jqr .data.id)" "$D2"
byobj erin tender T1
check "C3 no header, not a participant" "$STATUS $BODY" '200 {"data":null}'
SCOPE=$SA
byobj erin tender T1
check "C3 potential participant" "$(jqr .data.id)" "$D1"
check "C3 potential participant keys" "$(jqr '.data | keys_unsorted | join(",")')" \
	"$(echo "$OPEN" | sed 's/created_at/created_at,meta/')"
SCOPE=$SAX
byobj erin tender T1
check "C3 newest with a wider header" "$(jqr .data.id)" "$D2"
SCOPE=$SB
byobj alice tender T1
check "C3 F7: own dialog despite the header" "$(jqr .data.id)" "$D1"
byobj alice tender NOPE
check "C3 no dialog for the object" "$STATUS $BODY" '200 {"data":null}'
SCOPE=""
byobj alice order O1
check "C3 no scopes, participant" "$(jqr .data.id)" "$D3"
D8=$(new_dialog '{"object_id":"c+d","object_type":"a b","participants":[{"user_id":"alice","display_name":"Alice"}]}')
get alice "/api/v1/dialogs/by-object/a%20b/c+d"
check "C3 decoded path segments, + kept" "$STATUS $(jqr .data.id)" "200 $D8"

# ---- C4 -----------------------------------------------------------------
objlist() {	# user [query] -> BODY of tender/T1's list
	get "$1" /api/v1/dialogs/by-object/tender/T1/list "${2:-}"
}
objlist bob
check "C4 participant branch" "$(ids)" "$D2 $D1"
check "C4 participant keys" "$(keys 0)" "$MINE"
SCOPE=$SAX
objlist erin
check "C4 available branch" "$(ids)" "$D2 $D1"
check "C4 available keys" "$(keys 0)" "$OPEN"
objlist alice
check "C4 both branches" "$(ids)" "$D2 $D1"
check "C4 mixed items" "$(jqr '[.data[].i_am_participant] | map(tostring) | join(" ")')" "false true"
objlist alice type=available
check "C4 type=available excludes own dialogs (F8)" "$(ids)" "$D2"
objlist alice type=participating
check "C4 type=participating" "$(ids)" "$D1"
req POST "/api/v1/dialogs/$D1/archive?user_id=alice" ''
objlist alice archived=false
check "C4 archived=false cannot be bypassed (F8)" "$(ids)" "$D2"
objlist alice archived=true
check "C4 archived=true" "$(ids)" "$D2 $D1"
objlist alice "type=available&archived=true"
check "C4 archived ignored for available" "$(ids)" "$D2"
req POST "/api/v1/dialogs/$D1/unarchive?user_id=alice" ''
objlist alice search=ALPHA
check "C4 search" "$(ids)" "$D1"
objlist alice search=beta_
check "C4 search by company" "$(ids)" "$D2"
objlist alice type=bogus
check "C4 invalid type" "$STATUS $(err)" "400 BAD_REQUEST Invalid type parameter"
objlist alice archived=maybe
check "C4 bad archived: plain 400" "$STATUS $(printf '%s' "$BODY" | cut -c1-34)" \
	"400 Failed to deserialize query string"
SCOPE=""
objlist alice
check "C4 no header: own only" "$(ids)" "$D1"
objlist alice type=available
check "C4 no header, type=available" "$(ids)" ""
get alice /api/v1/dialogs/by-object/tender/NOPE/list
check "C4 unknown object" "$STATUS $BODY" '200 {"data":[]}'

# ---- reads (and archive/unarchive) write no events ------------------------
check "C2–C4 and archive/unarchive wrote no events" "$(nev)" "$((N0 + 1))"

it_done
