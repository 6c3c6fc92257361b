#!/bin/sh
# 0810-pg-nodes.sh — two web nodes and two bridges over one PostgreSQL
# database (issue 22; docs/postgresql.md#wake-ups-listennotify): lighttpd
# with mtchat.fcgi on nodes A and B, mtchat-bridge A and B (each behind
# its node, each with its own wake-up socket), all on the test's database.
# The bridges look at the change-log only every hour
# (MTCHAT_TEST_TAIL_SECS), and the datagram of a node reaches its own
# bridge at most: an event sent through one node reaches a client of the
# other bridge only by the NOTIFY of its commit, which each bridge's log
# names at -vv. (a) node B to a client of bridge A; (b) node A to a client
# of bridge B; (c) a client leaves bridge A, messages go on, it comes back
# on bridge B with since=SEQ and gets exactly the missed ones, in order;
# (d) kill -9 of bridge A: the clients of bridge B go on receiving;
# mtchat-hooks --follow, started with node B's configuration, is woken by
# NOTIFY for a message sent through node A; (e) the LISTEN connections of
# bridge B and mtchat-hooks are ended by the server: each says so once,
# bridge B delivers meanwhile, both listen again.
# backend: pg
. "$MTCHAT_TOP/tests/it/lib.sh"
if [ "$IT_STORE" != pg ]; then
	echo "skip: the programs do not use PostgreSQL yet"
	rm -rf "$T"
	exit 0
fi
R=$T/recv
LIGHTTPD_B_PID="" BRIDGE_B_PID="" HOOKS_PID="" RECV_PID=""
mkdir "$R"
python3 "$MTCHAT_TOP/tests/it/hookrecv.py" "$R" 2>>"$T/recv.log" &
RECV_PID=$!
n=0; while [ ! -s "$R/port" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done

stop_b() {
	for p in $HOOKS_PID $BRIDGE_B_PID $LIGHTTPD_B_PID $RECV_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	HOOKS_PID="" BRIDGE_B_PID="" LIGHTTPD_B_PID="" RECV_PID=""
}
trap 'stop_b; it_stop; exit 130' INT TERM

# Node A: it_start's lighttpd and mtchat.fcgi, in front of bridge A.
# Presence is refreshed every 200 s only: no tail but by wake-ups.
BPA=$(free_port) BPB=$(free_port)
BRIDGE_PORT=$BPA
it_start PRESENCE_TTL_SECS=600 \
	WEBHOOK_URL="http://127.0.0.1:$(cat "$R/port")/hooks/in" \
	WEBHOOK_SECRET=it-secret MTCHAT_HOOKS_SOCKET="$T/hooks.sock"
BASE_A=$BASE PORT_A=$PORT

# Node B: its own lighttpd, mtchat.fcgi and sockets, the same database.
mkdir "$T/b"
sed -e "s|^MTCHAT_BRIDGE_SOCKET=.*|MTCHAT_BRIDGE_SOCKET=$T/b/bridge.sock|" \
    -e "s|^MTCHAT_HOOKS_SOCKET=.*|MTCHAT_HOOKS_SOCKET=$T/b/hooks.sock|" \
    "$T/env" > "$T/b/env"
PORT_B=$(free_port)
BASE_B=http://127.0.0.1:$PORT_B
sh "$MTCHAT_TOP/tools/lighttpd-conf.sh" "$PORT_B" "$MTCHAT_BUILD/mtchat.fcgi" \
	"$T/b" "$T/b/env" 2 "$BPB" > "$T/b/lighttpd.conf"
/usr/sbin/lighttpd -D -f "$T/b/lighttpd.conf" 2>>"$T/lighttpd-b.log" &
LIGHTTPD_B_PID=$!
wait_http "$BASE_B/health" || { echo "lighttpd B did not start"; stop_b; it_stop; exit 1; }

QUIET="LOG_VERBOSE=2 MTCHAT_TEST_TAIL_SECS=3600"
# shellcheck disable=SC2086
it_start_bridge $QUIET
BRIDGE_A_PID=$BRIDGE_PID
(while IFS= read -r kv; do export "$kv"; done < "$T/b/env"
 for kv in $QUIET; do export "$kv"; done
 BRIDGE_LISTEN=127.0.0.1 BRIDGE_PORT=$BPB; export BRIDGE_LISTEN BRIDGE_PORT
 exec "$MTCHAT_BUILD/mtchat-bridge" -v) 2>>"$T/bridge-b.log" &
BRIDGE_B_PID=$!
wait_http "http://127.0.0.1:$BPB/api/v1/events" ||
	{ echo "bridge B did not start"; cat "$T/bridge-b.log"; stop_b; it_stop; exit 1; }
(while IFS= read -r kv; do export "$kv"; done < "$T/b/env"
 exec "$MTCHAT_BUILD/mtchat-hooks" -vv --follow) 2>>"$T/hooks.log" &
HOOKS_PID=$!

# The highest seq a log's NOTIFY lines name (0: none).
notified() {	# log
	sed -n 's/.*woken by NOTIFY (seq \([0-9]*\)).*/\1/p' "$1" |
		sort -n | tail -1 | grep . || echo 0
}
# The seq of message id in a client's frames.
seq_of() {	# name id
	grep -v '^#' "$T/ws-$1.out" | jq -r "select(.id == \"$2\") | .seq" | head -1
}
# Sends one message through a node (A or B) as a user; sets MID.
send() {	# node user text
	BASE=$BASE_A
	[ "$1" = B ] && BASE=$BASE_B
	req POST "/api/v1/dialogs/$D/messages?user_id=$2" "{\"content\":\"<p>$3</p>\"}"
	check_status 200 "send $3 through node $1"
	MID=$(jqr .data.id)
	BASE=$BASE_A
}
WS_A=ws://127.0.0.1:$PORT_A WS_B=ws://127.0.0.1:$PORT_B

p() { printf '{"user_id":"%s","display_name":"%s"}' "$1" "$1"; }
mgmt POST /api/v1/management/dialogs "{\"object_id\":\"o1\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p bob),$(p carol)]}"
check_status 200 "fixture dialog"
D=$(jqr .data.id)

WS_BASE=$WS_A ws_open a1 'user_id=alice'
ws_wait a1 '.type == "connected"' 1 10
WS_BASE=$WS_B ws_open c1 'user_id=carol'
ws_wait c1 '.type == "connected"' 1 10
# bridge B writes carol online, bridge A tells alice, woken by NOTIFY
ws_wait a1 '.type == "presence.update" and .user_id == "carol"' 1 10
check "a1 (bridge A) sees carol come online on bridge B" \
	"$(ws_count a1 '.type == "presence.update" and .user_id == "carol"')" 1

# (a) through node B, to a client of bridge A
send B bob m1
M1=$MID
ws_wait a1 ".type == \"message.new\" and .id == \"$M1\"" 1 10
check "(a) a1 on bridge A got m1 sent through node B" \
	"$(ws_count a1 ".type == \"message.new\" and .id == \"$M1\"")" 1
