#!/bin/sh
# lint.sh — project rules a compiler does not check: no SQL, sqlite3 call,
# PRAGMA or transaction statement outside lib/store*.c (STYLE.md, "Module
# boundaries"); and every code a comment cites (C1–C20 and M1–M7 of
# docs/rest.md, S, F and N of docs/differences.md) is defined in docs/, with
# no citation of a document that is not in the repository (API.md,
# DESIGN.md, or an "§6.13" that is not an RFC's section).
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
src="lib/*.[ch] cgi/*.[ch] bridge/*.[ch] bin/*.[ch] sql/*.sql"
# shellcheck disable=SC2086
bad=$(grep -nE 'API\.md|DESIGN\.md|STYLE\.md|§ ?[0-9]' $src | grep -v 'RFC')
if [ -n "$bad" ]; then
	echo "lint: a citation of a document that is not in the repository:"
	echo "$bad"
	exit 1
fi
defined=$(grep -ohE '<a id="[cmsfn][0-9]+"' docs/*.md | sed 's/.*="//; s/"//' |
	tr a-z A-Z | sort -u)
# shellcheck disable=SC2086
for code in $(grep -ohE '\b[CMSFN][0-9]{1,2}\b' $src | grep -vx C0 | sort -u); do
	if ! printf '%s\n' "$defined" | grep -qx "$code"; then
		echo "lint: $code is cited but not defined in docs/:"
		# shellcheck disable=SC2086
		grep -nwE "$code" $src
		exit 1
	fi
done
echo "lint: ok"
