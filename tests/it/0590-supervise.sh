#!/bin/sh
# 0590-supervise.sh — `make run`'s stack (tools/run-demo.sh) starts a
# crashed bridge again by itself, passes every configuration key to both
# mtchat.fcgi and the bridge, and leaves nothing running when stopped.
# backend: any (make run's stack, on its own SQLite data directory)
. "$MTCHAT_TOP/tests/it/lib.sh"
PORT=$(free_port)
BP=$(free_port)
DEMO=$T/demo
BASE=http://127.0.0.1:$PORT
PORT=$PORT BRIDGE_PORT=$BP MTCHAT_DATA_DIR=$DEMO PRESENCE_TTL_SECS=40 \
	sh "$MTCHAT_TOP/tools/run-demo.sh" "$MTCHAT_BUILD" > "$T/demo.log" 2>&1 &
RUN=$!
wait_http "$BASE/health" 200 || { cat "$T/demo.log"; exit 1; }
n=100
while [ $n -gt 0 ] && [ ! -s "$DEMO/mtchat-bridge.pid" ]; do sleep 0.1; n=$((n - 1)); done
wait_http "$BASE/api/v1/events?user_id=u&timeout=0" 100
api GET "/api/v1/events?user_id=u&timeout=0"
check_status 200 "a poll through the demo's lighttpd"
check "PRESENCE_TTL_SECS reaches every program" \
	"$(grep -c '^PRESENCE_TTL_SECS=40$' "$DEMO/env")" 1
check "lighttpd keeps quiet WebSockets past 2 x TTL" \
	"$(grep -c 'server.max-read-idle = 110' "$DEMO/lighttpd.conf")" 1

old=$(cat "$DEMO/mtchat-bridge.pid")
kill -9 "$old"
n=100
while [ $n -gt 0 ]; do
	new=$(cat "$DEMO/mtchat-bridge.pid" 2>/dev/null)
	[ -n "$new" ] && [ "$new" != "$old" ] && kill -0 "$new" 2>/dev/null && \
	    [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/events?user_id=u&timeout=0")" = 200 ] && break
	sleep 0.1
	n=$((n - 1))
done
check "a killed bridge is started again" "$([ "$new" != "$old" ] && echo yes)" yes
check "and serves polls through lighttpd" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/events?user_id=u&timeout=0")" 200
check "the restart is logged" "$(grep -c 'mtchat-bridge exited' "$T/demo.log")" 1

kill "$RUN"
wait "$RUN" 2>/dev/null
n=50
while [ $n -gt 0 ] && kill -0 "$new" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
check "stopping the stack stops the bridge" \
	"$(kill -0 "$new" 2>/dev/null && echo running || echo gone)" gone
check "and lighttpd" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")" 000
it_done
