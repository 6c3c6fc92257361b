#!/bin/sh
# 0910-demo.sh — the first run of a newcomer: `make run` (tools/run-demo.sh)
# prints the URL of the demo page and the demo-seed command, the command
# works as printed (alice and bob in a dialog any user of the scope "demo"
# may join, once however often it runs), and / serves the demo only where
# asked (MTCHAT_DEMO=1), the API beside it unchanged. The page itself is
# driven in a browser by 0920-browser.sh.
# backend: any (make run, on its own SQLite data directory)
. "$MTCHAT_TOP/tests/it/lib.sh"

# --- the stack of `make run`, on free ports, in a data directory of ours
PORT=$(free_port)
BRIDGE_PORT=$(free_port)
export PORT BRIDGE_PORT
unset ADMIN_API_TOKEN MTCHAT_DEMO
MTCHAT_DATA_DIR=$T/run sh "$MTCHAT_TOP/tools/run-demo.sh" "$MTCHAT_BUILD" \
    >"$T/run.out" 2>"$T/run-stderr.log" &
RUN_PID=$!
n=200
until grep -q 'Ctrl-C to stop' "$T/run.out" || [ $n -eq 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
check "make run: the URL to open" \
    "$(grep -c "open http://127.0.0.1:$PORT/ in a browser" "$T/run.out")" 1
seed=$(grep -A1 'a first dialog' "$T/run.out" | tail -1)
check "make run: the demo-seed command" \
    "$(echo "$seed" | grep -c 'mtchat-admin -d .*/mtchat.db demo-seed$')" 1
BASE=http://127.0.0.1:$PORT
out=$(sh -c "$seed")
check "demo-seed: created" "$(echo "$out" | cut -f2)" created
D=$(echo "$out" | cut -f1)
out=$(sh -c "$seed")
check "demo-seed again: exists, same dialog" "$out" "$(printf '%s\texists' "$D")"

req GET /
check_status 200 "make run: the page at /"
check "make run: it is the demo" "$(echo "$BODY" | grep -c '<title>mtchat demo</title>')" 1
CT=""
for f in $(sed -n 's/.*\(src\|href\)="\([^":]*\)".*/\2/p' \
    "$MTCHAT_TOP/examples/web/index.html") \
    $(cd "$MTCHAT_TOP/examples/web" && ls js/*.js); do
	STATUS=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$BASE/$f")
	case $f in
	*.js) want="200 text/javascript; charset=utf-8" ;;
	*.css) want="200 text/css; charset=utf-8" ;;
	*) want="200 text/html; charset=utf-8" ;;
	esac
	check "make run: /$f" "$STATUS" "$want"
done
CT="application/json"
req GET '/api/v1/dialogs?user_id=alice'
check "alice's dialog" "$(jqr '.data[0].title')" "Welcome to mtchat"
check "with bob" "$(jqr '[.data[0].participants[].user_id] | join(",")')" "alice,bob"
SCOPE=$(scope_b64 '{"scope_level0":["demo"]}')
req GET '/api/v1/dialogs?user_id=carol&type=available'
check "carol (scope demo) may join it" "$(jqr '.data[0].id')" "$D"
SCOPE=""
kill "$RUN_PID"
wait "$RUN_PID"
cp "$T/run/lighttpd-error.log" "$T/run-lighttpd-error.log"
check "make run: stops on SIGTERM" "$(tail -1 "$T/run.out")" "mtchat: stopped"
check "demo-seed wrote two participant.joined events, once" \
    "$(MTCHAT_CONFIG=/dev/null "$MTCHAT_BUILD/mtchat-admin" -d "$T/run/mtchat.db" \
    events tail | jq -c 'select(.type == "participant.joined")' | wc -l | tr -d ' ')" 2
check "the database is sound" "$(MTCHAT_CONFIG=/dev/null \
    "$MTCHAT_BUILD/mtchat-admin" -d "$T/run/mtchat.db" check)" ok

# --- the stack of the tests (and of production): no page unless asked
unset BRIDGE_PORT
it_start
req GET /
check_status 404 "no MTCHAT_DEMO: nothing at /"
req GET /index.html
check_status 404 "no MTCHAT_DEMO: no files"
it_stop
MTCHAT_DEMO=1
export MTCHAT_DEMO
it_start
req GET /
check_status 200 "MTCHAT_DEMO=1: the page at /"
req GET /mtchat.db
check_status 404 "MTCHAT_DEMO=1: only the page's files"
req GET /health
check "MTCHAT_DEMO=1: /health still mtchat.fcgi's" "$(jqr .status)" ok
mgmt POST /api/v1/management/dialogs '{"object_id":"o","object_type":"t","participants":[]}'
check_status 200 "MTCHAT_DEMO=1: the API still mtchat.fcgi's"

# Nothing of the page comes from elsewhere.
check "no URL of another site in the page's files" \
    "$(cd "$MTCHAT_TOP/examples/web" && grep -rEl 'https?://' index.html \
    style.css js | wc -l | tr -d ' ')" 0
it_done
