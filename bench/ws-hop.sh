#!/bin/sh
# ws-hop.sh — the web-server hop (issue 16, item 0): the same quiet fan-out
# (N connected participants of one dialog, one sender posting RATE msg/s
# through lighttpd + mtchat.fcgi) with the WebSockets straight to
# mtchat-bridge and through each web server's WebSocket proxy, in one run,
# round-robin so that every path sees the same moments of a noisy machine:
#
#   direct    ws://bridge
#   lighttpd  tools/lighttpd-conf.sh, what `make run` and the tests use
#             (mod_proxy with "upgrade"; examples/lighttpd.conf)
#   nginx     examples/nginx.conf's location (proxy_pass, HTTP/1.1,
#             Upgrade), worker_processes auto
#   apache    examples/apache.conf's RewriteRule [P] to ws:// (mod_proxy,
#             mod_proxy_wstunnel), mpm_event
#
# Only the WebSockets take the hop; every REST send takes the same path.
# Prints, per load and path, the median p50 / p99 of delivery over RUNS
# runs, the median of the runs' p99 ratios to direct, the server's CPU
# seconds per run, and losses. Presence rows are made beforehand, so there
# is no storm. Needs a build without sanitizers.
# usage: ws-hop.sh BUILD_DIR    (RUNS=3, LOADS="1000:10 1000:25 1000:50 5000:10",
#                                PATHS="direct lighttpd nginx apache")
set -eu
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
LOADS=${LOADS:-1000:10 1000:25 1000:50 5000:10}
PATHS=${PATHS:-direct lighttpd nginx apache}
COUNT_SECS=${COUNT_SECS:-4}	# seconds of sending per run
bench_setup "${1:-build}"
bridge_start

NPORT=$(free_port) APORT=$(free_port)
NPID="" APID=""
nginx_start() {
	command -v nginx >/dev/null || return 1
	mkdir -p "$T/nginx"
	cat > "$T/nginx.conf" <<EOF
worker_processes auto;
worker_rlimit_nofile 40000;
user root;
pid $T/nginx/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 20000; }
http {
	access_log off;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$NPORT;
		location = /api/v1/ws {
			proxy_pass http://127.0.0.1:$BPORT;
			proxy_http_version 1.1;
			proxy_set_header Upgrade \$http_upgrade;
			proxy_set_header Connection "upgrade";
			proxy_set_header X-Forwarded-For \$remote_addr;
			proxy_read_timeout 3600s;
		}
	}
}
EOF
	nginx -c "$T/nginx.conf" -g 'daemon off;' 2>>"$T/nginx-error.log" &
	NPID=$!
	EXTRA_PIDS="$EXTRA_PIDS $NPID"
}

MODS=/usr/lib/apache2/modules
apache_start() {
	command -v apache2 >/dev/null && [ -f "$MODS/mod_proxy_wstunnel.so" ] ||
		return 1
	mkdir -p "$T/apache" && chmod 777 "$T/apache"
	{
		echo "ServerRoot $T/apache"
		echo "ServerName localhost"
		echo "Listen 127.0.0.1:$APORT"
		for m in mpm_event authz_core rewrite proxy proxy_http \
		    proxy_wstunnel; do
			echo "LoadModule ${m}_module $MODS/mod_$m.so"
		done
		echo "User www-data"
		echo "Group www-data"
		echo "PidFile $T/apache/httpd.pid"
		echo "ErrorLog $T/apache-error.log"
		# room for every tunnel (a thread each while it is busy)
		echo "ServerLimit 48"
		echo "ThreadsPerChild 128"
		echo "ThreadLimit 128"
		echo "MaxRequestWorkers 6144"
		echo "ThreadStackSize 262144"
		[ -n "${APACHE_EXTRA:-}" ] && printf '%s\n' "$APACHE_EXTRA"
		echo "RewriteEngine On"
		echo "RewriteCond %{HTTP:Upgrade} =websocket [NC]"
		echo "RewriteRule ^/api/v1/ws\$ ws://127.0.0.1:$BPORT/api/v1/ws [P,L]"
	} > "$T/apache.conf"
	apache2 -f "$T/apache.conf" -DFOREGROUND 2>>"$T/apache-error.log" &
	APID=$!
	EXTRA_PIDS="$EXTRA_PIDS $APID"
}

