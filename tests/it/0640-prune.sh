#!/bin/sh
# 0640-prune.sh — log retention: `mtchat-admin events prune --keep` never
# removes rows a registered consumer (such as mtchat-hooks) has not passed
# unless --force, and a poller resuming from a pruned seq is told to resync
# while one resuming at or after the pruned position is not.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start

admin() {	# args... -> OUT, ERR, RC
	with_env "$MTCHAT_BUILD/mtchat-admin" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
}
seqs() {	# the seqs in the log, space separated
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -r .seq | tr '\n' ' '
}
# A consumer's durable cursor, as mtchat-hooks would register it (no admin
# command writes cursors; the fixture goes through SQL itself).
set_cursor() {	# name seq
	it_sql "INSERT INTO cursors (name, seq, updated_at) VALUES ('$1', $2, 0)
		ON CONFLICT (name) DO UPDATE SET seq = excluded.seq" >/dev/null
}
poll() {	# since -> BODY
	req GET "/api/v1/events?user_id=alice&since=$1"
}

poll 0	# alice online first: seq 1, her later polls write nothing
mgmt POST /api/v1/management/dialogs \
	'{"object_id":"o","object_type":"t","participants":[{"user_id":"alice","display_name":"A"},{"user_id":"bob","display_name":"B"},{"user_id":"carol","display_name":"C"}]}'
D=$(jqr .data.id)
for u in dave erin frank; do
	mgmt POST "/api/v1/management/dialogs/$D/participants" "{\"user_id\":\"$u\",\"display_name\":\"X\"}"
done
check "seven events" "$(seqs)" "1 2 3 4 5 6 7 "

# --- recent rows stay under a long --keep
admin events prune --keep 1h
check "--keep 1h: exit 0, silent" "$RC $OUT$ERR" "0 "
check "--keep 1h: nothing pruned" "$(seqs)" "1 2 3 4 5 6 7 "

# --- a consumer at 3: only rows 1..3 go, the others are kept and said so
set_cursor hooks 3
set_cursor other 5
admin events prune --keep 0
check "held rows: exit 0" "$RC" "0"
check "held rows: stdout silent" "$OUT" ""
check "held rows: one line on stderr" "$ERR" \
	"mtchat-admin: kept 4 rows that a consumer has not read yet (--force deletes them)"
check "rows the slowest consumer has not passed are kept" "$(seqs)" "4 5 6 7 "

# resuming from a pruned seq: resync; from the pruned position: the rest
poll 1
check "since=1 (pruned): resync" "$(printf '%s' "$BODY" | jq -c .data.events)" '[{"type":"resync","cursor":7}]'
check "resync cursor is the head" "$(jqr .data.cursor)" "7"
poll 0
check "since=0 (pruned): resync" "$(jqr '.data.events[0].type')" "resync"
poll 3
check "since=3 (all after it kept): no resync" "$(jqr '[.data.events[].seq] | map(tostring) | join(",")')" "4,5,6,7"

# --- the consumer moves on: prune follows the slowest cursor
set_cursor hooks 6
admin events prune --keep 0
check "cursors at 6 and 5: rows 4..5 go" "$(seqs)" "6 7 "
check "still held: said so" "$(printf '%s' "$ERR" | grep -c 'kept 2 rows')" "1"
poll 3
check "since=3 now pruned: resync" "$(jqr '.data.events[0].type')" "resync"
poll 5
check "since=5: the rest" "$(jqr '[.data.events[].seq] | map(tostring) | join(",")')" "6,7"

# --- an uninstalled consumer: list it, forget it, and the log can go
set_cursor gone 2
admin events cursors
check "cursors listed" "$(printf '%s\n' "$OUT" | cut -f1,2 | tr '\t' ':' | tr '\n' ' ')" "gone:2 hooks:6 other:5 "
admin events cursors --delete gone
admin events cursors --delete gone
check "deleting an unknown consumer fails" "$(printf '%s' "$ERR" | grep -c 'no consumer named gone')" "1"

# --- --force ignores cursors
admin events prune --keep 0 --force
check "--force: exit 0, silent" "$RC $OUT$ERR" "0 "
check "--force: everything old enough goes" "$(seqs)" ""
poll 6
check "since=6 after --force: resync" "$(printf '%s' "$BODY" | jq -c .data.events)" '[{"type":"resync","cursor":7}]'
poll 7
check "since=7 (the head): nothing, no resync" "$(printf '%s' "$BODY" | jq -c .data)" '{"events":[],"cursor":7}'

# --- new events after a full prune carry on from the head
mgmt POST "/api/v1/management/dialogs/$D/participants" '{"user_id":"gina","display_name":"G"}'
poll 7
check "after the prune, new rows continue the seq" "$(jqr '[.data.events[] | "\(.seq) \(.user_id)"] | join(",")')" "8 gina"

# --- usage
admin events prune
check "prune without --keep: exit 2" "$RC" "2"
admin events prune --keep 5x
check "bad duration: exit 2" "$RC" "2"

it_done
