#!/bin/sh
# 0830-migrate-to-postgres.sh — moving an installation from SQLite to
# PostgreSQL (docs/postgresql.md#moving-from-sqlite) and PostgreSQL's
# backups (docs/postgresql.md#backups). The real programs make a SQLite
# database with traffic: dialogs, messages, an edit, a delete, read marks,
# an attachment and an upload never sent, the change-log pruned (its head
# above the newest row), mtchat-hooks' cursor and queue. `mtchat-admin
# migrate-to-postgres` copies it into the test's empty PostgreSQL database,
# the programs start again on PostgreSQL and must answer exactly as before:
# dialog lists with unread counts, message pages, stats, `check`; a resume
# from a seq taken before the move gets exactly the later events (a resync
# below the pruned mark), and the next event follows the old head. A second
# copy into the now full database is refused. Then `mtchat-admin backup` on
# PostgreSQL, pg_restore into a new database, and the same answers there.
# backend: pg
. "$MTCHAT_TOP/tests/it/lib.sh"
[ "$IT_STORE" = pg ] || { echo "skip: the programs do not run on PostgreSQL"; exit 0; }
A=$MTCHAT_BUILD/mtchat-admin
FILES=$T/files
BRIDGE_PORT=$(free_port)
SETTINGS="MTCHAT_FILES_DIR=$FILES MTCHAT_FILES_SECRET=it-files-secret-0123456789
MTCHAT_TEST_CLOCK=$T/clock WEBHOOK_URL=http://127.0.0.1:9/hooks
WEBHOOK_SECRET=it-s3cret WEBHOOK_TIMEOUT_MS=500"

admin() {	# args... -> OUT, ERR, RC
	with_env "$A" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
}
lite() { sqlite3 -cmd '.timeout 5000' "$T/mtchat.db" "$1"; }
poll() {	# user since -> BODY
	req GET "/api/v1/events?user_id=$1&since=$2"
}
seqs() { jqr '[.data.events[] | .seq // .type] | map(tostring) | join(",")'; }
# The same, of the events up to seq $1 only (a poll on PostgreSQL may add
# the poller's presence.online: presence is not copied).
seqs_upto() { jqr "[.data.events[] | select((.seq // 0) <= $1) | .seq // .type] | map(tostring) | join(\",\")"; }
# The unread counts of the dialog lists in snapshot $1.
unread() { jq -r 'select(.data | type == "array") | .data[] | .unread_count' "$T/$1.json" | tr '\n' ' '; }
# What the API answers, saved to $T/NAME.json: each user's dialog list
# (with unread counts) and each dialog's messages as a participant sees
# them. Download URLs carry an expiry from the clock: left out.
snapshot() {	# name
	for u in alice bob carol dave; do
		req GET "/api/v1/dialogs?user_id=$u&limit=100"
		printf '%s\n' "$BODY"
		for d in $D1 $D2; do
			req GET "/api/v1/dialogs/$d/messages?user_id=$u&limit=100"
			printf '%s\n' "$BODY"
		done
	done | jq -cS 'walk(if type == "object" then del(.url, .thumbnail_url)
	    else . end)' > "$T/$1.json"
}
stats() {	# -> stats without what differs by nature (size, presence)
	admin stats --json
	printf '%s' "$OUT" | jq -cS 'del(.database_bytes, .presence_rows)'
}

# --- a SQLite installation (MTCHAT_DATABASE_URL empty: the later line of
# the environment wins) with traffic through the real programs
# shellcheck disable=SC2086
it_start MTCHAT_DATABASE_URL= $SETTINGS
it_start_bridge
# mtchat-hooks' first run sets its cursor at the end of the log
hooks() { with_env "$MTCHAT_BUILD/mtchat-hooks" --once --max-seconds 5 >/dev/null 2>>"$T/hooks.log"; }
hooks
check "phase 1 runs on SQLite" "$(lite 'SELECT count(*) > 0 FROM schema_version')" 1

