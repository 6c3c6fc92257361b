#!/bin/sh
# 0300-messages.sh — the message endpoints C12 and C15–C18 through the real
# server: exact shapes and field presence, every documented error with its
# code and message, the change-log rows each action writes, exact unread
# counts (F15), auto-unarchive (F14), authorship and participation (S3, S7,
# S8), reply_to and s3_key rules (F5) and the cascades of a delete.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start

MSG_KEYS="id,dialog_id,sender_id,content,sent_at,last_edited_at,reply_to_id,message_type"
NO_ID=0191e2a4-0000-7000-8000-000000000001

new_dialog() {	# participants-json -> dialog id
	mgmt POST /api/v1/management/dialogs \
		"{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":$1}"
	jqr .data.id
}
send() {	# user dialog body
	req POST "/api/v1/dialogs/$2/messages?user_id=$1" "$3"
}
msgs() {	# user dialog [query] -> sets BODY to the page
	req GET "/api/v1/dialogs/$2/messages?user_id=$1${3:+&$3}"
}
# A participant's field from M3 (the management view).
pfield() {	# dialog user field
	mgmt GET "/api/v1/management/dialogs/$1"
	jqr ".data.participants[] | select(.user_id == \"$2\") | .$3"
}
# The change-log rows of one type for one dialog, as JSON lines.
rows_of() {	# type dialog
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
		jq -c "select(.type == \"$1\" and .dialog_id == \"$2\")"
}
last_row() {	# type dialog
	rows_of "$1" "$2" | tail -1
}
count_msgs() {	# user dialog -> number of messages (limit 100)
	msgs "$1" "$2" "limit=100"
	jqr '.data.messages | length'
}
err() {		# -> "code message" of an error envelope
	jqr '.error.code + " " + .error.message'
}

P3='[{"user_id":"alice","display_name":"Alice","company":"Acme"},
     {"user_id":"bob","display_name":"Bob"},{"user_id":"carol","display_name":"Carol"}]'
D=$(new_dialog "$P3")
D2=$(new_dialog '[{"user_id":"alice","display_name":"Alice"},{"user_id":"dave","display_name":"Dave"}]')
check "fixture dialogs" "$(printf '%s %s' "$D" "$D2" | grep -c '^[0-9a-f-]\{36\} [0-9a-f-]\{36\}$')" "1"

# ---- C15 send: success shapes ------------------------------------------
msgs alice "$D"
SYS=$(jqr '.data.messages[0].id')
check "chat_created is a system message" "$(jqr '.data.messages[0].message_type')" "system"

send alice "$D" '{"content":"<p>Hello <b>Bob</b></p>","attachments":[]}'
check_status 200 "send"
M1=$(jqr .data.id)
check "send: exact keys, no attachments key" "$(jqr '.data | keys_unsorted | join(",")')" "$MSG_KEYS"
check "send: fields" "$(jqr '[.data.dialog_id == "'"$D"'", .data.sender_id, .data.content, .data.last_edited_at, .data.reply_to_id, .data.message_type] | map(tostring) | join("|")')" \
	"true|alice|<p>Hello <b>Bob</b></p>|null|null|user"
check "send: sent_at is RFC 3339 UTC" "$(jqr .data.sent_at | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3}|\.[0-9]{6})?Z$')" "1"
# the answer is built from the row it inserted: exactly what is stored
SENT=$(printf '%s' "$BODY" | jq -c .data)
req GET "/api/v1/dialogs/$D/messages/$M1?user_id=alice"
check "send: answer equals the stored message" "$(printf '%s' "$BODY" | jq -c .data)" "$SENT"
ev=$(last_row message.new "$D")
check "message.new body (F10)" "$(printf '%s' "$ev" | jq -c '.body | [keys_unsorted, .id, .sender_id, .content, .reply_to_id, .attachments]')" \
	"[[\"type\",\"id\",\"dialog_id\",\"sender_id\",\"content\",\"sent_at\",\"message_type\",\"reply_to_id\",\"attachments\",\"payload\"],\"$M1\",\"alice\",\"<p>Hello <b>Bob</b></p>\",null,[]]"
# the whole Message as payload.message (docs/websocket.md#client-messages), as
# C15 answered it
check "message.new payload.message is the sent message" \
	"$(printf '%s' "$ev" | jq -c '.body.payload.message')" "$SENT"
check "message.new subject is the sender" "$(printf '%s' "$ev" | jq -r .subject_user)" "alice"
check "unread: bob +1" "$(pfield "$D" bob unread_count)" "1"
check "unread: carol +1" "$(pfield "$D" carol unread_count)" "1"
check "unread: sender 0" "$(pfield "$D" alice unread_count)" "0"
check "sender's read position is the new message" "$(pfield "$D" alice last_read_message_id)" "$M1"

