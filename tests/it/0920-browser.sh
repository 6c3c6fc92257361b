#!/bin/sh
# 0920-browser.sh — the demo web client (examples/web) in a real browser:
# the real stack (lighttpd serving the page with MTCHAT_DEMO=1, mtchat.fcgi,
# mtchat-bridge), Debian's headless Chromium driven by playwright-core
# (tests/browser/demo.test.mjs): two users chatting live, unread counts,
# read receipts, reply/edit/delete, presence, the polling fallback, inert
# XSS. Skipped, saying why, only where Chromium or Node.js is missing
# (tools/deps.sh installs both on Debian 12).
# backend: any (the demo client in a browser; the store is incidental)
. "$MTCHAT_TOP/tests/it/lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
B=$MTCHAT_TOP/tests/browser

skip() {
	echo "SKIP $IT_NAME: $1"
	rm -rf "$T"
	exit 0
}
[ -x "$CHROMIUM" ] || skip "no $CHROMIUM (Debian package chromium)"
command -v node >/dev/null && command -v npm >/dev/null ||
	skip "no node and npm (Debian packages nodejs, npm)"

if [ ! -d "$B/node_modules/playwright-core" ]; then
	(cd "$B" && npm ci --no-audit --no-fund) >"$T/npm.out" 2>&1 || {
		echo "FAIL npm ci in tests/browser:"
		tail -20 "$T/npm.out"
		exit 1
	}
fi

BRIDGE_PORT=$(free_port)
MTCHAT_DEMO=1
export MTCHAT_DEMO
it_start
it_start_bridge

req GET /
check_status 200 "the demo page at /"
MTCHAT_BASE=$BASE MTCHAT_WORK=$T MTCHAT_ADMIN_TOKEN=$ADMIN_TOKEN \
    CHROMIUM=$CHROMIUM node "$B/demo.test.mjs"
check "browser test (demo.test.mjs)" "$?" 0

it_done
