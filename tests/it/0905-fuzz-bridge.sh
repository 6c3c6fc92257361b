#!/bin/sh
# 0905-fuzz-bridge.sh — nothing a client sends kills mtchat-bridge: a
# bounded, seeded run of raw connections straight to its port (garbage,
# truncated and oversized request lines and headers, random query strings
# on both paths, early closes, WebSocket upgrades followed by random
# frames), on the sanitizer build. Afterwards the same process answers a
# WebSocket and a poll, and no sanitizer report was written. The seed is
# fixed (FUZZ_SEED=N for another run; FUZZ_N sets the count).
# backend: any (the bridge's framing and handshake; the store is incidental)
. "$MTCHAT_TOP/tests/it/lib.sh"
BRIDGE_PORT=$(free_port)
it_start
it_start_bridge BRIDGE_HANDSHAKE_SECS=1

/usr/bin/python3 - "$BRIDGE_PORT" "${FUZZ_SEED:-1405}" "${FUZZ_N:-1500}" \
	> "$T/fuzz.out" 2>&1 <<'EOF'
import base64, os, random, socket, struct, sys
port, seed, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
print("seed", seed)

keys = ["user_id", "sender_id", "since", "timeout", "token", "filter", "x", "",
        "user%5Fid", "since%00"]
vals = ["alice", "a+b", "a%00b", "%", "%FF", "%C3%A9", "-1", "+5", "%2B5", "0",
        "99999999999999999999", "subscribed", "all", "", "=", "&", ";", "a;b",
        "x" * 300, "%%%", "%2", "\t", " "]

def query():
    parts = []
    for _ in range(rnd.randrange(0, 8)):
        k, v = rnd.choice(keys), rnd.choice(vals)
        parts.append(k if rnd.random() < 0.1 else k + "=" + v)
    if rnd.random() < 0.05:
        parts += ["k%d" % i for i in range(rnd.randrange(50, 1500))]
    return "&".join(parts)

def request():
    method = rnd.choice(["GET", "GET", "GET", "POST", "OPTIONS", "PUT", "get",
                         "G\x00T", "BREW"])
    path = rnd.choice(["/api/v1/events", "/api/v1/ws", "/", "/api/v1/events/",
                       "/api/v1/%2e%2e/events", "/api/v1/ev%00ents", "*",
                       "/api/v1/events#x", "//api/v1/events"])
    q = query()
    target = path + ("?" + q if q or rnd.random() < 0.5 else "")
    version = rnd.choice(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", ""])
    lines = ["%s %s %s" % (method, target, version)]
    hdrs = [("Host", "b"), ("Origin", "https://x"),
            ("Authorization", "Bearer " + rnd.choice(["", "a.b.c", "x" * 500])),
            ("Access-Control-Request-Method", "GET"),
            ("X-Mtchat-Query", "user_id=evil"), ("X-Forwarded-For", "1.2.3.4"),
            ("Content-Length", rnd.choice(["0", "5", "-1", "99999999999"])),
            ("X-Big", "a" * rnd.choice([10, 4000, 9000]))]
    if path == "/api/v1/ws" and rnd.random() < 0.7:
        hdrs += [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                 ("Sec-WebSocket-Key", base64.b64encode(os.urandom(16)).decode()),
                 ("Sec-WebSocket-Version", rnd.choice(["13", "8", ""]))]
    for h in rnd.sample(hdrs, rnd.randrange(0, len(hdrs))):
        lines.append("%s: %s" % h)
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    if rnd.random() < 0.1:
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200)))
        data += b"\r\n\r\n"
    if rnd.random() < 0.15:	# truncated: the bridge waits for the rest
        return data[:rnd.randrange(0, len(data) + 1)], False
    return data, b"\r\n\r\n" in data

def frame():
    op = rnd.choice([1, 1, 1, 2, 8, 9, 10, 0, 3, 15])
    payload = rnd.choice([b'{"type":"ping"}', b'{"type":"subscribe","dialog_id":1}',
                          b"{", os.urandom(rnd.randrange(0, 300)), b"x" * 70000])
    fin = 0x80 if rnd.random() < 0.9 else 0
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([fin | op])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    f = head + mask + body
    return f[:rnd.randrange(1, len(f) + 1)] if rnd.random() < 0.1 else f

statuses = {}
for i in range(n):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        data, complete = request()
        if data:
            s.sendall(data)
        got = b""
        if not complete or rnd.random() < 0.2:
            s.close()		# an early close
            statuses["closed"] = statuses.get("closed", 0) + 1
            continue
        if b"Upgrade: websocket" in data and rnd.random() < 0.8:
            try:
                got = s.recv(4096)
                if got.startswith(b"HTTP/1.1 101"):
                    for _ in range(rnd.randrange(1, 6)):
                        s.sendall(frame())
            except OSError:
                pass
        else:
            s.settimeout(2)
            try:
                got = s.recv(200)
            except OSError:
                pass
        st = got[9:12].decode("latin-1") if got.startswith(b"HTTP/") else "-"
        statuses[st] = statuses.get(st, 0) + 1
        s.close()
    except OSError as e:
        print("connection %d: %s" % (i, e))
        sys.exit(1)
print("statuses", sorted(statuses.items()))
bad = {k: v for k, v in statuses.items() if k.startswith("5") and k != "503"}
print("5xx", bad)
sys.exit(1 if bad else 0)
EOF
check "fuzz run finished without a dead connection or a 5xx" "$?" 0
cat "$T/fuzz.out"

check "the same bridge process is there" \
	"$(kill -0 "$BRIDGE_PID" 2>/dev/null && echo yes)" yes
api GET "/api/v1/events?user_id=probe&timeout=0"
check_status 200 "a poll through lighttpd afterwards"
ws_open after 'user_id=probe'
ws_wait after '.type == "connected"' 1 10
check "a WebSocket afterwards" "$(ws_count after '.type == "connected"')" 1
it_done
