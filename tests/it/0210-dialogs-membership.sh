#!/bin/sh
# 0210-dialogs-membership.sh — join, leave, the per-user flags and the
# participant list (C5–C11, C13) through the real server: exact bodies,
# every documented error in the documented order, the change-log rows each
# call writes (and that C7–C11 write none), unread counts of a joiner (F15),
# concurrent joins (F4), leave by a non-participant (S5), the left name
# fallback (F20), what non-participants see (S6) and is_online.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start

NO_ID=0191e2a4-0000-7000-8000-000000000001
SA=$(scope_b64 '{"scope_level0":["tenant-a"]}')
SB=$(scope_b64 '{"scope_level0":["tenant-b"]}')
SEMPTY=$(scope_b64 '{}')
FULL="dialog_id,user_id,joined_at,joined_as,notifications_enabled,last_read_message_id,unread_count,display_name,company,email,phone,is_archived,is_pinned,is_online"
LIMITED="dialog_id,user_id,joined_at,joined_as,display_name,company,email,phone,is_online"

new_dialog() {	# body -> dialog id
	mgmt POST /api/v1/management/dialogs "$1"
	jqr .data.id
}
err() {
	jqr '.error.code + " " + .error.message'
}
plain() {	# the first n characters of a plain-text body
	printf '%s' "$BODY" | cut -c1-"$1"
}
nev() {		# number of change-log rows
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail | wc -l | tr -d ' '
}
rows_of() {	# type dialog -> JSON lines
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
		jq -c "select(.type == \"$1\" and .dialog_id == \"$2\")"
}
pfield() {	# dialog user filter (management view), e.g. .unread_count
	mgmt GET "/api/v1/management/dialogs/$1"
	jqr ".data.participants[] | select(.user_id == \"$2\") | $3"
}
pcount() {	# dialog -> number of participants
	mgmt GET "/api/v1/management/dialogs/$1"
	jqr '.data.participants | length'
}
join() {	# user dialog body (SCOPE as set)
	req POST "/api/v1/dialogs/$2/join?user_id=$1" "$3"
}
post() {	# user dialog action [body]
	req POST "/api/v1/dialogs/$2/$3?user_id=$1" "${4:-}"
}
send() {	# user dialog text
	req POST "/api/v1/dialogs/$2/messages?user_id=$1" "{\"content\":\"$3\"}"
}
sql() {		# fixture changes the API cannot make (presence, a NULL name)
	it_sql "$1"
}
CAROL='{"display_name":"Carol","company":"Beta","email":"c@x.example","phone":null}'

J=$(new_dialog '{"object_id":"J","object_type":"join","title":"Join me","participants":[
	{"user_id":"alice","display_name":"Alice","company":"Acme","email":"a@x.example","phone":"+1"},
	{"user_id":"bob","display_name":"Bob"}],
	"access_scopes":[{"scope_level0":["tenant-a"]}]}')
K=$(new_dialog '{"object_id":"K","object_type":"join","participants":[{"user_id":"alice","display_name":"Alice"}]}')
check "fixtures" "$(printf '%s\n' "$J" "$K" | grep -c '^[0-9a-f-]\{36\}$')" "2"
send alice "$J" one
send alice "$J" two
send bob "$J" three
check_status 200 "messages sent"

