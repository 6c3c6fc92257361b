#!/bin/sh
# 0560-bridge-daemon.sh — mtchat-bridge --daemon detaches (the command
# returns at once while the bridge keeps serving), is idempotent (run again
# from cron while one serves, it exits 0 and changes nothing; in the
# foreground that is an error) and stops cleanly on SIGTERM; usage errors
# exit 2.
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
with_env env BRIDGE_PORT="$BP" BRIDGE_LISTEN=127.0.0.1 \
	"$MTCHAT_BUILD/mtchat-bridge" --daemon 2>"$T/second.err"
check "a second --daemon exits 0 (cron)" "$?" "0"
check "quietly" "$(wc -c < "$T/second.err" | tr -d ' ')" "0"
check "still one process" "$(pgrep -f "mtchat-bridge --daemon" | wc -l | tr -d ' ')" "1"
with_env env BRIDGE_PORT="$(free_port)" BRIDGE_LISTEN=127.0.0.1 \
	"$MTCHAT_BUILD/mtchat-bridge" --daemon
check "on another port but the same wake-up socket: exits 0 too" "$?" "0"
check "and still one process" "$(pgrep -f "mtchat-bridge --daemon" | wc -l | tr -d ' ')" "1"
with_env env BRIDGE_PORT="$BP" BRIDGE_LISTEN=127.0.0.1 \
	"$MTCHAT_BUILD/mtchat-bridge" 2>"$T/fg.err"
check "in the foreground, another running bridge is an error" "$?" "1"
check "said so" "$(grep -c 'another mtchat-bridge is running' "$T/fg.err")" "1"
curl -s -o "$T/poll" "http://127.0.0.1:$BP/api/v1/events?user_id=u1"
# (u1's first poll took them online: the cursor may have moved past 0)
check "the first one still serves" "$(jq -r '.data.cursor | type' "$T/poll")" "number"
[ -n "$pid" ] && kill "$pid"
n=50; while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
check "stopped on SIGTERM" "$(kill -0 "$pid" 2>/dev/null && echo running || echo gone)" "gone"
"$MTCHAT_BUILD/mtchat-bridge" --no-such-option 2>/dev/null
check "usage error exits 2" "$?" "2"
it_done
