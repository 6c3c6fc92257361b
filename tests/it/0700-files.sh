#!/bin/sh
# 0700-files.sh — attachments on local storage (docs/differences.md N5, S3, S9)
# through real lighttpd, FastCGI and bridge, the way the MTChat SDK does it:
# presign, a cross-origin PUT with only Content-Type, send, the other
# participant's message.new with the attachment, list, download. Then every
# refusal of presign, upload, send and download (each leaving nothing on disk),
# S9's headers for HTML and SVG, Range, a 50 MB upload and download with the
# peak memory of mtchat.fcgi, the web server's body limits, and `mtchat-admin
# files gc` removing exactly the orphans.
. "$MTCHAT_TOP/tests/it/lib.sh"
FILES=$T/files
SECRET=it-files-secret-0123456789
BRIDGE_PORT=$(free_port)
PROCS=1 it_start MTCHAT_FILES_DIR="$FILES" MTCHAT_FILES_SECRET=$SECRET \
    MTCHAT_TEST_CLOCK="$T/clock"
it_start_bridge

M=/api/v1/management/dialogs
p() { printf '{"user_id":"%s","display_name":"%s"}' "$1" "$1"; }
mgmt POST $M "{\"object_id\":\"o1\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p bob)]}"
D=$(jqr .data.id)
mgmt POST $M "{\"object_id\":\"o2\",\"object_type\":\"t\",\"participants\":[$(p alice),$(p carol)]}"
D2=$(jqr .data.id)
NO_ID=0191e2a4-0000-7000-8000-000000000001

err() { jqr '.error.code + " " + .error.message'; }
presign() {	# user dialog filename content-type size
	req POST "/api/v1/upload/presign?user_id=$1" \
	    "{\"dialog_id\":\"$2\",\"filename\":\"$3\",\"content_type\":\"$4\",\"size\":$5}"
}
# put URL CONTENT-TYPE FILE [curl args]: the SDK's PUT (no user_id, no auth)
put() {
	_u=$1 _c=$2 _f=$3; shift 3
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X PUT \
	    -H "Content-Type: $_c" --data-binary @"$_f" "$@" "$BASE$_u")
	BODY=$(cat "$T/body")
}
# upload USER DIALOG FILENAME TYPE FILE: presign and PUT; sets KEY
upload() {
	presign "$1" "$2" "$3" "$4" "$(wc -c < "$5")"
	KEY=$(jqr .data.s3_key)
	put "$(jqr .data.upload_url)" "$4" "$5"
	check_status 200 "upload $3"
}
att() {		# key filename type size -> one attachment object
	printf '{"s3_key":"%s","filename":"%s","content_type":"%s","size":%s}' "$1" "$2" "$3" "$4"
}
send() {	# user dialog attachment-objects
	req POST "/api/v1/dialogs/$2/messages?user_id=$1" "{\"content\":\"f\",\"attachments\":[$3]}"
}
# get URL [curl args]: headers to $T/h, body to $T/dl, sets STATUS
get() {
	_u=$1; shift
	STATUS=$(curl -s -D "$T/h" -o "$T/dl" -w '%{http_code}' "$@" "$BASE$_u")
}
hdr() { tr -d '\r' < "$T/h" | sed -n "s/^$1: //Ip" | head -1; }
nfiles() { find "$FILES" -type f | wc -l | tr -d ' '; }
# token/URL signing as lib/files.c does, for expired and forged cases
sign() {	# upload PAYLOAD | download ID EXPIRES
	python3 - "$SECRET" "$@" <<'EOF'
import base64, hashlib, hmac, sys
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
key = sys.argv[1].encode()
if sys.argv[2] == "upload":
    p = b64(sys.argv[3].encode())
    m = hmac.new(key, b"mtchat-upload\n" + p.encode(), hashlib.sha256)
    print("/api/v1/upload/%s.%s" % (p, b64(m.digest())))
else:
    m = hmac.new(key, ("mtchat-download\n%s\n%s" % (sys.argv[3], sys.argv[4])).encode(), hashlib.sha256)
    print("/api/v1/files/%s?expires=%s&signature=%s" % (sys.argv[3], sys.argv[4], b64(m.digest())))
EOF
}
# A real 3x2 PNG.
python3 - "$T/pic.png" <<'EOF'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
raw = b"".join(b"\0" + b"\xff\0\0" * 3 for _ in range(2))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
EOF
PNG_SIZE=$(wc -c < "$T/pic.png")

