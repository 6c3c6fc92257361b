#!/bin/sh
# 0570-bridge-ratelimit.sh — S10 on the bridge: long-polls and WebSocket
# upgrades take tokens from the same per-user buckets as mtchat.fcgi (one
# shared file), so a user over the limit gets 429 with the JSON envelope
# from both, and another user is not affected.
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start RATE_LIMIT_ENABLED=true RATE_LIMIT_BURST=4 RATE_LIMIT_RPS=1
it_start_bridge
B=http://127.0.0.1:$BRIDGE_PORT

codes=""
for i in 1 2 3 4 5 6; do
	c=$(curl -s -o "$T/poll" -w '%{http_code}' "$B/api/v1/events?user_id=alice")
	codes="$codes$c "
done
check "alice's polls run out" "$(printf '%s' "$codes" | tr ' ' '\n' | grep -c 429)" "2"
check "429 envelope" "$(jq -r .error.code "$T/poll")" "RATE_LIMIT_EXCEEDED"
req GET "/api/v1/dialogs?user_id=alice"
check_status 429 "the same bucket through mtchat.fcgi"
c=$(curl -s -o /dev/null -w '%{http_code}' "$B/api/v1/events?user_id=bob")
check "bob has his own bucket" "$c" "200"
c=$(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	"$B/api/v1/ws?user_id=alice")
check "alice's WebSocket upgrade is limited too" "$c" "429"
it_done