# ---- C5 join: errors before the handler ---------------------------------
SCOPE=$SA
req POST "/api/v1/dialogs/$J/join" "$CAROL"
check "C5 no user_id" "$STATUS $(err)" "400 BAD_REQUEST user_id query parameter required"
SCOPE=""
join carol "$J" "$CAROL"
check "C5 header required" "$STATUS $(err)" "400 BAD_REQUEST X-Scope-Config header required"
SCOPE='a b'
join carol "$J" "$CAROL"
check "C5 bad base64" "$STATUS $(err)" "400 BAD_REQUEST Invalid X-Scope-Config: not valid base64"
SCOPE=$(scope_b64 '{"scope_level1":[null]}')
join carol "$J" "$CAROL"
check "C5 bad scope JSON" "$STATUS $(err)" "400 BAD_REQUEST Invalid X-Scope-Config: not valid JSON"
SCOPE=$SA
join carol not-a-uuid "$CAROL"
check "C5 bad uuid: plain 400" "$STATUS $(plain 12)" "400 Invalid URL:"
CT=""; join carol "$J" "$CAROL"
check "C5 no content type: 415" "$STATUS" "415"
CT="text/plain"; join carol "$J" "$CAROL"
check "C5 text/plain: 415" "$STATUS" "415"
CT=application/json
join carol "$J" '{"display_name":'
check "C5 broken JSON: plain 400" "$STATUS $(plain 40)" "400 Failed to parse the request body as JSON"
join carol "$J" ''
check "C5 empty body: plain 400" "$STATUS $(plain 40)" "400 Failed to parse the request body as JSON"
for b in '[]' '{"company":"Beta"}' '{"display_name":"Carol"}' '{"display_name":null,"company":"B"}' \
    '{"display_name":"C","company":null}' '{"display_name":"C","company":1}' \
    '{"display_name":"C","company":"B","email":5}' '{"display_name":"C","company":"B","phone":[]}'; do
	join carol "$J" "$b"
	check "C5 shape $b: plain 422" "$STATUS $(plain 40)" "422 Failed to deserialize the JSON body into"
done
CT="application/vnd.api+json; charset=utf-8"; join carol "$NO_ID" "$CAROL"
check "C5 +json content type accepted" "$STATUS" "404"
CT=application/json

# ---- C5 join: checks in order (C5) --------------------------------------
N0=$(nev)
join carol "$NO_ID" '{"display_name":" ","company":""}'
check "C5 missing dialog first" "$STATUS $(err)" "404 DIALOG_NOT_FOUND Dialog not found"
SCOPE=$SB
join alice "$J" '{"display_name":" ","company":""}'
check "C5 already a participant before scope access" "$STATUS $(err)" "400 BAD_REQUEST Already a participant"
join carol "$J" '{"display_name":" ","company":""}'
check "C5 no scope access before validation" "$STATUS $(err)" "403 FORBIDDEN No access to join this dialog"
SCOPE=$SEMPTY
join carol "$K" "$CAROL"
check "C5 a dialog without scopes cannot be joined" "$STATUS $(err)" "403 FORBIDDEN No access to join this dialog"
SCOPE=$SA
long() { head -c "$1" /dev/zero | tr '\0' x; }
cyr101=$(i=0; while [ $i -lt 101 ]; do printf 'ж'; i=$((i + 1)); done)
for c in \
    '{"display_name":"   ","company":"'"$(long 201)"'"}|display_name is required' \
    '{"display_name":"","company":""}|display_name is required' \
    '{"display_name":"\t\u3000","company":""}|display_name is required' \
    '{"display_name":"'"$(long 201)"'","company":"'"$(long 201)"'"}|display_name exceeds maximum length of 200 characters' \
    '{"display_name":"'"$cyr101"'","company":""}|display_name exceeds maximum length of 200 characters' \
    '{"display_name":"C","company":"'"$(long 201)"'","email":"'"$(long 255)"'"}|company exceeds maximum length of 200 characters' \
    '{"display_name":"C","company":"","email":"'"$(long 255)"'","phone":"'"$(long 51)"'"}|email exceeds maximum length of 254 characters' \
    '{"display_name":"C","company":"","phone":"'"$(long 51)"'"}|phone exceeds maximum length of 50 characters'; do
	join carol "$J" "${c%%|*}"
	check "C5 validation: ${c##*|}" "$STATUS $(err)" "400 INVALID_INPUT ${c##*|}"
done
join "$(long 256)" "$J" "$CAROL"
check "C5 over-long user id: 400, not 500" "$STATUS $(err)" \
	"400 INVALID_INPUT user_id exceeds maximum length of 255 characters"
check "C5 errors wrote no events" "$(nev)" "$N0"
check "C5 errors added no participant" "$(pcount "$J")" "2"

# ---- C5 join: success and side effects ------------------------------------
join carol "$J" "$CAROL"
check "C5 join" "$STATUS $BODY" "200 {\"dialog_id\":\"$J\",\"status\":\"joined\"}"
check "C5 joined_as" "$(pfield "$J" carol .joined_as)" "joined"
check "F15: unread = the others' user messages" "$(pfield "$J" carol .unread_count)" "3"
check "C5 profile and defaults" "$(pfield "$J" carol '[.display_name, .company, .email, .phone, .notifications_enabled, .is_archived, .is_pinned, .last_read_message_id] | map(tostring) | join(" ")')" \
	"Carol Beta c@x.example null true false false null"
