#!/bin/sh
# 0100-http.sh — mtchat.fcgi behind a real lighttpd: health, routing (404,
# 405), CORS preflight and headers, body limits, and one request as CGI.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start MTCHAT_MAX_BODY=2048 CORS_ALLOWED_ORIGINS=https://app.example

req GET /health
check_status 200 "health"
check "health status" "$(jqr .status)" "ok"
req GET /health/ready
check_status 200 "ready"
check "ready" "$(jqr .status)" "ready"

req GET /nope
check_status 404 "unknown path"
req GET /api/v1/management/dialogs
check_status 405 "known path, wrong method"

# CORS: preflight for an allowed origin reflects the requested headers so
# Authorization works cross-origin; a foreign origin gets no CORS headers.
hdrs=$(curl -s -D - -o /dev/null -X OPTIONS "$BASE/api/v1/dialogs" \
	-H 'Origin: https://app.example' \
	-H 'Access-Control-Request-Method: GET' \
	-H 'Access-Control-Request-Headers: authorization, content-type, x-scope-config' | tr -d '\r')
check "preflight origin" "$(printf '%s\n' "$hdrs" | grep -i '^access-control-allow-origin:' | cut -d' ' -f2)" "https://app.example"
check "preflight headers" "$(printf '%s\n' "$hdrs" | grep -i '^access-control-allow-headers:' | cut -d' ' -f2-)" "authorization, content-type, x-scope-config"
check "preflight max-age" "$(printf '%s\n' "$hdrs" | grep -i '^access-control-max-age:' | cut -d' ' -f2)" "3600"
hdrs=$(curl -s -D - -o /dev/null "$BASE/health" -H 'Origin: https://evil.example' | tr -d '\r')
check "foreign origin has no CORS header" "$(printf '%s\n' "$hdrs" | grep -ci '^access-control-allow-origin:')" "0"
hdrs=$(curl -s -D - -o /dev/null "$BASE/health" -H 'Origin: https://app.example' | tr -d '\r')
check "actual response CORS" "$(printf '%s\n' "$hdrs" | grep -i '^access-control-allow-origin:' | cut -d' ' -f2)" "https://app.example"

# Body over MTCHAT_MAX_BODY: 413 before anything is parsed.
big=$(head -c 4000 /dev/zero | tr '\0' 'a')
mgmt POST /api/v1/management/dialogs "{\"x\":\"$big\"}"
check_status 413 "body over the cap"

# Identity extraction (docs/api.md#user) before anything else.
req GET /api/v1/dialogs
check_status 400 "no user_id"
check "no user_id message" "$(jqr .error.message)" "user_id query parameter required"
req GET "/api/v1/dialogs?user_id="
check "empty user_id message" "$(jqr .error.message)" "user_id cannot be empty"
req GET "/api/v1/dialogs?user_id=$(printf '\377')"
check_status 400 "user_id bytes that are not UTF-8"
req GET "/api/v1/dialogs?user_id=%C3%A9l%C3%A8ve+1"
check_status 200 "percent-encoded UTF-8 user_id"

# Plain CGI: the same program answers one request from its environment.
out=$(with_env env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET \
	REQUEST_URI=/health QUERY_STRING= "$MTCHAT_BUILD/mtchat.fcgi" </dev/null | tr -d '\r')
check "cgi status line" "$(printf '%s\n' "$out" | head -1)" "Status: 200 OK"
check "cgi body" "$(printf '%s\n' "$out" | tail -1 | jq -r .status)" "ok"

it_done