S1=$(seq_of a1 "$M1")
check "(a) bridge A was woken by NOTIFY for it" \
	"$([ "$(notified "$T/bridge.log")" -ge "${S1:-1}" ] && [ -n "$S1" ] && echo yes)" yes

# (b) through node A, to a client of bridge B
send A alice m2
M2=$MID
ws_wait c1 ".type == \"message.new\" and .id == \"$M2\"" 1 10
check "(b) c1 on bridge B got m2 sent through node A" \
	"$(ws_count c1 ".type == \"message.new\" and .id == \"$M2\"")" 1
S2=$(seq_of c1 "$M2")
check "(b) bridge B was woken by NOTIFY for it" \
	"$([ "$(notified "$T/bridge-b.log")" -ge "${S2:-1}" ] && [ -n "$S2" ] && echo yes)" yes
ws_wait c1 ".type == \"message.new\" and .id == \"$M1\"" 1 10
check "c1 has m1 too" "$(ws_count c1 ".type == \"message.new\" and .id == \"$M1\"")" 1

# mtchat-hooks with node B's configuration: m2 (node A) by NOTIFY
n=200; while [ "$(jq -c "select(.event == \"message.new\")" "$R/log.jsonl" 2>/dev/null | wc -l)" -lt 2 ] && [ $n -gt 0 ]; do
	sleep 0.05; n=$((n - 1))
done
check "webhooks for m1 and m2 delivered" \
	"$(jq -c 'select(.event == "message.new")' "$R/log.jsonl" 2>/dev/null | wc -l | tr -d ' ')" 2
check "mtchat-hooks was woken by NOTIFY" \
	"$([ "$(notified "$T/hooks.log")" -ge "${S2:-1}" ] && echo yes)" yes

# (c) a1 leaves bridge A; 6 messages through both nodes; back on B
ws_wait a1 ".type == \"message.new\" and .id == \"$M2\"" 1 10
LAST=$(grep -v '^#' "$T/ws-a1.out" | jq -s '[.[] | .seq // 0] | max')
ws_send a1 '!close'
check "a1 closed" "$(ws_closed a1 10 | cut -c1-7)" "#closed"
i=1
for node in A B A B A B; do
	send $node bob "gap$i"
	i=$((i + 1))
done
ws_wait c1 '.type == "message.new"' 8 10
WS_BASE=$WS_B ws_open a2 "user_id=alice&since=$LAST"
ws_wait a2 '.type == "message.new"' 6 10
got=$(grep -v '^#' "$T/ws-a2.out" | jq -r 'select(.type == "message.new") | .seq' | tr '\n' ' ')
want=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
	jq -r "select(.type == \"message.new\" and .seq > $LAST) | .seq" | tr '\n' ' ')
