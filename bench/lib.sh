# lib.sh — what bench/ws-storm.sh and bench/ws-hop.sh share: a fresh
# database, lighttpd with mtchat.fcgi configured as `make run` does
# (tools/lighttpd-conf.sh, the bridge's paths proxied), mtchat-bridge, the
# load clients, and a few helpers. Loopback only.
#
#   bench_setup BUILD_DIR    sets T, PORT (lighttpd), BPORT (bridge), LPID;
#                            extra env lines in BENCH_ENV; BENCH_KEEP=1
#                            keeps T (logs) at the end
#   bridge_start [NAME=VALUE ...] / bridge_stop
#   cpu_ticks PID..., secs TICKS
#   dialog N                 a dialog of u0 .. u(N-1); prints its id
#   dialog_delete ID
#   mark_online N            presence rows: connecting makes no storm
#   offline_drained          until the bridge took everybody offline
#   median / range           of the numbers on stdin
# shellcheck shell=sh

bench_setup() {
	BUILD=$1
	TOP=$(cd "$(dirname "$0")/.." && pwd)
	case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
	T=$(mktemp -d "${TMPDIR:-/tmp}/mtchat-bench.XXXXXX")
	BPID="" LPID="" EXTRA_PIDS=""
	trap bench_cleanup EXIT INT TERM
	PORT=$(free_port) BPORT=$(free_port)
	cat > "$T/env" <<ENV
MTCHAT_DB=$T/mtchat.db
MTCHAT_CONFIG=/dev/null
MTCHAT_BRIDGE_SOCKET=$T/bridge.sock
MTCHAT_SYNCHRONOUS=NORMAL
MTCHAT_FCGI_THREADS=16
PRESENCE_TTL_SECS=3600
BRIDGE_MAX_CONNECTIONS=20000
BRIDGE_QUEUE_LIMIT=100000
MTCHAT_ALLOW_ROOT=true
${BENCH_ENV:-}
ENV
	(set -a; . "$T/env"; exec "$BUILD/mtchat-admin" init) >/dev/null
	sh "$TOP/tools/lighttpd-conf.sh" "$PORT" "$BUILD/mtchat.fcgi" "$T" \
		"$T/env" 2 "$BPORT" > "$T/lighttpd.conf"
	/usr/sbin/lighttpd -D -f "$T/lighttpd.conf" &
	LPID=$!
	until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do
		sleep 0.1
	done
	cc -O2 -o "$T/ws-load" "$TOP/bench/ws-load.c" -lpthread
	cc -O2 -o "$T/ws-storm" "$TOP/bench/ws-storm.c" -lpthread
}

bench_cleanup() {
	for p in $BPID $LPID $EXTRA_PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

bridge_start() {	# [NAME=VALUE ...]: for this bridge only
	(set -a; . "$T/env"; BRIDGE_PORT=$BPORT
	 for kv in "$@"; do export "$kv"; done
	 exec "$BUILD/mtchat-bridge") 2>>"$T/bridge.log" &
	BPID=$!
	until curl -s -o /dev/null "http://127.0.0.1:$BPORT/api/v1/events"; do
		kill -0 "$BPID" 2>/dev/null ||
			{ echo "the bridge exited:"; tail -3 "$T/bridge.log"; exit 1; }
		sleep 0.05
	done
}

bridge_stop() {
	[ -n "$BPID" ] || return 0
	kill "$BPID"
	wait "$BPID" 2>/dev/null || true
	BPID=""
}

# CPU time of processes so far, in clock ticks (user + system).
cpu_ticks() {
	for p in "$@"; do
		sed 's/.*) //' "/proc/$p/stat" 2>/dev/null |
			awk '{ print $12 + $13 }'
	done | awk '{ s += $1 } END { print s + 0 }'
}
secs() { echo "scale=2; $1 / $(getconf CLK_TCK)" | bc; }

dialog() {
	python3 - "$1" > "$T/m1.json" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"object_id": "bench-%d" % n, "object_type": "bench",
    "participants": [{"user_id": "u%d" % i, "display_name": "U%d" % i}
                     for i in range(n)]}))
PY
	curl -s -H 'Content-Type: application/json' --data-binary "@$T/m1.json" \
		"http://127.0.0.1:$PORT/api/v1/management/dialogs" | jq -r .data.id
}

# Deletes dialog $1: its members share nothing any more.
dialog_delete() {
	curl -s -o /dev/null -X DELETE \
		"http://127.0.0.1:$PORT/api/v1/management/dialogs/$1"
}

mark_online() {
	sqlite3 "$T/mtchat.db" "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL
	    SELECT n + 1 FROM i WHERE n < $1 - 1) INSERT OR IGNORE INTO
	    presence (user_id, last_seen, instance) SELECT 'u' || n,
	    strftime('%s','now') * 1000000, 'bench' FROM i"
}

# Until (60 s at most) no presence row is left: the previous run's users
# are offline, their rows gone.
offline_drained() {
	i=0
	while [ "$(sqlite3 "$T/mtchat.db" "SELECT count(*) FROM presence
	    WHERE instance <> 'bench'")" \
	    -gt 0 ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

median() {
	sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'
}
range() {
	sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s-%s", lo, hi }'
}
