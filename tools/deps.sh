#!/bin/sh
# deps.sh — installs, with apt-get, exactly the Debian packages mtchat needs
# that are missing; a quick no-op when all are present.
set -eu
PKGS="build-essential pkg-config libsqlite3-dev sqlite3 libjansson-dev libssl-dev
libfcgi-dev libwebsockets-dev libgumbo-dev libcurl4-openssl-dev
check libsubunit-dev lighttpd curl jq python3 python3-websockets man-db"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
