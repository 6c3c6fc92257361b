#!/bin/sh
# deps.sh — installs, with apt-get, exactly the Debian packages mtchat needs
# that are missing; a quick no-op when all are present. Elsewhere (no
# dpkg), or as a user who cannot install (no root, no sudo, or
# MTCHAT_NO_INSTALL=1, as packagers build), it only says what is missing:
# the build then tells which library it lacks, and tests that need a
# missing program say so.
set -eu
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system: install what INSTALL lists" >&2
	exit 0
fi
PKGS="build-essential pkg-config libsqlite3-dev sqlite3 libjansson-dev libssl-dev
libfcgi-dev libwebsockets-dev libwebsockets-evlib-ev libev-dev libgumbo-dev
libcurl4-openssl-dev
lighttpd check libsubunit-dev curl jq python3 python3-websockets man-db
nginx-light spawn-fcgi apache2 libapache2-mod-fcgid wrk valgrind procps
chromium clang libclang-rt-14-dev
postgresql libpq-dev"
# PostgreSQL, the second store (issue 22, work in progress): libpq-dev
# builds lib/store_pg*.c, and the server's initdb and pg_ctl start the
# throw-away clusters of the tests (tests/pg.sh) as an unprivileged user;
# the policy-rc.d guard below keeps the package's own cluster stopped.
# clang and its runtime libraries (libFuzzer, ASan, UBSan) build the fuzz
# targets of tests/fuzz (make fuzz; make check runs them briefly).
# Node.js and npm run the browser test (tests/browser, playwright-core from
# the npm registry); one installed otherwise (NodeSource's nodejs brings
# its own npm) is used as it is.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ "${MTCHAT_NO_INSTALL:-0}" = 1 ] ||
    { [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; }; then
	echo "deps: missing (not installing):$missing" >&2
	exit 0
fi
echo "deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# The web servers are installed for mtchat's own use and tests: keep their
# packages from starting system-wide instances on port 80 (they would also
# fight over it) while installing, as container images do.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	guard=/usr/sbin/policy-rc.d
fi
trap '[ -n "$guard" ] && $SUDO rm -f "$guard"' EXIT
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
