#!/bin/sh
# lint.sh — project rules a compiler does not check: no SQL or sqlite3 call
# outside lib/store*.c and lib/changelog.c (STYLE.md §2).
set -u
cd "$(dirname "$0")/.."
bad=$(grep -nE 'sqlite3_|\b(SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM)\b' \
	cgi/*.c bridge/*.c bin/*.c 2>/dev/null)
bad2=$(grep -lE 'sqlite3_' lib/*.c | grep -vE 'lib/(store[a-z_]*|changelog)\.c')
if [ -n "$bad$bad2" ]; then
	echo "lint: SQL outside lib/store*.c:"
	[ -n "$bad" ] && echo "$bad"
	[ -n "$bad2" ] && echo "$bad2"
	exit 1
fi
echo "lint: ok"