# The processes of a path, for their CPU time.
pids_of() {
	case $1 in
	direct)		echo "$BPID" ;;
	lighttpd)	echo "$LPID" ;;
	nginx)		echo "$NPID $(pgrep -P "$NPID" | tr '\n' ' ')" ;;
	apache)		echo "$APID $(pgrep -P "$APID" | tr '\n' ' ')" ;;
	esac
}
port_of() {
	case $1 in
	direct) echo "$BPORT" ;; lighttpd) echo "$PORT" ;;
	nginx) echo "$NPORT" ;; apache) echo "$APORT" ;;
	esac
}

avail=""
for p in $PATHS; do
	case $p in
	nginx)	nginx_start || { echo "nginx: not installed, skipped"; continue; } ;;
	apache)	apache_start || { echo "apache: mod_proxy_wstunnel missing, skipped"; continue; } ;;
	esac
	avail="$avail $p"
done
for p in $avail; do
	n=0
	until curl -s -o /dev/null "http://127.0.0.1:$(port_of "$p")/"; do
		n=$((n + 1))
		[ $n -lt 100 ] || { echo "$p did not start"; exit 1; }
		sleep 0.1
	done
done

echo "web-server hop: quiet fan-out, REST send to WebSocket receipt; $RUNS runs per load and path, round-robin; $(nproc) cores"
printf '%-10s %-9s %9s %9s %12s %10s %8s\n' load path "p50 ms" "p99 ms" \
	"p99/direct" "CPU s/run" lost
for load in $LOADS; do
	n=${load%%:*} rate=${load#*:}
	count=$((rate * COUNT_SECS))
	D=$(dialog "$n")
	: > "$T/res"
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		for p in $avail; do
			offline_drained
			mark_online "$n"
			sleep 1
			pids=$(pids_of "$p")
			c0=$(cpu_ticks $pids)
			line=$("$T/ws-load" fanout 127.0.0.1 "$(port_of "$p")" "$n" \
			    "$PORT" "$D" "$rate" "$count" 2>>"$T/load.err" | tail -1)
			c1=$(cpu_ticks $pids)
			# run path p50 p99 lost cpu-ticks
			echo "$line" | awk -v r=$r -v p="$p" -v c=$((c1 - c0)) '{
			    for (i = 1; i <= NF; i++) {
				if ($i == "lost") lost = $(i + 1)
				if ($i == "p50") p50 = $(i + 1)	# the last: delivery
				if ($i == "p99") p99 = $(i + 1)
			    }
			    print r, p, p50, p99, lost, c }' >> "$T/res"
		done
	done
	for p in $avail; do
		p50=$(awk -v p="$p" '$2 == p { print $3 }' "$T/res" | median)
		p99=$(awk -v p="$p" '$2 == p { print $4 }' "$T/res" | median)
		ratio=$(awk -v p="$p" '$2 == "direct" { d[$1] = $4 }
		    $2 == p && d[$1] > 0 { print $4 / d[$1] }' "$T/res" | median)
		cpu=$(awk -v p="$p" '$2 == p { print $6 }' "$T/res" | median)
		lost=$(awk -v p="$p" '$2 == p { s += $5 } END { print s + 0 }' "$T/res")
		printf '%-10s %-9s %9s %9s %11.1fx %10s %8s\n' "${n}x$rate/s" "$p" \
		    "$p50" "$p99" "${ratio:-0}" "$(secs "${cpu:-0}")" "$lost"
	done
	p99s=$(awk '{ printf "%s:%s ", $2, $4 }' "$T/res")
	echo "  (p99 per run: $p99s)"
done
