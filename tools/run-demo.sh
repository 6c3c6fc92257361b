#!/bin/sh
# run-demo.sh — `make run`: the local mtchat stack in the foreground. A real
# lighttpd on 127.0.0.1:$PORT (default 8080) serves the REST API through
# mtchat.fcgi, with the database at $MTCHAT_DATA_DIR/mtchat.db (default:
# data/ in the checkout). When mtchat-bridge is built it runs too, on
# $BRIDGE_PORT (default 8081), and lighttpd proxies /api/v1/ws and
# /api/v1/events to it, so one origin serves everything, and the demo web
# client (examples/web) is served at / (MTCHAT_DEMO=0: not). With
# WEBHOOK_URL (and WEBHOOK_SECRET) set, mtchat-hooks --follow sends the
# webhooks. A daemon that dies is started again (with back-off). Ctrl-C or
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

# Every configuration key set in this environment goes to every program,
# so mtchat.fcgi and the bridge agree (PRESENCE_TTL_SECS, ...).
{
	echo "MTCHAT_DB=$DATA/mtchat.db"
	echo "MTCHAT_BRIDGE_SOCKET=$DATA/bridge.sock"
	echo "MTCHAT_HOOKS_SOCKET=$DATA/hooks.sock"
	echo "MTCHAT_FCGI_THREADS=${MTCHAT_FCGI_THREADS:-16}"
	# attachments next to the database, under a secret made once
	[ -s "$DATA/files.secret" ] || (umask 077
	    od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$DATA/files.secret")
	echo "MTCHAT_FILES_DIR=${MTCHAT_FILES_DIR:-$DATA/files}"
	echo "MTCHAT_FILES_SECRET=${MTCHAT_FILES_SECRET:-$(cat "$DATA/files.secret")}"
	for v in $("$BUILD/mtchat-admin" config --keys | cut -f1); do
		case $v in
		MTCHAT_DB|MTCHAT_BRIDGE_SOCKET|MTCHAT_HOOKS_SOCKET|MTCHAT_FCGI_THREADS|\
		MTCHAT_FILES_DIR|MTCHAT_FILES_SECRET|BRIDGE_PORT)
			continue ;;
		esac
		eval "val=\${$v:-}"
		[ -n "$val" ] && printf '%s=%s\n' "$v" "$val"
	done
	[ -n "${MTCHAT_CONFIG:-}" ] && echo "MTCHAT_CONFIG=$MTCHAT_CONFIG"
	# The local demo keeps the user it was started as, root included
	# (a deployment sets MTCHAT_USER: INSTALL, "Users and permissions").
	[ "$(id -u)" = 0 ] && [ -z "${MTCHAT_USER:-}" ] &&
		echo "MTCHAT_ALLOW_ROOT=true"
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

# Runs a daemon and starts it again when it dies, after 1, 2, 4 ... 30 s
# (back to 1 s once it has run for a minute); its pid is in $DATA/NAME.pid.
supervise() {	# name command...
	name=$1; shift
	child=""
	set +e		# a dying child is what this loop is for
	trap - EXIT
	trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' INT TERM
	delay=1
	while :; do
		started=$(date +%s)
		"$@" &
		child=$!
		echo "$child" > "$DATA/$name.pid"
		wait "$child"
		rc=$?
		[ $(( $(date +%s) - started )) -ge 60 ] && delay=1
		echo "mtchat: $name exited with status $rc; restarting in ${delay}s" >&2
		sleep "$delay"
		delay=$((delay * 2))
		[ "$delay" -gt 30 ] && delay=30
	done
}

bridge=""
if [ -x "$BUILD/mtchat-bridge" ]; then
	supervise mtchat-bridge sh -c 'set -a; . "$1"; BRIDGE_PORT=$2; exec "$3"' \
		sh "$DATA/env" "$BRIDGE_PORT" "$BUILD/mtchat-bridge" &
	pids="$pids $!"
	bridge=$BRIDGE_PORT
fi
if [ -x "$BUILD/mtchat-hooks" ] && [ -n "${WEBHOOK_URL:-}" ]; then
	supervise mtchat-hooks sh -c 'set -a; . "$1"; exec "$2" --follow' \
		sh "$DATA/env" "$BUILD/mtchat-hooks" &
	pids="$pids $!"
	echo "mtchat: webhooks to WEBHOOK_URL"
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
