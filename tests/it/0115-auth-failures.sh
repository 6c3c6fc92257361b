#!/bin/sh
# 0115-auth-failures.sh — failed token checks are limited per client
# address (AUTH_FAILURES_PER_MINUTE, 5 here), before the token is looked
# at: wrong admin tokens and invalid JWTs on mtchat.fcgi, invalid JWTs on
# the bridge's WebSocket and long-poll (through lighttpd, whose
# X-Forwarded-For names the client: the bridge trusts loopback). Other
# addresses are not affected. Each part uses its own source address.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start JWT_AUTH_ENABLED=true JWT_SECRET=s3cret AUTH_FAILURES_PER_MINUTE=5
it_start_bridge

jwt() {
	python3 - "$1" "$2" <<'EOF'
import base64, hashlib, hmac, sys
b = lambda s: base64.urlsafe_b64encode(s).rstrip(b"=")
head, body = b(b'{"alg":"HS256","typ":"JWT"}'), b(sys.argv[2].encode())
sig = b(hmac.new(sys.argv[1].encode(), head + b"." + body, hashlib.sha256).digest())
print((head + b"." + body + b"." + sig).decode())
EOF
}
GOOD=$(jwt s3cret '{"sub":"alice"}')
BAD=$(jwt wrong '{"sub":"alice"}')

# st FROM URL [curl args...]: the status of one request from address FROM.
st() {
	from=$1 url=$2; shift 2
	curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' --interface "$from" "$@" "$url"
}
# statuses FROM N URL [args]: the statuses of N requests, space-separated.
statuses() {
	from=$1 n=$2 url=$3; shift 3
	out=""
	while [ "$n" -gt 0 ]; do
		out="$out$(st "$from" "$url" "$@") "
		n=$((n - 1))
	done
	echo "$out"
}

M=$BASE/api/v1/management/dialogs/search
check "wrong admin tokens: 5 × 403, then 429" \
	"$(statuses 127.0.0.2 7 "$M" -X POST -H "Authorization: Bearer nope" -d '{}')" \
	"403 403 403 403 403 429 429 "
check "429 says when to retry" "$(grep -ci '^retry-after: 60' "$T/hdr")" 1
check "429 envelope" "$(jq -r .error.code "$T/body")" RATE_LIMIT_EXCEEDED
check "the right token from that address waits too" \
	"$(st 127.0.0.2 "$M" -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -d '{}')" 429
check "the right token from another address works" \
	"$(st 127.0.0.6 "$M" -X POST -H "Authorization: Bearer $ADMIN_TOKEN" \
	    -H 'Content-Type: application/json' -d '{"object_id":"o","object_type":"t"}')" 200
check "a missing header is not a guess (401, not counted)" \
	"$(statuses 127.0.0.6 7 "$M" -X POST -d '{}')" \
	"401 401 401 401 401 401 401 "

D=$BASE/api/v1/dialogs
check "invalid JWTs on REST: 5 × 401, then 429" \
	"$(statuses 127.0.0.3 7 "$D" -H "Authorization: Bearer $BAD")" \
	"401 401 401 401 401 429 429 "
check "a valid JWT from another address works" \
	"$(st 127.0.0.6 "$D" -H "Authorization: Bearer $GOOD")" 200

WS="$BASE/api/v1/ws?token=$BAD"
check "invalid JWTs on the WebSocket: 5 × 401, then 429" \
	"$(statuses 127.0.0.4 7 "$WS" -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')" \
	"401 401 401 401 401 429 429 "
check "the bridge's long-poll shares the address's bucket" \
	"$(st 127.0.0.4 "$BASE/api/v1/events?timeout=0" -H "Authorization: Bearer $GOOD")" 429
check "a valid poll from another address works" \
	"$(st 127.0.0.6 "$BASE/api/v1/events?timeout=0" -H "Authorization: Bearer $GOOD")" 200
check "straight to the bridge: the peer's own address counts" \
	"$(statuses 127.0.0.5 7 "http://127.0.0.1:$BRIDGE_PORT/api/v1/events?timeout=0" \
	    -H "Authorization: Bearer $BAD")" "401 401 401 401 401 429 429 "
it_done