M=/api/v1/management/dialogs
p() { printf '{"user_id":"%s","display_name":"%s","email":"%s@x"}' "$1" "$1" "$1"; }
mgmt POST $M "{\"object_id\":\"o1\",\"object_type\":\"t\",\"title\":\"One\",\"participants\":[$(p alice),$(p bob),$(p carol)],\"access_scopes\":[{\"scope_level0\":[\"s\"],\"scope_level1\":[\"a\",\"b\"]}],\"meta\":{\"k\":[1,2]}}"
check_status 200 "create a dialog"
D1=$(jqr .data.id)
mgmt POST $M "{\"object_id\":\"o2\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p dave)]}"
check_status 200 "create another"
D2=$(jqr .data.id)
send() {	# user dialog content [reply_to] -> MID
	req POST "/api/v1/dialogs/$2/messages?user_id=$1" \
	    "{\"content\":\"$3\"${4:+,\"reply_to\":\"$4\"}}"
	check_status 200 "send $3"
	MID=$(jqr .data.id)
}
send alice "$D1" "<p>one</p>"; M1=$MID
send bob "$D1" "<p>two</p>" "$M1"; M2=$MID
send carol "$D1" "<p>three</p>"; M3=$MID
send dave "$D2" "<p>hi alice</p>"
req PUT "/api/v1/dialogs/$D1/messages/$M1?user_id=alice" '{"content":"<p>one, edited</p>"}'
check_status 200 "edit"
req DELETE "/api/v1/dialogs/$D1/messages/$M3?user_id=carol"
check_status 204 "delete"
req POST "/api/v1/dialogs/$D1/read?user_id=bob" "{\"last_read_message_id\":\"$M2\"}"
check_status 200 "read"
req POST "/api/v1/dialogs/$D1/pin?user_id=carol"
# an attachment (0700-files), and an upload never sent
printf 'hello' > "$T/f.txt"
upload() {	# user dialog -> KEY
	req POST "/api/v1/upload/presign?user_id=$1" \
	    "{\"dialog_id\":\"$2\",\"filename\":\"f.txt\",\"content_type\":\"text/plain\",\"size\":5}"
	KEY=$(jqr .data.s3_key)
	STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
	    -H 'Content-Type: text/plain' --data-binary @"$T/f.txt" \
	    "$BASE$(jqr .data.upload_url)")
	check_status 200 "upload"
}
upload alice "$D1"
req POST "/api/v1/dialogs/$D1/messages?user_id=alice" \
    "{\"content\":\"<p>file</p>\",\"attachments\":[{\"s3_key\":\"$KEY\",\"filename\":\"f.txt\",\"content_type\":\"text/plain\",\"size\":5}]}"
check_status 200 "send with an attachment"
upload bob "$D1"
# two hours on: the first rows are pruned, the later ones stay
clock_advance 7200
send bob "$D1" "<p>later</p>"
poll alice 0
BEFORE=$(jqr .data.cursor)	# a client's position before the move
send carol "$D1" "<p>latest</p>"
send alice "$D2" "<p>bye</p>"
hooks	# its cursor and webhooks it could not deliver (port 9)
admin events prune --keep 1h --force
check "pruned" "$RC $ERR" "0 "
PRUNED=$(lite "SELECT value FROM meta WHERE key = 'pruned_through'")
check "the prune left rows" "$(lite "SELECT count(*) > 0 FROM changelog")" 1
check "hooks' cursor" "$(lite "SELECT count(*) FROM cursors WHERE name = 'hooks'")" 1
check "hooks' queue" "$(lite "SELECT count(*) > 0 FROM hook_outbox")" 1
# A fixture the API cannot make: a reply to a message with a higher id
# (copied after it, in id order).
LATE=$(lite "SELECT max(id) FROM messages WHERE dialog_id = '$D1'")
lite "UPDATE messages SET reply_to_id = '$LATE' WHERE id = '$M1'"
# A client resuming from before the move: what it gets on SQLite.
poll alice "$BEFORE"
EXPECT=$(seqs_upto 1000000)
check "resume on SQLite: some events" "$(printf '%s' "$EXPECT" | grep -c '^[0-9]')" 1
snapshot sqlite
it_stop
# Another: the newest change-log row gone, as after a prune of every row
# (the head stays above max(seq)).
HEAD=$(lite "SELECT max(seq) FROM changelog")
lite "DELETE FROM changelog WHERE seq = $HEAD"
EXPECT=$(printf '%s' "$EXPECT" | tr , '\n' | grep -vx "$HEAD" | paste -sd, -)
check "the head is above the newest row" \
    "$(lite "SELECT $HEAD > max(seq) FROM changelog")" 1
