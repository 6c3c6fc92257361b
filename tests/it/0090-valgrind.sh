#!/bin/sh
# 0090-valgrind.sh — the tools are valgrind-clean: mtchat-admin commands and
# mtchat.fcgi (as plain CGI, one request per process, the same handlers as
# under FastCGI) and mtchat-hooks (deliveries, retries, a dead letter) run
# under memcheck on the plain (non-sanitized) build, any error or leak
# failing the test.
# On the PostgreSQL pass of tests/run.sh it runs on a database of that
# pass's cluster: the same commands through libpq (the backup through
# pg_dump).
set -u
PLAIN=${MTCHAT_PLAIN_BUILD:-$MTCHAT_TOP/build}
if ! command -v valgrind >/dev/null || [ ! -x "$PLAIN/mtchat.fcgi" ]; then
	echo "skip: valgrind or the plain build ($PLAIN) missing"
	exit 0
fi
T=$(mktemp -d)
PG_DB=""
trap 'rm -rf "$T"; [ -z "$PG_DB" ] || pg_dropdb "$PG_DB"' EXIT
export MTCHAT_CONFIG=/dev/null MTCHAT_DB=$T/m.db MTCHAT_BRIDGE_SOCKET=$T/b.sock
if [ "${MTCHAT_TEST_BACKEND:-sqlite}" = pg ]; then
	. "$MTCHAT_TOP/tests/pg.sh"
	pg_attach || { echo "MTCHAT_TEST_BACKEND=pg: no cluster"; exit 1; }
	PG_DB=it_0090_valgrind_$$
	MTCHAT_DATABASE_URL=$(pg_createdb "$PG_DB") ||
		{ echo "createdb $PG_DB failed"; PG_DB=""; exit 1; }
	export MTCHAT_DATABASE_URL
fi
export MTCHAT_ALLOW_ROOT=true	# the suite may run as root (CI)
VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
pass=0 fail=0

vg() {	# description command...
	d=$1; shift
	if $VG "$@" >"$T/out" 2>"$T/err"; then
		pass=$((pass + 1))
	else
		rc=$?
		if [ $rc -eq 99 ] || grep -q '==[0-9]*==' "$T/err"; then
			fail=$((fail + 1)); echo "FAIL $d"; head -40 "$T/err"
		else
			pass=$((pass + 1))	# a non-zero exit the case expects
		fi
	fi
}

