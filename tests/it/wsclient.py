#!/usr/bin/python3
# wsclient.py — a real WebSocket client for the bridge integration tests
# (Debian's python3-websockets; run it with /usr/bin/python3).
#
#   wsclient.py URL OUT [--stall | --stall-until FILE] [--rcvbuf N]
#
# Connects to URL and appends every text frame received to OUT, one per
# line. Lines appended to OUT.in are sent as text frames; a line "!close"
# closes the connection normally, "!big N" sends a text frame of N bytes.
# When the connection ends, a last line "#closed CODE REASON" is written
# (CODE 0 when no close frame came). A refused handshake writes
# "#status CODE". --stall never reads from the socket (a small receive
# buffer with --rcvbuf makes the server's writes back up quickly);
# --stall-until reads nothing until FILE exists, then reads on.
import asyncio
import os
import socket
import sys
import urllib.parse

import websockets


def out(path, line):
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()


async def sender(ws, inpath):
    pos = 0
    while True:
        await asyncio.sleep(0.02)
        try:
            with open(inpath, "r", encoding="utf-8") as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            continue
        if not data.endswith("\n"):
            continue
        pos += len(data.encode("utf-8"))
        for line in data.splitlines():
            if line == "!close":
                await ws.close()
                return
            if line.startswith("!big "):
                await ws.send("x" * int(line[5:]))
            elif line.startswith("!bin "):
                await ws.send(line[5:].encode())
            else:
                await ws.send(line)


def make_sock(url, rcvbuf):
    u = urllib.parse.urlparse(url)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect((u.hostname, u.port or 80))
    return s


async def main():
    url, path = sys.argv[1], sys.argv[2]
    stall = "--stall" in sys.argv
    until = None
    if "--stall-until" in sys.argv:
        until = sys.argv[sys.argv.index("--stall-until") + 1]
    rcvbuf = 0
    if "--rcvbuf" in sys.argv:
        rcvbuf = int(sys.argv[sys.argv.index("--rcvbuf") + 1])
    kw = dict(ping_interval=None, max_size=None, close_timeout=2,
              compression=None)
    if stall:
        kw.update(max_queue=1, read_limit=1024, write_limit=1024)
    elif until:	# stalls as little as the library allows, then reads fast
        kw.update(max_queue=1)
    try:
        ws = await websockets.connect(url, sock=make_sock(url, rcvbuf), **kw)
    except websockets.exceptions.InvalidStatusCode as e:
        out(path, "#status %d" % e.status_code)
        return
    except OSError as e:
        out(path, "#error %s" % e)
        return
    task = asyncio.ensure_future(sender(ws, path + ".in"))
    try:
        while until and not os.path.exists(until):
            await asyncio.sleep(0.05)
        if stall:
            await ws.wait_closed()
        else:
            async for msg in ws:
                out(path, msg if isinstance(msg, str) else "#binary")
    except websockets.exceptions.ConnectionClosed:
        pass
    task.cancel()
    out(path, "#closed %s %s" % (ws.close_code or 0, ws.close_reason or ""))


asyncio.run(main())
