#!/bin/sh
# soak.sh — soak of the whole stack (issue 17), bounded, never part of make
# check or make bench (`make soak`): N WebSockets (10,000) to a real
# mtchat-bridge, users in dialogs of G (10) made through the Management
# API, and steady traffic of RATE messages a second (round robin over the
# dialogs) through lighttpd and mtchat.fcgi (16 threads) for SECS (600)
# seconds; bench/ws-soak.c checks on every client that exactly its
# dialog's messages arrive, each once and in order, with seq increasing.
# Meanwhile the bridge's RSS and open descriptors are sampled every
# SAMPLE seconds: after warm-up they must stay flat. Prints the figures,
# with the CPU time each process spent during the traffic; exits 1 if
# anything was lost, duplicated, misdelivered or reordered.
# The WebSockets go through lighttpd, proxied to the bridge as `make run`
# configures it (VIA=lighttpd, as the issue asks: the real stack), or to
# the bridge's port directly as in ws-bench.sh (VIA=bridge). Through
# lighttpd each holds two more descriptors, there: as root the script
# raises the descriptor limit first (NOFILE, default 4 N + 4096).
# usage: sh bench/soak.sh BUILD_DIR   (N=10000 G=10 RATE=100 SECS=600
#        SAMPLE=30 VIA=lighttpd)
set -eu
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
N=${N:-10000} G=${G:-10} RATE=${RATE:-100} SECS=${SECS:-600}
SAMPLE=${SAMPLE:-30} VIA=${VIA:-lighttpd}
NOFILE=${NOFILE:-$((4 * N + 4096))}
# lighttpd, the bridge and ws-soak inherit the limit: lighttpd needs two
# descriptors a proxied WebSocket (tools/lighttpd-conf.sh sizes itself on
# the hard limit), the bridge and the clients one each.
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$NOFILE" ]; then
	ulimit -Hn "$NOFILE" 2>/dev/null ||
		echo "soak: cannot raise the descriptor limit to $NOFILE" \
		    "(needs root with CAP_SYS_RESOURCE); it stays $(ulimit -Hn)"
fi
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
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
case $VIA in
lighttpd) WSPORT=$PORT; PROXY=$BPORT ;;
bridge) WSPORT=$BPORT; PROXY="" ;;
*) echo "soak: VIA=lighttpd or VIA=bridge" >&2; exit 2 ;;
esac
sh "$TOP/tools/lighttpd-conf.sh" "$PORT" "$BUILD/mtchat.fcgi" "$T" "$T/env" 1 \
	$PROXY > "$T/lighttpd.conf"
# lighttpd stops accepting at 90 % of server.max-fds ("sockets disabled,
# out-of-fds"), and a proxied WebSocket holds two.
maxfds=$(sed -n 's/^server.max-fds = //p' "$T/lighttpd.conf")
if [ "$VIA" = lighttpd ] && [ $((2 * N + 64)) -gt $((maxfds * 9 / 10)) ]; then
	echo "soak: lighttpd (max-fds $maxfds) takes about" \
	    "$(( (maxfds * 9 / 10 - 64) / 2 )) WebSockets, not $N:" \
	    "raise the limit, lower N or use VIA=bridge" >&2
	rm -rf "$T"
	exit 2
fi
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
FPID=$(pgrep -P "$LPID" | head -1)	# mtchat.fcgi, lighttpd's child
rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/${1:-$BPID}/status"; }
fds() { ls "/proc/${1:-$BPID}/fd" | wc -l | tr -d ' '; }
# CPU time so far (user + system), in clock ticks.
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
cpu() { echo "scale=1; ($(ticks "$1") - $2) / $(getconf CLK_TCK)" | bc; }
echo "soak: $N WebSockets (via $VIA) in dialogs of $G, $RATE messages/s" \
    "for $SECS s; descriptor limit $(ulimit -n), lighttpd's" \
    "$(sed -n 's/^server.max-connections = //p' "$T/lighttpd.conf")" \
    "connections; bridge RSS $(rss) MB," \
    "$(fds) descriptors before; lighttpd $(fds "$LPID") descriptors"
b0=$(ticks "$BPID") l0=$(ticks "$LPID") f0=$(ticks "$FPID") start=$(date +%s)
"$T/ws-soak" 127.0.0.1 "$WSPORT" "$PORT" "$N" "$G" "$T/ids" "$RATE" "$SECS" \
	> "$T/result" 2>"$T/soak.log" &
SPID=$!
t=0
echo "every $SAMPLE s: bridge RSS MB / descriptors, lighttpd RSS MB /" \
    "descriptors, mtchat.fcgi RSS MB"
while kill -0 "$SPID" 2>/dev/null; do
	sleep "$SAMPLE"
	t=$((t + SAMPLE))
	kill -0 "$SPID" 2>/dev/null &&
		echo " ${t}s $(rss)/$(fds) $(rss "$LPID")/$(fds "$LPID") $(rss "$FPID")"
done
rc=0
wait "$SPID" || rc=$?
SPID=""
echo "CPU seconds over $(( $(date +%s) - start )) s (connect, traffic," \
    "drain): bridge $(cpu "$BPID" "$b0"), lighttpd $(cpu "$LPID" "$l0")," \
    "mtchat.fcgi $(cpu "$FPID" "$f0")"
cat "$T/soak.log"
cat "$T/result"
echo "bridge after: RSS $(rss) MB, $(fds) descriptors (the clients closed);" \
    "lighttpd $(fds "$LPID") descriptors"
grep -c . "$T/bridge.log" | sed 's/^/bridge log lines: /'
exit $rc
