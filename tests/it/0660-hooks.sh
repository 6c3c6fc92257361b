#!/bin/sh
# 0660-hooks.sh — mtchat-hooks against a real receiver on loopback
# (tests/it/hookrecv.py), fed by the real mtchat.fcgi behind lighttpd:
# each webhook's headers, signature (checked with the INSTALL snippets)
# and exact payload; which calls fire one (C5, C6, C15; not M1, M5, M6,
# system messages); notification.pending after the delay only for unread
# messages, not when read in time, not with notifications off, not to the
# sender; retries with their delays on 500 and on a receiver that does not
# answer; dead letters that do not block the queue, replayed by
# mtchat-admin; kill -9 during a delivery loses nothing; --once with
# --limit and beside another instance; off without WEBHOOK_URL; no secret
# or message text in the log.
. "$MTCHAT_TOP/tests/it/lib.sh"
H=$MTCHAT_BUILD/mtchat-hooks
A=$MTCHAT_BUILD/mtchat-admin
R=$T/recv
SECRET='it-s3cret'
HOOKS_PID="" RECV_PID=""
mkdir "$R"
python3 "$MTCHAT_TOP/tests/it/hookrecv.py" "$R" 2>>"$T/recv.log" &
RECV_PID=$!
n=0; while [ ! -s "$R/port" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
URL=http://127.0.0.1:$(cat "$R/port")/hooks/in
it_start WEBHOOK_URL="$URL" WEBHOOK_SECRET="$SECRET" \
	WEBHOOK_RETRY_DELAY_MS=200 WEBHOOK_TIMEOUT_MS=1000 \
	NOTIFICATION_DELAY_MS=700 MTCHAT_HOOKS_SOCKET="$T/hooks.sock"

cleanup() {
	[ -n "$HOOKS_PID" ] && kill "$HOOKS_PID" 2>/dev/null && wait "$HOOKS_PID" 2>/dev/null
	[ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null && wait "$RECV_PID" 2>/dev/null
	HOOKS_PID="" RECV_PID=""
}
trap 'cleanup; it_stop' INT TERM

hooks() {	# args... -> OUT, ERR, RC
	with_env "$H" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
}
hooks_start() {
	(while IFS= read -r kv; do export "$kv"; done < "$T/env"
	 exec "$H" -v --follow) 2>>"$T/hooks.log" &
	HOOKS_PID=$!
	n=0; while [ ! -S "$T/hooks.sock" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
}
admin() {
	with_env "$A" "$@"
}
# The receiver's log, filtered: requests matching a jq condition.
got() {		# cond -> count
	[ -f "$R/log.jsonl" ] || { echo 0; return; }
	jq -c "select($1)" "$R/log.jsonl" | wc -l | tr -d ' '
}
got_r() {	# cond filter -> values, one a line
	jq -r "select($1) | $2" "$R/log.jsonl"
}
wait_got() {	# cond [n] [secs]
	_n=${2:-1} _w=$(( ${3:-10} * 20 ))
	while [ "$_w" -gt 0 ]; do
		[ "$(got "$1")" -ge "$_n" ] && return 0
		sleep 0.05
		_w=$((_w - 1))
	done
	echo "timed out waiting for $_n of: $1"
	return 1
}
# The payload's message id / the body's field, for conditions.
MSGID='(.body | fromjson | .payload.message.id)'
RCPT='(.body | fromjson | .payload.recipient_id)'
# Waits until everything queued and every check has been delivered/run.
wait_idle() {
	_w=200
	while [ "$_w" -gt 0 ]; do
		[ "$(admin stats --json | jq '.hooks_queued + .hooks_checks')" = 0 ] && return 0
		sleep 0.05
		_w=$((_w - 1))
	done
	echo "timed out waiting for an empty queue"
	return 1
}
is() {		# an awk condition on numbers -> 1 or 0
	awk "BEGIN { print ($1) ? 1 : 0 }"
}
ctl() {		# rule lines for the receiver
	printf '%s\n' "$@" >> "$R/ctl"
}
send() {	# user dialog content [reply_to] -> message id in MID
	if [ -n "${4:-}" ]; then
		req POST "/api/v1/dialogs/$2/messages?user_id=$1" \
			"{\"content\":\"$3\",\"reply_to\":\"$4\"}"
	else
		req POST "/api/v1/dialogs/$2/messages?user_id=$1" "{\"content\":\"$3\"}"
	fi
	MID=$(jqr .data.id) SENT_AT=$(jqr .data.sent_at)
}

# --- off without WEBHOOK_URL, or WEBHOOK_SECRET; bad URL; usage ---------
with_env env WEBHOOK_URL= "$H" --once >"$T/out" 2>&1
check "WEBHOOK_URL empty: exit 0, silent" "$? $(cat "$T/out")" "0 "
with_env env -u WEBHOOK_SECRET "$H" --once >"$T/out" 2>&1
check "no WEBHOOK_SECRET: exit 0" "$?" "0"
check "no WEBHOOK_SECRET: says so" "$(grep -c 'WEBHOOK_SECRET is not' "$T/out")" "1"
with_env env WEBHOOK_URL=ftp://127.0.0.1/x "$H" --once >"$T/out" 2>&1
check "not http: exit 2" "$?" "2"
hooks --help
check "--help" "$RC $(printf '%s\n' "$OUT" | head -1)" \
	"0 usage: mtchat-hooks [-v] [-c file] [--once] [--limit N] [--max-seconds S]"
hooks --version
check "--version" "$RC $(printf '%s' "$OUT" | cut -d' ' -f1)" "0 mtchat-hooks"
hooks --bogus
check "unknown option: exit 2" "$RC" "2"
hooks --follow --limit 3
check "--follow with --limit: exit 2" "$RC" "2"
hooks --limit 0
check "--limit 0: exit 2" "$RC" "2"
check "nothing sent so far" "$(got true)" "0"

# --- the daemon; M1 fires nothing ---------------------------------------
rm -f "$T/hooks.sock"
hooks_start
SCOPE=$(scope_b64 '{"scope_level0":["t"]}')
mgmt POST /api/v1/management/dialogs '{"object_id":"order-1","object_type":"order","title":"Order #1",
	"participants":[{"user_id":"alice","display_name":"Alice","company":"Acme"},
	{"user_id":"bob","display_name":"Bob"},{"user_id":"carol","display_name":"Carol","company":"Gamma"}],
	"access_scopes":[{"scope_level0":["t"]}]}'
D=$(jqr .data.id)
req POST "/api/v1/dialogs/$D/notifications?user_id=carol" '{"enabled":false}'
check_status 200 "carol turns notifications off"

# --- message.new: headers, signature, payload -----------------------------
send alice "$D" '<p>Hello</p>'
M1=$MID M1_AT=$SENT_AT
wait_got ".event == \"message.new\" and $MSGID == \"$M1\""
N=$(got_r ".event == \"message.new\" and $MSGID == \"$M1\"" .n | head -1)
L=$(sed -n "${N}p" "$R/log.jsonl")
f() { printf '%s' "$L" | jq -r "$1"; }
check "POST to the URL's path" "$(f '.method + " " + .path')" "POST /hooks/in"
check "Content-Type" "$(f .content_type)" "application/json"
check "X-Webhook-Event" "$(f .event)" "message.new"
check "X-Webhook-Id is the envelope id" "$(f .id)" "$(jq -r .id "$R/body-$N")"
check "X-Webhook-Id is a UUIDv7" \
	"$(f .id | grep -cE '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')" "1"
# The two verification snippets of INSTALL, on the exact body bytes.
check "signature (openssl)" "$(f .signature)" \
	"sha256=$(openssl dgst -sha256 -hmac "$SECRET" -r < "$R/body-$N" | cut -d' ' -f1)"
check "signature (python)" "$(python3 -c 'import hmac,hashlib,sys; print("sha256=" + hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())' "$SECRET" < "$R/body-$N")" \
	"$(f .signature)"
check "envelope keys" "$(jq -c keys_unsorted "$R/body-$N")" '["id","type","timestamp","payload"]'
check "type" "$(jq -r .type "$R/body-$N")" "message_new"
check "timestamp, nanoseconds" \
	"$(jq -r .timestamp "$R/body-$N" | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]{3}|\.[0-9]{6}|\.[0-9]{9})?Z$')" "1"
check "compact JSON" "$(jq -c . "$R/body-$N")" "$(cat "$R/body-$N")"
check "message.new payload" "$(jq -c .payload "$R/body-$N")" \
	"{\"dialog_id\":\"$D\",\"object_id\":\"order-1\",\"object_type\":\"order\",\"message\":{\"id\":\"$M1\",\"sender_id\":\"alice\",\"content\":\"<p>Hello</p>\",\"created_at\":\"$M1_AT\",\"message_type\":\"user\"}}"
check "User-Agent" "$(f .user_agent | cut -d/ -f1)" "mtchat-hooks"

# --- notification.pending: bob has not read m1 ----------------------------
wait_got ".event == \"notification.pending\" and $MSGID == \"$M1\""
N=$(got_r ".event == \"notification.pending\" and $MSGID == \"$M1\"" .n | head -1)
check "notification for m1 goes to bob only" \
	"$(got_r ".event == \"notification.pending\" and $MSGID == \"$M1\"" "$RCPT" | tr '\n' ' ')" "bob "
check "notification.pending payload" "$(jq -c '[.type, .payload]' "$R/body-$N")" \
	"[\"notification_pending\",{\"dialog_id\":\"$D\",\"object_id\":\"order-1\",\"object_type\":\"order\",\"recipient_id\":\"bob\",\"chat_title\":\"Order #1\",\"sender_company\":\"Acme\",\"message\":{\"id\":\"$M1\",\"sender_id\":\"alice\",\"content\":\"<p>Hello</p>\",\"created_at\":\"$M1_AT\",\"message_type\":\"user\"}}]"
T1=$(got_r "$MSGID == \"$M1\" and .event == \"message.new\"" .t | head -1)
T2=$(got_r "$MSGID == \"$M1\" and .event == \"notification.pending\"" .t | head -1)
check "sent after NOTIFICATION_DELAY_MS" "$(is "$T2 - $T1 >= 0.6")" "1"

# --- m2 read by bob within the delay: no notification ---------------------
send alice "$D" 'm2'
M2=$MID
req POST "/api/v1/dialogs/$D/read?user_id=bob" "{\"last_read_message_id\":\"$M2\"}"
check_status 200 "bob reads m2"
wait_idle
check "m2 delivered" "$(got ".event == \"message.new\" and $MSGID == \"$M2\"")" "1"
check "no notification for m2 (read in time)" \
	"$(got ".event == \"notification.pending\" and $MSGID == \"$M2\"")" "0"

