#!/bin/sh
# 0110-auth.sh — JWT mode (docs/api.md#jwt with S1, S4) and per-user rate
# limiting shared by all FastCGI processes (S10), through lighttpd.
. "$MTCHAT_TOP/tests/it/lib.sh"
PROCS=2 it_start JWT_AUTH_ENABLED=true "JWT_SECRETS= first-secret , second-secret" \
	RATE_LIMIT_ENABLED=true RATE_LIMIT_BURST=6 RATE_LIMIT_RPS=1

# jwt SECRET PAYLOAD_JSON [HEADER_JSON] — an HS256 compact token.
jwt() {
	python3 - "$1" "$2" "${3:-{\"alg\":\"HS256\",\"typ\":\"JWT\"}}" <<'EOF'
import base64, hashlib, hmac, sys
b = lambda s: base64.urlsafe_b64encode(s).rstrip(b"=")
head, body = b(sys.argv[3].encode()), b(sys.argv[2].encode())
sig = b(hmac.new(sys.argv[1].encode(), head + b"." + body, hashlib.sha256).digest())
print((head + b"." + body + b"." + sig).decode())
EOF
}

M=/api/v1/management/dialogs
mgmt POST $M '{"object_id":"o-1","object_type":"order","participants":[{"user_id":"u-alice","display_name":"Alice"}],"access_scopes":[{"scope_level0":["tenant-a"]}]}'
check_status 200 "fixture dialog"
D=$(jqr .data.id)

req GET /api/v1/dialogs
check_status 401 "no token"
check "no token body (plain)" "$BODY" "Authorization header required"

TOKEN=$(jwt wrong-secret '{"sub":"u-alice"}') req GET /api/v1/dialogs
check_status 401 "wrong signature"
check "wrong signature body" "$BODY" "Invalid token"

TOKEN=$(jwt second-secret '{"name":"x"}') req GET /api/v1/dialogs
check_status 401 "missing user claim"

TOKEN=$(jwt second-secret '{"sub":"u-alice"}' '{"alg":"none"}') req GET /api/v1/dialogs
check_status 401 "alg none"

TOKEN=$(jwt second-secret '{"sub":"u-alice","aud":"x"}') req GET /api/v1/dialogs
check_status 401 "aud string rejected (reference quirk)"

ALICE=$(jwt second-secret '{"sub":"u-alice","exp":1}')
TOKEN=$ALICE req GET /api/v1/dialogs
check_status 200 "second secret verifies; exp not checked"
check "identity from the claim (S1)" "$(jqr '.data[0].id')" "$D"

TOKEN=$ALICE req GET "/api/v1/dialogs?user_id=u-alice"
check_status 200 "equal user_id is fine"
TOKEN=$ALICE req GET "/api/v1/dialogs?user_id=u-mallory"
check_status 403 "user_id differing from the claim (S1)"
check "S1 message" "$(jqr .error.message)" "user_id does not match token"

# S4: a scope claim is authoritative; the header is then ignored.
BOB=$(jwt first-secret '{"sub":"u-bob","mtchat_scope":{"scope_level0":["tenant-a"]}}')
TOKEN=$BOB SCOPE='%%%not-base64' req GET "/api/v1/dialogs?type=available"
check_status 200 "scope claim, malformed header ignored (S4)"
check "available through the claim" "$(jqr '.data[0].id')" "$D"
CAROL=$(jwt first-secret '{"sub":"u-carol","mtchat_scope":{"scope_level0":["tenant-b"]}}')
TOKEN=$CAROL SCOPE=$(scope_b64 '{"scope_level0":["tenant-a"]}') req GET "/api/v1/dialogs?type=available"
check "header cannot widen a claim (S4)" "$(jqr '.data | length')" "0"
NUM=$(jwt first-secret '{"sub":42}')
TOKEN=$NUM req GET /api/v1/dialogs
check_status 200 "numeric claim accepted"

# S10: one bucket per acting user, shared by both FastCGI processes.
limited=0 body429=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	TOKEN=$ALICE req GET /api/v1/dialogs
	if [ "$STATUS" = 429 ]; then
		limited=$((limited + 1))
		body429=$BODY	# the bucket may refill before the last one
	fi
done
check "alice is limited after her burst" "$([ $limited -ge 3 ] && echo yes)" "yes"
BODY=$body429
check "429 envelope" "$(jqr .error.code)" "RATE_LIMIT_EXCEEDED"
TOKEN=$CAROL req GET /api/v1/dialogs
check_status 200 "another user has a bucket of their own"

it_done
