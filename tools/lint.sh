#!/bin/sh
# lint.sh — project rules a compiler does not check: no SQL, sqlite3 call,
# PRAGMA or transaction statement outside lib/store*.c (STYLE.md, "Module
# boundaries").
set -u
cd "$(dirname "$0")/.."
sql='sqlite3_|\b(SELECT|INSERT (OR [A-Z]+ )?INTO|UPDATE [a-z_]+ SET|DELETE FROM|PRAGMA|BEGIN( IMMEDIATE)?|COMMIT|ROLLBACK|SAVEPOINT)\b'
# (lines of comments do not count)
bad=$(grep -nE "$sql" cgi/*.c bridge/*.c bin/*.c lib/*.c 2>/dev/null |
	grep -vE '^lib/store[a-z_]*\.c:' |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)')
if [ -n "$bad" ]; then
	echo "lint: SQL outside lib/store*.c:"
	echo "$bad"
	exit 1
fi
echo "lint: ok"
