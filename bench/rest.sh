#!/bin/sh
# rest.sh — REST throughput of mtchat.fcgi through a real lighttpd, each
# endpoint next to a trivial FastCGI responder on the same server in the
# same run (bench/trivial-fcgi.c), printed as a ratio:
#
#   send          POST a message into a dialog of 10 participants
#                 (synchronous=FULL, every send a durable transaction)
#   list-messages GET 50 messages of a dialog
#   list-dialogs  GET the dialog list of a user with 200 dialogs, as the
#                 MTChat SDK asks for it (no limit: the default page of 50);
#                 then the trivial responder sending a body of the same size
#                 (what moving that much costs by itself)
#
# wrk on the same 2-core machine; RUNS runs of SECS seconds each, each run
# the trivial responder and the endpoint back to back; medians, and the
# median of the runs' ratios.
# mtchat.fcgi runs as INSTALL recommends: one process of many threads.
# usage: sh bench/rest.sh BUILD_DIR      (RUNS=3 SECS=8 CONNS=32 PROCS=1 THREADS=32,
#        ENDPOINTS="send list-messages list-dialogs")
set -eu
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
RUNS=${RUNS:-3} SECS=${SECS:-8} CONNS=${CONNS:-32} PROCS=${PROCS:-1}
THREADS=${THREADS:-32}
command -v wrk >/dev/null || { echo "rest.sh: needs wrk (apt-get install wrk)"; exit 1; }
[ -x "$BUILD/bench/trivial-fcgi" ] || { echo "rest.sh: build with make bench"; exit 1; }

T=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
B=http://127.0.0.1:$PORT
LPID=""
cleanup() { [ -n "$LPID" ] && kill "$LPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM

cat > "$T/env" <<EOF
MTCHAT_DB=$T/mtchat.db
MTCHAT_CONFIG=/dev/null
MTCHAT_BRIDGE_SOCKET=$T/bridge.sock
MTCHAT_SYNCHRONOUS=${SYNC:-FULL}
EOF
(set -a; . "$T/env"; "$BUILD/mtchat-admin" init >/dev/null)
cat > "$T/lighttpd.conf" <<EOF
server.modules = ( "mod_fastcgi" )
server.bind = "127.0.0.1"
server.port = $PORT
server.document-root = "$T"
server.errorlog = "$T/error.log"
server.max-connections = 1024
\$HTTP["url"] =~ "^/trivial" {
	fastcgi.server = ( "/trivial" => ( ( "socket" => "$T/trivial.sock",
		"bin-path" => "$BUILD/bench/trivial-fcgi", "max-procs" => 4,
		"check-local" => "disable" ) ) )
} else \$HTTP["url"] =~ "^/" {
	fastcgi.server = ( "/" => ( ( "socket" => "$T/mtchat.sock",
		"bin-path" => "$BUILD/mtchat.fcgi", "max-procs" => $PROCS,
		"check-local" => "disable",
		"bin-environment" => ( "MTCHAT_DB" => "$T/mtchat.db",
			"MTCHAT_CONFIG" => "/dev/null",
			"MTCHAT_BRIDGE_SOCKET" => "$T/bridge.sock",
			"MTCHAT_SYNCHRONOUS" => "${SYNC:-FULL}",
			"MTCHAT_FCGI_THREADS" => "$THREADS" ) ) ) )
}
EOF
/usr/sbin/lighttpd -D -f "$T/lighttpd.conf" &
LPID=$!
n=100; until curl -fs -o /dev/null "$B/health"; do n=$((n-1)); [ $n -gt 0 ] || exit 1; sleep 0.1; done

post() { curl -fs -X POST -H 'Content-Type: application/json' "$B$1" -d "$2"; }

# Fixtures: a dialog of 10, a user with 200 dialogs, 200 messages to page.
parts=""
for i in 0 1 2 3 4 5 6 7 8 9; do
	parts="$parts${parts:+,}{\"user_id\":\"u$i\",\"display_name\":\"User $i\",\"company\":\"Co $i\"}"
done
D=$(post /api/v1/management/dialogs "{\"object_id\":\"o\",\"object_type\":\"t\",\"title\":\"Bench\",\"participants\":[$parts]}" | jq -r .data.id)
i=0
while [ $i -lt 200 ]; do
	post /api/v1/management/dialogs "{\"object_id\":\"o$i\",\"object_type\":\"t\",\"title\":\"D $i\",\"participants\":[{\"user_id\":\"heavy\",\"display_name\":\"Heavy\"},{\"user_id\":\"p$i\",\"display_name\":\"P\"}]}" >/dev/null
	i=$((i + 1))
done
i=0
while [ $i -lt 200 ]; do
	post "/api/v1/dialogs/$D/messages?user_id=u$((i % 10))" '{"content":"<p>Hello <b>there</b>, this is a benchmark message.</p>"}' >/dev/null
	i=$((i + 1))
done

cat > "$T/send.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"content":"<p>Hello <b>there</b>, a benchmark message.</p>"}'
wrk.headers["Content-Type"] = "application/json"
EOF

# wrk_run URL [script] -> "rps p99ms" of one run
wrk_run() {
	url=$1 script=${2:-}
	out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency ${script:+-s "$script"} "$url")
	non2xx=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $NF}')
	[ -n "$non2xx" ] && echo "  warning: $non2xx non-2xx responses on $url" >&2
	printf '%s\n' "$out" | awk '/^Requests\/sec:/ {rps=$2}
	    $1=="99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000}
	    else if (v ~ /ms$/) sub("ms","",v); else if (v ~ /s$/) {sub("s","",v); v*=1000}
	    p99=v} END {print rps, p99}'
}

