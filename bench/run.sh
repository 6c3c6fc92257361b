#!/bin/sh
# run.sh — `make bench`: every benchmark in turn, each printing its figures.
# Never part of `make check`.
set -u
BUILD=${1:-build}
DIR=$(dirname "$0")
for b in "$DIR"/rest.sh "$DIR"/mem-manage.sh "$DIR"/ws-*.sh "$DIR"/pg.sh; do
	[ -f "$b" ] || continue
	echo "== $(basename "$b")"
	sh "$b" "$BUILD" || echo "$(basename "$b") failed"
done
