#!/bin/sh
# 0400-manage.sh — the Management API (M1–M7) through lighttpd and
# mtchat.fcgi: admin token rules, every success path and error, the
# change-log rows each call writes, and the F4/F19 fixes.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start

M=/api/v1/management/dialogs
CREATE='{"object_id":"t-1","object_type":"tender","title":"Tender #1","participants":[{"user_id":"u-a","display_name":"Alice","company":"Acme","email":"a@x.example"},{"user_id":"u-b","display_name":"Bob"}],"access_scopes":[{"scope_level0":["tenant-a"],"scope_level2":["chat"]}],"meta":{"b":1,"a":{"y":2}}}'

# --- admin token (docs/api.md#admin-token): 401 missing, 401 format, 403 wrong
req POST $M "$CREATE"
check_status 401 "no Authorization"
check "missing header code" "$(jqr .error.code)" "UNAUTHORIZED"
check "missing header message" "$(jqr .error.message)" "Authorization header required"
EXTRA_HEADER="Authorization: Basic abc" req POST $M "$CREATE"
check_status 401 "not Bearer"
check "format message" "$(jqr .error.message)" "Invalid authorization format. Use: Bearer <token>"
EXTRA_HEADER="Authorization: Bearer wrong" req POST $M "$CREATE"
check_status 403 "wrong token"
check "wrong token code" "$(jqr .error.code)" "FORBIDDEN"
check "wrong token message" "$(jqr .error.message)" "Invalid admin token"
check "nothing created by refused calls" "$(events_of participant.joined)" "0"

# --- M1 create
mgmt POST $M "$CREATE"
check_status 200 "M1 create"
D=$(jqr .data.id)
check "M1 id is a UUIDv7" "$(printf '%s' "$D" | cut -c15)" "7"
check "M1 created_by = first participant" "$(jqr .data.created_by)" "u-a"
check "M1 object_url null" "$(jqr '.data.object_url')" "null"
check "M1 meta normalised" "$(printf '%s' "$BODY" | jq -c .data.meta)" '{"a":{"y":2},"b":1}'
check "M1 base fields only" "$(printf '%s' "$BODY" | jq -c '.data | keys')" '["created_at","created_by","id","meta","object_id","object_type","object_url","title"]'
check "M1 participant.joined per participant" "$(events_of participant.joined "$D")" "2"
check "M1 chat_created not broadcast" "$(events_of message.new "$D")" "0"

mgmt POST $M '{"object_id":"t-2","object_type":"tender","participants":[]}'
check_status 200 "M1 without participants"
check "M1 no participants: created_by null" "$(jqr .data.created_by)" "null"
check "M1 no meta: key omitted" "$(printf '%s' "$BODY" | jq '.data | has("meta")')" "false"
D2=$(jqr .data.id)

# M1 shape errors are plain 422, limits 400 INVALID_INPUT in order
mgmt POST $M '{"object_id":"t","object_type":"x","participants":["u-a"]}'
check_status 422 "participant as bare string"
mgmt POST $M '{"object_type":"x","participants":[]}'
check_status 422 "missing object_id"
mgmt POST $M '{"object_id":"t","object_type":"x"}'
check_status 422 "missing participants"
mgmt POST $M '{"object_id":"t","object_type":"x","participants":[],"access_scopes":[{"scope_level0":[1]}]}'
check_status 422 "scope value not a string"
long=$(head -c 501 /dev/zero | tr '\0' 't')
mgmt POST $M "{\"object_id\":\"t\",\"object_type\":\"x\",\"title\":\"$long\",\"participants\":[{\"user_id\":\"u\",\"display_name\":\" \"}]}"
check_status 400 "title too long"
check "title message first" "$(jqr .error.message)" "title exceeds maximum length of 500 characters"
check "INVALID_INPUT" "$(jqr .error.code)" "INVALID_INPUT"
mgmt POST $M '{"object_id":"t","object_type":"x","participants":[{"user_id":"u","display_name":" \t"}]}'
check_status 400 "blank display_name"
check "blank display_name message" "$(jqr .error.message)" "display_name is required"
mgmt POST $M '{"object_id":"t","object_type":"x","participants":[{"user_id":"u","display_name":"A","phone":"012345678901234567890123456789012345678901234567890"}]}'
check "phone too long" "$(jqr .error.message)" "phone exceeds maximum length of 50 characters"
uid=$(head -c 256 /dev/zero | tr '\0' 'u')
mgmt POST $M "{\"object_id\":\"t\",\"object_type\":\"x\",\"participants\":[{\"user_id\":\"$uid\",\"display_name\":\"A\"}]}"
check_status 400 "over-long user_id is a 400, not a 500"
mgmt POST $M '{"object_id":"t","object_type":"x","participants":[{"user_id":"u","display_name":"A"},{"user_id":"u","display_name":"B"}]}'
check_status 409 "duplicate user_id (F4)"
check "duplicate code" "$(jqr .error.code)" "CONFLICT"
CT="text/plain" mgmt POST $M "$CREATE"
check_status 415 "wrong content type"
mgmt POST $M '{"object_id":'
check_status 400 "malformed JSON"
mgmt POST $M ''
check_status 400 "empty body"