# --- a reply from bob: reply_to; alice is told, carol (off) is not --------
send bob "$D" 'm3' "$M2"
M3=$MID
wait_idle
check "reply_to" "$(got_r ".event == \"message.new\" and $MSGID == \"$M3\"" '.body | fromjson | .payload.message.reply_to')" "$M2"
check "notifications of m3" \
	"$(got_r ".event == \"notification.pending\" and $MSGID == \"$M3\"" "$RCPT" | tr '\n' ' ')" "alice "
check "carol (notifications off) is never told" \
	"$(got ".event == \"notification.pending\" and $RCPT == \"carol\"")" "0"
check "the sender is never told" \
	"$(got ".event == \"notification.pending\" and $RCPT == (.body | fromjson | .payload.message.sender_id)")" "0"

# --- C5 and C6 fire; M5, M6 and system messages do not ---------------------
req POST "/api/v1/dialogs/$D/join?user_id=dave" '{"display_name":"Dave","company":""}'
check_status 200 "dave joins"
mgmt GET "/api/v1/management/dialogs/$D"
DAVE_AT=$(jqr '.data.participants[] | select(.user_id == "dave") | .joined_at')
wait_got '.event == "participant.joined"'
req POST "/api/v1/dialogs/$D/leave?user_id=dave" ''
check_status 200 "dave leaves"
mgmt POST "/api/v1/management/dialogs/$D/participants" '{"user_id":"erin","display_name":"Erin"}'
mgmt DELETE "/api/v1/management/dialogs/$D/participants/erin"
check_status 204 "erin removed"
wait_got '.event == "participant.left"'
wait_idle
check "participant.joined payload" \
	"$(got_r '.event == "participant.joined"' '.body | fromjson | [.type, .payload] | tojson')" \
	"[\"participant_joined\",{\"dialog_id\":\"$D\",\"object_id\":\"order-1\",\"object_type\":\"order\",\"user_id\":\"dave\",\"joined_as\":\"joined\",\"joined_at\":\"$DAVE_AT\"}]"
