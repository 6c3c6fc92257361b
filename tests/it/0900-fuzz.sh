#!/bin/sh
# 0900-fuzz.sh — bad input never crashes mtchat.fcgi or earns a 5xx: a
# bounded, seeded run of requests with mutated paths, ids, query strings,
# JSON bodies and headers against every route, through lighttpd, on the
# sanitizer build; every answer must be a documented 2xx/4xx and the
# server must still answer afterwards. The seed is fixed, so every run
# sends the same requests (FUZZ_SEED=N for another run, FUZZ_N the count);
# the coverage-guided targets of tests/fuzz go further (0901-libfuzzer).
. "$MTCHAT_TOP/tests/it/lib.sh"
it_start

mgmt POST /api/v1/management/dialogs '{"object_id":"o","object_type":"t","title":"T","participants":[{"user_id":"alice","display_name":"A"},{"user_id":"bob","display_name":"B","company":"C"}],"access_scopes":[{"scope_level0":["x"]}]}'
D=$(jqr .data.id)
req POST "/api/v1/dialogs/$D/messages?user_id=alice" '{"content":"<p>hi</p>"}'
MSG=$(jqr .data.id)

/usr/bin/python3 - "$BASE" "$D" "$MSG" "$ADMIN_TOKEN" "${FUZZ_SEED:-1717}" "${FUZZ_N:-3000}" > "$T/fuzz.out" <<'EOF'
import base64, http.client, json, random, sys, urllib.parse
base, D, MSG, ADMIN, seed, n = sys.argv[1:7]
seed = int(seed)
rnd = random.Random(seed)
host = urllib.parse.urlparse(base)
print("seed", seed)

ids = [D, MSG, D.upper(), "{" + D + "}", "urn:uuid:" + D, D.replace("-", ""),
       "not-a-uuid", "", "0" * 36, D[:-1], D + "0", "%00", "%FF", "..", "%2e%2e"]
users = ["alice", "bob", "", "a+b", "%20", "x" * 300, "%C3%A9", "%00", "%", "ü"]
routes = [
    ("GET", "/api/v1/dialogs"), ("GET", "/api/v1/dialogs/{id}"),
    ("GET", "/api/v1/dialogs/by-object/{s}/{s}"),
    ("GET", "/api/v1/dialogs/by-object/{s}/{s}/list"),
    ("POST", "/api/v1/dialogs/{id}/join"), ("POST", "/api/v1/dialogs/{id}/leave"),
    ("POST", "/api/v1/dialogs/{id}/archive"), ("POST", "/api/v1/dialogs/{id}/unarchive"),
    ("POST", "/api/v1/dialogs/{id}/pin"), ("POST", "/api/v1/dialogs/{id}/unpin"),
    ("POST", "/api/v1/dialogs/{id}/notifications"), ("POST", "/api/v1/dialogs/{id}/read"),
    ("GET", "/api/v1/dialogs/{id}/participants"), ("GET", "/api/v1/dialogs/{id}/messages"),
    ("POST", "/api/v1/dialogs/{id}/messages"), ("GET", "/api/v1/dialogs/{id}/messages/{id}"),
    ("PUT", "/api/v1/dialogs/{id}/messages/{id}"), ("DELETE", "/api/v1/dialogs/{id}/messages/{id}"),
    ("GET", "/api/v1/events"),
    ("POST", "/api/v1/management/dialogs"), ("POST", "/api/v1/management/dialogs/search"),
    ("GET", "/api/v1/management/dialogs/{id}"), ("POST", "/api/v1/management/dialogs/{id}/participants"),
    ("DELETE", "/api/v1/management/dialogs/{id}/participants/{s}"),
    ("PUT", "/api/v1/management/dialogs/{id}/access-scopes"),
    ("GET", "/health"), ("GET", "/health/ready"),
]
qkeys = ["user_id", "sender_id", "type", "search", "archived", "limit", "offset",
         "before", "after", "around", "since", "timeout"]
qvals = ["", "0", "-1", "100", "99999999999999999999", "true", "false", "yes",
         "available", "participating", "%", "_", "%25", "abc", D, MSG, "1e3", " 5"]
