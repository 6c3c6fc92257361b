#!/bin/sh
# 0002-install.sh — `make install` honours PREFIX and DESTDIR and puts every
# program, man page and the demo web client where INSTALL says; `make
# uninstall` removes them.
# backend: any (make install, no store)
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$MTCHAT_TOP"
make -s BUILD="$MTCHAT_BUILD" DESTDIR="$T" PREFIX=/opt/mtchat install >/dev/null || exit 1
fail=0
for f in sbin/mtchat-admin lib/mtchat/mtchat.fcgi share/man/man8/mtchat-admin.8 \
    share/man/man8/mtchat.fcgi.8 share/man/man5/mtchat.conf.5 \
    share/mtchat/web/index.html share/mtchat/web/js/app.js; do
	if [ ! -f "$T/opt/mtchat/$f" ]; then echo "missing: $f"; fail=1; fi
done
for f in sbin/mtchat-admin lib/mtchat/mtchat.fcgi; do
	[ -x "$T/opt/mtchat/$f" ] || { echo "not executable: $f"; fail=1; }
done
(cd "$T" && find . -type f | sort)
make -s BUILD="$MTCHAT_BUILD" DESTDIR="$T" PREFIX=/opt/mtchat uninstall >/dev/null || exit 1
left=$(find "$T" -type f | wc -l)
[ "$left" -eq 0 ] || { echo "uninstall left $left files"; fail=1; }
exit $fail