check "C5 two events" "$(nev)" "$((N0 + 2))"
mrow=$(rows_of message.new "$J" | tail -1)
check "C5 system message content" "$(printf '%s' "$mrow" | jq -r .body.content)" \
	'{"company":"Beta","event":"participant_joined","name":"Carol"}'
check "C5 system message shape" "$(printf '%s' "$mrow" | jq -r '.body | [.message_type, has("sender_id"), .dialog_id] | join(" ")')" "system false $J"
jrow=$(rows_of participant.joined "$J" | tail -1)
check "C5 participant.joined" "$(printf '%s' "$jrow" | jq -c '[.subject_user, .body]')" \
	"[\"carol\",{\"type\":\"participant.joined\",\"dialog_id\":\"$J\",\"user_id\":\"carol\"}]"
# participant.joined first, so log-order membership (the bridge) counts the
# joiner in for the system message that announces them.
check "C5 participant.joined before message.new" "$(printf '%s %s' "$jrow" "$mrow" | jq -s '.[0].seq < .[1].seq')" "true"
check "C5 the system message counts for nobody" "$(pfield "$J" alice .unread_count)" "1"
SCOPE=""
req GET "/api/v1/dialogs?user_id=carol"
check "C5 the joiner's list" "$(jqr '.data[0] | [.id == "'"$J"'", .unread_count, .last_message.message_type] | map(tostring) | join(" ")')" "true 3 system"
SCOPE=$SA
join carol "$J" "$CAROL"
check "C5 twice" "$STATUS $(err)" "400 BAD_REQUEST Already a participant"
join erin "$J" '{"display_name":"Erin","company":""}'
check_status 200 "C5 empty company"
check "C5 empty company is kept" "$(rows_of message.new "$J" | tail -1 | jq -r .body.content)" \
	'{"company":"","event":"participant_joined","name":"Erin"}'
cyr100=$(printf '%s' "$cyr101" | cut -c3-)
join fred "$J" "{\"display_name\":\"$cyr100\",\"company\":\"$(long 200)\",\"email\":\"$(long 254)\",\"phone\":\"$(long 50)\"}"
check_status 200 "C5 every field at its limit"

# F15: a returning user's own messages and system messages never count.
join dave "$J" '{"display_name":"Dave","company":"D"}'
send dave "$J" mine
post dave "$J" leave
join dave "$J" '{"display_name":"Dave","company":"D"}'
check "F15: own and system messages not counted" "$(pfield "$J" dave .unread_count)" "3"

# ---- F4: concurrent identical joins --------------------------------------
i=0 pids=""
while [ $i -lt 10 ]; do
	curl -s -o "$T/race.$i" -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
		-H "X-Scope-Config: $SA" --data-binary '{"display_name":"Zed","company":"Z"}' \
		"$BASE/api/v1/dialogs/$J/join?user_id=zed" > "$T/race.$i.status" &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids
check "F4: one join wins" "$(cat "$T"/race.*.status | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 1 200; 9 400;"
check "F4: the others are told 'Already a participant'" "$(cat "$T"/race.? | grep -o '"Already a participant"' | wc -l | tr -d ' ')" "9"
check "F4: one participant.joined" "$(rows_of participant.joined "$J" | jq -r .subject_user | grep -c '^zed$')" "1"
check "F4: one system message" "$(rows_of message.new "$J" | jq -r .body.content | grep -c '"Zed"')" "1"

# ---- C6 leave ---------------------------------------------------------------
SCOPE='not base64 at all'
req POST "/api/v1/dialogs/$J/leave" ''
check "C6 no user_id" "$STATUS $(err)" "400 BAD_REQUEST user_id query parameter required"
post carol not-a-uuid leave
check "C6 bad uuid: plain 400" "$STATUS $(plain 12)" "400 Invalid URL:"
N0=$(nev)
post carol "$NO_ID" leave
check "C6 missing dialog" "$STATUS $(err)" "404 DIALOG_NOT_FOUND Dialog not found"
post stranger "$J" leave
check "S5: leave by a non-participant" "$STATUS $(err)" "403 NOT_PARTICIPANT Not a participant"
check "S5: nothing written" "$(nev)" "$N0"
post carol "$J" leave
check "C6 leave (the header is ignored)" "$STATUS $BODY" '200 {"status":"left"}'
SCOPE=""
check "C6 row deleted" "$(pfield "$J" carol .user_id)" ""
check "C6 two events" "$(nev)" "$((N0 + 2))"
check "C6 system message" "$(rows_of message.new "$J" | tail -1 | jq -r .body.content)" \
	'{"event":"participant_left","name":"Carol"}'
