#!/bin/sh
# 0560-bridge-daemon.sh — mtchat-bridge --daemon detaches (the command
# returns at once while the bridge keeps serving) and stops cleanly on
# SIGTERM; usage errors exit 2.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_env
with_env "$MTCHAT_BUILD/mtchat-admin" init >/dev/null || exit 1
BP=$(free_port)

with_env env BRIDGE_PORT="$BP" BRIDGE_LISTEN=127.0.0.1 \
	"$MTCHAT_BUILD/mtchat-bridge" --daemon
check "--daemon returns at once with 0" "$?" "0"
wait_http "http://127.0.0.1:$BP/api/v1/events"
check "the detached bridge serves" "$?" "0"
curl -s -o "$T/poll" "http://127.0.0.1:$BP/api/v1/events?user_id=u1"
check "a poll answers" "$(jq -r '.data.cursor' "$T/poll")" "0"
pid=$(pgrep -f "mtchat-bridge --daemon" | head -1)
check "one detached process" "$([ -n "$pid" ] && echo yes)" "yes"
[ -n "$pid" ] && kill "$pid"
n=50; while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
check "stopped on SIGTERM" "$(kill -0 "$pid" 2>/dev/null && echo running || echo gone)" "gone"
"$MTCHAT_BUILD/mtchat-bridge" --no-such-option 2>/dev/null
check "usage error exits 2" "$?" "2"
it_done
