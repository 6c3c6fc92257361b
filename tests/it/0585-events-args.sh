#!/bin/sh
# 0585-events-args.sh — GET /api/v1/events gets the same answer from
# mtchat.fcgi (run as CGI: no web server in between to normalise the
# query) and from mtchat-bridge (straight to its port) for the same query:
# status, content type and body of every refusal, the shape of every
# acceptance (one parser, lib/reqargs.c). Then through lighttpd too.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start
BRIDGE_PORT=$(free_port)
it_start_bridge
B=http://127.0.0.1:$BRIDGE_PORT

# "STATUS TYPE BODY" for a refusal, "STATUS TYPE KEYS" for a 200
# (cursors differ by the presence rows the polls themselves write), from
# the headers in $T/a.hdr and the body in $T/a.body.
summary() {
	st=$(grep -i -m1 '^\(HTTP/1.1\|Status:\) ' "$T/a.hdr" | cut -d' ' -f2)
	ct=$(grep -i '^content-type:' "$T/a.hdr" | cut -d' ' -f2 | tr -d '\r;')
	if [ "$st" = 200 ]; then
		echo "$st $ct $(jq -c '.data | keys' "$T/a.body")"
	else
		echo "$st $ct $(cat "$T/a.body")"
	fi
}

from_cgi() {	# query
	with_env env REQUEST_METHOD=GET REQUEST_URI="/api/v1/events?$1" \
	    QUERY_STRING="$1" REMOTE_ADDR=127.0.0.1 \
	    "$MTCHAT_BUILD/mtchat.fcgi" > "$T/a.out" 2>>"$T/cgi.log"
	sed '/^\r$/q' "$T/a.out" > "$T/a.hdr"
	sed '1,/^\r$/d' "$T/a.out" > "$T/a.body"
	summary
}

from_bridge() {	# query
	curl -s -o "$T/a.body" -D "$T/a.hdr" "$B/api/v1/events?$1"
	summary
}

same() {	# query
	f=$(from_cgi "$1")
	b=$(from_bridge "$1")
	check "same answer for ?$1" "$b" "$f"
}

for q in \
	'user_id=u' 'user_id=u&since=0&timeout=0' 'user_id=u&since=%2B1&timeout=0' \
	'user_id=u&since=+5' 'user_id=u&since=-1' 'user_id=u&timeout=-1' \
	'user_id=u&since=abc' 'user_id=u&since=5x' 'user_id=u&since=' \
	'user_id=u&since' 'user_id=u&since=%095' 'user_id=u&timeout=x' \
	'user_id=u&since=99999999999999999999' 'user_id=u&since=0&timeout=%2B0' \
	'' 'user_id=' 'since=0' 'sender_id=u&timeout=0' 'user_id=a+b&timeout=0' \
	'user_id=%FF&timeout=0' 'user_id=%C3%A9&timeout=0' 'user%5Fid=u' \
	'user_id=u&since=1;timeout=0' 'user_id=a;b&timeout=0' \
	'user_id=u&since=1&since=x&timeout=0' 'user_id=u&since=x&since=1'
do
	same "$q"
done

# Through lighttpd (mtchat.fcgi behind it here, no bridge route) the
# answers are the same, for what lighttpd lets through.
for q in 'user_id=u&since=-1' 'user_id=u&since=abc' ''; do
	b=$(from_bridge "$q")
	curl -s -o "$T/a.body" -D "$T/a.hdr" "$BASE/api/v1/events?$q"
	check "through lighttpd, as the bridge: ?$q" "$(summary)" "$b"
done

# The acting user's identity agrees too: a+b polls as a+b on both.
mgmt POST /api/v1/management/dialogs '{"object_id":"o","object_type":"t","participants":[{"user_id":"a+b","display_name":"P"}]}'
D=$(jqr .data.id)
f=$(curl -s "$BASE/api/v1/events?user_id=a+b&since=0&timeout=0" | jq -c "[.data.events[] | select(.dialog_id == \"$D\") | .user_id]")
b=$(curl -s "$B/api/v1/events?user_id=a+b&since=0&timeout=0" | jq -c "[.data.events[] | select(.dialog_id == \"$D\") | .user_id]")
check "a+b sees its join from mtchat.fcgi" "$f" '["a+b"]'
check "and the same from the bridge" "$b" "$f"
it_done