lrow=$(rows_of participant.left "$J" | tail -1)
check "C6 participant.left reaches the leaver" "$(printf '%s' "$lrow" | jq -c '[.subject_user, .audience, .body]')" \
	"[\"carol\",[\"carol\"],{\"type\":\"participant.left\",\"dialog_id\":\"$J\",\"user_id\":\"carol\"}]"
post carol "$J" leave
check "C6 twice" "$STATUS $(err)" "403 NOT_PARTICIPANT Not a participant"
sql "UPDATE participants SET display_name = NULL WHERE user_id = 'erin'"
post erin "$J" leave
check_status 200 "C6 without a display name"
check "F20: the name falls back to the user id" "$(rows_of message.new "$J" | tail -1 | jq -r .body.content)" \
	'{"event":"participant_left","name":"erin"}'

# ---- C7–C11 -----------------------------------------------------------------
N0=$(nev)
item() {	# user dialog field -> the field of that dialog in C1
	req GET "/api/v1/dialogs?user_id=$1"
	jqr ".data[] | select(.id == \"$2\") | .$3"
}
SCOPE='!!'
for a in archive:archived unarchive:unarchived pin:pinned unpin:unpinned; do
	act=${a%%:*}
	req POST "/api/v1/dialogs/$J/$act" ''
	check "$act: no user_id" "$STATUS $(err)" "400 BAD_REQUEST user_id query parameter required"
	post bob not-a-uuid "$act"
	check "$act: bad uuid" "$STATUS $(plain 12)" "400 Invalid URL:"
	post bob "$NO_ID" "$act"
	check "$act: missing dialog" "$STATUS $(err)" "403 NOT_PARTICIPANT Not a participant"
	post stranger "$J" "$act"
	check "$act: non-participant" "$STATUS $(err)" "403 NOT_PARTICIPANT Not a participant"
	post bob "$J" "$act"
	check "$act (the header is ignored)" "$STATUS $BODY" "200 {\"status\":\"${a##*:}\"}"
	post bob "$J" "$act"
	check "$act again (idempotent)" "$STATUS $BODY" "200 {\"status\":\"${a##*:}\"}"
done
req GET "/api/v1/dialogs/$J/archive?user_id=bob"
check "GET on an action: 405" "$STATUS" "405"
SCOPE=""
unarchived_at() {
	sql "SELECT unarchived_at FROM participants WHERE user_id = 'bob' AND dialog_id = '$J'"
}
u0=$(unarchived_at)
check "F13: the unarchives above recorded a time" "$(printf '%s' "$u0" | grep -c '^[0-9]\{16\}$')" "1"
post bob "$J" archive
check "archive shows in C1" "$(item bob "$J" is_archived)" "true"
check "archive keeps unarchived_at" "$(unarchived_at)" "$u0"
post bob "$J" unarchive
check "unarchive shows in C1" "$(item bob "$J" is_archived)" "false"
check "F13: unarchive records now" "$(sql "SELECT CAST(unarchived_at > $u0 AS INTEGER) FROM participants WHERE user_id = 'bob' AND dialog_id = '$J'")" "1"
post bob "$J" pin
check "pin shows in C1" "$(item bob "$J" is_pinned)" "true"
post bob "$J" unpin
check "unpin shows in C1" "$(item bob "$J" is_pinned)" "false"

post bob "$J" notifications '{"enabled":false}'
check "C11 disable" "$STATUS $BODY" '200 {"status":"disabled"}'
check "C11 disabled in C1" "$(item bob "$J" notifications_enabled)" "false"
post bob "$J" notifications '{"enabled":true,"extra":1}'
check "C11 enable" "$STATUS $BODY" '200 {"status":"enabled"}'
check "C11 enabled in C1" "$(item bob "$J" notifications_enabled)" "true"
for b in '{}' '{"enabled":null}' '{"enabled":"true"}' '{"enabled":1}' '[true]'; do
	post stranger "$J" notifications "$b"
	check "C11 $b: plain 422 before the participant check" "$STATUS $(plain 40)" "422 Failed to deserialize the JSON body into"
