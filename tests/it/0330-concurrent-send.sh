#!/bin/sh
# 0330-concurrent-send.sh — 1000 sends from 50 parallel clients into one
# dialog served by 4 FastCGI processes: every send answers 200 (no 5xx),
# exactly 1000 messages and 1000 message.new change-log rows exist, seq is
# strictly increasing without gaps, message ids follow commit order, and
# every participant's unread count and read position are exact (F15).
. "$MTCHAT_TOP/tests/it/lib.sh"
PROCS=4
it_start

N=1000 CLIENTS=50 USERS=50
parts=$(jq -nc --argjson n "$USERS" \
	'[range(1; $n + 1) | {user_id: "u\(.)", display_name: "User \(.)"}]')
mgmt POST /api/v1/management/dialogs \
	"{\"object_id\":\"load\",\"object_type\":\"t\",\"participants\":$parts}"
check_status 200 "dialog with $USERS participants"
D=$(jqr .data.id)
seq0=$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | tail -1 | jq .seq)

# Request i is sent by user u((i mod USERS) + 1) with content "c<i>".
start=$(date +%s%N)
seq 1 "$N" | xargs -P "$CLIENTS" -I{} sh -c '
	i=$1; u=$(( (i % '"$USERS"') + 1 ))
	curl -s -o /dev/null -w "%{http_code}\n" -X POST \
		-H "Content-Type: application/json" \
		--data-binary "{\"content\":\"c$i\"}" \
		"'"$BASE"'/api/v1/dialogs/'"$D"'/messages?user_id=u$u"' _ {} \
	> "$T/codes"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$N sends from $CLIENTS clients on $PROCS processes: ${elapsed_ms} ms"
check "one answer per send" "$(wc -l < "$T/codes" | tr -d ' ')" "$N"
check "every send answered 200" "$(grep -c '^200$' "$T/codes")" "$N"
fivexx=$(grep -c '^5' "$T/codes")
echo "5xx answers: $fivexx"
check "no 5xx" "$fivexx" "0"

# Exactly N user messages (plus chat_created), each content once.
stats=$(with_env "$MTCHAT_BUILD/mtchat-admin" stats --json)
check "messages in the database" "$(printf '%s' "$stats" | jq .messages)" "$((N + 1))"
check "integrity and list copies" "$(with_env "$MTCHAT_BUILD/mtchat-admin" check)" "ok"
: > "$T/page"
before=""
while :; do
	req GET "/api/v1/dialogs/$D/messages?user_id=u1&limit=100${before:+&before=$before}"
	printf '%s' "$BODY" | jq -c '.data.messages[]' > "$T/p"
	[ -s "$T/p" ] || break
	cat "$T/page" >> "$T/p"
	mv "$T/p" "$T/page"
	before=$(head -1 "$T/page" | jq -r .id)
	[ "$(jqr .data.has_more_before)" = true ] || break
done
jq -s '[.[] | select(.message_type == "user")]' "$T/page" > "$T/msgs"
check "user messages through paging" "$(jq length "$T/msgs")" "$N"
check "each content exactly once" "$(jq '[.[].content] | unique | length' "$T/msgs")" "$N"
check "contents c1..c$N" "$(jq --argjson n "$N" '[.[].content] | sort == ([range(1; $n + 1) | "c\(.)"] | sort)' "$T/msgs")" "true"
check "pages ascend by id" "$(jq -s '[.[].id] | . == sort' "$T/page")" "true"

# The change-log: N message.new rows for the dialog, no gap in seq.
with_env "$MTCHAT_BUILD/mtchat-admin" events tail > "$T/log"
jq -c "select(.seq > $seq0)" "$T/log" > "$T/new"
check "message.new rows for the dialog" "$(jq -c "select(.type == \"message.new\" and .dialog_id == \"$D\")" "$T/new" | wc -l | tr -d ' ')" "$N"
check "nothing else was logged" "$(wc -l < "$T/new" | tr -d ' ')" "$N"
check "seq strictly increasing without gaps" \
	"$(jq -s --argjson s0 "$seq0" '[.[].seq] == [range($s0 + 1; $s0 + 1 + length)]' "$T/new")" "true"
check "message ids follow commit order" "$(jq -s '[.[].body.id] | . == sort' "$T/new")" "true"
check "change-log ids are the messages" "$(jq -s '[.[].body.id] | sort' "$T/new" | jq -c .)" \
	"$(jq -c '[.[].id] | sort' "$T/msgs")"

# F15 under load: each user's count is the others' messages after the
# user's own last one, which is also their read position.
mgmt GET "/api/v1/management/dialogs/$D"
printf '%s' "$BODY" | jq -c '[.data.participants[] | {user_id, unread_count, last_read_message_id}] | sort_by(.user_id)' > "$T/got"
jq -c '. as $m | [range(0; length)] as $ix |
	[$m[].sender_id] | unique | map(. as $u |
	  ([$ix[] | select($m[.].sender_id == $u)] | max) as $last |
	  {user_id: $u,
	   unread_count: ([$ix[] | select(. > $last and $m[.].sender_id != $u)] | length),
	   last_read_message_id: $m[$last].id}) | sort_by(.user_id)' "$T/msgs" > "$T/want"
check "exact unread counts and read positions" "$(cat "$T/got")" "$(cat "$T/want")"

it_done
