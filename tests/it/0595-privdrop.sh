#!/bin/sh
# 0595-privdrop.sh — the daemons started as root do not stay root (MTCHAT_USER):
# mtchat-bridge binds its port as root, then becomes
# the user (setgroups, setresgid, setresuid: no supplementary group, no saved
# root), serves from a database only that user may write, and the files it makes
# are the user's; mtchat-hooks becomes the user before it opens anything.
# Started as root without MTCHAT_USER they refuse to run (exit 2) unless
# MTCHAT_ALLOW_ROOT=true, and an unknown user is refused too. Needs root (CI
# runs the suite as root).
# backend: sqlite (owners and modes of the SQLite files the daemons make)
. "$MTCHAT_TOP/tests/it/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "skip: not root"
	rm -rf "$T"
	exit 0
fi
U=nobody
UID_=$(id -u $U) GID_=$(id -g $U)
# A directory the user can reach: $T is root's alone.
W=$(mktemp -d "${TMPDIR:-/tmp}/mtchat-priv.XXXXXX")
chmod 755 "$W"
install -d -o "$U" -g "$GID_" -m 700 "$W/data"
trap 'kill $BP $HP 2>/dev/null; rm -rf "$W"; it_stop' EXIT
BP="" HP=""
cat > "$W/env" <<ENV
MTCHAT_CONFIG=/dev/null
MTCHAT_DB=$W/data/m.db
MTCHAT_BRIDGE_SOCKET=$W/data/bridge.sock
MTCHAT_HOOKS_SOCKET=$W/data/hooks.sock
ASAN_OPTIONS=${ASAN_OPTIONS:-}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-}
ENV
penv() { (set -a; . "$W/env"; exec "$@"); }
penv "$MTCHAT_BUILD/mtchat-admin" init >/dev/null
chown "$U:$GID_" "$W/data"/*
chmod 600 "$W/data/m.db"

# --- no MTCHAT_USER: refused, unless allowed
BPORT=$(free_port)
penv env BRIDGE_LISTEN=127.0.0.1 BRIDGE_PORT=$BPORT \
    "$MTCHAT_BUILD/mtchat-bridge" >"$T/out" 2>"$T/err.log"
check "bridge as root without MTCHAT_USER: exit 2" "$?" 2
check "and says why" "$(cat "$T/err.log")" \
    "mtchat-bridge: running as root: set MTCHAT_USER to the user to run as (or MTCHAT_ALLOW_ROOT=true, not for production)"
penv env WEBHOOK_URL=http://127.0.0.1:9/ WEBHOOK_SECRET=s \
    "$MTCHAT_BUILD/mtchat-hooks" --once >"$T/out" 2>"$T/err.log"
check "hooks as root without MTCHAT_USER: exit 2" "$?" 2
penv env MTCHAT_USER=no-such-user-here BRIDGE_LISTEN=127.0.0.1 \
    BRIDGE_PORT=$BPORT "$MTCHAT_BUILD/mtchat-bridge" >"$T/out" 2>"$T/err.log"
check "unknown MTCHAT_USER: exit 2" "$?:$(cat "$T/err.log")" \
    "2:mtchat-bridge: MTCHAT_USER: no-such-user-here: no such user"
penv env MTCHAT_USER=root BRIDGE_LISTEN=127.0.0.1 BRIDGE_PORT=$BPORT \
    "$MTCHAT_BUILD/mtchat-bridge" >"$T/out" 2>"$T/err.log"
check "MTCHAT_USER=root: exit 2" "$?" 2
penv env MTCHAT_ALLOW_ROOT=true "$MTCHAT_BUILD/mtchat-bridge" \
    --check-config >"$T/out" 2>"$T/err.log"
check "MTCHAT_ALLOW_ROOT=true: accepted" "$?:$(cat "$T/out")" "0:configuration OK"

# Uid, Gid and Groups of a process, as "u u u u/g g g g/groups".
ids() {
	awk '/^Uid:/ { u = $2 " " $3 " " $4 " " $5 }
	     /^Gid:/ { g = $2 " " $3 " " $4 " " $5 }
	     /^Groups:/ { $1 = ""; gr = $0 }
	     END { sub(/^ +/, "", gr); print u "/" g "/" gr }' "/proc/$1/status"
}
WANT="$UID_ $UID_ $UID_ $UID_/$GID_ $GID_ $GID_ $GID_/$GID_"

# --- the bridge: binds as root, then serves as the user
(set -a; . "$W/env"; exec env MTCHAT_USER=$U BRIDGE_LISTEN=127.0.0.1 \
    BRIDGE_PORT=$BPORT "$MTCHAT_BUILD/mtchat-bridge" -v) 2>>"$T/bridge.log" &
BP=$!
wait_http "http://127.0.0.1:$BPORT/api/v1/events" ||
	{ echo "bridge did not start"; cat "$T/bridge.log"; exit 1; }
check "bridge: uid, gid and groups are the user's alone" "$(ids $BP)" "$WANT"
check "bridge: says so" "$(grep -c "running as $U\$" "$T/bridge.log")" 1
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' \
    "http://127.0.0.1:$BPORT/api/v1/events?user_id=alice&timeout=0")
check "bridge: a poll is answered (reads the database)" "$STATUS" 200
n=50	# the poll's presence is written (writes the database)
while [ "$(penv "$MTCHAT_BUILD/mtchat-admin" events tail | grep -c presence.update)" = 0 ] &&
    [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
check "bridge: the poll's presence was written" \
    "$(penv "$MTCHAT_BUILD/mtchat-admin" events tail | grep -c presence.update)" 1
check "bridge: its wake-up socket is the user's" \
    "$(stat -c %u "$W/data/bridge.sock")" "$UID_"
check "bridge: its lock file is the user's" \
    "$(stat -c %u "$W/data/bridge.sock.lock")" "$UID_"
kill -TERM $BP
wait $BP
check "bridge: exits 0 on SIGTERM" "$?" 0
BP=""

# --- mtchat-hooks --follow: the user's before it opens anything
(set -a; . "$W/env"; exec env MTCHAT_USER=$U WEBHOOK_URL=http://127.0.0.1:9/ \
    WEBHOOK_SECRET=s "$MTCHAT_BUILD/mtchat-hooks" --follow) 2>>"$T/hooks.log" &
HP=$!
n=50
while [ ! -S "$W/data/hooks.sock" ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
check "hooks: uid, gid and groups are the user's alone" "$(ids $HP)" "$WANT"
check "hooks: its wake-up socket is the user's" \
    "$(stat -c %u "$W/data/hooks.sock")" "$UID_"
check "hooks: its lock file is the user's" \
    "$(stat -c %u "$W/data/m.db-hooks")" "$UID_"
kill -TERM $HP
wait $HP
HP=""
check "the database was never root's" "$(find "$W/data" -user root | wc -l)" 0
it_done
