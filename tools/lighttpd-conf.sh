#!/bin/sh
# lighttpd-conf.sh — writes a lighttpd configuration that serves mtchat on
# one origin: the REST API through mtchat.fcgi (FastCGI, spawned and
# supervised by lighttpd), and, when a bridge port is given, /api/v1/ws and
# /api/v1/events proxied to mtchat-bridge (WebSocket upgrade included).
# Used by `make run` and by the integration tests. With MTCHAT_DEMO=1 the
# demo web client (examples/web, or MTCHAT_WEB_ROOT) is served as static
# files for every other path, `/` included; without it nothing is.
#
# usage: lighttpd-conf.sh PORT FCGI_BIN DATA_DIR ENV_FILE [PROCS] [BRIDGE_PORT]
#   ENV_FILE holds NAME=value lines passed to mtchat.fcgi.
set -eu
port=$1 fcgi=$2 data=$3 envfile=$4 procs=${5:-2} bridge=${6:-}
root=$data fcgi_url='^/' demo=${MTCHAT_DEMO:-0}
if [ "$demo" = 1 ]; then
	root=${MTCHAT_WEB_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/examples/web}
	fcgi_url='^/(api/|health)'
fi

printf 'server.modules = ( "mod_fastcgi", "mod_proxy" )\n'
printf 'server.bind = "127.0.0.1"\nserver.port = %s\n' "$port"
printf 'server.document-root = "%s"\n' "$root"
printf 'server.errorlog = "%s/lighttpd-error.log"\n' "$data"
printf 'server.pid-file = "%s/lighttpd.pid"\n' "$data"
printf 'server.max-request-size = 4096\n'	# KiB; mtchat.fcgi caps bodies itself
printf 'server.stream-request-body = 0\n'
# Idle connections are cheap for lighttpd: room for many, so that a few
# thousand slow clients (slowloris) do not fill the table, and a client
# that stops sending its request is dropped after REQUEST_IDLE seconds.
conns=${LIGHTTPD_MAX_CONNECTIONS:-16384}
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ $(( conns * 2 + 64 )) -gt "$hard" ]; then
	conns=$(( (hard - 64) / 2 ))	# a proxied request holds two
fi
printf 'server.max-connections = %s\nserver.max-fds = %s\n' \
	"$conns" $(( conns * 2 + 64 ))
printf 'server.max-read-idle = %s\n' "${LIGHTTPD_REQUEST_IDLE:-30}"
printf 'server.max-keep-alive-idle = 15\n'
# Attachments (MTCHAT_FILES_MAX_SIZE, at most 100 MiB) on the upload route
# only; mtchat.fcgi streams them to disk and enforces its own limit.
printf '$HTTP["url"] =~ "^/api/v1/upload/" {\n'
printf '\tserver.max-request-size = 102400\n}\n'
if [ "$demo" = 1 ]; then
	printf 'index-file.names = ( "index.html" )\n'
	printf 'mimetype.assign = ( ".html" => "text/html; charset=utf-8",\n'
	printf '\t".js" => "text/javascript; charset=utf-8",\n'
	printf '\t".css" => "text/css; charset=utf-8", ".svg" => "image/svg+xml" )\n'
fi
if [ -n "$bridge" ]; then
	# A quiet WebSocket is valid until the bridge's own limit (twice the
	# presence TTL without a ping), and a poll is held up to
	# BRIDGE_POLL_MAX_SECS: lighttpd's idle limit on these must be longer.
	ttl=$(sed -n 's/^PRESENCE_TTL_SECS=//p' "$envfile" | tail -1)
	hold=$(sed -n 's/^BRIDGE_POLL_MAX_SECS=//p' "$envfile" | tail -1)
	idle=$(( 2 * ${ttl:-60} + 30 ))
	# The WebSocket hop costs lighttpd an event, a read and a write per
	# frame in its one thread (bench/ws-hop.sh): fine for `make run` and
	# the tests; past a few thousand recipients of one message INSTALL
	# has clients reach the bridge's own port.
	[ "$idle" -lt $(( ${hold:-60} + 30 )) ] && idle=$(( ${hold:-60} + 30 ))
	cat <<CONF
\$HTTP["url"] =~ "^/api/v1/(ws|events)(\\?|\$)" {
	proxy.server = ( "" => ( ( "host" => "127.0.0.1", "port" => $bridge,
	                           "connect-timeout" => 5 ) ) )
	proxy.header = ( "upgrade" => "enable" )
	server.max-read-idle = $idle
	server.max-write-idle = $idle
}
else \$HTTP["url"] =~ "$fcgi_url" {
CONF
else
	printf '$HTTP["url"] =~ "%s" {\n' "$fcgi_url"
fi
printf '\tfastcgi.server = ( "/" => ( (\n'
printf '\t\t"socket" => "%s/mtchat-fcgi.sock",\n' "$data"
printf '\t\t"bin-path" => "%s",\n' "$fcgi"
printf '\t\t"max-procs" => %s,\n' "$procs"
printf '\t\t"check-local" => "disable",\n'
printf '\t\t"fix-root-scriptname" => "enable",\n'
printf '\t\t"bin-environment" => (\n'
sep=""
while IFS= read -r line; do
	[ -n "$line" ] || continue
	name=${line%%=*} value=${line#*=}
	value=$(printf '%s' "$value" | sed 's/\\/\\\\/g; s/"/\\"/g')
	printf '%s\t\t\t"%s" => "%s"' "$sep" "$name" "$value"
	sep=",
"
done <<EOF
$(# a name given twice: the later line wins, as with export (lighttpd
  # refuses a duplicate key)
  awk -F= '{ l[NR] = $0; k[NR] = $1; last[$1] = NR }
	END { for (i = 1; i <= NR; i++) if (last[k[i]] == i) print l[i] }' \
	"$envfile")
EOF
printf '\n\t\t)\n\t) ) )\n}\n'