cgi() {	# description method uri [body]
	d=$1 m=$2 u=$3 body=${4:-}
	printf '%s' "$body" > "$T/body"
	vg "$d" env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$m" \
	    REQUEST_URI="$u" QUERY_STRING="${u#*\?}" CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=${#body} HTTP_X_SCOPE_CONFIG=eyJzY29wZV9sZXZlbDAiOlsiYSJdfQ== \
	    "$PLAIN/mtchat.fcgi" < "$T/body"
}

A=$PLAIN/mtchat-admin
HK=$PLAIN/mtchat-hooks
RECV=""
if [ -x "$HK" ]; then
	mkdir "$T/recv"
	python3 "$MTCHAT_TOP/tests/it/hookrecv.py" "$T/recv" 2>/dev/null &
	RECV=$!
	n=0; while [ ! -s "$T/recv/port" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	export WEBHOOK_URL=http://127.0.0.1:$(cat "$T/recv/port")/ WEBHOOK_SECRET=s
	export NOTIFICATION_DELAY_MS=0 WEBHOOK_RETRY_DELAY_MS=10 MTCHAT_HOOKS_SOCKET=$T/h.sock
fi
vg "admin init" "$A" init
[ -x "$HK" ] && vg "hooks, first run" "$HK" --once
vg "admin stats" "$A" stats --json
vg "admin config" "$A" config
vg "admin bad config" env MTCHAT_SYNCHRONOUS=bad "$A" stats
cgi health GET /health
cgi "create dialog" POST /api/v1/management/dialogs \
	'{"object_id":"o","object_type":"t","title":"T","participants":[{"user_id":"a","display_name":"A"},{"user_id":"b","display_name":"B","company":"C"}],"access_scopes":[{"scope_level0":["a"]}],"meta":{"k":[1,2]}}'
D=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$T/out" | head -1)
cgi "bad json" POST /api/v1/management/dialogs '{"object_id":'
cgi "list dialogs" GET "/api/v1/dialogs?user_id=a"
cgi "available dialogs" GET "/api/v1/dialogs?user_id=z&type=available"
cgi "join" POST "/api/v1/dialogs/$D/join?user_id=z" '{"display_name":"Z","company":""}'
cgi "send" POST "/api/v1/dialogs/$D/messages?user_id=a" '{"content":"<p onclick=x>hi <a href=\"javascript:x\">l</a></p><script>x</script>"}'
cgi "list messages" GET "/api/v1/dialogs/$D/messages?user_id=b&limit=10"
cgi "participants" GET "/api/v1/dialogs/$D/participants?user_id=b"
cgi "poll" GET "/api/v1/events?user_id=b&since=0"
cgi "leave" POST "/api/v1/dialogs/$D/leave?user_id=z"
if [ -x "$HK" ]; then
	vg "hooks" "$HK" --once
	cgi "send" POST "/api/v1/dialogs/$D/messages?user_id=b" '{"content":"x"}'
	vg "hooks, dead letter" env WEBHOOK_URL=http://127.0.0.1:9/ \
	    WEBHOOK_RETRIES=1 "$HK" --once
	vg "admin hooks dead" "$A" hooks dead
	vg "admin hooks replay" "$A" hooks replay --all
	vg "hooks, replayed" "$HK" --once -v
	grep -q 'delivered' "$T/err" || { fail=$((fail + 1)); echo "FAIL hooks delivered nothing"; }
	kill "$RECV"
fi
cgi "manage get" GET "/api/v1/management/dialogs/$D"
cgi "manage delete" DELETE "/api/v1/management/dialogs/$D"
# Attachments: presign, the streamed upload, send, C20, download, gc.
export MTCHAT_FILES_DIR=$T/files MTCHAT_FILES_SECRET=valgrind-files-secret
cgi "create dialog 2" POST /api/v1/management/dialogs \
	'{"object_id":"o","object_type":"t","participants":[{"user_id":"a","display_name":"A"}]}'
D=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$T/out" | head -1)
cgi "presign" POST "/api/v1/upload/presign?user_id=a" \
	"{\"dialog_id\":\"$D\",\"filename\":\"x.json\",\"content_type\":\"application/json\",\"size\":2}"
UP=$(sed -n 's/.*"upload_url":"\([^"]*\)".*/\1/p' "$T/out")
KEY=$(sed -n 's/.*"s3_key":"\([^"]*\)".*/\1/p' "$T/out")
cgi "upload" PUT "$UP" '{}'
cgi "upload again" PUT "$UP" '{}'
cgi "send with the upload" POST "/api/v1/dialogs/$D/messages?user_id=a" \
	"{\"content\":\"\",\"attachments\":[{\"s3_key\":\"$KEY\",\"filename\":\"x.json\",\"content_type\":\"application/json\",\"size\":2}]}"
DL=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$T/out")
ATT=$(sed -n 's/.*"attachments":\[{"id":"\([^"]*\)".*/\1/p' "$T/out")
cgi "attachment url" GET "/api/v1/attachments/$ATT/url?user_id=a"
cgi "download" GET "$DL"
cgi "forged download" GET "/api/v1/files/$ATT?expires=1&signature=x"
vg "admin files gc" "$A" files gc --grace 0 --dry-run
vg "admin files gc" "$A" files gc --grace 0
vg "admin events tail" "$A" events tail
vg "admin check" "$A" check
vg "admin backup" "$A" backup "$T/backup.db"
vg "admin prune" "$A" events prune --keep 0 --force
if [ -x "$PLAIN/mtchat-reaper" ]; then
	vg "reaper" "$PLAIN/mtchat-reaper" --dry-run
	vg "reaper" "$PLAIN/mtchat-reaper"
fi
# The bridge: a poll, a WebSocket with a ping and a bad frame, then SIGTERM.
# Presence through the lane: a subscribes to D, above the threshold with
# c and d; d (who never polled: no presence row) comes and goes, a hears
# both.
if [ -x "$PLAIN/mtchat-bridge" ] && [ -x /usr/bin/python3 ]; then
	for u in c d; do
		cgi "add $u" POST "/api/v1/management/dialogs/$D/participants" \
		    "{\"user_id\":\"$u\",\"display_name\":\"$u\"}"
	done
	BP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	BRIDGE_PORT=$BP BRIDGE_LISTEN=127.0.0.1 PRESENCE_FANOUT_MAX_DIALOG=2 \
		$VG "$PLAIN/mtchat-bridge" >"$T/bridge.out" 2>"$T/bridge.err" &
	vpid=$!
	n=100
	until curl -s -o /dev/null "http://127.0.0.1:$BP/api/v1/events"; do
		n=$((n - 1)); [ $n -gt 0 ] || break; sleep 0.1
	done
	curl -s -o /dev/null "http://127.0.0.1:$BP/api/v1/events?user_id=a&since=0&timeout=1"
	timeout 30 /usr/bin/python3 -u - "$BP" "$D" <<'PY' >"$T/bridge.py" 2>&1
import asyncio, json, sys, websockets
u = "ws://127.0.0.1:%s/api/v1/ws?user_id=" % sys.argv[1]
async def main():
    async with websockets.connect(u + "a") as w:
        await w.recv()
        await w.send(json.dumps({"type": "subscribe", "dialog_id": sys.argv[2]}))
        await w.send('{"type":"ping"}'); await w.recv()
        async with websockets.connect(u + "d") as w2:
            await w2.recv()
            print(await w.recv())
        print(await w.recv())
        await w.send("garbage"); await w.recv()
asyncio.run(main())
PY
	kill -TERM "$vpid"
	wait "$vpid"
	rc=$?
	if [ $rc -eq 0 ] && ! grep -q '==[0-9]*==' "$T/bridge.err" &&
	    [ "$(grep -c '"presence.update","user_id":"d"' "$T/bridge.py")" = 2 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "FAIL bridge (exit $rc)"
		head -40 "$T/bridge.err" "$T/bridge.py"
	fi
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