# median FIELD: the median of column FIELD of $T/runs
median() {
	cut -d' ' -f"$1" "$T/runs" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# measure URL [script] -> "rps p99 trivial_rps trivial_p99 ratio": RUNS runs,
# each the trivial responder then URL right after it, so that both see the
# same moment of a noisy machine; medians, the ratio the median of the
# runs' own ratios.
measure() {
	: > "$T/runs"
	r=0
	while [ $r -lt "$RUNS" ]; do
		t=$(wrk_run "$B/trivial/x")
		e=$(wrk_run "$@")
		echo "$e $t" | awk '{print $1, $2, $3, $4, $1 / $3}' >> "$T/runs"
		r=$((r + 1))
	done
	echo "$(median 1) $(median 2) $(median 3) $(median 4) $(median 5)"
}

echo "REST benchmark: lighttpd + $PROCS FastCGI processes of $THREADS threads, wrk -t2 -c$CONNS, $RUNS x ${SECS}s, medians"
echo "(each run: the trivial responder, then the endpoint; ratio: median of the runs' ratios)"
echo "synchronous=${SYNC:-FULL}; $(nproc) cores"
printf '%-15s %10s %9s   %10s %9s   %6s\n' endpoint "req/s" "p99 ms" "trivial/s" "p99 ms" ratio
row() {	# name "rps p99 trivial_rps trivial_p99 ratio"
	set -- "$1" $2
	printf '%-15s %10.0f %9.2f   %10.0f %9.2f   %5.0f%%\n' "$1" "$2" "$3" \
	    "$4" "$5" "$(awk -v r="$6" 'BEGIN {print 100 * r}')"
}
for e in ${ENDPOINTS:-send list-messages list-dialogs}; do
	case $e in
	send)	row send "$(measure "$B/api/v1/dialogs/$D/messages?user_id=u1" \
		    "$T/send.lua")" ;;
	list-messages)
		row list-messages "$(measure \
		    "$B/api/v1/dialogs/$D/messages?user_id=u2&limit=50")" ;;
	list-dialogs)
		row list-dialogs "$(measure "$B/api/v1/dialogs?user_id=heavy")"
		# The same response size from the trivial responder: what
		# moving it alone costs, the bound on this endpoint's ratio.
		size=$(curl -s -o /dev/null -w '%{size_download}' \
		    "$B/api/v1/dialogs?user_id=heavy")
		row "  ${size} B" "$(measure "$B/trivial/x?bytes=$size")" ;;
	esac
done
echo "goal: send >= 25% of the trivial responder, reads >= 40%"
