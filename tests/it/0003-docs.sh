#!/bin/sh
# 0003-docs.sh — the documentation matches the code: every configuration key
# of the program is in INSTALL, mtchat.conf(5) and mtchat.conf.example, and
# every program's --help and man page exist.
# backend: any (documentation against the code, no store)
set -u
cd "$MTCHAT_TOP"
fail=0
keys=$(MTCHAT_CONFIG=/dev/null "$MTCHAT_BUILD/mtchat-admin" config --keys | cut -f1)
[ -n "$keys" ] || { echo "no keys"; exit 1; }
for k in $keys; do
	grep -q "\`$k\`" INSTALL || { echo "INSTALL lacks $k"; fail=1; }
	grep -q "^\.It Ic $k " man/mtchat.conf.5 || { echo "mtchat.conf.5 lacks $k"; fail=1; }
	grep -q "^#$k = " mtchat.conf.example || { echo "mtchat.conf.example lacks $k"; fail=1; }
done
for p in mtchat-admin mtchat.fcgi mtchat-bridge mtchat-reaper mtchat-hooks; do
	[ -x "$MTCHAT_BUILD/$p" ] || continue
	"$MTCHAT_BUILD/$p" --help >/dev/null || { echo "$p --help failed"; fail=1; }
	[ -f "man/$p.8" ] || { echo "man/$p.8 missing"; fail=1; }
done
for m in man/*.[58]; do
	out=$(LC_ALL=C.UTF-8 man -l -Tutf8 "$m" 2>&1 >/dev/null)
	[ -z "$out" ] || { echo "$m: $out"; fail=1; }
done
[ $fail -eq 0 ] && echo "docs: ok"
exit $fail