done
post bob "$J" notifications ''
check "C11 empty body: plain 400" "$STATUS $(plain 40)" "400 Failed to parse the request body as JSON"
CT=""; post bob "$J" notifications '{"enabled":true}'
check "C11 no content type: 415" "$STATUS" "415"
CT=application/json
post stranger "$J" notifications '{"enabled":true}'
check "C11 non-participant" "$STATUS $(err)" "403 NOT_PARTICIPANT Not a participant"
post bob "$NO_ID" notifications '{"enabled":true}'
check "C11 missing dialog" "$STATUS $(err)" "403 NOT_PARTICIPANT Not a participant"
req POST "/api/v1/dialogs/$J/notifications" '{"enabled":true}'
check "C11 no user_id" "$STATUS $(err)" "400 BAD_REQUEST user_id query parameter required"
check "C7–C11 wrote no events" "$(nev)" "$N0"

# ---- C13 participants ------------------------------------------------------
now=$(($(date +%s) * 1000000))
sql "INSERT INTO presence (user_id, last_seen, instance) VALUES ('alice', $now, ''), ('bob', $((now - 120000000)), '')"
parts() {	# user dialog
	req GET "/api/v1/dialogs/$2/participants?user_id=$1"
}
parts alice "$J"
check_status 200 "C13 participant"
check "C13 order by joined_at" "$(jqr '[.data[].user_id] | join(" ")')" "alice bob fred dave zed"
check "C13 participant keys" "$(jqr '.data[0] | keys_unsorted | join(",")')" "$FULL"
check "C13 contact details for participants" "$(jqr '.data[0] | [.email, .phone, .company] | join(" ")')" "a@x.example +1 Acme"
check "C13 is_online: fresh presence row" "$(jqr '.data[0].is_online')" "true"
check "C13 is_online: stale presence row" "$(jqr '.data[1].is_online')" "false"
check "C13 is_online: no presence row" "$(jqr '.data[2].is_online')" "false"
check "C13 others' state (participant view)" "$(jqr '.data[1] | [.unread_count, .notifications_enabled, .last_read_message_id] | map(tostring) | join(" ")')" "1 true $(pfield "$J" bob .last_read_message_id)"
parts erin "$J"
check "C13 non-participant without header" "$STATUS $(err)" "403 FORBIDDEN Not a participant"
SCOPE=$SB
parts erin "$J"
check "C13 non-matching header" "$STATUS $(err)" "403 FORBIDDEN Not a participant"
parts erin "$NO_ID"
check "C13 missing dialog" "$STATUS $(err)" "403 FORBIDDEN Not a participant"
SCOPE=$SA
parts erin "$NO_ID"
check "C13 missing dialog with a header" "$STATUS $(err)" "403 FORBIDDEN Not a participant"
parts erin "$J"
check_status 200 "C13 potential participant"
check "S6 keys" "$(jqr '.data[0] | keys_unsorted | join(",")')" "$LIMITED"
check "S6 email and phone null" "$(jqr '[.data[] | .email, .phone] | unique | tostring')" "[null]"
check "S6 values" "$(jqr '.data[0] | [.user_id, .display_name, .company, .joined_as, .is_online] | map(tostring) | join(" ")')" "alice Alice Acme participant true"
parts alice "$J"
check "C13 participant with a header" "$(jqr '.data[0] | keys_unsorted | join(",")')" "$FULL"
SCOPE='%%%'
parts alice "$J"
check "C13 malformed header" "$STATUS $(err)" "400 BAD_REQUEST Invalid X-Scope-Config: not valid base64"
SCOPE=""
parts alice not-a-uuid
check "C13 bad uuid" "$STATUS $(plain 12)" "400 Invalid URL:"
req GET "/api/v1/dialogs/$J/participants"
check "C13 no user_id" "$STATUS $(err)" "400 BAD_REQUEST user_id query parameter required"
parts alice "$K"
check "C13 dialog without scopes, participant" "$STATUS $(jqr '.data | length')" "200 1"

it_done