good = [
    {"content": "<b>x</b>", "reply_to": MSG, "attachments": []},
    {"display_name": "Z", "company": "", "email": None, "phone": "1"},
    {"enabled": True}, {"last_read_message_id": MSG},
    {"object_id": "o", "object_type": "t", "participants": [{"user_id": "u", "display_name": "U"}],
     "access_scopes": [{"scope_level0": ["x"]}], "meta": {"a": [1, 2]}},
    {"access_scopes": [{}]}, {"user_id": "c", "display_name": "C"},
    {"content": "", "attachments": [{"s3_key": "dialogs/%s/x.pdf" % D, "filename": "x.pdf",
     "content_type": "application/pdf", "size": 10}]},
]
junk = [None, True, 1, -1, 1.5, 1e308, "", "x" * 600, "\u2028", [], {}, [None], {"a": None},
        "<script>x</script>", 2 ** 63, -(2 ** 63)]

def mutate(v, depth=0):
    r = rnd.random()
    if isinstance(v, dict) and v and r < 0.5:
        v = dict(v)
        k = rnd.choice(list(v))
        if rnd.random() < 0.3:
            del v[k]
        else:
            v[k] = mutate(v[k], depth + 1) if depth < 3 and rnd.random() < 0.5 else rnd.choice(junk)
        return v
    if isinstance(v, list) and v and r < 0.5:
        v = list(v)
        i = rnd.randrange(len(v))
        v[i] = mutate(v[i], depth + 1) if depth < 3 else rnd.choice(junk)
        return v
    return rnd.choice(junk) if r < 0.2 else v

def body():
    r = rnd.random()
    if r < 0.1:
        return b""
    if r < 0.2:
        return rnd.choice([b"{", b"nul", b"[1,", b'{"a":"\\ud800"}', b"\xff\xfe", b'{"a":1}x',
                           b"[" * 100 + b"]" * 100, b'{"content":"\\u0000"}'])
    return json.dumps(mutate(rnd.choice(good)), ensure_ascii=rnd.random() < 0.5).encode()

def path(p):
    out = []
    for seg in p.split("/"):
        if seg == "{id}":
            seg = rnd.choice(ids)
        elif seg == "{s}":
            seg = rnd.choice(users)
        out.append(seg)
    return "/".join(out)

bad = 0
statuses = {}
for i in range(int(n)):
    m, p = rnd.choice(routes)
    if rnd.random() < 0.05:
        m = rnd.choice(["PATCH", "OPTIONS", "HEAD", "GET", "POST"])
    q = "&".join("%s=%s" % (rnd.choice(qkeys), rnd.choice(qvals + users))
                 for _ in range(rnd.randrange(0, 4)))
    url = urllib.parse.quote(path(p) + ("?" + q if q else ""),
                             safe="/?&=%+:{}@,;")
    h = {}
    if rnd.random() < 0.9:
        h["Content-Type"] = rnd.choice(["application/json", "application/json; charset=utf-8",
                                        "text/plain", "application/x+json", ""])
    if "/management/" in p and rnd.random() < 0.9:
        h["Authorization"] = "Bearer " + ADMIN
    if rnd.random() < 0.3:
        h["X-Scope-Config"] = rnd.choice([
            base64.b64encode(json.dumps({"scope_level0": ["x"]}).encode()).decode(),
            "%%%", "e30=", base64.b64encode(b"[1]").decode(), "eyJ9", ""])
    c = http.client.HTTPConnection(host.hostname, host.port, timeout=20)
    try:
        c.request(m, url, body=body() if m in ("POST", "PUT") else None, headers=h)
        st = c.getresponse().status
    except Exception as e:
        print("ERROR", m, url, e)
        bad += 1
        continue
    finally:
        c.close()
    statuses[st] = statuses.get(st, 0) + 1
    if st >= 500:
        print("5xx", st, m, url)
        bad += 1
print("statuses", sorted(statuses.items()))
print("bad", bad)
EOF
cat "$T/fuzz.out" | head -20
check "no 5xx or failed request" "$(tail -1 "$T/fuzz.out")" "bad 0"
ok2xx=$(grep '^statuses' "$T/fuzz.out" | grep -o '(20[0-4], [0-9]*)' | awk -F', ' '{gsub(/\)/,"",$2); s+=$2} END {print s+0}')
check "the run reached the handlers (some 2xx)" "$([ "$ok2xx" -gt 100 ] && echo yes)" "yes"
req GET /health
check_status 200 "still serving"
mgmt GET "/api/v1/management/dialogs/$D"
check_status 200 "fixture still readable"
check "integrity" "$(with_env "$MTCHAT_BUILD/mtchat-admin" check)" "ok"
it_done
