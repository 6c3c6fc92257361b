#!/bin/sh
# 0710-files-servers.sh — attachments behind each web server INSTALL
# describes, with the body limits and offload of examples/*.conf: lighttpd
# sending the files itself (X-LIGHTTPD-send-file, ranges included); nginx
# with 2m bodies except 100m on the upload route, and X-Accel-Redirect with
# the S9 headers repeated in its internal location; Apache with mod_fcgid,
# LimitRequestBody 2 MiB except on the upload route.
# backend: any (send-file headers of each web server; the store is incidental)
. "$MTCHAT_TOP/tests/it/lib.sh"
FILES=$T/files
SECRET=it-files-secret-0123456789
it_env MTCHAT_FILES_DIR="$FILES" MTCHAT_FILES_SECRET=$SECRET
with_env "$MTCHAT_BUILD/mtchat-admin" init >/dev/null || exit 1
mkdir -p "$FILES" && chmod 777 "$T" "$FILES" && chmod 666 "$T"/mtchat.db*
head -c 3000000 /dev/urandom > "$T/big"
printf '<html>hello</html>' > "$T/page.html"

hdr() { tr -d '\r' < "$T/h" | sed -n "s/^$1: //Ip" | head -1; }
# exercise NAME: presign, PUT 3 MB, send, download; 3 MB elsewhere refused
exercise() {
	mgmt POST /api/v1/management/dialogs \
	    '{"object_id":"o","object_type":"t","participants":[{"user_id":"alice","display_name":"A"}]}'
	d=$(jqr .data.id)
	for f in big:application/zip page.html:text/html; do
		name=${f%%:*} ct=${f#*:} size=$(wc -c < "$T/$name")
		req POST "/api/v1/upload/presign?user_id=alice" \
		    "{\"dialog_id\":\"$d\",\"filename\":\"$name\",\"content_type\":\"$ct\",\"size\":$size}"
		key=$(jqr .data.s3_key)
		STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Content-Type: $ct" \
		    --data-binary @"$T/$name" "$BASE$(jqr .data.upload_url)")
		check "$1: upload of $name" "$STATUS" 200
		req POST "/api/v1/dialogs/$d/messages?user_id=alice" \
		    "{\"content\":\"\",\"attachments\":[{\"s3_key\":\"$key\",\"filename\":\"$name\",\"content_type\":\"$ct\",\"size\":$size}]}"
		url=$(jqr '.data.attachments[0].url')
		STATUS=$(curl -s -D "$T/h" -o "$T/dl" -w '%{http_code}' "$BASE$url")
		check "$1: download of $name" "$STATUS $(cmp "$T/$name" "$T/dl" && echo same)" "200 same"
	done
	check "$1: S9 headers" "$(hdr Content-Type)|$(hdr Content-Disposition)|$(hdr X-Content-Type-Options)|$(hdr Content-Security-Policy)" \
	    "text/html|attachment; filename=\"page.html\"|nosniff|default-src 'none'; style-src 'unsafe-inline'; sandbox"
	STATUS=$(curl -s -D "$T/h" -o "$T/dl" -w '%{http_code}' -H 'Range: bytes=6-10' "$BASE$url")
	check "$1: a range" "$STATUS $(cat "$T/dl") $(hdr Content-Range)" "206 hello bytes 6-10/18"
	# (mod_fcgid passes no body past LimitRequestBody: mtchat.fcgi then
	# answers 400 for the missing JSON, where the others answer 413)
	STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	    --data-binary @"$T/big" "$BASE/api/v1/dialogs/$d/messages?user_id=alice")
	case $1:$STATUS in *:413|apache:400) STATUS=refused ;; esac
	check "$1: 3 MB elsewhere refused" "$STATUS" refused
}

# --- lighttpd sending the files (X-LIGHTTPD-send-file)
it_env MTCHAT_FILES_DIR="$FILES" MTCHAT_FILES_SECRET=$SECRET \
    MTCHAT_FILES_SENDFILE=X-LIGHTTPD-send-file
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
sh "$MTCHAT_TOP/tools/lighttpd-conf.sh" "$PORT" "$MTCHAT_BUILD/mtchat.fcgi" \
    "$T" "$T/env" 1 | sed "s|\"check-local\" => \"disable\",|&\\
