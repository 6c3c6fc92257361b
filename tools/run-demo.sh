#!/bin/sh
# run-demo.sh — `make run`: the local mtchat stack in the foreground. A real
# lighttpd on 127.0.0.1:$PORT (default 8080) serves the REST API through
# mtchat.fcgi, with the database at $MTCHAT_DATA_DIR/mtchat.db (default:
# data/ in the checkout). When mtchat-bridge is built it runs too, on
# $BRIDGE_PORT (default 8081), and lighttpd proxies /api/v1/ws and
# /api/v1/events to it, so one origin serves everything, and the demo web
# client (examples/web) is served at / (MTCHAT_DEMO=0: not). Ctrl-C or
# SIGTERM stops everything this script started.
set -eu
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
DATA=${MTCHAT_DATA_DIR:-$TOP/data}
PORT=${PORT:-8080}
BRIDGE_PORT=${BRIDGE_PORT:-8081}
MTCHAT_DEMO=${MTCHAT_DEMO:-1}
export MTCHAT_DEMO
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)

{
	echo "MTCHAT_DB=$DATA/mtchat.db"
	echo "MTCHAT_BRIDGE_SOCKET=$DATA/bridge.sock"
	echo "MTCHAT_FCGI_THREADS=${MTCHAT_FCGI_THREADS:-16}"
	[ -n "${ADMIN_API_TOKEN:-}" ] && echo "ADMIN_API_TOKEN=$ADMIN_API_TOKEN"
	[ -n "${MTCHAT_CONFIG:-}" ] && echo "MTCHAT_CONFIG=$MTCHAT_CONFIG"
	for v in JWT_AUTH_ENABLED JWT_SECRET JWT_SECRETS CORS_ALLOWED_ORIGINS \
	    MTCHAT_SYNCHRONOUS LOG_VERBOSE; do
		eval "val=\${$v:-}"
		[ -n "$val" ] && echo "$v=$val"
	done
	true
} > "$DATA/env"

(set -a; . "$DATA/env"; exec "$BUILD/mtchat-admin" init) >/dev/null

pids=""
stop() {
	trap - INT TERM EXIT
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo "mtchat: stopped"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

bridge=""
if [ -x "$BUILD/mtchat-bridge" ]; then
	(set -a; . "$DATA/env"; BRIDGE_PORT=$BRIDGE_PORT; export BRIDGE_PORT
	 exec "$BUILD/mtchat-bridge") &
	pids="$pids $!"
	bridge=$BRIDGE_PORT
fi
sh "$TOP/tools/lighttpd-conf.sh" "$PORT" "$BUILD/mtchat.fcgi" "$DATA" \
	"$DATA/env" 1 $bridge > "$DATA/lighttpd.conf"
/usr/sbin/lighttpd -D -f "$DATA/lighttpd.conf" &
pids="$pids $!"

n=100
until curl -fs -o /dev/null "http://127.0.0.1:$PORT/health"; do
	n=$((n - 1))
	if [ $n -eq 0 ]; then
		echo "mtchat: lighttpd did not come up; see $DATA/lighttpd-error.log" >&2
		exit 1
	fi
	sleep 0.1
done
echo "mtchat: serving http://127.0.0.1:$PORT (database $DATA/mtchat.db)"
[ -n "$bridge" ] && echo "mtchat: WebSocket ws://127.0.0.1:$PORT/api/v1/ws"
[ -z "${ADMIN_API_TOKEN:-}" ] &&
	echo "mtchat: ADMIN_API_TOKEN is not set: the Management API is open"
if [ "$MTCHAT_DEMO" = 1 ]; then
	echo "mtchat: open http://127.0.0.1:$PORT/ in a browser for the demo chat"
	echo "mtchat: a first dialog (alice and bob), from another terminal:"
	echo "          $BUILD/mtchat-admin -d $DATA/mtchat.db demo-seed"
	echo "        then open the page as alice, and in a second window as bob"
fi
echo "mtchat: Ctrl-C to stop"
wait
