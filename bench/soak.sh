#!/bin/sh
# soak.sh — soak of the whole stack (issue 17), bounded, never part of make
# check or make bench (`make soak`): N WebSockets (10,000) to a real
# mtchat-bridge, users in dialogs of G (10) made through the Management
# API, and steady traffic of RATE messages a second (round robin over the
# dialogs) through lighttpd and mtchat.fcgi (16 threads) for SECS (600)
# seconds; bench/ws-soak.c checks on every client that exactly its
# dialog's messages arrive, each once and in order, with seq increasing.
# Meanwhile the bridge's RSS and open descriptors are sampled every
# SAMPLE seconds: after warm-up they must stay flat. Prints the figures;
# exits 1 if anything was lost, duplicated, misdelivered or reordered.
# The WebSockets connect to the bridge's port directly, as in ws-bench.sh
# (through lighttpd each would hold two more descriptors).
# usage: sh bench/soak.sh BUILD_DIR   (N=10000 G=10 RATE=100 SECS=600
#        SAMPLE=30)
set -eu
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
N=${N:-10000} G=${G:-10} RATE=${RATE:-100} SECS=${SECS:-600}
SAMPLE=${SAMPLE:-30}
T=$(mktemp -d "${TMPDIR:-/tmp}/mtchat-soak.XXXXXX")
cc -O2 -o "$T/ws-soak" "$TOP/bench/ws-soak.c" -lpthread
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
PORT=$(free_port) BPORT=$(free_port)
cat > "$T/env" <<ENV
MTCHAT_DB=$T/mtchat.db
MTCHAT_CONFIG=/dev/null
MTCHAT_ALLOW_ROOT=true
MTCHAT_BRIDGE_SOCKET=$T/bridge.sock
MTCHAT_SYNCHRONOUS=NORMAL
MTCHAT_FCGI_THREADS=16
PRESENCE_TTL_SECS=3600
BRIDGE_MAX_CONNECTIONS=$((N + 1000))
BRIDGE_MAX_CONNECTIONS_PER_USER=20
ENV
(set -a; . "$T/env"; exec "$BUILD/mtchat-admin" init) >/dev/null
sh "$TOP/tools/lighttpd-conf.sh" "$PORT" "$BUILD/mtchat.fcgi" "$T" "$T/env" 1 \
	> "$T/lighttpd.conf"
/usr/sbin/lighttpd -D -f "$T/lighttpd.conf" &
LPID=$! BPID="" SPID=""
cleanup() {
	for p in $SPID $BPID $LPID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do sleep 0.1; done

# The dialogs: u0..u(G-1), uG..u(2G-1), ...; their ids in order.
python3 - "$N" "$G" "$PORT" > "$T/ids" <<'PY'
import http.client, json, sys
n, g, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
for d in range((n + g - 1) // g):
    body = json.dumps({"object_id": "soak-%d" % d, "object_type": "soak",
        "participants": [{"user_id": "u%d" % u, "display_name": "U%d" % u}
                         for u in range(d * g, min(n, d * g + g))]})
    c.request("POST", "/api/v1/management/dialogs", body,
              {"Content-Type": "application/json"})
    r = c.getresponse()
    print(json.loads(r.read())["data"]["id"])
PY

(set -a; . "$T/env"; BRIDGE_PORT=$BPORT; exec "$BUILD/mtchat-bridge") \
	2>>"$T/bridge.log" &
BPID=$!
until curl -s -o /dev/null "http://127.0.0.1:$BPORT/api/v1/events"; do sleep 0.1; done
rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$BPID/status"; }
fds() { ls "/proc/$BPID/fd" | wc -l | tr -d ' '; }
echo "soak: $N WebSockets in dialogs of $G, $RATE messages/s for $SECS s;" \
    "bridge RSS $(rss) MB, $(fds) descriptors before"
"$T/ws-soak" 127.0.0.1 "$BPORT" "$PORT" "$N" "$G" "$T/ids" "$RATE" "$SECS" \
	> "$T/result" 2>"$T/soak.log" &
SPID=$!
t=0
printf 'bridge RSS MB / descriptors every %s s:' "$SAMPLE"
while kill -0 "$SPID" 2>/dev/null; do
	sleep "$SAMPLE"
	t=$((t + SAMPLE))
	kill -0 "$SPID" 2>/dev/null && printf ' %s/%s' "$(rss)" "$(fds)"
done
echo
rc=0
wait "$SPID" || rc=$?
SPID=""
cat "$T/soak.log"
cat "$T/result"
echo "bridge after: RSS $(rss) MB, $(fds) descriptors (the clients closed)"
grep -c . "$T/bridge.log" | sed 's/^/bridge log lines: /'
exit $rc