\"x-sendfile\" => \"enable\", \"x-sendfile-docroot\" => ( \"$FILES\" ),|" \
    > "$T/lighttpd.conf"
sed -i 's/server.max-request-size = 4096/server.max-request-size = 2048/' "$T/lighttpd.conf"
/usr/sbin/lighttpd -D -f "$T/lighttpd.conf" 2>>"$T/lighttpd-error.log" &
LIGHTTPD_PID=$!
if wait_http "$BASE/health"; then
	exercise lighttpd
else
	check "lighttpd started" no yes
fi
it_stop

# --- nginx + spawn-fcgi, X-Accel-Redirect
if command -v nginx >/dev/null && command -v spawn-fcgi >/dev/null; then
	NPORT=$(free_port)
	mkdir -p "$T/nginx"
	cat > "$T/nginx.conf" <<EOF
worker_processes 1;
user root;
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
		location ~ ^/(api/|health) {
			include /etc/nginx/fastcgi_params;
			fastcgi_param REQUEST_URI \$request_uri;
			fastcgi_pass unix:$T/spawn.sock;
			client_max_body_size 2m;
		}
		location ^~ /api/v1/upload/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param REQUEST_URI \$request_uri;
			fastcgi_pass unix:$T/spawn.sock;
			client_max_body_size 100m;
		}
		location /mtchat-files/ {
			internal;
			alias $FILES/;
			add_header Content-Disposition \$upstream_http_content_disposition;
			add_header X-Content-Type-Options nosniff;
			add_header Content-Security-Policy "default-src 'none'; style-src 'unsafe-inline'; sandbox";
			add_header Cache-Control \$upstream_http_cache_control;
		}
	}
}
EOF
	(while IFS= read -r kv; do export "$kv"; done < "$T/env"
	 export MTCHAT_FILES_SENDFILE=X-Accel-Redirect
	 exec spawn-fcgi -n -s "$T/spawn.sock" -M 0666 -- "$MTCHAT_BUILD/mtchat.fcgi") \
		2>>"$T/spawn-error.log" &
	SPAWN=$!
	nginx -c "$T/nginx.conf" -g 'daemon off;' 2>>"$T/nginx-error.log" &
	NGINX=$!
	BASE=http://127.0.0.1:$NPORT
	if wait_http "$BASE/health"; then
		exercise nginx
	else
		check "nginx started" no yes
	fi
	kill "$NGINX" "$SPAWN" 2>/dev/null
	wait "$NGINX" "$SPAWN" 2>/dev/null
else
	echo "skip: nginx or spawn-fcgi not installed"
fi

# --- Apache + mod_fcgid, mtchat.fcgi sending the files
MODS=/usr/lib/apache2/modules
if command -v apache2 >/dev/null && [ -f "$MODS/mod_fcgid.so" ]; then
	APORT=$(free_port)
	mkdir -p "$T/apache" && chmod 777 "$T/apache"
	rm -rf "$FILES"/* # made by root above; Apache runs it as www-data
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
			[ "${kv%%=*}" = MTCHAT_FILES_SENDFILE ] && continue
			echo "FcgidInitialEnv ${kv%%=*} \"${kv#*=}\""
		done < "$T/env"
		echo "FcgidMaxRequestLen 104857600"
		echo "LimitRequestBody 2097152"
		echo "<Location \"/api/v1/upload/\">"
		echo "  LimitRequestBody 104857600"
		echo "</Location>"
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
	BASE=http://127.0.0.1:$APORT
	if wait_http "$BASE/health"; then
		exercise apache
	else
		check "apache started" no yes
		cat "$T/apache-error.log"
	fi
	kill "$APACHE" 2>/dev/null
	wait "$APACHE" 2>/dev/null
else
	echo "skip: apache2 or mod_fcgid not installed"
fi
rm -f "$T/big" "$T/dl"

it_done