check "(c) a2 on bridge B: exactly the 6 missed, in order" "$got" "$want"
check "(c) 6 of them" "$(printf '%s' "$got" | wc -w | tr -d ' ')" 6
check "(c) contents" "$(grep -v '^#' "$T/ws-a2.out" | jq -r 'select(.type == "message.new") | .content' | tr '\n' ' ')" \
	"<p>gap1</p> <p>gap2</p> <p>gap3</p> <p>gap4</p> <p>gap5</p> <p>gap6</p> "
all=$(cat "$T/ws-a1.out" "$T/ws-a2.out" | grep -v '^#' | jq -r 'select(.type == "message.new") | .seq')
check "(c) a1 and a2 together: each message once" \
	"$(printf '%s\n' "$all" | sort -n | uniq -d | wc -l | tr -d ' ')" 0
check "(c) a1 and a2 together: all 8" "$(printf '%s\n' "$all" | wc -l | tr -d ' ')" 8

# (d) kill -9 of bridge A: bridge B's clients go on, fed by both nodes
kill -9 "$BRIDGE_A_PID"
wait "$BRIDGE_A_PID" 2>/dev/null
BRIDGE_PID=""
send A bob after1
K1=$MID
send B bob after2
K2=$MID
for w in c1 a2; do
	ws_wait $w ".type == \"message.new\" and .id == \"$K2\"" 1 10
	check "(d) $w on bridge B got both after the kill" \
		"$(ws_count $w ".type == \"message.new\" and (.id == \"$K1\" or .id == \"$K2\")")" 2
done
check "(d) bridge B still wakes by NOTIFY" \
	"$([ "$(notified "$T/bridge-b.log")" -ge "$(seq_of c1 "$K2")" ] && echo yes)" yes
check "c1: every message once, in order" \
	"$(grep -v '^#' "$T/ws-c1.out" | jq -r 'select(.type == "message.new") | .seq' | sort -n -c -u 2>&1 && echo ok)" ok
check "c1: all 10" "$(ws_count c1 '.type == "message.new"')" 10
check "no LISTEN connection lost on bridge B" \
	"$(grep -c 'LISTEN connection' "$T/bridge-b.log")" 0

# (e) the LISTEN connections end (bridge B's and mtchat-hooks'): said
# once, delivery goes on by the timer (every second while lost), and they
# come back and wake again
lsn() { it_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = 'LISTEN mtchat_changelog' AND pid <> pg_backend_pid()"; }
check "two LISTEN connections ended" "$(lsn)" 2
send A bob lost1
L1=$MID
ws_wait c1 ".type == \"message.new\" and .id == \"$L1\"" 1 10
check "(e) c1 got a message while LISTEN was lost" \
	"$(ws_count c1 ".type == \"message.new\" and .id == \"$L1\"")" 1
n=200; while { ! grep -q 'LISTEN connection back' "$T/bridge-b.log" ||
    ! grep -q 'LISTEN connection back' "$T/hooks.log"; } && [ $n -gt 0 ]; do
	sleep 0.05; n=$((n - 1))
done
check "(e) bridge B said it once" \
	"$(grep -c 'LISTEN connection: lost' "$T/bridge-b.log")" 1
check "(e) bridge B listens again" \
	"$(grep -c 'LISTEN connection back' "$T/bridge-b.log")" 1
send A bob back1
L2=$MID
ws_wait c1 ".type == \"message.new\" and .id == \"$L2\"" 1 10
S=$(seq_of c1 "$L2")
check "(e) woken by NOTIFY again" \
	"$([ -n "$S" ] && [ "$(notified "$T/bridge-b.log")" -ge "$S" ] && echo yes)" yes
n=200; while [ "$(notified "$T/hooks.log")" -lt "${S:-1}" ] && [ $n -gt 0 ]; do
	sleep 0.05; n=$((n - 1))
done
check "(e) mtchat-hooks said it once and listens again" \
	"$(grep -c 'LISTEN connection: lost' "$T/hooks.log") $(grep -c 'LISTEN connection back' "$T/hooks.log")" "1 1"
check "(e) mtchat-hooks woken by NOTIFY again" \
	"$([ "$(notified "$T/hooks.log")" -ge "${S:-1}" ] && echo yes)" yes

stop_b
it_done