# a reply with attachments (the empty content type is allowed)
send bob "$D" "{\"content\":\"see files\",\"reply_to\":\"$M1\",\"attachments\":[
	{\"s3_key\":\"dialogs/$D/a.pdf\",\"filename\":\"a.pdf\",\"content_type\":\"application/pdf\",\"size\":104857600},
	{\"s3_key\":\"dialogs/$D/b.bin\",\"filename\":\"b.bin\",\"content_type\":\"\",\"size\":1}]}"
check_status 200 "send with attachments"
M2=$(jqr .data.id)
check "reply_to_id stored" "$(jqr .data.reply_to_id)" "$M1"
check "attachments in the response" "$(jqr '[.data.attachments[] | [.filename, .content_type, .size, .url] | map(tostring) | join(":")] | join(" ")')" \
	"a.pdf:application/pdf:104857600: b.bin::1:"
check "attachment keys (no width/height/thumbnail_url)" "$(jqr '.data.attachments[0] | keys_unsorted | join(",")')" "id,filename,content_type,size,url"
ATT=$(printf '%s' "$BODY" | jq -c .data.attachments)
ev=$(last_row message.new "$D")
check "message.new carries reply_to_id" "$(printf '%s' "$ev" | jq -r .body.reply_to_id)" "$M1"
check "message.new carries the attachments" "$(printf '%s' "$ev" | jq -c .body.attachments)" "$(printf '%s' "$ATT" | jq -c .)"
msgs alice "$D"
check "list: the attachments of the message, in order" "$(printf '%s' "$BODY" | jq -c --arg id "$M2" '.data.messages[] | select(.id == $id) | .attachments')" "$(printf '%s' "$ATT" | jq -c .)"
check "list: no attachments key without attachments" "$(printf '%s' "$BODY" | jq -c --arg id "$M1" '.data.messages[] | select(.id == $id) | has("attachments")')" "false"
check "list: compact JSON" "$(printf '%s' "$BODY" | jq -c . | tr -d '\n' | wc -c)" "$(printf '%s' "$BODY" | wc -c)"
check "unread after bob's send: alice" "$(pfield "$D" alice unread_count)" "1"
check "unread after bob's send: carol" "$(pfield "$D" carol unread_count)" "2"
check "unread after bob's send: bob" "$(pfield "$D" bob unread_count)" "0"

send carol "$D" '{"content":""}'
check_status 200 "empty content, no attachments key"
check "empty content kept" "$(jqr .data.content)" ""
send carol "$D" '{"content":"x","reply_to":null,"attachments":[]}'
check_status 200 "reply_to null"
check "reply_to null stored as null" "$(jqr .data.reply_to_id)" "null"
send carol "$D" "{\"content\":\"<i>re</i> \\\"q\\\" \\u00e9\",\"reply_to\":\"$M1\"}"
SENT=$(printf '%s' "$BODY" | jq -c .data)
req GET "/api/v1/dialogs/$D/messages/$(jqr .data.id)?user_id=carol"
check "reply: answer equals the stored message" "$(printf '%s' "$BODY" | jq -c .data)" "$SENT"

# ---- C15 send: errors, in the documented order --------------------------
n_before=$(count_msgs alice "$D")
ev_before=$(rows_of message.new "$D" | wc -l)
send alice "$NO_ID" '{"content":"x"}'
check_status 404 "send to a missing dialog"
check "missing dialog" "$(err)" "DIALOG_NOT_FOUND Dialog not found"
send eve "$D" '{"content":"x"}'
check_status 403 "send by a non-participant"
check "non-participant" "$(err)" "FORBIDDEN Not a participant. Join the dialog first."
ELEVEN=$(jq -nc --arg d "$D" '[range(11) | {s3_key: ("dialogs/" + $d + "/k\(.)"), filename: "f", content_type: "text/plain", size: 1}]')
send eve "$D" "{\"content\":\"x\",\"attachments\":$ELEVEN}"
check "403 before attachment errors" "$(err)" "FORBIDDEN Not a participant. Join the dialog first."
BIG=$(head -c 50001 /dev/zero | tr '\0' a)
send alice "$D" "{\"content\":\"$BIG\",\"attachments\":$ELEVEN}"
check_status 400 "eleven attachments"
check "eleven attachments" "$(err)" "BAD_REQUEST Maximum 10 attachments per message"

att() {		# s3_key content_type size -> one attachment object
	printf '{"s3_key":"%s","filename":"f.txt","content_type":"%s","size":%s}' "$1" "$2" "$3"
}
send_att() {	# attachments-json-items
	send alice "$D" "{\"content\":\"$BIG\",\"attachments\":[$1]}"
}
send_att "$(att "dialogs/$D/../x" bad/type 0)"
check "key: traversal first" "$(err)" "INVALID_INPUT Invalid S3 key: path traversal not allowed"
send_att "$(att "dialogs/$D/%2e%2e/x" text/plain 1)"
check "key: %2e" "$(err)" "INVALID_INPUT Invalid S3 key: encoded characters not allowed"
send_att "$(att "dialogs/$D/%2E/x" text/plain 1)"
check "key: %2E" "$(err)" "INVALID_INPUT Invalid S3 key: encoded characters not allowed"
send_att "$(att "dialogs/$D2/x" text/plain 1)"
check "key: other dialog" "$(err)" "INVALID_INPUT Invalid S3 key: file does not belong to this dialog"
UPPER=$(printf '%s' "$D" | tr a-f A-F)
send_att "$(att "dialogs/$UPPER/x" text/plain 1)"
check "key: prefix is the lowercase id" "$(err)" "INVALID_INPUT Invalid S3 key: file does not belong to this dialog"
send_att "$(att "x/dialogs/$D/x" text/plain 1)"
check "key: must start with the prefix" "$(err)" "INVALID_INPUT Invalid S3 key: file does not belong to this dialog"
# a NUL can only come as \u0000, which no JSON body of ours may carry
send_att "$(att "dialogs/$D/a\\u0000b" text/plain 1)"
check_status 400 "key with a NUL byte"
send_att "$(att "dialogs/$D/x" application/x-evil 0)"
check_status 400 "type not allowed"
check "type before size" "$(err)" "BAD_REQUEST File type 'application/x-evil' is not allowed"
send_att "$(att "dialogs/$D/x" image/PNG 1)"
check "type is case-sensitive" "$(err)" "BAD_REQUEST File type 'image/PNG' is not allowed"
send_att "$(att "dialogs/$D/x" 'text/plain; charset=utf-8' 1)"
check "type takes no parameters" "$(err)" "BAD_REQUEST File type 'text/plain; charset=utf-8' is not allowed"
send_att "$(att "dialogs/$D/x" text/plain 0)"
check "size 0" "$(err)" "BAD_REQUEST Invalid file size"
send_att "$(att "dialogs/$D/x" text/plain -5)"
check "size negative" "$(err)" "BAD_REQUEST Invalid file size"
send_att "$(att "dialogs/$D/x" text/plain 104857601)"
check "size over 100 MiB" "$(err)" "BAD_REQUEST Invalid file size"
send_att "$(att "dialogs/$D/ok" text/plain 1),$(att "dialogs/$D/x" video/x-evil 1)"
check "attachments in order: the second one's type" "$(err)" "BAD_REQUEST File type 'video/x-evil' is not allowed"
send_att "$(att "dialogs/$D/ok" nope/nope 1),$(att "../x" text/plain 1)"
check "attachments in order: the first one first" "$(err)" "BAD_REQUEST File type 'nope/nope' is not allowed"
LONGNAME=$(head -c 256 /dev/zero | tr '\0' n)
send alice "$D" "{\"content\":\"x\",\"attachments\":[{\"s3_key\":\"dialogs/$D/ln\",\"filename\":\"$LONGNAME\",\"content_type\":\"text/plain\",\"size\":1}]}"
check_status 400 "filename over 255 bytes"
check "filename over 255 bytes" "$(err)" "INVALID_INPUT filename exceeds maximum length of 255 characters"
LONGKEY=dialogs/$D/$(head -c 500 /dev/zero | tr '\0' k)
send alice "$D" "{\"content\":\"x\",\"attachments\":[$(att "$LONGKEY" text/plain 1)]}"
check "s3_key over 512 bytes" "$(err)" "INVALID_INPUT s3_key exceeds maximum length of 512 characters"

send alice "$D" "{\"content\":\"$BIG\"}"
check_status 400 "content over 50000 bytes"
check "content over 50000 bytes" "$(err)" "INVALID_INPUT Message content exceeds maximum length of 50000 characters"
E2=$(head -c 25001 /dev/zero | tr '\0' e | sed 's/e/é/g')
send alice "$D" "{\"content\":\"$E2\"}"
check "content measured in bytes" "$(err)" "INVALID_INPUT Message content exceeds maximum length of 50000 characters"
ok50=$(head -c 50000 /dev/zero | tr '\0' a)
send alice "$D" "{\"content\":\"$ok50\"}"
check_status 200 "content of exactly 50000 bytes"
check "50000 bytes kept" "$(jqr '.data.content | length')" "50000"
n_before=$((n_before + 1))
ev_before=$((ev_before + 1))

# F5: reply_to must be a message of this dialog
send dave "$D2" '{"content":"in D2"}'
X2=$(jqr .data.id)
send alice "$D" "{\"content\":\"x\",\"reply_to\":\"$X2\"}"
check_status 400 "reply to another dialog's message"
check "reply to another dialog" "$(err)" "INVALID_INPUT reply_to must be a message of this dialog"
send alice "$D" "{\"content\":\"x\",\"reply_to\":\"$NO_ID\"}"
check "reply to nothing" "$(err)" "INVALID_INPUT reply_to must be a message of this dialog"
send alice "$D" '{"content":"x","reply_to":"not-a-uuid"}'
check_status 422 "reply_to not a UUID"

# s3_key already used (F5: 400, not 500), also twice in one request
send alice "$D" "{\"content\":\"x\",\"attachments\":[$(att "dialogs/$D/a.pdf" application/pdf 5)]}"
check_status 400 "s3_key already attached"
check "s3_key already attached" "$(err)" "INVALID_INPUT Invalid S3 key: file is already attached to a message"
send alice "$D" "{\"content\":\"x\",\"attachments\":[$(att "dialogs/$D/twice" text/plain 5),$(att "dialogs/$D/twice" text/plain 5)]}"
check "s3_key twice in one request" "$(err)" "INVALID_INPUT Invalid S3 key: file is already attached to a message"

# framework-level rejections
send alice "$D" '{"reply_to":null}'
check_status 422 "missing content"
check "422 is plain text" "$(printf '%s' "$BODY" | grep -c '^Failed to deserialize the JSON body into the target type: ')" "1"
send alice "$D" '{"content":null}'
check_status 422 "content null"
send alice "$D" '{"content":5}'
check_status 422 "content a number"
send alice "$D" '["content"]'
check_status 422 "body an array"
send alice "$D" '{"content":"x","attachments":{}}'
check_status 422 "attachments an object"
send alice "$D" "{\"content\":\"x\",\"attachments\":[{\"s3_key\":\"dialogs/$D/q\",\"filename\":\"f\",\"content_type\":\"text/plain\"}]}"
check_status 422 "attachment without size"
send alice "$D" "{\"content\":\"x\",\"attachments\":[{\"s3_key\":\"dialogs/$D/q\",\"filename\":\"f\",\"content_type\":\"text/plain\",\"size\":1.5}]}"
check_status 422 "attachment size not an integer"
send alice "$D" '{"content":"x","attachments":["dialogs/x"]}'
check_status 422 "attachment a bare string"
send alice "$D" '{"content":'
check_status 400 "malformed JSON"
check "malformed JSON is plain text" "$(printf '%s' "$BODY" | grep -c '^Failed to parse the request body as JSON: ')" "1"
send alice "$D" ''
check_status 400 "empty body"
CT=text/plain; send alice "$D" '{"content":"x"}'; CT=application/json
check_status 415 "wrong content type"
CT=""; send alice "$D" '{"content":"x"}'; CT=application/json
check_status 415 "no JSON content type"
CT="application/vnd.api+json; charset=utf-8"; send alice "$D" '{"content":"+json type"}'; CT=application/json
check_status 200 "application/*+json is JSON"
M6=$(jqr .data.id)
n_before=$((n_before + 1))
ev_before=$((ev_before + 1))
req POST "/api/v1/dialogs/not-a-uuid/messages?user_id=alice" '{"content":"x"}'
check_status 400 "bad UUID in the path"
check "bad UUID: plain text" "$(printf '%s' "$BODY" | cut -c1-12)" "Invalid URL:"
req POST "/api/v1/dialogs/$D/messages" '{"content":"x"}'
check "no user_id" "$(err)" "BAD_REQUEST user_id query parameter required"
req POST "/api/v1/dialogs/$D/messages?user_id=" '{"content":"x"}'
check "empty user_id" "$(err)" "BAD_REQUEST user_id cannot be empty"
check "failed sends wrote no message" "$(count_msgs alice "$D")" "$n_before"
check "failed sends wrote no message.new" "$(rows_of message.new "$D" | wc -l)" "$ev_before"

# ---- C16 get -----------------------------------------------------------
req GET "/api/v1/dialogs/$D/messages/$M2?user_id=carol"
check_status 200 "get a message"
check "get: exact keys, never attachments" "$(jqr '.data | keys_unsorted | join(",")')" "$MSG_KEYS"
check "get: content and reply" "$(jqr '.data.content + "|" + .data.reply_to_id')" "see files|$M1"
req GET "/api/v1/dialogs/$D/messages/$SYS?user_id=bob"
check "get a system message: sender_id null" "$(jqr '[.data.sender_id, .data.message_type] | map(tostring) | join(",")')" "null,system"
req GET "/api/v1/dialogs/$D/messages/$M2?user_id=eve"
check_status 403 "get by a non-participant (S3)"
check "get by a non-participant" "$(err)" "FORBIDDEN Not a participant"
req GET "/api/v1/dialogs/$D/messages/$X2?user_id=alice"
check "get: message of another dialog" "$(err)" "MESSAGE_NOT_FOUND Message not found"
req GET "/api/v1/dialogs/$D/messages/$NO_ID?user_id=alice"
check_status 404 "get: no such message"
req GET "/api/v1/dialogs/$NO_ID/messages/$M1?user_id=alice"
check "get: no such dialog" "$(err)" "MESSAGE_NOT_FOUND Message not found"
req GET "/api/v1/dialogs/$D/messages/$M1"
check "get needs user_id (S3)" "$(err)" "BAD_REQUEST user_id query parameter required"
req GET "/api/v1/dialogs/$D/messages/xyz?user_id=alice"
check_status 400 "get: bad UUID"
SIMPLE=$(printf '%s' "$M1" | tr -d - | tr a-f A-F)
req GET "/api/v1/dialogs/{$D}/messages/$SIMPLE?user_id=alice"
check "get: lenient UUID forms" "$(jqr .data.id)" "$M1"

# ---- C17 edit ----------------------------------------------------------
req PUT "/api/v1/dialogs/$D/messages/$M1?user_id=alice" '{"content":"<p onclick=\"x()\">Edited</p><script>alert(1)</script>"}'
check_status 200 "edit"
check "edit: exact keys" "$(jqr '.data | keys_unsorted | join(",")')" "$MSG_KEYS"
check "edit: sanitised content" "$(jqr .data.content)" "<p>Edited</p>"
EDITED_AT=$(jqr .data.last_edited_at)
check "edit: last_edited_at set" "$(printf '%s' "$EDITED_AT" | grep -c 'Z$')" "1"
ev=$(last_row message.edited "$D")
check "message.edited body" "$(printf '%s' "$ev" | jq -c '.body | del(.payload)')" \
	"{\"type\":\"message.edited\",\"id\":\"$M1\",\"dialog_id\":\"$D\",\"content\":\"<p>Edited</p>\",\"last_edited_at\":\"$EDITED_AT\"}"
check "message.edited payload.message is the edited message" \
	"$(printf '%s' "$ev" | jq -c '.body.payload.message')" "$(printf '%s' "$BODY" | jq -c .data)"
req GET "/api/v1/dialogs/$D/messages/$M1?user_id=bob"
check "edit visible" "$(jqr '.data.content + "|" + .data.last_edited_at')" "<p>Edited</p>|$EDITED_AT"
req PUT "/api/v1/dialogs/$D/messages/$M2?user_id=bob" '{"content":"new text"}'
check "edit of a message with attachments: no attachments key" "$(jqr '.data | has("attachments")')" "false"
n_edits=$(rows_of message.edited "$D" | wc -l)
req PUT "/api/v1/dialogs/$D/messages/$M1?user_id=bob" "{\"content\":\"$BIG\"}"
check_status 403 "edit someone else's message"
check "not the author (before the length check)" "$(err)" "NOT_MESSAGE_AUTHOR Can only edit own messages"
req PUT "/api/v1/dialogs/$D/messages/$SYS?user_id=alice" '{"content":"x"}'
check "edit a system message" "$(err)" "NOT_MESSAGE_AUTHOR Can only edit own messages"
req PUT "/api/v1/dialogs/$D/messages/$NO_ID?user_id=alice" '{"content":"x"}'
check "edit: no such message" "$(err)" "MESSAGE_NOT_FOUND Message not found"
req PUT "/api/v1/dialogs/$D2/messages/$M1?user_id=alice" '{"content":"x"}'
check "edit: message of another dialog" "$(err)" "MESSAGE_NOT_FOUND Message not found"
req PUT "/api/v1/dialogs/$D/messages/$M1?user_id=alice" "{\"content\":\"$BIG\"}"
check_status 400 "edit: content too long"
check "edit: content too long" "$(err)" "INVALID_INPUT Message content exceeds maximum length of 50000 characters"
req PUT "/api/v1/dialogs/$D/messages/$M1?user_id=alice" '{"text":"x"}'
check_status 422 "edit: missing content"
CT=text/plain; req PUT "/api/v1/dialogs/$D/messages/$M1?user_id=alice" '{"content":"x"}'; CT=application/json
check_status 415 "edit: wrong content type"
req PUT "/api/v1/dialogs/$D/messages/$M1?user_id=alice" '{"content":'
check_status 400 "edit: malformed JSON"
req PUT "/api/v1/dialogs/$D/messages/1234?user_id=alice" '{"content":"x"}'
check_status 400 "edit: bad UUID"
check "failed edits wrote no message.edited" "$(rows_of message.edited "$D" | wc -l)" "$n_edits"
req GET "/api/v1/dialogs/$D/messages/$M1?user_id=bob"
check "failed edits changed nothing" "$(jqr .data.content)" "<p>Edited</p>"

# ---- S7: former participants can neither edit nor delete ----------------
send carol "$D" '{"content":"carol was here"}'
C1=$(jqr .data.id)
mgmt DELETE "/api/v1/management/dialogs/$D/participants/carol"
check_status 204 "remove carol"
req PUT "/api/v1/dialogs/$D/messages/$C1?user_id=carol" '{"content":"x"}'
check_status 403 "former participant edits"
check "former participant edits" "$(err)" "NOT_PARTICIPANT Not a participant"
req DELETE "/api/v1/dialogs/$D/messages/$C1?user_id=carol"
check "former participant deletes" "$(err)" "NOT_PARTICIPANT Not a participant"
req PUT "/api/v1/dialogs/$D/messages/$C1?user_id=alice" '{"content":"x"}'
check "non-author who is a participant" "$(err)" "NOT_MESSAGE_AUTHOR Can only edit own messages"
mgmt POST "/api/v1/management/dialogs/$D/participants" '{"user_id":"carol","display_name":"Carol"}'
check_status 201 "carol back"

# ---- C18 delete and its cascades ----------------------------------------
n_del=$(rows_of message.deleted "$D" | wc -l)
req DELETE "/api/v1/dialogs/$D/messages/$M1?user_id=bob"
check_status 403 "delete someone else's message"
check "delete: not the author" "$(err)" "NOT_MESSAGE_AUTHOR Can only delete own messages"
req DELETE "/api/v1/dialogs/$D/messages/$SYS?user_id=bob"
check "delete a system message" "$(err)" "NOT_MESSAGE_AUTHOR Can only delete own messages"
req DELETE "/api/v1/dialogs/$D/messages/$NO_ID?user_id=alice"
check_status 404 "delete: no such message"
check "delete: no such message" "$(err)" "MESSAGE_NOT_FOUND Message not found"
req DELETE "/api/v1/dialogs/$D2/messages/$M1?user_id=alice"
check "delete: message of another dialog" "$(err)" "MESSAGE_NOT_FOUND Message not found"
req DELETE "/api/v1/dialogs/$D/messages/$M1"
check "delete: no user_id" "$(err)" "BAD_REQUEST user_id query parameter required"
req DELETE "/api/v1/dialogs/$D/messages/zzz?user_id=alice"
check_status 400 "delete: bad UUID"
check "failed deletes wrote nothing" "$(rows_of message.deleted "$D" | wc -l)" "$n_del"

# alice's read position is M6, her last send; bob's moves past it
send bob "$D" '{"content":"from bob"}'
req DELETE "/api/v1/dialogs/$D/messages/$M6?user_id=alice"
check_status 204 "delete"
check "204 has an empty body" "$BODY" ""
check "alice's read position nulled by the cascade" "$(pfield "$D" alice last_read_message_id)" "null"
ev=$(last_row message.deleted "$D")
check "message.deleted body" "$(printf '%s' "$ev" | jq -c .body)" "{\"type\":\"message.deleted\",\"id\":\"$M6\",\"dialog_id\":\"$D\"}"
req GET "/api/v1/dialogs/$D/messages/$M6?user_id=alice"
check_status 404 "deleted message is gone"
req DELETE "/api/v1/dialogs/$D/messages/$M6?user_id=alice"
check_status 404 "delete twice"
# M2 replies to M1: deleting M1 nulls the reply's reply_to_id
req DELETE "/api/v1/dialogs/$D/messages/$M1?user_id=alice"
check_status 204 "delete a replied-to message"
req GET "/api/v1/dialogs/$D/messages/$M2?user_id=alice"
check "reply_to_id nulled by the cascade" "$(jqr .data.reply_to_id)" "null"
# M2's attachments go with it: their s3_keys are free again
req DELETE "/api/v1/dialogs/$D/messages/$M2?user_id=bob"
check_status 204 "delete a message with attachments"
send bob "$D" "{\"content\":\"again\",\"attachments\":[$(att "dialogs/$D/a.pdf" application/pdf 5)]}"
check_status 200 "s3_key free after its message was deleted"
check "deletes wrote message.deleted rows" "$(rows_of message.deleted "$D" | wc -l)" "$((n_del + 3))"

# last_message_at follows the newest remaining message (C1 shows it)
mgmt POST /api/v1/management/dialogs '{"object_id":"l","object_type":"t","participants":[]}'
L=$(jqr .data.id)
mgmt POST "/api/v1/management/dialogs/$L/participants" '{"user_id":"alice","display_name":"Alice"}'
last_at() {
	req GET "/api/v1/dialogs?user_id=alice"
	jqr ".data[] | select(.id == \"$L\") | .last_message_at // \"absent\""
}
check "no message: no last_message_at" "$(last_at)" "absent"
send alice "$L" '{"content":"l1"}'; L1=$(jqr .data.id); L1_AT=$(jqr .data.sent_at)
send alice "$L" '{"content":"l2"}'; L2=$(jqr .data.id); L2_AT=$(jqr .data.sent_at)
check "last_message_at after two sends" "$(last_at)" "$L2_AT"
req DELETE "/api/v1/dialogs/$L/messages/$L2?user_id=alice"
check "last_message_at back to the previous message" "$(last_at)" "$L1_AT"
req DELETE "/api/v1/dialogs/$L/messages/$L1?user_id=alice"
check "last_message_at gone with the last message" "$(last_at)" "absent"

# ---- C12 mark read and F15 unread counts --------------------------------
U=$(new_dialog "$P3")
send alice "$U" '{"content":"a1"}'; A1=$(jqr .data.id)
send alice "$U" '{"content":"a2"}'; A2=$(jqr .data.id)
send alice "$U" '{"content":"a3"}'; A3=$(jqr .data.id)
check "three unread for bob (system message not counted)" "$(pfield "$U" bob unread_count)" "3"
check "three unread for carol" "$(pfield "$U" carol unread_count)" "3"
req POST "/api/v1/dialogs/$U/read?user_id=bob" "{\"last_read_message_id\":\"$A1\"}"
check_status 200 "mark read"
check "mark read body" "$BODY" '{"success":true}'
check "read a non-latest message: exact remainder" "$(pfield "$U" bob unread_count)" "2"
check "read position" "$(pfield "$U" bob last_read_message_id)" "$A1"
ev=$(last_row message.read "$U")
check "message.read body" "$(printf '%s' "$ev" | jq -c .body)" \
	"{\"type\":\"message.read\",\"dialog_id\":\"$U\",\"user_id\":\"bob\",\"last_read_message_id\":\"$A1\"}"
n_read=$(rows_of message.read "$U" | wc -l)
req POST "/api/v1/dialogs/$U/read?user_id=bob" "{\"last_read_message_id\":\"$A1\"}"
check "same position again: 200 no-op (S8)" "$STATUS $BODY" '200 {"success":true}'
msgs bob "$U"
USYS=$(jqr '.data.messages[0].id')
req POST "/api/v1/dialogs/$U/read?user_id=bob" "{\"last_read_message_id\":\"$USYS\"}"
check "older position: 200 no-op (S8)" "$STATUS $BODY" '200 {"success":true}'
check "no message.read for stale marks" "$(rows_of message.read "$U" | wc -l)" "$n_read"
check "stale marks change nothing" "$(pfield "$U" bob last_read_message_id) $(pfield "$U" bob unread_count)" "$A1 2"
req POST "/api/v1/dialogs/$U/read?user_id=bob" "{\"last_read_message_id\":\"$X2\"}"
check_status 404 "mark read: message of another dialog (S8)"
check "mark read: message of another dialog" "$(err)" "MESSAGE_NOT_FOUND Message not found"
req POST "/api/v1/dialogs/$U/read?user_id=bob" "{\"last_read_message_id\":\"$NO_ID\"}"
check "mark read: no such message" "$(err)" "MESSAGE_NOT_FOUND Message not found"
req POST "/api/v1/dialogs/$NO_ID/read?user_id=bob" "{\"last_read_message_id\":\"$A1\"}"
check_status 404 "mark read: no such dialog"
check "mark read: no such dialog" "$(err)" "NOT_FOUND Dialog not found"
req POST "/api/v1/dialogs/$U/read?user_id=dave" "{\"last_read_message_id\":\"$A1\"}"
check_status 403 "mark read: not a participant"
check "mark read: not a participant" "$(err)" "FORBIDDEN Not a participant"
req POST "/api/v1/dialogs/$U/read?user_id=bob" '{}'
check_status 422 "mark read: missing id"
req POST "/api/v1/dialogs/$U/read?user_id=bob" '{"last_read_message_id":"nope"}'
check_status 422 "mark read: id not a UUID"
req POST "/api/v1/dialogs/$U/read?user_id=bob" '{"last_read_message_id":null}'
check_status 422 "mark read: id null"
CT=text/plain; req POST "/api/v1/dialogs/$U/read?user_id=bob" "{\"last_read_message_id\":\"$A1\"}"; CT=application/json
check_status 415 "mark read: wrong content type"
req POST "/api/v1/dialogs/$U/read?user_id=bob" 'nope'
check_status 400 "mark read: malformed JSON"
req POST "/api/v1/dialogs/$U/read?user_id=bob" ''
check_status 400 "mark read: no body"
req POST "/api/v1/dialogs/xyz/read?user_id=bob" "{\"last_read_message_id\":\"$A1\"}"
check_status 400 "mark read: bad UUID in the path"
check "failed marks wrote no message.read" "$(rows_of message.read "$U" | wc -l)" "$n_read"

# delete an unread message: one less for those who had not read it (F15)
req DELETE "/api/v1/dialogs/$U/messages/$A2?user_id=alice"
check_status 204 "delete a2"
check "bob had not read a2: 2 -> 1" "$(pfield "$U" bob unread_count)" "1"
check "carol had not read a2 (no position): 3 -> 2" "$(pfield "$U" carol unread_count)" "2"
check "the sender's count is untouched" "$(pfield "$U" alice unread_count)" "0"
req POST "/api/v1/dialogs/$U/read?user_id=bob" "{\"last_read_message_id\":\"$A3\"}"
check "bob read everything" "$(pfield "$U" bob unread_count)" "0"
req DELETE "/api/v1/dialogs/$U/messages/$A3?user_id=alice"
check "bob had read a3: stays 0" "$(pfield "$U" bob unread_count)" "0"
check "bob's position nulled (a3 is gone)" "$(pfield "$U" bob last_read_message_id)" "null"
check "carol: 2 -> 1" "$(pfield "$U" carol unread_count)" "1"
# a count of 0 never goes negative (M5 joiners start at 0, F15 floor)
mgmt POST "/api/v1/management/dialogs/$U/participants" '{"user_id":"erin","display_name":"Erin"}'
req DELETE "/api/v1/dialogs/$U/messages/$A1?user_id=alice"
check_status 204 "delete with a zero count around"
check "erin stays at 0" "$(pfield "$U" erin unread_count)" "0"
check "carol: 1 -> 0" "$(pfield "$U" carol unread_count)" "0"

# system messages never count: a leave writes one after bob's position
send carol "$U" '{"content":"c1"}'; CC1=$(jqr .data.id)
send carol "$U" '{"content":"c2"}'
req POST "/api/v1/dialogs/$U/leave?user_id=erin" ''
check_status 200 "erin leaves (a system message)"
msgs bob "$U"
check "the leave wrote a system message" "$(jqr '.data.messages[-1].message_type')" "system"
send carol "$U" '{"content":"c3"}'
check "bob: three user messages, the system one not counted" "$(pfield "$U" bob unread_count)" "3"
req POST "/api/v1/dialogs/$U/read?user_id=bob" "{\"last_read_message_id\":\"$CC1\"}"
check "recount after c1 skips the system message" "$(pfield "$U" bob unread_count)" "2"

# ---- F14: auto-unarchive only for those who had archived ----------------
A=$(new_dialog "$P3")
req POST "/api/v1/dialogs/$A/archive?user_id=bob" ''
check_status 200 "bob archives"
req POST "/api/v1/dialogs/$A/archive?user_id=carol" ''
check_status 200 "carol archives"
n_un=$(rows_of dialog.unarchived "$A" | wc -l)
send alice "$A" '{"content":"wake up"}'
ev=$(last_row dialog.unarchived "$A")
check "one dialog.unarchived" "$(rows_of dialog.unarchived "$A" | wc -l)" "$((n_un + 1))"
check "dialog.unarchived to exactly bob and carol" "$(printf '%s' "$ev" | jq -c '.audience | sort')" '["bob","carol"]'
check "dialog.unarchived body" "$(printf '%s' "$ev" | jq -c .body)" "{\"type\":\"dialog.unarchived\",\"dialog_id\":\"$A\"}"
useq=$(printf '%s' "$ev" | jq .seq)
mseq=$(last_row message.new "$A" | jq .seq)
check "dialog.unarchived comes before message.new" "$((useq < mseq))" "1"
check "all unarchived" "$(mgmt GET "/api/v1/management/dialogs/$A"; jqr '[.data.participants[].is_archived] | any')" "false"
send bob "$A" '{"content":"nobody archived"}'
check "no dialog.unarchived when nobody had archived" "$(rows_of dialog.unarchived "$A" | wc -l)" "$((n_un + 1))"
req POST "/api/v1/dialogs/$A/archive?user_id=alice" ''
send alice "$A" '{"content":"the sender had archived"}'
check "the archived sender is unarchived too" "$(last_row dialog.unarchived "$A" | jq -c .audience)" '["alice"]'
check "alice unarchived" "$(pfield "$A" alice is_archived)" "false"

it_done