STATS=$(stats)

# --- the copy
it_env $SETTINGS	# MTCHAT_DATABASE_URL: the test's PostgreSQL database
admin migrate-to-postgres --from "$T/mtchat.db"
check "migrate-to-postgres: exit 0" "$RC $ERR" "0 "
check "copied per table" "$(printf '%s\n' "$OUT" | awk 'NF == 2 && $1 == "messages" || NF == 2 && $1 == "changelog" || $1 == "uploads" || $1 == "cursors" { print $1, $2 }' | tr '\n' ' ')" \
    "messages $(lite 'SELECT count(*) FROM messages') uploads 2 changelog $(lite 'SELECT count(*) FROM changelog') cursors 1 "
check "participant counts agreed" "$(printf '%s\n' "$OUT" | grep -c 'participants_count was wrong')" 0
check "presence is not copied" "$(printf '%s\n' "$OUT" | grep -c '^presence')" 0
check "head and pruned mark reported" \
    "$(printf '%s\n' "$OUT" | grep '^changelog head')" \
    "changelog head $HEAD, pruned through $PRUNED"
check "check ran on the copy" "$(printf '%s\n' "$OUT" | tail -1 | sed 's/.*, //')" "check ok"
check "changelog_seq at the old head" "$(it_sql "SELECT changelog_head()")" "$HEAD"
check "the late reply" "$(it_sql "SELECT reply_to_id FROM messages WHERE id = '$M1'")" "$LATE"

# --- the programs on PostgreSQL answer as before
it_start $SETTINGS
it_start_bridge
snapshot pg
check "same dialog lists and message pages" "$(cmp -s "$T/sqlite.json" "$T/pg.json" && echo same)" same
check "12 answers" "$(wc -l < "$T/pg.json" | tr -d ' ')" 12
check "unread counts" "$(unread pg)" "$(unread sqlite)"
check "some unread" "$(unread pg | grep -c '[1-9]')" 1
check "stats equal" "$(stats)" "$STATS"
admin check
check "check clean" "$RC $OUT" "0 ok"
# resume from before the move: exactly the later events, then new ones
poll alice "$BEFORE"
check "resume from $BEFORE: the same later events" "$(seqs_upto "$HEAD")" "$EXPECT"
poll alice $((PRUNED - 1))
check "resume below the pruned mark: resync" "$(jqr '.data.events[0].type')" resync
ws_open a "user_id=alice&since=$HEAD"
ws_wait a '.type == "connected"' 1 10
send bob "$D1" "<p>on postgres</p>"
ws_wait a '.type == "message.new"' 1 10
NEWSEQ=$(grep -v '^#' "$T/ws-a.out" | jq 'select(.type == "message.new") | .seq')
check "the next event follows the old head" "$([ "$NEWSEQ" -gt "$HEAD" ] && echo yes)" yes
check "nothing replayed to a client at the head" "$(ws_count a '.type == "message.new"')" 1
poll alice "$BEFORE"
check "and a resume from before the move gets it too" "$(seqs | tr , '\n' | grep -c "^$NEWSEQ\$")" 1