# ---- the SDK's round trip ------------------------------------------------
ws_open bob 'user_id=bob'
ws_wait bob '.type == "connected"' 1 10
presign alice "$D" "pic.png" image/png "$PNG_SIZE"
check_status 200 "presign"
check "presign keys" "$(jqr '.data | keys_unsorted | join(",")')" "upload_url,s3_key,expires_in"
check "expires_in is S3_PRESIGN_UPLOAD_EXPIRY" "$(jqr .data.expires_in)" 300
KEY=$(jqr .data.s3_key) URL=$(jqr .data.upload_url)
check "s3_key under the dialog, extension kept" "$(printf '%s' "$KEY" | grep -cE "^dialogs/$D/[0-9a-f-]{36}\.png\$")" 1
check "upload URL on mtchat itself" "$(printf '%s' "$URL" | grep -c '^/api/v1/upload/[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$')" 1
# a browser on another origin asks first (CORS preflight)
STATUS=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -X OPTIONS \
    -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: PUT' \
    -H 'Access-Control-Request-Headers: content-type' "$BASE$URL")
check "preflight of the PUT" "$STATUS $(hdr Access-Control-Allow-Methods | grep -c PUT) $(hdr Access-Control-Allow-Headers)" "200 1 content-type"
put "$URL" image/png "$T/pic.png" -H 'Origin: https://app.example'
check_status 200 "PUT"
check "PUT answer has no body" "$BODY" ""
check "the file is in place, as sent" "$(cmp "$T/pic.png" "$FILES/$KEY" && echo same)" "same"
check "no temporary file left" "$(find "$FILES/tmp" -type f | wc -l | tr -d ' ')" 0
send alice "$D" "$(att "$KEY" pic.png image/png "$PNG_SIZE")"
check_status 200 "send with the upload"
check "attachment: size read from the PNG" "$(jqr '.data.attachments[0] | [.width, .height, .size] | map(tostring) | join(" ")')" "3 2 $PNG_SIZE"
check "attachment keys" "$(jqr '.data.attachments[0] | keys_unsorted | join(",")')" "id,filename,content_type,size,width,height,url"
ATT=$(jqr '.data.attachments[0].id')
check "message.new reaches bob with the attachment" \
    "$(ws_wait bob '.type == "message.new" and (.attachments | length) == 1' 1 10 && echo yes)" "yes"
EVURL=$(grep -v '^#' "$T/ws-bob.out" | jq -r 'select(.type == "message.new") | .attachments[0].url' | tail -1)
check "event URL is a signed download URL" "$(printf '%s' "$EVURL" | grep -c "^/api/v1/files/$ATT?expires=[0-9]*&signature=")" 1
get "$EVURL"
check "bob downloads it from the event" "$STATUS $(cmp "$T/pic.png" "$T/dl" && echo same)" "200 same"
check "download headers (S9, image inline)" "$(hdr Content-Type)|$(hdr Content-Length)|$(hdr Content-Disposition)|$(hdr X-Content-Type-Options)|$(hdr Content-Security-Policy)" \
    "image/png|$PNG_SIZE|inline; filename=\"pic.png\"|nosniff|default-src 'none'; style-src 'unsafe-inline'; sandbox"