# --- M2 search: exact-set scope equality, newest first
mgmt POST $M/search '{"object_id":"t-1","object_type":"tender","access_scopes":[{"scope_level2":["chat","chat"],"scope_level0":["tenant-a"],"scope_level1":[]}]}'
check_status 200 "M2"
check "M2 finds by normalised scopes" "$(jqr .data.id)" "$D"
mgmt POST $M/search '{"object_id":"t-1","object_type":"tender"}'
check "M2 no scopes matches only scope-less dialogs" "$(jqr .data)" "null"
mgmt POST $M/search '{"object_id":"t-2","object_type":"tender","access_scopes":[]}'
check "M2 scope-less dialog" "$(jqr .data.id)" "$D2"
mgmt POST $M/search '{"object_id":"t-1"}'
check_status 422 "M2 missing object_type"

# --- M3 get
mgmt GET $M/$D
check_status 200 "M3"
check "M3 participants" "$(jqr '[.data.participants[].user_id] | join(",")')" "u-a,u-b"
check "M3 participant has email" "$(jqr '.data.participants[0].email')" "a@x.example"
check "M3 no is_online" "$(jqr '.data.participants[0] | has("is_online")')" "false"
check "M3 scopes" "$(printf '%s' "$BODY" | jq -c '.data.access_scopes[0] | [.scope_level0,.scope_level1,.scope_level2]')" '[["tenant-a"],[],["chat"]]'
mgmt GET $M/01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70
check_status 404 "M3 missing"
check "M3 missing code" "$(jqr .error.code)" "NOT_FOUND"
check "M3 missing message" "$(jqr .error.message)" "Dialog not found"
mgmt GET $M/not-a-uuid
check_status 400 "M3 bad uuid (plain)"
mgmt GET "$M/{01950F3C-5A2E-7B41-9C3D-2F6E8A1B4C70}"
check_status 404 "M3 braced uppercase uuid parses"

# --- M5 add participant (F19: existing → 200, nothing written)
before=$(events_of participant.joined "$D")
mgmt POST $M/$D/participants '{"user_id":"u+c d","display_name":"Carol","company":null}'
check_status 201 "M5 add"
check "M5 empty body" "$BODY" ""
check "M5 event" "$(events_of participant.joined "$D")" "$((before + 1))"
mgmt POST $M/$D/participants '{"user_id":"u+c d","display_name":"Other"}'
check_status 200 "M5 existing participant (F19)"
check "M5 existing writes no event" "$(events_of participant.joined "$D")" "$((before + 1))"
mgmt GET $M/$D
check "M5 existing keeps profile" "$(jqr '.data.participants[] | select(.user_id=="u+c d") | .display_name')" "Carol"
mgmt POST $M/$D/participants '{"user_id":"u-x","display_name":""}'
check_status 400 "M5 validation first"
mgmt POST $M/01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70/participants '{"user_id":"u-x","display_name":"X"}'
check_status 404 "M5 missing dialog"
mgmt POST $M/$D/participants '{"display_name":"X"}'
check_status 422 "M5 missing user_id"

# --- M6 remove (path user id percent-decoded, + stays +: F18)
mgmt DELETE "$M/$D/participants/u+c%20d"
check_status 204 "M6 remove"
check "M6 participant.left" "$(events_of participant.left "$D")" "1"
left=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -c 'select(.type=="participant.left") | .audience')
check "M6 event reaches the removed user" "$left" '["u+c d"]'
mgmt DELETE "$M/$D/participants/u+c%20d"
check_status 404 "M6 non-participant (F19)"
check "M6 code" "$(jqr .error.code)" "PARTICIPANT_NOT_FOUND"

# --- M7 replace scopes
mgmt PUT $M/$D/access-scopes '{"access_scopes":[{"scope_level1":["b","a"]},{}]}'
check_status 200 "M7"
check "M7 in request order, as given" "$(printf '%s' "$BODY" | jq -c '[.data[].scope_level1]')" '[["b","a"],[]]'
mgmt GET $M/$D
check "M7 replaced" "$(jqr '.data.access_scopes | length')" "2"
mgmt PUT $M/$D/access-scopes '{}'
check_status 422 "M7 key required"
mgmt PUT $M/01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70/access-scopes '{"access_scopes":[]}'
check_status 404 "M7 missing dialog"

# --- M4 delete: cascade, dialog.deleted to former participants (F19)
mgmt DELETE $M/$D
check_status 204 "M4"
mgmt GET $M/$D
check_status 404 "M4 deleted"
del=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -c 'select(.type=="dialog.deleted") | .audience')
check "M4 dialog.deleted audience" "$del" '["u-a","u-b"]'
mgmt DELETE $M/$D
check_status 204 "M4 again (204 whether or not it existed)"
check "M4 again writes nothing" "$(events_of dialog.deleted)" "1"
check "integrity after cascade" "$(with_env "$MTCHAT_BUILD/mtchat-admin" check)" "ok"

it_done
