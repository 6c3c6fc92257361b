#!/usr/bin/env python3
# hookrecv.py — a webhook receiver for the tests, on loopback: it logs every
# request and answers what the test asks for.
#
#   hookrecv.py DIR      listens on an ephemeral port, writes it to DIR/port
#
# Each request is logged as one JSON line in DIR/log.jsonl when it arrives
# (n, t, method, path, event, id, signature, content_type, user_agent,
# answer, body as text) and its body is kept byte for byte in DIR/body-N.
# What to answer comes from DIR/ctl, one rule per line, "EVENT ANSWER"
# (EVENT a dotted name or *), each rule used once, first match first:
#   500           answer with that status
#   hang:SECONDS  answer nothing for that long (then 200, usually too late)
# Without a matching rule the answer is 200.
# SPDX-License-Identifier: MIT
import http.server
import json
import os
import sys
import threading
import time

DIR = sys.argv[1]
LOCK = threading.Lock()
COUNT = [0]


def take_rule(event):
    path = os.path.join(DIR, "ctl")
    try:
        with open(path) as f:
            rules = [r.split() for r in f.read().splitlines() if r.strip()]
    except FileNotFoundError:
        return "200"
    for i, r in enumerate(rules):
        if len(r) == 2 and r[0] in ("*", event):
            del rules[i]
            with open(path + ".tmp", "w") as f:
                f.write("".join(" ".join(x) + "\n" for x in rules))
            os.replace(path + ".tmp", path)
            return r[1]
    return "200"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        event = self.headers.get("X-Webhook-Event", "")
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
            answer = take_rule(event)
            with open(os.path.join(DIR, "body-%d" % n), "wb") as f:
                f.write(body)
            rec = {
                "n": n, "t": time.time(), "method": self.command,
                "path": self.path, "event": event,
                "id": self.headers.get("X-Webhook-Id"),
                "signature": self.headers.get("X-Webhook-Signature"),
                "content_type": self.headers.get("Content-Type"),
                "user_agent": self.headers.get("User-Agent"),
                "answer": answer,
                "body": body.decode("utf-8", "replace"),
            }
            with open(os.path.join(DIR, "log.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")
        status = 200
        if answer.startswith("hang:"):
            time.sleep(float(answer[5:]))
        else:
            status = int(answer)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:
            pass        # the sender gave up waiting


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.replace(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
