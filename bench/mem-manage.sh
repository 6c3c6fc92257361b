#!/bin/sh
# mem-manage.sh — memory of mtchat.fcgi under big management calls (issue
# 17): one process of THREADS threads (16, as `make run` starts it) behind
# a real lighttpd; CALLS creates of a dialog with PARTS participants each,
# CONC at a time so that they land on different threads; the process's
# RSS after each call, then after IDLE seconds of nothing. Prints figures,
# asserts nothing; `make bench` runs it. Needs a build without sanitizers.
# usage: sh bench/mem-manage.sh BUILD_DIR
#        (THREADS=16 CALLS=30 PARTS=5000 CONC=4 IDLE=5; extra environment
#        for mtchat.fcgi in FCGI_ENV="NAME=value ...")
set -eu
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
THREADS=${THREADS:-16} CALLS=${CALLS:-30} PARTS=${PARTS:-5000}
CONC=${CONC:-4} IDLE=${IDLE:-5}
T=$(mktemp -d "${TMPDIR:-/tmp}/mtchat-mem.XXXXXX")
LPID=""
cleanup() { [ -n "$LPID" ] && kill "$LPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
	echo "MTCHAT_DB=$T/mtchat.db"
	echo "MTCHAT_CONFIG=/dev/null"
	echo "MTCHAT_BRIDGE_SOCKET=$T/bridge.sock"
	echo "MTCHAT_SYNCHRONOUS=NORMAL"
	echo "MTCHAT_FCGI_THREADS=$THREADS"
	echo "MTCHAT_MAX_BODY=4000000"
	for kv in ${FCGI_ENV:-}; do echo "$kv"; done
} > "$T/env"
(set -a; . "$T/env"; exec "$BUILD/mtchat-admin" init) >/dev/null
sh "$TOP/tools/lighttpd-conf.sh" "$PORT" "$BUILD/mtchat.fcgi" "$T" "$T/env" 1 \
	> "$T/lighttpd.conf"
/usr/sbin/lighttpd -D -f "$T/lighttpd.conf" &
LPID=$!
until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do sleep 0.1; done
PID=$(pgrep -f "^$BUILD/mtchat.fcgi" | head -1)
rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"; }

python3 - "$PARTS" > "$T/body.json" <<'EOF'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"object_id": "big", "object_type": "bench", "title": "Big",
    "participants": [{"user_id": "user-%05d" % i, "display_name": "User %d" % i,
                      "company": "Company %d" % (i % 50), "email": "u%d@example.com" % i}
                     for i in range(n)]}))
EOF
echo "mtchat.fcgi: $THREADS threads, $CALLS creates of $PARTS participants" \
    "($(( $(wc -c < "$T/body.json") / 1024 )) KiB each), $CONC at a time${FCGI_ENV:+, $FCGI_ENV}"
echo "RSS at start: $(rss) MB"
i=0 line=""
while [ $i -lt "$CALLS" ]; do
	j=0 pids=""
	while [ $j -lt "$CONC" ] && [ $i -lt "$CALLS" ]; do
		curl -s -o /dev/null -w '%{http_code}\n' >>"$T/codes" \
		    -H 'Content-Type: application/json' \
		    --data-binary "@$T/body.json" \
		    "http://127.0.0.1:$PORT/api/v1/management/dialogs" &
		pids="$pids $!"
		i=$((i + 1)) j=$((j + 1))
	done
	wait $pids
	line="$line $(rss)"
done
echo "RSS after each batch of $CONC (MB):$line"
echo "RSS after $CALLS calls: $(rss) MB (answers: $(sort "$T/codes" | uniq -c | xargs))"
sleep "$IDLE"
echo "RSS after ${IDLE} s idle: $(rss) MB"