# --- a second copy into the now full database is refused
admin migrate-to-postgres --from "$T/mtchat.db"
check "second copy: exit 1" "$RC" 1
check "second copy: says why" "$(printf '%s' "$ERR" | grep -c 'already holds mtchat data')" 1
check "second copy: nothing added" "$(it_sql 'SELECT count(*) FROM dialogs')" 2

# --- backup with pg_dump, restore into a new database
STATS=$(stats)
snapshot pg2
admin backup "$T/pg.dump"
check "backup: exit 0" "$RC $ERR" "0 "
check "backup: pg_dump's custom format" "$(head -c 5 "$T/pg.dump")" PGDMP
check "backup: no temporary file left" "$(ls "$T" | grep -c 'pg.dump.tmp')" 0
admin backup "$T/pg.dump"
check "backup over a file: refused" "$RC $(printf '%s' "$ERR" | grep -c 'already exists')" "1 1"
with_env env PATH=/nonexistent "$A" backup "$T/none.dump" >"$T/out" 2>"$T/err"
check "no pg_dump: exit 1" "$?" 1
check "no pg_dump: says so" "$(grep -c 'pg_dump: not found in PATH' "$T/err")" 1
check "no pg_dump: no file left" "$(ls "$T" | grep -c 'none.dump')" 0
# a pg_dump that fails, and shows what it was given
mkdir "$T/bin"
cat > "$T/bin/pg_dump" <<EOF
#!/bin/sh
echo "\$*" > "$T/dump-args"
env | grep '^PG' | sort > "$T/dump-env"
echo "pg_dump: error: it failed" >&2
exit 3
EOF
chmod +x "$T/bin/pg_dump"
with_env env PATH="$T/bin:$PATH" "$A" backup "$T/none.dump" >"$T/out" 2>"$T/err"
check "pg_dump fails: exit 1" "$?" 1
check "pg_dump fails: its stderr, then ours" "$(cat "$T/err")" \
    "pg_dump: error: it failed
mtchat-admin: pg_dump failed (exit status 3)"
check "pg_dump fails: no file left" "$(ls "$T" | grep -c 'none.dump')" 0
PW=$(printf '%s' "$IT_PG_URL" | sed 's|.*://[^:]*:\([^@]*\)@.*|\1|')
check "the password is not on pg_dump's command line" "$(grep -c "$PW" "$T/dump-args")" 0
check "pg_dump's arguments" "$(sed "s|$T|T|" "$T/dump-args" | sed 's/tmp\.[A-Za-z0-9]*$/tmp.X/')" \
    "--format=custom --no-password --file=T/none.dump.tmp.X"
check "the connection in its environment" "$(grep -c "^PGPASSWORD=$PW\$" "$T/dump-env") $(grep '^PGDATABASE=\|^PGSSLMODE=' "$T/dump-env" | tr '\n' ' ')" \
    "1 PGDATABASE=$IT_PG_DB PGSSLMODE=disable "
it_stop
R=it_0830_restore_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
RURL=$(pg_createdb "$R")
pg_restore --no-owner -d "$RURL" "$T/pg.dump" 2>"$T/restore.err"
check "pg_restore: exit 0" "$? $(cat "$T/restore.err")" "0 "
IT_PG_URL=$RURL
it_env $SETTINGS
admin migrate
check "migrate after restore: current" "$RC $(printf '%s' "$OUT" | grep -c 'up to date')" "0 1"
admin check
check "restored: check clean" "$RC $OUT" "0 ok"
check "restored: stats equal" "$(stats)" "$STATS"
it_start $SETTINGS
it_start_bridge
snapshot restored
check "restored: same answers" "$(cmp -s "$T/pg2.json" "$T/restored.json" && echo same)" same
send bob "$D1" "<p>after restore</p>"
poll alice "$HEAD"
check "restored: the sequence goes on" "$(jqr '.data.events[] | select(.type == "message.new") | .seq' | tail -1 | awk -v n="$NEWSEQ" '{ print ($1 > n) }')" 1
it_stop
pg_dropdb "$R" || check "drop $R" 1 0
it_done
