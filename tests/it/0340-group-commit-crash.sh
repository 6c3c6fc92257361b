#!/bin/sh
# 0340-group-commit-crash.sh — group commit and kill -9: 600 sends from 32
# parallel clients into 2 FastCGI processes of 8 threads, whose writes
# share transactions; every FastCGI process is killed with SIGKILL twice
# during the run (lighttpd starts new ones). Every send answered 200 is in
# the database with its message.new row; no message lacks its change-log
# row or has two (a batch lands whole or not at all); seq has no gap; the
# answered ids are the stored ones. Then SIGTERM: a process finishes the
# requests in progress and exits.
# backend: sqlite (group commit and WAL under kill -9, read with sqlite3)
. "$MTCHAT_TOP/tests/it/lib.sh"
PROCS=2
it_start MTCHAT_FCGI_THREADS=8

N=600 CLIENTS=32
mgmt POST /api/v1/management/dialogs \
	'{"object_id":"crash","object_type":"t","participants":[{"user_id":"a","display_name":"A"},{"user_id":"b","display_name":"B"}]}'
check_status 200 "dialog"
D=$(jqr .data.id)
seq0=$(sqlite3 "$T/mtchat.db" 'SELECT max(seq) FROM changelog')

backends() { pgrep -P "$LIGHTTPD_PID" 2>/dev/null; }

# Each line of $T/answers: i, the HTTP code, the message id when 200.
seq 1 "$N" | xargs -P "$CLIENTS" -I{} sh -c '
	i=$1
	out=$(curl -s -w "\n%{http_code}" -X POST \
		-H "Content-Type: application/json" \
		--data-binary "{\"content\":\"c$i\"}" \
		"'"$BASE"'/api/v1/dialogs/'"$D"'/messages?user_id=a")
	code=$(printf "%s" "$out" | tail -1)
	id=$(printf "%s" "$out" | head -1 | sed -n "s/.*\"id\":\"\([^\"]*\)\".*/\1/p")
	echo "$i $code $id"' _ {} > "$T/answers" &
LOAD=$!
killed=0
for round in 1 2; do
	# let some sends through, then kill every backend at once
	n=0
	until [ "$(wc -l < "$T/answers")" -ge $((round * N / 3)) ] || [ $n -ge 300 ]; do
		sleep 0.05; n=$((n + 1))
	done
	pids=$(backends)
	[ -n "$pids" ] && kill -9 $pids && killed=$((killed + $(echo $pids | wc -w)))
done
wait $LOAD
echo "killed $killed FastCGI processes during the run"
check "backends were killed" "$([ "$killed" -ge 2 ] && echo yes)" "yes"
check "one answer per send" "$(wc -l < "$T/answers" | tr -d ' ')" "$N"
ok=$(awk '$2 == 200' "$T/answers" | wc -l | tr -d ' ')
echo "answered 200: $ok of $N (the others met a killed process)"
# (lighttpd answers 503 for a while after its backends die: only ask that
# enough sends got through for the checks below to mean something)
check "a good part of the sends succeeded" "$([ "$ok" -ge $((N / 4)) ] && echo yes)" "yes"
check "every failure is a 5xx of the killed process" \
	"$(awk '$2 != 200 && $2 !~ /^5/' "$T/answers" | wc -l | tr -d ' ')" "0"

# What the database holds.
db() { sqlite3 "$T/mtchat.db" "$1"; }
db "SELECT id FROM messages WHERE dialog_id = '$D' AND message_type = 'user' ORDER BY id" > "$T/stored"
db "SELECT json_extract(body, '\$.id') FROM changelog WHERE seq > $seq0 AND type = 'message.new' ORDER BY seq" > "$T/logged"
awk '$2 == 200 {print $3}' "$T/answers" | sort > "$T/acked"
check "every answered send is stored" \
	"$(comm -23 "$T/acked" "$T/stored" | wc -l | tr -d ' ')" "0"
check "every stored message has its message.new row" \
	"$(sort "$T/logged" | diff - "$T/stored" >/dev/null && echo same)" "same"
check "no message twice" "$(sort "$T/stored" | uniq -d | wc -l | tr -d ' ')" "0"
check "contents once each" \
	"$(db "SELECT count(*) - count(DISTINCT content) FROM messages WHERE dialog_id = '$D'")" "0"
check "seq without gaps" \
	"$(db "SELECT max(seq) - min(seq) + 1 = count(*) FROM changelog WHERE seq > $seq0")" "1"
check "integrity and list copies" "$(with_env "$MTCHAT_BUILD/mtchat-admin" check)" "ok"
check "unread count of b is exact" \
	"$(db "SELECT d.user_messages - p.read_messages FROM participants p JOIN dialogs d ON d.id = p.dialog_id WHERE p.dialog_id = '$D' AND p.user_id = 'b'")" \
	"$(wc -l < "$T/stored" | tr -d ' ')"

# SIGTERM while requests run: they are answered, then the process exits.
# First lighttpd must have respawned its killed backends (it does so after
# their disable time, on a request), else there is nothing to stop.
n=0
until [ -n "$(backends)" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "$BASE/health")" = 200 ] || [ $n -ge 200 ]; do
	sleep 0.1; n=$((n + 1))
done
seq 1 64 | xargs -P 16 -I{} curl -s -o /dev/null -w "%{http_code}\n" -X POST \
	-H "Content-Type: application/json" --data-binary '{"content":"t"}' \
	"$BASE/api/v1/dialogs/$D/messages?user_id=b" > "$T/term-codes" &
LOAD=$!
n=0	# requests are being answered
while [ ! -s "$T/term-codes" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
pids=$(backends)
check "backends running before SIGTERM" "$([ -n "$pids" ] && echo yes)" "yes"
[ -n "$pids" ] && kill -TERM $pids
n=0
while [ $n -lt 100 ]; do
	alive=0
	for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
	[ $alive -eq 0 ] && break
	sleep 0.1; n=$((n + 1))
done
wait $LOAD
check "processes exit on SIGTERM" "$alive" "0"
check "answered sends after SIGTERM are stored" \
	"$(grep -c '^200$' "$T/term-codes")" \
	"$(db "SELECT count(*) FROM messages WHERE dialog_id = '$D' AND content = 't'")"

it_done