check "participant.left payload" \
	"$(got_r '.event == "participant.left"' '.body | fromjson | [.type, (.payload | del(.left_at))] | tojson')" \
	"[\"participant_left\",{\"dialog_id\":\"$D\",\"object_id\":\"order-1\",\"object_type\":\"order\",\"user_id\":\"dave\"}]"
check "left_at" "$(got_r '.event == "participant.left"' '.body | fromjson | .payload | keys_unsorted[-1] + " " + (.left_at | test("^2[0-9-]{9}T[0-9:.]+Z$") | tostring)')" "left_at true"
check "events so far" "$(got_r true .event | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
	" 3 message.new; 2 notification.pending; 1 participant.joined; 1 participant.left;"
check "header event matches body type" \
	"$(got '(.body | fromjson | .type) != (.event | sub("\\."; "_"))')" "0"
check "every signature verifies" "$(for n in $(got_r true .n); do
	s=$(sed -n "${n}p" "$R/log.jsonl" | jq -r .signature)
	[ "$s" = "sha256=$(openssl dgst -sha256 -hmac "$SECRET" -r < "$R/body-$n" | cut -d' ' -f1)" ] || echo "bad $n"
	done)" ""

# --- retries: two 500s, then 200; same bytes, doubling delays ------------
mgmt POST /api/v1/management/dialogs '{"object_id":"r","object_type":"t","participants":[
	{"user_id":"alice","display_name":"A"},{"user_id":"rob","display_name":"R"}]}'
