#!/bin/sh
# 0520-bridge-jwt.sh — identity in JWT mode on the bridge: the WebSocket takes
# ?token= and its claim (docs/websocket.md#connecting), the long-poll the REST
# rules (docs/api.md#jwt, S1), both with the token check mtchat.fcgi uses
# (lib/auth.c).
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start JWT_AUTH_ENABLED=true JWT_SECRET=bridge-secret
it_start_bridge

jwt() {
	python3 - "$1" "$2" <<'PY'
import base64, hashlib, hmac, sys
b = lambda s: base64.urlsafe_b64encode(s).rstrip(b"=")
head, body = b(b'{"alg":"HS256","typ":"JWT"}'), b(sys.argv[2].encode())
sig = b(hmac.new(sys.argv[1].encode(), head + b"." + body, hashlib.sha256).digest())
print((head + b"." + body + b"." + sig).decode())
PY
}
GOOD=$(jwt bridge-secret '{"sub":"u-alice"}')
BAD=$(jwt other-secret '{"sub":"u-alice"}')
NUM=$(jwt bridge-secret '{"sub":42}')

upgrade() {
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 5 \
	    -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	    -H 'Sec-WebSocket-Version: 13' \
	    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	    "$BASE/api/v1/ws$1")
	BODY=$(cat "$T/body")
}
upgrade '?user_id=u-alice'
check_status 401 "ws without token"
check "ws without token body" "$BODY" "token query parameter required"
upgrade "?token=$BAD"
check_status 401 "ws bad token"
check "ws bad token body" "$BODY" "Invalid token"
upgrade "?token=x.y.z"
check_status 401 "ws malformed token"

ws_open a "token=$GOOD&user_id=someone-else"
ws_wait a '.type == "connected"' 1 10
check "claim is the identity" "$(ws_count a '.employee_id == "u-alice"')" 1
ws_open n "token=$NUM"
ws_wait n '.type == "connected"' 1 10
check "numeric claim stringified" "$(ws_count n '.employee_id == "42"')" 1

poll() {	# [authorization] query
	if [ -n "$1" ]; then
		STATUS=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 5 \
		    -H "Authorization: $1" "$BASE/api/v1/events$2")
	else
		STATUS=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 5 \
		    "$BASE/api/v1/events$2")
	fi
	BODY=$(cat "$T/body")
}
poll "" '?user_id=u-alice'
check_status 401 "poll without Authorization"
check "poll without Authorization body" "$BODY" "Authorization header required"
poll "Basic $GOOD" ''
check_status 401 "poll with another scheme"
poll "Bearer $BAD" ''
check_status 401 "poll bad token"
check "poll bad token body" "$BODY" "Invalid token"
poll "Bearer $GOOD" '?user_id=u-bob'
check_status 403 "poll user_id differs from the claim"
check "403 envelope" "$BODY" '{"error":{"code":"FORBIDDEN","message":"user_id does not match token"}}'
poll "Bearer $GOOD" '?user_id=u-alice&timeout=0'
check_status 200 "poll with a good token"
check "poll answer shape" "$(jqr '.data | keys_unsorted | join(",")')" "events,cursor"

it_done
