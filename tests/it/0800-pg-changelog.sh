#!/bin/sh
# 0800-pg-changelog.sh — the PostgreSQL change-log (issue 22, work in
# progress; docs/postgresql.md) on a throw-away cluster (tests/pg.sh): the
# store's tests (tests/pg/check_store_pg.c), then the commit-order test
# (tests/pg/pg_order.c): 8 writer processes append 500 events each while
# two tailers read, and each tailer must receive every committed seq once,
# in increasing order. The same run with appends that skip the lock must
# show violations, or the test could not catch the race it is about.
# backend: pg (PostgreSQL only, on a cluster of its own)
set -u
: "${MTCHAT_BUILD:?run through tests/run.sh}" "${MTCHAT_TOP:?}"
B=$MTCHAT_BUILD/tests/pg
if [ ! -x "$B/check_store_pg" ] || [ ! -x "$B/pg_order" ]; then
	echo "skip: built without libpq (WITH_PG=no, or libpq-dev missing)"
	exit 0
fi
. "$MTCHAT_TOP/tests/pg.sh"
pg_start mtchat
fail=0

# databases for two of check_store_pg's cases
MTCHAT_TEST_URL_EMPTY=$(pg_createdb migrate_race) || exit 1
pg_psql -c "CREATE DATABASE ascii ENCODING 'SQL_ASCII' TEMPLATE template0" ||
	exit 1
MTCHAT_TEST_URL_SQLASCII=$(pg_url ascii)
export MTCHAT_TEST_URL_EMPTY MTCHAT_TEST_URL_SQLASCII
"$B/check_store_pg" || fail=1

MTCHAT_DATABASE_URL=$(pg_createdb order_lock) || exit 1
"$B/pg_order" -w 8 -n 500 || { echo "FAIL commit order"; fail=1; }

MTCHAT_DATABASE_URL=$(pg_createdb order_naive) || exit 1
"$B/pg_order" -w 8 -n 500 --naive
rc=$?
if [ $rc -ne 1 ]; then
	echo "FAIL without the lock the test found no violation (exit $rc)"
	fail=1
fi
[ $fail -eq 0 ] && echo "pg-changelog: ok"
exit $fail