RD=$(jqr .data.id)
req POST "/api/v1/dialogs/$RD/notifications?user_id=rob" '{"enabled":false}'
ctl "message.new 500" "message.new 500"
send alice "$RD" 'retry me'
R1=$MID
wait_got "$MSGID == \"$R1\" and .answer == \"200\""
check "answers to r1" "$(got_r "$MSGID == \"$R1\"" .answer | tr '\n' ' ')" "500 500 200 "
check "one X-Webhook-Id" "$(got_r "$MSGID == \"$R1\"" .id | sort -u | wc -l | tr -d ' ')" "1"
check "one signature" "$(got_r "$MSGID == \"$R1\"" .signature | sort -u | wc -l | tr -d ' ')" "1"
set -- $(got_r "$MSGID == \"$R1\"" .n)
check "same bytes each time" "$(cmp "$R/body-$1" "$R/body-$2" && cmp "$R/body-$1" "$R/body-$3" && echo same)" "same"
set -- $(got_r "$MSGID == \"$R1\"" .t)
check "waits 200 ms, then 400 ms" "$(is "$2 - $1 >= 0.19 && $3 - $2 >= 0.39 && $3 - $1 < 5")" "1"

# --- a receiver that does not answer: timeout, then retry -----------------
ctl "message.new hang:4"
send alice "$RD" 'slow'
R2=$MID
wait_got "$MSGID == \"$R2\" and .answer == \"200\""
check "answers to r2" "$(got_r "$MSGID == \"$R2\"" .answer | tr '\n' ' ')" "hang:4 200 "
set -- $(got_r "$MSGID == \"$R2\"" .t)
check "gave up after WEBHOOK_TIMEOUT_MS, retried 200 ms later" \
	"$(is "$2 - $1 >= 1.15 && $2 - $1 < 3.5")" "1"
check "the timeout is logged" "$(grep -c "Timeout was reached; retry 1 in 200 ms" "$T/hooks.log")" "1"

# --- dead letters: after the last retry, or a 4xx; the queue goes on ------
ctl "message.new 500" "message.new 500" "message.new 500" "message.new 500"
send alice "$RD" 'doomed'
R3=$MID
send alice "$RD" 'next'
R4=$MID
wait_got "$MSGID == \"$R4\" and .answer == \"200\""
check "r3: 4 attempts" "$(got_r "$MSGID == \"$R3\"" .answer | tr '\n' ' ')" "500 500 500 500 "
check "r4 after r3 gave up" "$(is "$(got_r "$MSGID == \"$R4\"" .t | head -1) > $(got_r "$MSGID == \"$R3\"" .t | tail -1)")" "1"
R3_ID=$(got_r "$MSGID == \"$R3\"" .id | head -1)
ctl "message.new 404"
send alice "$RD" 'refused'
R5=$MID
wait_got "$MSGID == \"$R5\""
wait_idle
R5_ID=$(got_r "$MSGID == \"$R5\"" .id | head -1)
check "r5: a 4xx is not retried" "$(got_r "$MSGID == \"$R5\"" .answer | tr '\n' ' ')" "404 "
admin hooks dead > "$T/dead"
check "dead letters listed" "$(cut -f1,2,3,5 "$T/dead" | tr '\t\n' ' ;')" \
	"$R3_ID message.new 4 HTTP 500;$R5_ID message.new 1 HTTP 404;"
check "stats count them" "$(admin stats --json | jq -c '[.hooks_queued, .hooks_dead_letters]')" "[0,2]"
check "dead letter logged" "$(grep -c "$R3_ID: HTTP 500 after 4 attempts: kept as a dead letter" "$T/hooks.log")" "1"
admin hooks replay "$R3_ID"
check "replay one: exit 0" "$?" "0"
wait_got "$MSGID == \"$R3\" and .answer == \"200\""
check "replayed with its id and bytes" \
	"$(got_r "$MSGID == \"$R3\" and .answer == \"200\"" .id)" "$R3_ID"
