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
printf 'server.max-connections = 4096\nserver.max-fds = 8192\n'
printf 'server.stream-request-body = 0\n'
if [ "$demo" = 1 ]; then
	printf 'index-file.names = ( "index.html" )\n'
	printf 'mimetype.assign = ( ".html" => "text/html; charset=utf-8",\n'
	printf '\t".js" => "text/javascript; charset=utf-8",\n'
	printf '\t".css" => "text/css; charset=utf-8", ".svg" => "image/svg+xml" )\n'
fi
if [ -n "$bridge" ]; then
	cat <<CONF
\$HTTP["url"] =~ "^/api/v1/(ws|events)(\\?|\$)" {
	proxy.server = ( "" => ( ( "host" => "127.0.0.1", "port" => $bridge,
	                           "connect-timeout" => 5 ) ) )
	proxy.header = ( "upgrade" => "enable" )
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
done < "$envfile"
printf '\n\t\t)\n\t) ) )\n}\n'
