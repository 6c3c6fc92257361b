#!/bin/sh
# 0010-admin.sh — mtchat-admin on good and bad input: init, stats, check,
# backup, events, config errors with file:line, a file that is not SQLite,
# a missing database, a read-only directory — one clear line and a non-zero
# exit each time, and nothing half-created.
# backend: sqlite (SQLite files: a backup file, a copy corrupted with sqlite3)
. "$MTCHAT_TOP/tests/it/lib.sh"
A=$MTCHAT_BUILD/mtchat-admin
export MTCHAT_CONFIG=$T/empty.conf MTCHAT_DB=$T/m.db
: > "$T/empty.conf"

run() {	# expected-exit command... ; output in $OUT
	want=$1; shift
	OUT=$("$@" 2>&1); rc=$?
	check "exit of: $*" "$rc" "$want"
}

run 0 "$A" --help
check "help lists commands" "$(printf '%s' "$OUT" | grep -c '^  events ')" "1"
for c in init migrate version stats check backup events config hooks; do
	run 0 "$A" "$c" --help
	check "$c --help synopsis" "$(printf '%s\n' "$OUT" | head -1 | cut -d' ' -f1-3)" "usage: mtchat-admin $c"
done
run 2 "$A" frobnicate
run 2 "$A"
run 2 "$A" stats extra-arg
run 2 "$A" events tail --since abc
run 2 "$A" events prune
run 2 "$A" events prune --keep 5x
run 2 "$A" hooks
run 2 "$A" hooks frobnicate
run 2 "$A" hooks replay

run 1 "$A" stats
check "missing database: one line" "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" "1"
check "missing database not created" "$(ls "$T" | grep -c '^m.db')" "0"

run 0 "$A" init
run 0 "$A" init
check "init twice is idempotent" "$(printf '%s' "$OUT" | grep -c 'up to date')" "1"
run 0 "$A" migrate
run 0 "$A" stats
check "stats dialogs" "$(printf '%s\n' "$OUT" | awk '$1=="dialogs"{print $2}')" "0"
run 0 "$A" stats --json
check "stats json" "$(printf '%s' "$OUT" | jq .changelog_rows)" "0"
run 0 "$A" check
check "check ok" "$OUT" "ok"
run 0 "$A" version
run 0 "$A" events tail

# Backup while a writer runs (management creates through lighttpd).
it_start
( i=0; while [ $i -lt 40 ]; do
	mgmt POST /api/v1/management/dialogs '{"object_id":"o","object_type":"t","participants":[{"user_id":"u","display_name":"U"}]}'
	i=$((i + 1)); done ) &
writer=$!
n=0	# the writer has started: a dialog is there
while [ "$(MTCHAT_DB=$T/mtchat.db "$A" stats --json 2>/dev/null | jq -r '.dialogs // 0')" = 0 ] &&
    [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
MTCHAT_DB=$T/mtchat.db run 0 "$A" backup "$T/backup.db"
wait $writer
MTCHAT_DB=$T/backup.db run 0 "$A" check
check "backup passes check" "$OUT" "ok"
# A count that disagrees with what it counts is reported (0002).
sqlite3 "$T/backup.db" "UPDATE dialogs SET user_messages = 5
    WHERE id = (SELECT min(id) FROM dialogs)"
MTCHAT_DB=$T/backup.db run 1 "$A" check
check "check finds a wrong count" "$(printf '%s\n' "$OUT" | grep -c '^derived data: dialog .* counts 5 user messages, not 0$')" "1"
MTCHAT_DB=$T/mtchat.db run 1 "$A" backup "$T/backup.db"
check "backup refuses to overwrite" "$(printf '%s' "$OUT" | grep -c 'already exists')" "1"
MTCHAT_DB=$T/mtchat.db run 0 "$A" events tail --since 0
check "events tail prints JSON lines" "$(printf '%s\n' "$OUT" | jq -r .type | sort -u)" "participant.joined"
MTCHAT_DB=$T/mtchat.db run 0 "$A" events prune --keep 1h
MTCHAT_DB=$T/mtchat.db run 0 "$A" events prune --keep 0 --force
MTCHAT_DB=$T/mtchat.db run 0 "$A" stats --json
check "prune --force emptied the log" "$(printf '%s' "$OUT" | jq .changelog_rows)" "0"
it_stop

# Bad configuration: one line naming file:line.
printf 'MTCHAT_DB = %s\n# comment\nARCHIVE_AFTER_SECS = soon\n' "$T/m.db" > "$T/bad.conf"
run 2 "$A" -c "$T/bad.conf" stats
check "config error names file:line" "$OUT" "mtchat-admin: bad.conf:3: ARCHIVE_AFTER_SECS: not a number"
printf 'NO_SUCH_KEY = 1\n' > "$T/bad.conf"
run 2 "$A" -c "$T/bad.conf" stats
check "unknown key" "$OUT" "mtchat-admin: bad.conf:1: NO_SUCH_KEY: unknown key"
printf 'just words\n' > "$T/bad.conf"
run 2 "$A" -c "$T/bad.conf" stats
check "malformed line" "$OUT" "mtchat-admin: bad.conf:1: expected key = value"
run 2 "$A" -c "$T/none.conf" stats
MTCHAT_SYNCHRONOUS=SOMETIMES run 2 "$A" stats

# Not a database; an unreadable path; a read-only directory.
echo "hello, I am text" > "$T/text.db"
MTCHAT_DB=$T/text.db run 1 "$A" stats
check "not SQLite: one line" "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" "1"
check "not SQLite: file untouched" "$(cat "$T/text.db")" "hello, I am text"
MTCHAT_DB=$T/nodir/m.db run 1 "$A" init
check "missing directory: nothing created" "$(ls -d "$T/nodir" 2>/dev/null | wc -l | tr -d ' ')" "0"
MTCHAT_DB=$T run 1 "$A" stats
mkdir "$T/ro" && chmod 555 "$T/ro" && chmod 755 "$T"
if [ "$(id -u)" -eq 0 ]; then
	# root ignores directory permissions: run as nobody.
	if command -v setpriv >/dev/null; then
		OUT=$(MTCHAT_CONFIG=/dev/null MTCHAT_DB=$T/ro/m.db setpriv --reuid=65534 --regid=65534 --clear-groups "$A" init 2>&1); rc=$?
		check "read-only directory fails" "$rc" "1"
		check "read-only directory: one line" "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" "1"
	fi
else
	MTCHAT_DB=$T/ro/m.db run 1 "$A" init
fi
check "read-only directory: nothing created" "$(ls "$T/ro" | wc -l | tr -d ' ')" "0"

it_done