set -- $(got_r "$MSGID == \"$R3\"" .n)
check "replayed bytes" "$(cmp "$R/body-$1" "$R/body-$5" && echo same)" "same"
admin hooks replay "$R3_ID" 2>/dev/null
check "replay a delivered one: exit 1" "$?" "1"
admin hooks replay not-an-id 2>/dev/null
check "replay a bad id: exit 1" "$?" "1"
admin hooks replay 2>/dev/null
check "replay nothing: exit 2" "$?" "2"
admin hooks replay --all
wait_got "$MSGID == \"$R5\" and .answer == \"200\""
wait_idle
check "no dead letters left" "$(admin hooks dead | wc -l | tr -d ' ') $(admin stats --json | jq .hooks_dead_letters)" "0 0"

# --- kill -9 during a delivery, then a restart: nothing skipped ------------
ctl "message.new hang:10"
send alice "$RD" 'k1'
K1=$MID
send alice "$RD" 'k2'
K2=$MID
wait_got "$MSGID == \"$K1\""
kill -9 "$HOOKS_PID"
wait "$HOOKS_PID" 2>/dev/null
HOOKS_PID=""
check "k2 not sent while k1 is in flight" "$(got "$MSGID == \"$K2\"")" "0"
hooks_start
wait_got "$MSGID == \"$K2\" and .answer == \"200\""
check "k1 again, same id, acknowledged" \
	"$(got_r "$MSGID == \"$K1\"" '.answer + " " + .id' | tr '\n' ';')" \
	"hang:10 $(got_r "$MSGID == \"$K1\"" .id | head -1);200 $(got_r "$MSGID == \"$K1\"" .id | head -1);"
check "k2 once" "$(got "$MSGID == \"$K2\"")" "1"

# --- --once: silent, --limit, and never two at once ----------------------
kill "$HOOKS_PID"
wait "$HOOKS_PID"
check "SIGTERM: exit 0" "$?" "0"
HOOKS_PID=""
check "socket removed" "$([ -S "$T/hooks.sock" ] && echo left || echo gone)" "gone"
send alice "$RD" 'o1'
O1=$MID
send alice "$RD" 'o2'
O2=$MID
hooks --once --limit 1
check "--once --limit 1: exit 0, silent" "$RC $OUT$ERR" "0 "
check "--limit 1: one delivered" "$(got "$MSGID == \"$O1\"") $(got "$MSGID == \"$O2\"")" "1 0"
# Another instance delivering holds SQLite's mtchat.db-hooks lock. (On
# PostgreSQL the lock is the driver's, issue 22: hold it here once it
# exists; until then this part is SQLite's.)
if [ "$IT_STORE" = sqlite ]; then
flock -o "$T/mtchat.db-hooks" sleep 5 &
FL=$!
n=0; while flock -n "$T/mtchat.db-hooks" true && [ $n -lt 100 ]; do sleep 0.02; n=$((n + 1)); done
hooks --once
check "--once while another instance delivers: exit 0, silent" "$RC $OUT$ERR" "0 "
check "and it delivered nothing" "$(got "$MSGID == \"$O2\"")" "0"
kill "$FL" 2>/dev/null; wait "$FL" 2>/dev/null
else
	echo "note: --once under another instance's lock: SQLite only for now"
fi
hooks --once -v
check "--once: the rest" "$RC $(got "$MSGID == \"$O2\"")" "0 1"
check "-v says what it did" "$(printf '%s\n' "$ERR" | grep -c 'delivered (HTTP 200, attempt 1)')" "1"
# A notification check falls due between cron runs.
send alice "$D" 'later'
M5=$MID
n=0
while [ "$(got ".event == \"notification.pending\" and $MSGID == \"$M5\"")" = 0 ] && [ $n -lt 60 ]; do
	hooks --once
	sleep 0.1
	n=$((n + 1))
done
check "--once runs the checks that are due" \
	"$(got_r ".event == \"notification.pending\" and $MSGID == \"$M5\"" "$RCPT")" "bob"

# --- nothing secret or private in the log ---------------------------------
check "no secret in the log" "$(grep -c "$SECRET" "$T/hooks.log")" "0"
check "no message text in the log" "$(grep -cE 'Hello|doomed|retry me' "$T/hooks.log")" "0"
check "no URL in the log" "$(grep -c 'hooks/in' "$T/hooks.log")" "0"

cleanup
it_done