req GET "/api/v1/dialogs/$D/messages?user_id=bob"
LISTURL=$(jqr '.data.messages[-1].attachments[0].url')
get "$LISTURL"
check "download from the list" "$STATUS $(cmp "$T/pic.png" "$T/dl" && echo same)" "200 same"
req GET "/api/v1/attachments/$ATT/url?user_id=bob"
check "C20" "$STATUS $(jqr '[.data.thumbnail_url, (.data.expires_in >= 3600)] | map(tostring) | join(" ")')" "200 null true"
get "$(jqr .data.url)"
check "download from C20" "$STATUS $(cmp "$T/pic.png" "$T/dl" && echo same)" "200 same"
req GET "/api/v1/attachments/$ATT/url?user_id=carol"
check "C20 by a non-participant (S3)" "$STATUS $(err)" "403 FORBIDDEN Not a participant"
req GET "/api/v1/attachments/$NO_ID/url?user_id=bob"
check "C20 of no attachment" "$STATUS $(err)" "404 ATTACHMENT_NOT_FOUND Attachment not found"
get "$LISTURL" -H 'Range: bytes=1-3'
check "Range" "$STATUS $(hdr Content-Range) $(hdr Content-Length) $(od -An -tx1 "$T/dl" | tr -d ' ')" "206 bytes 1-3/$PNG_SIZE 3 504e47"
get "$LISTURL" -H "Range: bytes=$PNG_SIZE-"
check "Range past the end" "$STATUS $(hdr Content-Range)" "416 bytes */$PNG_SIZE"
get "$LISTURL" -H 'Range: bytes=1-3' -H 'If-Range: "other"'
check "If-Range that does not match: the whole file" "$STATUS $(wc -c < "$T/dl" | tr -d ' ')" "200 $PNG_SIZE"
STATUS=$(curl -s -I -D "$T/h" -o /dev/null -w '%{http_code} %{size_download}' "$BASE$LISTURL")
check "HEAD: the length, no body" "$STATUS $(hdr Content-Length)" "200 0 $PNG_SIZE"

# ---- presign refusals ------------------------------------------------------
n0=$(nfiles)
presign carol "$D" a.pdf application/pdf 10
check "presign by a non-participant (S3)" "$STATUS $(err)" "403 NOT_PARTICIPANT Not a participant"
presign alice "$NO_ID" a.pdf application/pdf 10
check "presign into no dialog" "$STATUS $(err)" "404 DIALOG_NOT_FOUND Dialog not found"
presign alice "$D" a.exe application/x-msdownload 10
check "presign of a type not allowed" "$STATUS $(jqr .error.code)" "400 UNSUPPORTED_FILE_TYPE"
check "the message lists the allowed types" "$(jqr .error.message | grep -c "^File type 'application/x-msdownload' is not allowed. Allowed types: \[\"image/jpeg\", \"image/png\", .*\"video/quicktime\"\]\$")" 1
presign alice "$D" a.pdf application/pdf 0
check "presign of 0 bytes" "$STATUS $(err)" "400 FILE_TOO_LARGE File size must be between 1 byte and 104857600 bytes"
presign alice "$D" a.pdf application/pdf 104857601
check "presign of 100 MiB + 1" "$STATUS $(jqr .error.code)" "400 FILE_TOO_LARGE"
req POST "/api/v1/upload/presign?user_id=alice" "{\"dialog_id\":\"$D\",\"filename\":\"a\",\"content_type\":\"\"}"
check_status 422 "presign without size"
req POST "/api/v1/upload/presign?user_id=alice" "{\"dialog_id\":\"$D\",\"filename\":\"a\",\"content_type\":\"\",\"size\":\"1\"}"
check_status 422 "presign with a string size"
req POST "/api/v1/upload/presign" "{\"dialog_id\":\"$D\",\"filename\":\"a\",\"content_type\":\"\",\"size\":1}"
check "presign without user_id" "$STATUS $(err)" "400 BAD_REQUEST user_id query parameter required"
presign alice "$D" "../../../etc/passwd" text/plain 3
check "a filename cannot steer the key" "$(jqr .data.s3_key | grep -cE "^dialogs/$D/[0-9a-f-]{36}\.bin\$")" 1

