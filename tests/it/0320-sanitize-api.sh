#!/bin/sh
# 0320-sanitize-api.sh — the XSS corpus through the real send (C15) and edit
# (C17) endpoints: script, event handlers, javascript:/data:/vbscript: URLs in
# any case and encoding, nested and malformed markup, <svg>, <style>, comments,
# CDATA, processing instructions. Every entry's stored content is checked
# exactly (docs/rest.md#html) in the send response, in C16, in the page of C14
# and in the message.new / message.edited change-log bodies, and every output
# must pass a structural safety check (no dangerous element, no event-handler or
# style attribute, no href with a scheme other than http or https), while the
# allowed formatting survives.
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start

# One JSON object per line: the content sent and the content stored.
cat > "$T/corpus.jsonl" <<'CORPUS'
{"in":"<script>alert(1)</script>","out":""}
{"in":"<SCRIPT SRC=http://x/x.js></SCRIPT>","out":""}
{"in":"<scr<script>ipt>alert(1)</script>","out":"ipt&gt;alert(1)"}
{"in":"<p onclick=\"x()\">Hi</p><script>alert(1)</script>","out":"<p>Hi</p>"}
{"in":"<img src=x onerror=alert(1)>","out":""}
{"in":"<IMG SRC=\"javascript:alert('XSS');\">","out":""}
{"in":"<body onload=alert(1)>","out":""}
{"in":"<a href=\"javascript:alert(1)\">x</a>","out":"<a rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\"JaVaScRiPt:alert(1)\">x</a>","out":"<a rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\" javascript:alert(1)\">x</a>","out":"<a rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\"java&#x09;script:alert(1)\">x</a>","out":"<a rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>","out":"<a rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\"&#x6A;avascript:alert(1)\">x</a>","out":"<a rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\"java%73cript:alert(1)\">x</a>","out":"<a href=\"java%73cript:alert(1)\" rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>","out":"<a rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\"DATA:text/html,<script>alert(1)</script>\">x</a>","out":"<a rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\"vbscript:msgbox(1)\">x</a>","out":"<a rel=\"noopener noreferrer\">x</a>"}
{"in":"<a href=\"https://e.com\" target=\"_blank\" rel=\"opener\" onmouseover=\"x()\">ok</a>","out":"<a href=\"https://e.com\" target=\"_blank\" rel=\"noopener noreferrer\">ok</a>"}
{"in":"<svg onload=alert(1)><circle r=1></circle></svg>","out":""}
{"in":"<svg><script>alert(1)</script></svg>","out":""}
{"in":"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>","out":""}
{"in":"<style>body{background:url(javascript:alert(1))}</style>text","out":"text"}
{"in":"<p style=\"background:url(javascript:alert(1))\">s</p>","out":"<p>s</p>"}
{"in":"<!-- <script>alert(1)</script> -->c","out":"c"}
{"in":"<![CDATA[<script>alert(1)</script>]]>d","out":"alert(1)]]&gt;d"}
{"in":"<iframe src=\"javascript:alert(1)\"></iframe>","out":""}
{"in":"<object data=\"data:text/html,x\"></object>","out":""}
{"in":"<embed src=\"javascript:alert(1)\">","out":""}
{"in":"<form action=\"javascript:alert(1)\"><input type=submit></form>","out":""}
{"in":"<div><b>x</b></div><h1>T</h1>","out":"<b>x</b>T"}
{"in":"<p>a<p>b","out":"<p>a</p><p>b</p>"}
{"in":"<b><i>unclosed","out":"<b><i>unclosed</i></b>"}
{"in":"<a href=\"/relative\">r</a><a href=\"#top\">t</a>","out":"<a href=\"/relative\" rel=\"noopener noreferrer\">r</a><a href=\"#top\" rel=\"noopener noreferrer\">t</a>"}
{"in":"<span data-type=\"mention\" data-id=\"u1\" data-label=\"Ann\" class=\"mtchat-mention\" onclick=\"x\">@Ann</span>","out":"<span data-type=\"mention\" data-id=\"u1\" data-label=\"Ann\" class=\"mtchat-mention\">@Ann</span>"}
{"in":"<code class=\"lang-c\" style=\"x\">int</code><pre class=\"p\" id=\"i\">pre</pre>","out":"<code class=\"lang-c\">int</code><pre class=\"p\">pre</pre>"}
{"in":"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>","out":"<p title=\"</noscript><img src=x onerror=alert(1)>\"></p>"}
{"in":"<template><script>alert(1)</script></template>t","out":"t"}
{"in":"<a href=\"https://e.com/?q=&quot;onmouseover=alert(1)\">q</a>","out":"<a href=\"https://e.com/?q=&quot;onmouseover=alert(1)\" rel=\"noopener noreferrer\">q</a>"}
{"in":"<xmp><script>alert(1)</script></xmp>","out":"&lt;script&gt;alert(1)&lt;/script&gt;"}
{"in":"<textarea><script>alert(1)</script></textarea>","out":"&lt;script&gt;alert(1)&lt;/script&gt;"}
{"in":"<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">","out":""}
{"in":"<base href=\"javascript:alert(1)//\">","out":""}
{"in":"<link rel=stylesheet href=\"javascript:alert(1)\">","out":""}
{"in":"<a href=\"jav\tascript:alert(1)\">tab</a>","out":"<a rel=\"noopener noreferrer\">tab</a>"}
{"in":"<a href=\"javascript&colon;alert(1)\">colon</a>","out":"<a rel=\"noopener noreferrer\">colon</a>"}
{"in":"<A HREF=\"http://e.com\" ONCLICK=\"x\">upper</A>","out":"<a href=\"http://e.com\" rel=\"noopener noreferrer\">upper</a>"}
{"in":"<<script>script>alert(1)//<</script>/script>","out":"&lt;/script&gt;"}
{"in":"<p title=\"a&quot; onclick=&quot;x\">t</p>","out":"<p title=\"a&quot; onclick=&quot;x\">t</p>"}
{"in":"Tom & Jerry > \"x\" &lt;b&gt; &copy;","out":"Tom &amp; Jerry &gt; \"x\" &lt;b&gt; ©"}
{"in":"<a href=\"&#0000106avascript:alert(1)\">zeros</a>","out":"<a rel=\"noopener noreferrer\">zeros</a>"}
{"in":"<a href=\"javascript&#58;alert(1)\">dec colon</a>","out":"<a rel=\"noopener noreferrer\">dec colon</a>"}
{"in":"<a href=\"java&Tab;script:alert(1)\">named tab</a>","out":"<a rel=\"noopener noreferrer\">named tab</a>"}
{"in":"<a href=\"java&NewLine;script:alert(1)\">named nl</a>","out":"<a rel=\"noopener noreferrer\">named nl</a>"}
{"in":"<a href=\"DaTa:text/html,x\">mixed data</a>","out":"<a rel=\"noopener noreferrer\">mixed data</a>"}
{"in":"<a href=\"  https://e.com/x\">lead space</a>","out":"<a href=\"  https://e.com/x\" rel=\"noopener noreferrer\">lead space</a>"}
{"in":"<a href=\"https://e.com/a?b=1&amp;c=2\">amp</a>","out":"<a href=\"https://e.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer\">amp</a>"}
{"in":"<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">","out":""}
{"in":"<p><b>bold<i>both</b>italic</i></p>","out":"<p><b>bold<i>both</i></b><i>italic</i></p>"}
{"in":"<a href=\"https://e.com\"><a href=\"javascript:x\">nested</a></a>","out":"<a href=\"https://e.com\" rel=\"noopener noreferrer\"></a><a rel=\"noopener noreferrer\">nested</a>"}
{"in":"<ul><li>one<li>two</ul><ol><li>three</ol>","out":"<ul><li>one</li><li>two</li></ul><ol><li>three</li></ol>"}
{"in":"<blockquote><p>q</blockquote>after","out":"<blockquote><p>q</p></blockquote>after"}
{"in":"<svg><style><img src=x onerror=alert(1)></style></svg>","out":""}
{"in":"<style><!--</style><script>alert(1)//--></script>","out":""}
{"in":"<!--><script>alert(1)</script>-->","out":"--&gt;"}
{"in":"<!---><script>alert(1)</script>","out":""}
{"in":"<?xml version=\"1.0\"?><p>pi</p>","out":"<p>pi</p>"}
{"in":"<!DOCTYPE html><p>d</p>","out":"<p>d</p>"}
{"in":"<p>Hello <strong>there</strong>, <em>you</em> <u>u</u> <s>s</s> <strike>k</strike> <br> <code>c</code></p>","out":"<p>Hello <strong>there</strong>, <em>you</em> <u>u</u> <s>s</s> <strike>k</strike> <br> <code>c</code></p>"}
{"in":"<p lang=\"en\" title=\"greeting\">hi</p>","out":"<p lang=\"en\" title=\"greeting\">hi</p>"}
{"in":"<a href=\"https://e.com\" title=\"t\" lang=\"de\" target=\"_self\">full</a>","out":"<a href=\"https://e.com\" title=\"t\" lang=\"de\" target=\"_self\" rel=\"noopener noreferrer\">full</a>"}
{"in":"<svg/onload=alert(1)>","out":""}
{"in":"<img/src/onerror=alert(1)>","out":""}
{"in":"<a href=\"javascript:alert(1)\" href=\"https://ok.example\">dup</a>","out":"<a rel=\"noopener noreferrer\">dup</a>"}
{"in":"<a href=javascript:alert(1)>unquoted</a>","out":"<a rel=\"noopener noreferrer\">unquoted</a>"}
{"in":"<a href=`javascript:alert(1)`>backtick</a>","out":"<a href=\"`javascript:alert(1)`\" rel=\"noopener noreferrer\">backtick</a>"}
{"in":"<p ONCLICK=alert(1) oNmOuSeOvEr=alert(1)>case</p>","out":"<p>case</p>"}
{"in":"<span class=\"x\" data-evil=\"1\" data-mention=\"m\" data-id=\"7\">sp</span>","out":"<span class=\"x\" data-mention=\"m\" data-id=\"7\">sp</span>"}
{"in":"<video><source onerror=\"alert(1)\"></video>","out":""}
{"in":"<details open ontoggle=alert(1)>","out":""}
{"in":"<a href=\"http://e.com\">h</a><a href=\"ftp://e.com\">f</a><a href=\"mailto:a@b.c\">m</a>","out":"<a href=\"http://e.com\" rel=\"noopener noreferrer\">h</a><a rel=\"noopener noreferrer\">f</a><a rel=\"noopener noreferrer\">m</a>"}
{"in":"<a href=\"//evil.example/x\">proto-rel</a>","out":"<a href=\"//evil.example/x\" rel=\"noopener noreferrer\">proto-rel</a>"}
{"in":"line1\r\nline2\rline3","out":"line1\nline2\nline3"}
{"in":"a\u00a0b &nbsp; c","out":"a&nbsp;b &nbsp; c"}
{"in":"<p>x\u00a0y</p><a title=\"\u00a0\">n</a>","out":"<p>x&nbsp;y</p><a title=\"&nbsp;\" rel=\"noopener noreferrer\">n</a>"}
{"in":"","out":""}
{"in":"Hello, world!","out":"Hello, world!"}
CORPUS

# The problems of one stored content (none: []). Attribute values are
# double-quoted with '"' escaped, so removing them leaves the markup
# itself; then each href is checked for its scheme.
UNSAFE='def unsafe: . as $s | ($s | gsub("=\"[^\"]*\""; "=")) as $tags |
  [ ($tags | scan("(?i)<(script|style|svg|math|img|iframe|object|embed|form|input|meta|base|link|body|template|noscript|video|audio|source|details|textarea|xmp|frame|frameset|applet|h1|div)\\b") | "element <\(.[0])>"),
    ($tags | scan("(?i)\\s(on[a-z]+|style|src|srcdoc|action|formaction|id|rel)\\s*=") | select(.[0] != "rel") | "attribute \(.[0])"),
    ($tags | scan("(?i)<!--|<!\\[CDATA\\[|<\\?|<!doctype") | "markup \(.)"),
    ($s | scan("href=\"([^\"]*)\"") | .[0] | gsub("&amp;"; "&") |
      select(test("^\\s*[a-zA-Z][a-zA-Z0-9+.-]*:") and (test("^\\s*https?:"; "i") | not)) | "href \(.)") ];'
unsafe() {	# content -> problems, one per line
	printf '%s' "$1" | jq -Rrs "$UNSAFE"' unsafe | .[]' 2>&1
}

mgmt POST /api/v1/management/dialogs \
	'{"object_id":"x","object_type":"t","participants":[{"user_id":"alice","display_name":"Alice"}]}'
D=$(jqr .data.id)
req POST "/api/v1/dialogs/$D/messages?user_id=alice" '{"content":"to be edited"}'
E=$(jqr .data.id)

# Send each entry, read it back, and edit one message to it; the bodies
# are kept (one JSON line each) and checked together afterwards.
jq -c '{content: .in}' "$T/corpus.jsonl" > "$T/bodies"
: > "$T/send" ; : > "$T/get" ; : > "$T/edit"
while IFS= read -r in; do
	req POST "/api/v1/dialogs/$D/messages?user_id=alice" "$in"
	printf '%s %s\n' "$STATUS" "$BODY" >> "$T/send"
	id=$(jqr .data.id)
	req GET "/api/v1/dialogs/$D/messages/$id?user_id=alice"
	printf '%s %s\n' "$STATUS" "$BODY" >> "$T/get"
	req PUT "/api/v1/dialogs/$D/messages/$E?user_id=alice" "$in"
	printf '%s %s\n' "$STATUS" "$BODY" >> "$T/edit"
done < "$T/bodies"
for f in send get edit; do
	cut -d' ' -f1 "$T/$f" > "$T/$f.status"
	cut -d' ' -f2- "$T/$f" > "$T/$f.json"
done
check "corpus size" "$(wc -l < "$T/send.json" | tr -d ' ')" "$(wc -l < "$T/corpus.jsonl" | tr -d ' ')"

# One line per entry: statuses, whether each content is the expected one,
# and the safety problems of what was stored.
paste -d' ' "$T/send.status" "$T/get.status" "$T/edit.status" > "$T/statuses"
jq -rn --slurpfile c "$T/corpus.jsonl" --slurpfile s "$T/send.json" \
    --slurpfile g "$T/get.json" --slurpfile e "$T/edit.json" "$UNSAFE"'
	range(0; $c | length) as $i | $c[$i].out as $o |
	[($s[$i].data.content == $o), ($g[$i].data.content == $o),
	 ($e[$i].data.content == $o),
	 ([$s[$i].data.content, $e[$i].data.content] | map(unsafe) | add | join(";")),
	 ($c[$i].in | @json)] | map(tostring) | join("\u001f")' > "$T/report"
n=0
US=$(printf '\037')	# a separator that never collapses, unlike tabs
while IFS=$US read -r sent got edited problems input; do
	n=$((n + 1))
	st=$(sed -n "${n}p" "$T/statuses")
	check "#$n statuses (send get edit) for $input" "$st" "200 200 200"
	check "#$n send stored exactly: $input" "$sent" "true"
	check "#$n C16 returns it: $input" "$got" "true"
	check "#$n edit stored exactly: $input" "$edited" "true"
	check "#$n safe: $input" "$problems" ""
done < "$T/report"
check "every entry checked" "$n" "$(wc -l < "$T/corpus.jsonl" | tr -d ' ')"

# The change-log carries the same sanitised text as the responses.
with_env "$MTCHAT_BUILD/mtchat-admin" events tail > "$T/log"
check "message.new bodies = stored contents" \
	"$(jq -c 'select(.type == "message.new" and .body.id != "'"$E"'") | .body.content' "$T/log" | jq -sc .)" \
	"$(jq -c '.out' "$T/corpus.jsonl" | jq -sc .)"
check "message.new ids = the sent messages" \
	"$(jq -c 'select(.type == "message.new" and .body.id != "'"$E"'") | .body.id' "$T/log" | jq -sc .)" \
	"$(jq -c '.data.id' "$T/send.json" | jq -sc .)"
check "message.edited bodies = stored contents" \
	"$(jq -c 'select(.type == "message.edited") | .body.content' "$T/log" | jq -sc .)" \
	"$(jq -c '.out' "$T/corpus.jsonl" | jq -sc .)"
check "no change-log body is unsafe" \
	"$(jq -r "$UNSAFE"' select(.type == "message.new" or .type == "message.edited") | .body.content | unsafe | .[]' "$T/log" 2>&1)" ""

# The page of C14 shows the same contents, in order.
req GET "/api/v1/dialogs/$D/messages?user_id=alice&limit=100"
check "page contents" "$(printf '%s' "$BODY" | jq -c '[.data.messages[] | select(.message_type == "user" and .id != "'"$E"'") | .content]')" \
	"$(jq -c '.out' "$T/corpus.jsonl" | jq -sc .)"

# The safety check itself must catch what it is there for.
check "checker: script" "$(unsafe '<script>x</script>')" "element <script>"
check "checker: handler" "$(unsafe '<p onclick="x">t</p>')" "attribute onclick"
check "checker: javascript href" "$(unsafe '<a href="JavaScript:x">t</a>')" "href JavaScript:x"
check "checker: attribute text is not markup" "$(unsafe '<p title="<script> onclick=">t</p>')" ""

it_done
