#!/bin/sh
# 0630-archive.sh — `mtchat-admin archive-inactive` (docs/differences.md#f13
# with F13, F14) with ARCHIVE_AFTER_SECS=3600: exactly the inactive dialogs are
# archived for their participants, one dialog.archived event per dialog to
# exactly the users whose flag changed; a user's own unarchive restarts their
# clock (F13); a new message un-archives; --dry-run, --limit, two runs at once,
# silence on success, usage errors. The hour passes on the test clock
# (clock_advance), not by sleeping.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start ARCHIVE_AFTER_SECS=3600 MTCHAT_TEST_CLOCK=$T/clock
AFTER=3601	# makes everything untouched so far inactive

new_dialog() {	# participants-json -> dialog id
	mgmt POST /api/v1/management/dialogs \
		"{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":$1}"
	jqr .data.id
}
archive() {	# args... -> OUT, ERR, RC
	with_env "$MTCHAT_BUILD/mtchat-admin" archive-inactive "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
}
# "dialog:[users]" of every dialog.archived row, in order
archived_rows() {
	with_env "$MTCHAT_BUILD/mtchat-admin" events tail |
		jq -r 'select(.type == "dialog.archived") | "\(.dialog_id):\(.audience | sort | join(","))"' | tr '\n' ' '
}
count_rows() {	# type
	events_of "$1"
}
flag() {	# dialog user -> is_archived from M3
	mgmt GET "/api/v1/management/dialogs/$1"
	jqr ".data.participants[] | select(.user_id == \"$2\") | .is_archived"
}
send() {	# user dialog -> STATUS
	req POST "/api/v1/dialogs/$2/messages?user_id=$1" '{"content":"hi"}'
}

DA=$(new_dialog '[{"user_id":"alice","display_name":"A"},{"user_id":"bob","display_name":"B"}]')
DB=$(new_dialog '[{"user_id":"alice","display_name":"A"},{"user_id":"carol","display_name":"C"}]')
DE=$(new_dialog '[]')
req GET "/api/v1/events?user_id=alice"; CA=$(jqr .data.cursor)
req GET "/api/v1/events?user_id=carol"; CC=$(jqr .data.cursor)

# --- fresh dialogs: nothing to do, silently
archive
check "fresh: exit 0, silent" "$RC $OUT$ERR" "0 "
check "fresh: no event" "$(count_rows dialog.archived)" "0"

clock_advance $AFTER
send carol "$DB"
HAVE_C15=0
case $STATUS in 200|201) HAVE_C15=1 ;; *) echo "skip: C15 answers $STATUS" ;; esac

# --- dry-run lists the inactive dialogs and users, changes nothing
archive --dry-run
check "dry-run exit 0" "$RC" "0"
if [ $HAVE_C15 = 1 ]; then
	check "dry-run: DA only (DB active, DE has nobody)" "$OUT" "would archive $DA for [\"alice\",\"bob\"]"
fi
check "dry-run: nothing written" "$(count_rows dialog.archived) $(flag "$DA" alice)" "0 false"

# --- the run: DA for alice and bob, one event; DB and DE untouched
archive
check "run: exit 0, silent" "$RC $OUT$ERR" "0 "
if [ $HAVE_C15 = 1 ]; then
	check "one event, for DA's two users" "$(archived_rows)" "$DA:alice,bob "
	check "DB (recent message) stays" "$(flag "$DB" alice) $(flag "$DB" carol)" "false false"
fi
check "DA archived for alice" "$(flag "$DA" alice)" "true"
check "DA archived for bob" "$(flag "$DA" bob)" "true"
check "event body" "$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -c 'select(.type == "dialog.archived") | .body' | head -1)" \
	"{\"type\":\"dialog.archived\",\"dialog_id\":\"$DA\"}"
req GET "/api/v1/events?user_id=alice&since=$CA"
check "alice's poll gets it" "$(jqr '[.data.events[] | select(.type == "dialog.archived") | .dialog_id] | join(",")')" "$DA"
CA=$(jqr .data.cursor)
req GET "/api/v1/events?user_id=carol&since=$CC"
check "carol's poll does not" "$(jqr '[.data.events[] | select(.type == "dialog.archived")] | length')" "0"

archive
check "idempotent: no new event" "$(count_rows dialog.archived)" "1"

