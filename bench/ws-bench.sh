#!/bin/sh
# ws-bench.sh — benchmark of mtchat-bridge (issue 4), run by `make bench`
# through bench/run.sh; prints figures, asserts nothing. Needs a build
# without sanitizers. On one machine:
#   (a) bridge RSS per idle WebSocket at 1,000 / 5,000 / 10,000;
#   (b) fan-out latency, REST send (lighttpd + mtchat.fcgi) to receipt, for
#       one dialog of 1,000 connected participants at 50 msg/s and 5,000 at
#       10 msg/s, every delivery counted; first 10 participants at 50 msg/s,
#       the part of the latency that does not grow with the audience;
#   (c) 1,000 and 10,000 held long-polls: latency and bridge RSS.
# Where nginx's nchan module is installed (libnginx-mod-nchan), each
# fan-out run of (b) is followed by the same load against nginx + nchan (a
# WebSocket subscriber location and an HTTP publisher location on one
# channel), the same client, and the ratio of the two p99s is printed.
# WebSockets and polls connect to the bridge port directly (lighttpd would
# need as many descriptors again). Presence rows of the benchmark users are
# made beforehand so connecting causes no presence.update storm (every user
# of a 5,000-member dialog would otherwise hear 4,999 transitions).
# usage: ws-bench.sh BUILD_DIR [runs]
set -eu
BUILD=${1:-build}
RUNS=${2:-3}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/mtchat-bench.XXXXXX")
cc -O2 -o "$T/ws-load" "$TOP/bench/ws-load.c" -lpthread
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
MTCHAT_MAX_BODY=2000000
PRESENCE_TTL_SECS=3600
BRIDGE_MAX_CONNECTIONS=20000
BRIDGE_QUEUE_LIMIT=100000
ENV
with_env() { (set -a; . "$T/env"; exec "$@"); }
with_env "$BUILD/mtchat-admin" init >/dev/null
sh "$TOP/tools/lighttpd-conf.sh" "$PORT" "$BUILD/mtchat.fcgi" "$T" "$T/env" 1 \
	> "$T/lighttpd.conf"
