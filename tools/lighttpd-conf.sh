#!/bin/sh
# lighttpd-conf.sh — writes a lighttpd configuration that serves mtchat on
# one origin: the REST API through mtchat.fcgi (FastCGI, spawned and
# supervised by lighttpd), and, when a bridge port is given, /api/v1/ws and
# /api/v1/events proxied to mtchat-bridge (WebSocket upgrade included).
# Used by `make run` and by the integration tests.
#
# usage: lighttpd-conf.sh PORT FCGI_BIN DATA_DIR ENV_FILE [PROCS] [BRIDGE_PORT]
#   ENV_FILE holds NAME=value lines passed to mtchat.fcgi.
set -eu
port=$1 fcgi=$2 data=$3 envfile=$4 procs=${5:-2} bridge=${6:-}

printf 'server.modules = ( "mod_fastcgi", "mod_proxy" )\n'
printf 'server.bind = "127.0.0.1"\nserver.port = %s\n' "$port"
printf 'server.document-root = "%s"\n' "$data"
printf 'server.errorlog = "%s/lighttpd-error.log"\n' "$data"
printf 'server.pid-file = "%s/lighttpd.pid"\n' "$data"
printf 'server.max-request-size = 4096\n'	# KiB; mtchat.fcgi caps bodies itself
printf 'server.max-connections = 4096\nserver.max-fds = 8192\n'
printf 'server.stream-request-body = 0\n'
# Attachments (MTCHAT_FILES_MAX_SIZE, at most 100 MiB) on the upload route
# only; mtchat.fcgi streams them to disk and enforces its own limit.
printf '$HTTP["url"] =~ "^/api/v1/upload/" {\n'
printf '\tserver.max-request-size = 102400\n}\n'
if [ -n "$bridge" ]; then
	cat <<CONF
\$HTTP["url"] =~ "^/api/v1/(ws|events)(\\?|\$)" {
	proxy.server = ( "" => ( ( "host" => "127.0.0.1", "port" => $bridge,
	                           "connect-timeout" => 5 ) ) )
	proxy.header = ( "upgrade" => "enable" )
}
else \$HTTP["url"] =~ "^/" {
CONF
else
	printf '$HTTP["url"] =~ "^/" {\n'
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
