#!/bin/sh
# 0120-servers.sh — mtchat.fcgi behind the other two web servers INSTALL
# describes, each passing the path its own way: nginx with spawn-fcgi
# (REQUEST_URI, also under a /chat prefix) and Apache with mod_fcgid
# (ScriptAlias: SCRIPT_NAME + PATH_INFO). One create and one read each.
# backend: any (how nginx and Apache pass the path; the store is incidental)
. "$MTCHAT_TOP/tests/it/lib.sh"
it_env
with_env "$MTCHAT_BUILD/mtchat-admin" init >/dev/null || exit 1
chmod 777 "$T"
chmod 666 "$T"/mtchat.db*

CREATE='{"object_id":"o-1","object_type":"order","participants":[{"user_id":"u a","display_name":"A"}]}'

exercise() {	# server-name base-url
	BASE=$2
	req GET /health
	check_status 200 "$1: health"
	mgmt POST /api/v1/management/dialogs "$CREATE"
	check_status 200 "$1: create"
	id=$(jqr .data.id)
	mgmt GET "/api/v1/management/dialogs/$id"
	check "$1: read back" "$(jqr .data.participants[0].user_id)" "u a"
	mgmt DELETE "/api/v1/management/dialogs/$id/participants/u%20a"
	check_status 204 "$1: percent-decoded path segment"
	req GET /nowhere
	check_status 404 "$1: unknown path"
}

# --- nginx + spawn-fcgi
if command -v nginx >/dev/null && command -v spawn-fcgi >/dev/null; then
	NPORT=$(free_port)
	mkdir -p "$T/nginx"
	cat > "$T/nginx.conf" <<EOF
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $T/nginx/body;
	fastcgi_temp_path $T/nginx/fastcgi;
	proxy_temp_path $T/nginx/proxy;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$NPORT;
		location ~ ^/(chat/)?(api/|health) {
			include /etc/nginx/fastcgi_params;
			fastcgi_param REQUEST_URI \$request_uri;
			fastcgi_pass unix:$T/spawn.sock;
		}
	}
}
EOF
	(while IFS= read -r kv; do export "$kv"; done < "$T/env"
	 exec spawn-fcgi -n -s "$T/spawn.sock" -M 0666 -- "$MTCHAT_BUILD/mtchat.fcgi") \
		2>>"$T/spawn-error.log" &
	SPAWN=$!
	nginx -c "$T/nginx.conf" -g 'daemon off;' 2>>"$T/nginx-error.log" &
	NGINX=$!
	if wait_http "http://127.0.0.1:$NPORT/health"; then
		exercise nginx "http://127.0.0.1:$NPORT"
		exercise "nginx under /chat" "http://127.0.0.1:$NPORT/chat"
	else
		check "nginx started" no yes
	fi
	kill "$NGINX" "$SPAWN" 2>/dev/null
	wait "$NGINX" "$SPAWN" 2>/dev/null
else
	echo "skip: nginx or spawn-fcgi not installed"
fi

# --- Apache + mod_fcgid
MODS=/usr/lib/apache2/modules
if command -v apache2 >/dev/null && [ -f "$MODS/mod_fcgid.so" ]; then
	APORT=$(free_port)
	mkdir -p "$T/apache" && chmod 777 "$T/apache"
	{
		echo "ServerRoot $T/apache"
		echo "ServerName localhost"
		echo "Listen 127.0.0.1:$APORT"
		for m in mpm_event authz_core alias fcgid; do
			echo "LoadModule ${m}_module $MODS/mod_$m.so"
		done
		echo "User www-data"
		echo "Group www-data"
		echo "PidFile $T/apache/httpd.pid"
		echo "ErrorLog $T/apache-error.log"
		echo "FcgidIPCDir $T/apache/fcgid"
		echo "FcgidProcessTableFile $T/apache/fcgid_shm"
		while IFS= read -r kv; do
			echo "FcgidInitialEnv ${kv%%=*} \"${kv#*=}\""
		done < "$T/env"
		echo "ScriptAlias /api $MTCHAT_BUILD/mtchat.fcgi/api"
		echo "ScriptAlias /health $MTCHAT_BUILD/mtchat.fcgi/health"
		echo "<Directory $MTCHAT_BUILD>"
		echo "  SetHandler fcgid-script"
		echo "  Options +ExecCGI"
		echo "  CGIPassAuth On"
		echo "  Require all granted"
		echo "</Directory>"
	} > "$T/apache.conf"
	apache2 -f "$T/apache.conf" -DFOREGROUND 2>>"$T/apache-error.log" &
	APACHE=$!
	if wait_http "http://127.0.0.1:$APORT/health"; then
		exercise apache "http://127.0.0.1:$APORT"
	else
		check "apache started" no yes
		cat "$T/apache-error.log"
	fi
	kill "$APACHE" 2>/dev/null
	wait "$APACHE" 2>/dev/null
else
	echo "skip: apache2 or mod_fcgid not installed"
fi

it_done