/usr/sbin/lighttpd -D -f "$T/lighttpd.conf" &
LPID=$!
BPID=""
cleanup() {
	[ -n "$BPID" ] && kill "$BPID" 2>/dev/null
	[ -n "$NCPID" ] && kill "$NCPID" 2>/dev/null
	kill "$LPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do sleep 0.1; done

# nginx + nchan on NCPORT, for the comparison of (b); NCPID empty if none.
NCPORT=$(free_port) NCPID=""
NCHAN=/usr/lib/nginx/modules/ngx_nchan_module.so
nchan_start() {
	[ -f "$NCHAN" ] && command -v nginx >/dev/null || return 0
	mkdir -p "$T/nchan"
	cat > "$T/nchan.conf" <<NCONF
load_module $NCHAN;
worker_processes 1;
worker_rlimit_nofile 40000;
user root;
pid $T/nchan/nginx.pid;
error_log $T/nchan-error.log;
events { worker_connections 20000; }
http {
	access_log off;
	client_body_temp_path $T/nchan/body;
	proxy_temp_path $T/nchan/proxy;
	fastcgi_temp_path $T/nchan/fastcgi;
	uwsgi_temp_path $T/nchan/uwsgi;
	scgi_temp_path $T/nchan/scgi;
	server {
		listen 127.0.0.1:$NCPORT;
		location = /api/v1/ws {
			nchan_subscriber websocket;
			nchan_channel_id bench;
			# not the previous run's messages
			nchan_subscriber_first_message newest;
		}
		location ~ ^/api/v1/dialogs/[^/]+/messages\$ {
			nchan_publisher http;
			nchan_channel_id bench;
		}
	}
}
NCONF
	nginx -c "$T/nchan.conf" -g 'daemon off;' 2>>"$T/nchan-error.log" &
	NCPID=$!
	until curl -s -o /dev/null "http://127.0.0.1:$NCPORT/"; do sleep 0.1; done
}

bridge_start() {
	(set -a; . "$T/env"; BRIDGE_PORT=$BPORT; exec "$BUILD/mtchat-bridge" ${BRIDGE_ARGS:-}) \
		2>>"${BRIDGE_LOG:-$T/bridge.log}" &
	BPID=$!
	until curl -s -o /dev/null "http://127.0.0.1:$BPORT/api/v1/events"; do
		sleep 0.1
	done
}
bridge_stop() { kill "$BPID"; wait "$BPID" 2>/dev/null || true; BPID=""; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$BPID/status"; }
# CPU time of the bridge so far, in clock ticks (user + system).
cpu_ticks() { sed 's/.*) //' "/proc/$BPID/stat" | awk '{ print $12 + $13 }'; }
cpu_secs() { echo "scale=2; ($(cpu_ticks) - $1) / $(getconf CLK_TCK)" | bc; }

# dialog N: a dialog with participants u0 .. u(N-1), all marked online.
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

# mark_online N: presence rows for u0 .. u(N-1) of an instance no bridge
# has ('bench'): a bridge's own row is then never a user's first or last,
# so connecting and leaving make no presence.update storm.
mark_online() {
	sqlite3 "$T/mtchat.db" "WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL
	    SELECT n + 1 FROM i WHERE n < $1 - 1) INSERT OR IGNORE INTO
	    presence (user_id, last_seen, instance) SELECT 'u' || n,
	    strftime('%s','now') * 1000000, 'bench' FROM i"
}

# Waits (up to 60 s) until the bridge has taken the previous run's
# WebSocket users offline: their rows must be gone before mark_online
# writes them again, else the bridge deletes the new rows and the next
# run's connects become N x N presence events that bury the messages.
offline_drained() {
	i=0
	while [ "$(sqlite3 "$T/mtchat.db" "SELECT count(*) FROM presence
	    WHERE instance <> 'bench'")" \
	    -gt 0 ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# Waits (up to 60 s) until the bridge has closed the previous run's
# connections: 10,000 new ones on top of 10,000 not yet closed would pass
# its descriptor limit.
closed_drained() {
	i=0
	while [ "$(ls "/proc/$BPID/fd" | wc -l)" -gt 64 ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

PHASES=${BENCH_PHASES:-abc}	# e.g. BENCH_PHASES=c for the polls only
POLL_SIZES=${POLL_SIZES:-1000 10000}	# held polls of phase (c)
FANOUT_SIZES=${FANOUT_SIZES:-10 1000 5000}	# recipients in phase (b)
case $PHASES in *a*) ;; *) IDLE_SIZES="" ;; esac
echo "== (a) idle WebSockets: bridge RSS"
for n in ${IDLE_SIZES-1000 5000 10000}; do
	bridge_start
	sleep 0.5
	r0=$(rss_kib)
	mkfifo "$T/hold"
	"$T/ws-load" idle 127.0.0.1 "$BPORT" $n < "$T/hold" > "$T/idle.out" &
	CPID=$!
	exec 3> "$T/hold"
	until grep -q connected "$T/idle.out" 2>/dev/null ||
	    ! kill -0 $CPID 2>/dev/null; do sleep 0.2; done
	sleep 2
	r1=$(rss_kib)
	printf '%6d connections: %s; RSS %d -> %d KiB, %.2f KiB per connection\n' \
		$n "$(cat "$T/idle.out")" "$r0" "$r1" \
		"$(echo "($r1 - $r0) / $n" | bc -l)"
	exec 3>&-
	wait $CPID || true
	rm -f "$T/hold"
	bridge_stop
done

fanout() {	# n rate count
	D=$(dialog "$1")
	bridge_start
	for r in $(seq "$RUNS"); do
		closed_drained
		offline_drained
		mark_online "$1"
		sleep 2
		printf '%5d recipients, %2d msg/s, run %d: ' "$1" "$2" "$r"
		c0=$(cpu_ticks)
		"$T/ws-load" fanout 127.0.0.1 "$BPORT" "$1" "$PORT" "$D" "$2" "$3" |
			tail -1 | tee "$T/mt.out" | tr -d '\n'
		printf '; bridge CPU %s s\n' "$(cpu_secs "$c0")"
		[ -n "$NCPID" ] || continue
		sleep 1
		printf '%5d recipients, %2d msg/s, run %d, nginx + nchan: ' "$1" \
		    "$2" "$r"
		WS_LOAD_PLAIN=1 "$T/ws-load" fanout 127.0.0.1 "$NCPORT" "$1" \
		    "$NCPORT" "$D" "$2" "$3" | tail -1 | tee "$T/nc.out" |
		    tr -d '\n'
		printf '; mtchat p99 / nchan p99 %s\n' "$(cat "$T/mt.out" "$T/nc.out" |
		    awk '{ for (i = 1; i <= NF; i++) if ($i == "p99") v = $(i + 1)
		    p[NR] = v } END { if (p[2] > 0) printf "%.2f", p[1] / p[2] }')"
	done
	bridge_stop
}
echo "== (b) fan-out latency, REST send to WebSocket receipt"
case $PHASES in *b*)
	nchan_start
	# 10 recipients: the floor, what a delivery costs before fan-out
	# (lighttpd, mtchat.fcgi's commit, the wake-up, the bridge's read).
	for n in $FANOUT_SIZES; do
		case $n in 5000) fanout 5000 10 100 ;; *) fanout "$n" 50 500 ;; esac
	done ;;
esac

polls() {	# n rate count
	D=$(dialog "$1")
	bridge_start
	for r in $(seq "$RUNS"); do
		closed_drained
		mark_online "$1"
		sleep 2
		printf '%5d held polls, %2d msg/s, run %d: ' "$1" "$2" "$r"
		c0=$(cpu_ticks)
		"$T/ws-load" poll 127.0.0.1 "$BPORT" "$1" "$PORT" "$D" "$2" "$3" \
			> "$T/poll.out" &
		CPID=$!
		until grep -q connected "$T/poll.out" 2>/dev/null ||
		    ! kill -0 $CPID 2>/dev/null; do sleep 0.2; done
		sleep 0.5
		rss=$(rss_kib)
		wait $CPID || true
		printf '%s; bridge RSS %d KiB while held; bridge CPU %s s\n' \
			"$(tail -1 "$T/poll.out")" "$rss" "$(cpu_secs "$c0")"
	done
	bridge_stop
}
echo "== (c) held long-polls, REST send to poll answer"
case $PHASES in *c*)
	for n in $POLL_SIZES; do
		case $n in 1000) polls 1000 10 100 ;; *) polls "$n" 1 10 ;; esac
	done ;;
esac