# ---- upload refusals: each leaves nothing on disk ------------------------
printf 'abcdefghij' > "$T/ten"
presign alice "$D" ten.txt text/plain 10
URL=$(jqr .data.upload_url) KEY=$(jqr .data.s3_key)
TOK=${URL#/api/v1/upload/}
last=$(printf '%s' "$TOK" | tail -c 1)
case $last in A) sub=B ;; *) sub=A ;; esac
put "/api/v1/upload/${TOK%?}$sub" text/plain "$T/ten"
check "forged signature" "$STATUS $(err)" "403 FORBIDDEN Invalid upload URL"
put "/api/v1/upload/not-a-token" text/plain "$T/ten"
check "garbage token" "$STATUS $(err)" "403 FORBIDDEN Invalid upload URL"
OLD=$(($(date +%s) - 10))
put "$(sign upload "{\"k\":\"$KEY\",\"t\":\"text/plain\",\"n\":10,\"u\":\"alice\",\"e\":$OLD}")" text/plain "$T/ten"
check "expired upload URL" "$STATUS $(err)" "403 FORBIDDEN Upload URL has expired"
put "$URL" text/csv "$T/ten"
check "another Content-Type" "$STATUS $(jqr .error.code)" "415 UNSUPPORTED_FILE_TYPE"
put "$URL" "text/plain; charset=utf-8" "$T/ten"
check "Content-Type with parameters" "$STATUS" "415"
printf 'abcdefghijk' > "$T/eleven"
put "$URL" text/plain "$T/eleven"
check "a larger file" "$STATUS $(err)" "413 FILE_TOO_LARGE File is larger than the size the upload URL was made for"
printf 'abc' > "$T/three"
put "$URL" text/plain "$T/three"
check "a smaller file" "$STATUS $(err)" "400 BAD_REQUEST File is smaller than the size the upload URL was made for"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: text/plain' --data-binary @"$T/ten" "$BASE$URL")
check "POST to an upload URL" "$STATUS" "405"
# Short bodies and a missing Content-Length never get past a web server
# that buffers requests; mtchat.fcgi run as CGI meets them first hand.
cgi_put() {	# content-length(or -) stdin-file
	(while IFS= read -r kv; do export "$kv"; done < "$T/env"
	 export REQUEST_METHOD=PUT REQUEST_URI="$URL" CONTENT_TYPE=text/plain
	 [ "$1" != - ] && export CONTENT_LENGTH="$1"
	 exec "$MTCHAT_BUILD/mtchat.fcgi" < "$2") 2>>"$T/cgi.log" | tr -d '\r' > "$T/cgi.out"
	sed -n 's/^Status: //p' "$T/cgi.out"
}
check "CGI: body shorter than Content-Length" "$(cgi_put 10 "$T/three")" "400 Bad Request"
check "CGI: short body message" "$(tail -1 "$T/cgi.out")" '{"error":{"code":"BAD_REQUEST","message":"Request body shorter than Content-Length"}}'
check "CGI: no Content-Length" "$(cgi_put - "$T/ten")" "411 Length Required"
check "refused uploads left nothing" "$(nfiles) $(find "$FILES/tmp" -type f | wc -l | tr -d ' ')" "$n0 0"
put "$URL" text/plain "$T/ten"
check_status 200 "the right file"
put "$URL" text/plain "$T/ten"
check "the same upload URL again" "$STATUS $(err)" "409 CONFLICT Upload URL already used"
check "one file more" "$(nfiles)" "$((n0 + 1))"
TEN=$KEY

# ---- send refusals -------------------------------------------------------
presign alice "$D" never.txt text/plain 10
NEVER=$(jqr .data.s3_key)
send alice "$D" "$(att "$NEVER" never.txt text/plain 10)"
check "a key never uploaded" "$STATUS $(err)" "400 BAD_REQUEST File not found in storage: $NEVER"
send bob "$D" "$(att "$TEN" ten.txt text/plain 10)"
check "someone else's upload" "$STATUS $(err)" "400 BAD_REQUEST File not found in storage: $TEN"
send alice "$D" "$(att "$TEN" ten.txt text/plain 11)"
check "another size than uploaded" "$STATUS $(err)" "400 BAD_REQUEST File not found in storage: $TEN"
send alice "$D" "$(att "$TEN" ten.txt text/csv 10)"
check "another type than uploaded" "$STATUS $(err)" "400 BAD_REQUEST File not found in storage: $TEN"
send alice "$D" "$(att "dialogs/$D/%2e%2e/$(basename "$TEN")" ten.txt text/plain 10)"
check "encoded traversal" "$STATUS $(err)" "400 INVALID_INPUT Invalid S3 key: encoded characters not allowed"
send alice "$D2" "$(att "$TEN" ten.txt text/plain 10)"
check "into another dialog" "$STATUS $(err)" "400 INVALID_INPUT Invalid S3 key: file does not belong to this dialog"
send alice "$D" "$(att "$TEN" ten.txt text/plain 10),$(att "$TEN" ten.txt text/plain 10)"
check "the same key twice" "$STATUS $(jqr .error.code)" "400 INVALID_INPUT"
send alice "$D" "$(att "$TEN" "ten.txt" text/plain 10)"
check_status 200 "send the upload"
TENMSG=$(jqr .data.id) TENURL=$(jqr '.data.attachments[0].url') TENATT=$(jqr '.data.attachments[0].id')
send alice "$D" "$(att "$TEN" ten.txt text/plain 10)"
check "attach an upload twice" "$STATUS $(err)" "400 INVALID_INPUT Invalid S3 key: file is already attached to a message"

