#!/bin/sh
# 0350-disk-full.sh — a full disk is a 507 with the error envelope, not a
# 500, and leaves the database as it was; once space is freed, writes work
# again (issue 15). The database lives on a small tmpfs the test mounts
# (skipped, with a message, where it cannot mount: not root).
# backend: sqlite (fills the filesystem of the SQLite file)
. "$MTCHAT_TOP/tests/it/lib.sh"
mkdir "$T/small"
if ! mount -t tmpfs -o size=4m tmpfs "$T/small" 2>/dev/null; then
	echo "SKIP: cannot mount a tmpfs here (needs root): not tested"
	it_done
fi
trap 'it_stop; umount -l "$T/small" 2>/dev/null' EXIT INT TERM
IT_DB=$T/small/mtchat.db it_start
p() { printf '{"user_id":"%s","display_name":"%s"}' "$1" "$1"; }
mgmt POST /api/v1/management/dialogs "{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p bob)]}"
D=$(jqr .data.id)
req POST "/api/v1/dialogs/$D/messages?user_id=alice" '{"content":"<p>before</p>"}'
check_status 200 "a send with room"

count() {	# user messages of D, and message.new rows
	req GET "/api/v1/dialogs/$D/messages?user_id=bob&limit=100"
	echo "$(jqr '[.data.messages[] | select(.message_type == "user")] | length')/$(events_of message.new "$D")"
}
before=$(count)
dd if=/dev/zero of="$T/small/filler" bs=16k 2>/dev/null	# until ENOSPC
big=$(head -c 20000 /dev/zero | tr '\0' 'x')
n=0 full=""
while [ $n -lt 40 ]; do
	req POST "/api/v1/dialogs/$D/messages?user_id=alice" "{\"content\":\"<p>$big</p>\"}"
	[ "$STATUS" = 200 ] && before=$(count)	# it still fit
	[ "$STATUS" != 200 ] && { full=$STATUS; break; }
	n=$((n + 1))
done
check "the disk filled: 507" "$full" 507
check "with the envelope" "$(jqr .error.code)" INSUFFICIENT_STORAGE
req GET "/health"
check_status 200 "reads still work"
check "the refused send left nothing (messages/events)" "$(count)" "$before"

rm -f "$T/small/filler"
req POST "/api/v1/dialogs/$D/messages?user_id=alice" '{"content":"<p>after</p>"}'
check_status 200 "space freed: sends work again"
trap - EXIT INT TERM
it_stop
n=50	# lighttpd's FastCGI children go a moment after it
while [ $n -gt 0 ] && ! umount "$T/small" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
[ $n -gt 0 ] || umount -l "$T/small"
it_done