DB_DONE=0
# --- F13: alice unarchives DA; her own unarchive is activity for her
req POST "/api/v1/dialogs/$DA/unarchive?user_id=alice" ""
if [ "$STATUS" = 200 ]; then
	archive
	check "right after unarchive: alice keeps it" "$(flag "$DA" alice)" "false"
	check "no event" "$(count_rows dialog.archived)" "1"
	clock_advance $AFTER
	archive
	# DB's message is old by now too: archived for alice and carol
	check "after the period: DA again for alice only, and DB" \
		"$(archived_rows | tr ' ' '\n' | grep . | sed 1d | sort | tr '\n' ' ')" \
		"$(printf '%s\n' "$DA:alice" "$DB:alice,carol" | sort | tr '\n' ' ')"
	DB_DONE=1
else
	echo "skip: C8 answers $STATUS"
fi

# --- a new message un-archives (F14: dialog.unarchived to those archived)
if [ $HAVE_C15 = 1 ]; then
	send bob "$DA"
	check "message sent" "$(echo "$STATUS" | grep -c '^20[01]$')" "1"
	check "un-archived for alice and bob" "$(flag "$DA" alice) $(flag "$DA" bob)" "false false"
	check "dialog.unarchived to both" \
		"$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -r 'select(.type == "dialog.unarchived") | .audience | sort | join(",")' | tail -1)" \
		"alice,bob"
	archive
	check "active again: not re-archived" "$(flag "$DA" alice)" "false"
fi

# --- --limit: oldest activity first, the rest next run
N0=$(count_rows dialog.archived)
D3=$(new_dialog '[{"user_id":"dave","display_name":"D"}]')
D4=$(new_dialog '[{"user_id":"dave","display_name":"D"}]')
clock_advance $AFTER
archive --dry-run
ND=$(printf '%s\n' "$OUT" | grep -c '^would archive ')
check "dry-run lists DA, D3, D4 (and DB unless done)" "$ND" "$(( 3 + (1 - DB_DONE) ))"
archive --limit 1
check "--limit 1: exit 0, silent" "$RC $OUT$ERR" "0 "
check "--limit 1: one dialog" "$(( $(count_rows dialog.archived) - N0 ))" "1"
archive
check "the rest next run" "$(( $(count_rows dialog.archived) - N0 ))" "$ND"
check "D3 and D4 archived for dave" "$(flag "$D3" dave) $(flag "$D4" dave)" "true true"
check "DE (no participants): no event ever" \
	"$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -c "select(.dialog_id == \"$DE\" and .type != \"participant.joined\")" | wc -l | tr -d ' ')" "0"

# --- two runs at once: each dialog archived once, one event each
N0=$(count_rows dialog.archived)
for i in 1 2 3 4 5 6; do new_dialog '[{"user_id":"erin","display_name":"E"},{"user_id":"frank","display_name":"F"}]' >/dev/null; done
clock_advance $AFTER
(with_env "$MTCHAT_BUILD/mtchat-admin" archive-inactive --limit 3 >"$T/a1" 2>&1; echo $? >>"$T/a1") &
P1=$!
(with_env "$MTCHAT_BUILD/mtchat-admin" archive-inactive >"$T/a2" 2>&1; echo $? >>"$T/a2") &
P2=$!
wait "$P1" "$P2"
check "concurrent runs: exit 0, silent" "$(cat "$T/a1" "$T/a2" | tr '\n' ' ')" "0 0 "
check "six events for six dialogs" "$(( $(count_rows dialog.archived) - N0 ))" "6"
check "each dialog once" \
	"$(with_env "$MTCHAT_BUILD/mtchat-admin" events tail | jq -r 'select(.type == "dialog.archived") | .dialog_id' | tail -6 | sort | uniq -d | wc -l | tr -d ' ')" "0"

# --- usage
archive --limit 0
check "--limit 0: exit 2" "$RC" "2"
archive --limit x
check "--limit x: exit 2 with synopsis" "$RC $(printf '%s\n' "$ERR" | tail -1)" \
	"2 usage: mtchat-admin archive-inactive [--limit N] [--dry-run]"
archive extra
check "operand: exit 2" "$RC" "2"
archive --help
check "--help" "$RC $(printf '%s\n' "$OUT" | head -1)" "0 usage: mtchat-admin archive-inactive [--limit N] [--dry-run]"
archive -v --dry-run
check "-v on a subcommand is not an option of it" "$RC" "2"
with_env "$MTCHAT_BUILD/mtchat-admin" -v archive-inactive >"$T/out" 2>"$T/err"
check "-v explains" "$(grep -c 'archived 0 dialogs for 0 participants' "$T/err")" "1"

it_done