# ---- downloads: S9, signatures --------------------------------------------
printf '<html><script>alert(1)</script></html>' > "$T/page.html"
upload alice "$D" "page.html" text/html "$T/page.html"
send alice "$D" "$(att "$KEY" "отчёт \\\"x\\\".html" text/html "$(wc -c < "$T/page.html")")"
get "$(jqr '.data.attachments[0].url')"
check "HTML: attachment, nosniff, sandbox" "$STATUS|$(hdr Content-Type)|$(hdr Content-Disposition)|$(hdr X-Content-Type-Options)|$(hdr Content-Security-Policy)" \
    "200|text/html|attachment; filename=\"_____ _x_.html\"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%20%22x%22.html|nosniff|default-src 'none'; style-src 'unsafe-inline'; sandbox"
printf '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' > "$T/x.svg"
upload alice "$D" "x.svg" image/svg+xml "$T/x.svg"
check "SVG keeps its extension" "$(printf '%s' "$KEY" | grep -c '\.svg$')" 1
send alice "$D" "$(att "$KEY" x.svg image/svg+xml "$(wc -c < "$T/x.svg")")"
get "$(jqr '.data.attachments[0].url')"
check "SVG: attachment, nosniff" "$STATUS|$(hdr Content-Type)|$(hdr Content-Disposition)|$(hdr X-Content-Type-Options)" \
    "200|image/svg+xml|attachment; filename=\"x.svg\"|nosniff"
case $TENURL in *A) BADURL="${TENURL%?}B" ;; *) BADURL="${TENURL%?}A" ;; esac
get "$BADURL"
check "download with a forged signature" "$STATUS $(jq -r '.error.code + " " + .error.message' "$T/dl")" "403 FORBIDDEN Invalid download URL"
get "/api/v1/files/$TENATT"
check "download without a signature" "$STATUS" "403"
get "$(sign download "$TENATT" $(($(date +%s) - 1)))"
check "expired download URL" "$STATUS $(jq -r .error.message "$T/dl")" "403 Download URL has expired"
get "$(sign download "$TENATT" $(($(date +%s) + 60)))"
check "a fresh URL of ours" "$STATUS $(cat "$T/dl")" "200 abcdefghij"
req DELETE "/api/v1/dialogs/$D/messages/$TENMSG?user_id=alice"
check_status 204 "delete the message"
get "$TENURL"
check "its attachment is gone with it" "$STATUS $(jq -r .error.code "$T/dl")" "404 ATTACHMENT_NOT_FOUND"

# ---- 50 MB: streamed both ways, bounded memory ----------------------------
FCGI=$(pgrep -P "$LIGHTTPD_PID" | head -1)
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$FCGI/status"; }
head -c 52428800 /dev/urandom > "$T/big"
before=$(hwm)
upload alice "$D" big.zip application/zip "$T/big"
after_up=$(hwm)
send alice "$D" "$(att "$KEY" big.zip application/zip 52428800)"
get "$(jqr '.data.attachments[0].url')"
after_down=$(hwm)
check "50 MB back as sent" "$STATUS $(cmp "$T/big" "$T/dl" && echo same)" "200 same"
echo "mtchat.fcgi VmHWM: ${before} kB before, ${after_up} kB after a 50 MB upload, ${after_down} kB after its download"
check "peak memory grew by less than 16 MB" "$((after_down - before < 16384))" 1
rm -f "$T/big" "$T/dl"

