#!/bin/sh
# 0220-dialogs-jwt.sh — the dialog endpoints in JWT mode (S1, S4): the
# acting user is the token's claim and a scope claim replaces X-Scope-Config
# (even a malformed header is then ignored), so C5 join and C13 work
# without the header; without a scope claim the header still counts.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start JWT_AUTH_ENABLED=true JWT_SECRET=s3cret

jwt() {		# payload-json -> HS256 token signed with s3cret
	python3 - "$1" <<'EOF'
import base64, hashlib, hmac, sys
b = lambda s: base64.urlsafe_b64encode(s).rstrip(b"=")
head, body = b(b'{"alg":"HS256","typ":"JWT"}'), b(sys.argv[1].encode())
sig = b(hmac.new(b"s3cret", head + b"." + body, hashlib.sha256).digest())
print((head + b"." + body + b"." + sig).decode())
EOF
}
err() {
	jqr '.error.code + " " + .error.message'
}

mgmt POST /api/v1/management/dialogs '{"object_id":"o","object_type":"t","title":"T",
	"participants":[{"user_id":"alice","display_name":"Alice","email":"a@x"}],
	"access_scopes":[{"scope_level0":["tenant-a"]}]}'
D=$(jqr .data.id)
CAROL=$(jwt '{"sub":"carol","mtchat_scope":{"scope_level0":["tenant-a"]}}')
DAVE=$(jwt '{"sub":"dave","mtchat_scope":{"scope_level0":["tenant-b"]}}')
ERIN=$(jwt '{"sub":"erin"}')

TOKEN=$CAROL
req GET "/api/v1/dialogs/$D/participants"
check "C13 through the scope claim" "$STATUS $(jqr '.data[0] | [.user_id, .email] | map(tostring) | join(" ")')" "200 alice null"
SCOPE='%%%'
req POST "/api/v1/dialogs/$D/join" '{"display_name":"Carol","company":"C"}'
check "C5 through the claim, malformed header ignored" "$STATUS $BODY" \
	"200 {\"dialog_id\":\"$D\",\"status\":\"joined\"}"
check "C5 joined as the token's user" "$(events_of participant.joined "$D")" "2"
req GET "/api/v1/dialogs?user_id=carol"
check "C1 user_id equal to the claim" "$STATUS $(jqr '.data[0].id')" "200 $D"
req GET "/api/v1/dialogs?user_id=alice"
check "C1 user_id other than the claim" "$STATUS $(err)" "403 FORBIDDEN user_id does not match token"

TOKEN=$DAVE SCOPE=$(scope_b64 '{"scope_level0":["tenant-a"]}')
req POST "/api/v1/dialogs/$D/join" '{"display_name":"Dave","company":"D"}'
check "C5 the claim wins over a matching header" "$STATUS $(err)" "403 FORBIDDEN No access to join this dialog"

TOKEN=$ERIN SCOPE=""
req POST "/api/v1/dialogs/$D/join" '{"display_name":"Erin","company":"E"}'
check "C5 no claim, no header" "$STATUS $(err)" "400 BAD_REQUEST X-Scope-Config header required"
SCOPE=$(scope_b64 '{"scope_level0":["tenant-a"]}')
req POST "/api/v1/dialogs/$D/join" '{"display_name":"Erin","company":"E"}'
check "C5 no claim: the header counts" "$STATUS" "200"
req POST "/api/v1/dialogs/$D/leave" ''
check "C6 as the token's user" "$STATUS $BODY" '200 {"status":"left"}'
TOKEN=""
req POST "/api/v1/dialogs/$D/leave?user_id=carol" ''
check "C6 without a token" "$STATUS $BODY" "401 Authorization header required"

it_done