# ---- the web server's limits ---------------------------------------------
head -c 5000000 /dev/zero > "$T/five"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$T/five" "$BASE/api/v1/dialogs/$D/messages?user_id=alice")
check "5 MB elsewhere: lighttpd refuses" "$STATUS" "413"
presign alice "$D" five.bin application/zip 5000000
FIVE=$(jqr .data.s3_key)
put "$(jqr .data.upload_url)" application/zip "$T/five"
check "5 MB on the upload route: accepted" "$STATUS" "200"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/zip' \
    -H 'Content-Length: 104857601' --data-binary @"$T/five" "$BASE/api/v1/upload/x.y")
check "over 100 MiB on the upload route: lighttpd refuses" "$STATUS" "413"
rm -f "$T/five"

# ---- files gc ------------------------------------------------------------
gc() { with_env env S3_PRESIGN_UPLOAD_EXPIRY=1 "$MTCHAT_BUILD/mtchat-admin" files gc "$@"; }
printf 'orphan' > "$T/o"
upload alice "$D" orphan.txt text/plain "$T/o"; ORPHAN=$KEY
upload alice "$D" gone.txt text/plain "$T/o"; GONE=$KEY
send alice "$D" "$(att "$GONE" gone.txt text/plain 6)"
req DELETE "/api/v1/dialogs/$D/messages/$(jqr .data.id)?user_id=alice"
upload alice "$D2" d2.txt text/plain "$T/o"; IND2=$KEY
send alice "$D2" "$(att "$IND2" d2.txt text/plain 6)"
mgmt DELETE "$M/$D2"
check_status 204 "delete dialog 2"
upload alice "$D" live.txt text/plain "$T/o"; LIVE=$KEY
send alice "$D" "$(att "$LIVE" live.txt text/plain 6)"
LIVEURL=$(jqr '.data.attachments[0].url')
: > "$FILES/tmp/up-stale" && touch -d '2 days ago' "$FILES/tmp/up-stale"
# the orphan must be older than --grace 2, what follows younger: the
# programs' clock moves on 10 s, and up-fresh is stamped with its time
clock_advance 10
upload alice "$D" fresh.txt text/plain "$T/o"; FRESH=$KEY
: > "$FILES/tmp/up-fresh"
touch -d "@$(( $(date +%s) + $(cat "$T/clock") ))" "$FILES/tmp/up-fresh"
# the orphans: these, the 5 MB upload never sent, ten.txt's deleted message
out=$(gc --grace 2 --dry-run | sort)
check "dry run: exactly the orphans" "$out" "$(printf '%s\n' \
    "would remove $GONE (message or dialog deleted)" \
    "would remove $IND2 (message or dialog deleted)" \
    "would remove $TEN (message or dialog deleted)" \
    "would remove $ORPHAN (never attached)" \
    "would remove $FIVE (never attached)" \
    "would remove tmp/up-stale (unfinished upload)" | sort)"
check "dry run removed nothing" "$(ls "$FILES/$ORPHAN" "$FILES/tmp/up-stale" >/dev/null 2>&1 && echo there)" "there"
out=$(gc --grace 2 2>&1); rc=$?
check "gc prints nothing, exits 0" "$rc:$out" "0:"
for k in "$ORPHAN" "$GONE" "$IND2" "$TEN" "$FIVE" tmp/up-stale; do
	check "gc removed $k" "$([ -e "$FILES/$k" ] && echo there || echo gone)" "gone"
done
for k in "$LIVE" "$FRESH" tmp/up-fresh; do
	check "gc kept $k" "$([ -e "$FILES/$k" ] && echo there || echo gone)" "there"
done
check "dialog 2's empty directory went too" "$([ -d "$FILES/dialogs/$D2" ] && echo there || echo gone)" "gone"
get "$LIVEURL"
check "the live attachment still downloads" "$STATUS $(cat "$T/dl")" "200 orphan"
send alice "$D" "$(att "$FRESH" fresh.txt text/plain 6)"
check_status 200 "the fresh upload can still be attached"
send alice "$D" "$(att "$ORPHAN" orphan.txt text/plain 6)"
check "a collected upload cannot" "$STATUS $(jqr .error.code)" "400 BAD_REQUEST"
check "a second gc finds nothing" "$(gc --grace 2 --dry-run)" ""

it_done
