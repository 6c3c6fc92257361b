#!/bin/sh
# 0004-api-reference.sh — the API reference (docs/*.md) and the code are in
# step:
#
#   - every route of mtchat.fcgi's route tables (the rows of each
#     `const struct route ..._routes[]` in cgi/*.c, macros expanded) is
#     documented: its method and path appear in a heading of docs/;
#   - every endpoint the docs name (`METHOD /path` in backquotes, anywhere)
#     is served: by a route table, or by mtchat-bridge (the paths of
#     WS_PATH and EVENTS_PATH in bridge/);
#   - the codes C1-C20, M1-M7 (docs/rest.md) and S1-S10, F1-F21, N1-N6
#     (docs/differences.md) have their anchors, C and M each heading an
#     endpoint;
#   - every configuration key in a table of docs/config.md exists in
#     `mtchat-admin config --keys`, with the default the docs give;
#   - every backquoted NAME_LIKE_THIS in the docs is a configuration key, or
#     a word of the sources (an error code, ...), or a key of the MTChat
#     reference that mtchat lacks (listed below);
#   - every link between the docs points at a file and an anchor that exist.
#
# Path parameters compare by position: `{dialog_id}` in the docs matches
# `{id}` or `{s}` in a route table.
# backend: any (documentation against the code, no store)
set -u
cd "$MTCHAT_TOP"
keys=$(MTCHAT_CONFIG=/dev/null "$MTCHAT_BUILD/mtchat-admin" config --keys) ||
	{ echo "mtchat-admin config --keys failed"; exit 1; }
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
MT_KEYS=$keys exec "$PY" - <<'EOF'
import glob, os, re, sys

fail = []
def bad(msg):
    fail.append(msg)

# --- the code's routes ---------------------------------------------------

def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)

def defines(text):
    """Object-like and function-like macros of one file."""
    text = text.replace("\\\n", " ")
    objs, funcs = {}, {}
    for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)(\(([^)]*)\))?[ \t]*(.*)$",
                         text, re.M):
        name, params, body = m.group(1), m.group(3), m.group(4).strip()
        if m.group(2) is not None and text[m.start(2) - 1] != " ":
            funcs[name] = ([p.strip() for p in params.split(",")], body)
        else:
            objs[name] = body
    return objs, funcs

def split_args(s):
    args, depth, cur, quoted = [], 0, "", False
    for i, ch in enumerate(s):
        if ch == '"' and (i == 0 or s[i - 1] != "\\"):
            quoted = not quoted
        if not quoted:
            if ch in "({":
                depth += 1
            elif ch in ")}":
                depth -= 1
            elif ch == "," and depth == 0:
                args.append(cur)
                cur = ""
                continue
        cur += ch
    args.append(cur)
    return [a.strip() for a in args]

def expand(text, objs, funcs):
    for _ in range(10):
        before = text
        for name, (params, body) in funcs.items():
            while True:
                m = re.search(r"\b%s\s*\(" % re.escape(name), text)
                if not m:
                    break
                depth, i = 1, m.end()
                while depth and i < len(text):
                    depth += {"(": 1, ")": -1}.get(text[i], 0)
                    i += 1
                args = split_args(text[m.end():i - 1])
                out = body
                for p, a in zip(params, args):
                    out = re.sub(r"\b%s\b" % re.escape(p), lambda _m: a, out)
                text = text[:m.start()] + out + text[i:]
        # object-like macros, outside string literals
        parts = re.split(r'("(?:[^"\\]|\\.)*")', text)
        for k in range(0, len(parts), 2):
            for name, body in objs.items():
                parts[k] = re.sub(r"\b%s\b" % re.escape(name),
                                  lambda _m: " " + body + " ", parts[k])
        text = "".join(parts)
        if text == before:
            break
    return text

def norm(path):
    return re.sub(r"\{[^}/]*\}", "{}", path.rstrip("/") or "/")

code_routes = {}        # (method, normalised path) -> "file: pattern"
for f in sorted(glob.glob("cgi/*.c")):
    raw = open(f, encoding="utf-8").read()
    text = strip_comments(raw)
    objs, funcs = defines(text)
    for m in re.finditer(r"const\s+struct\s+route\s+(\w+)\s*\[\s*\]\s*=\s*\{(.*?)\n\};",
                         text, re.S):
        block = expand(m.group(2), objs, funcs)
        rows = re.findall(r'\{\s*"([A-Z]+)"\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+),', block)
        nulls = len(re.findall(r"\{\s*NULL\s*,", block))
        if not rows:
            bad("%s: %s: no route rows found (has the table's form changed?)"
                % (f, m.group(1)))
        for method, lits in rows:
            path = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', lits))
            code_routes[(method, norm(path))] = "%s %s (%s)" % (method, path, f)
        # every row but the terminator must have been understood
        nrows = len(re.findall(r"\{\s*\"", block))
        if nrows != len(rows) or nulls != 1:
            bad("%s: %s: %d rows, %d understood" % (f, m.group(1), nrows,
                                                     len(rows)))
if len(code_routes) < 30:
    bad("only %d routes found in cgi/*.c" % len(code_routes))

bridge_routes = {}
for f in sorted(glob.glob("bridge/*.c")):
    text = open(f, encoding="utf-8").read()
    for name in ("WS_PATH", "EVENTS_PATH"):
        m = re.search(r'#define\s+%s\s+"([^"]+)"' % name, text)
        if m:
            bridge_routes[("GET", norm(m.group(1)))] = "GET %s (%s)" % (m.group(1), f)
if len(bridge_routes) != 2:
    bad("bridge/: WS_PATH and EVENTS_PATH not both found")
served = dict(bridge_routes)
served.update(code_routes)

# --- the docs --------------------------------------------------------------

docs = {f: open(f, encoding="utf-8").read() for f in sorted(glob.glob("docs/*.md"))}
if "docs/api.md" not in docs or "docs/rest.md" not in docs:
    bad("docs/api.md or docs/rest.md missing")

ENDPOINT = re.compile(r"`(GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS) (/[^`\s?#]*)[^`]*`")
headed = set()
for f, text in docs.items():
    for n, line in enumerate(text.split("\n"), 1):
        for m in ENDPOINT.finditer(line):
            key = (m.group(1), norm(m.group(2)))
            if line.startswith("#"):
                headed.add(key)
            if key not in served:
                bad("%s:%d: `%s %s` is not served (no route table has it)"
                    % (f, n, m.group(1), m.group(2)))
for key, where in sorted(code_routes.items()):
    if key not in headed:
        bad("route %s has no heading in docs/" % where)
for key, where in sorted(bridge_routes.items()):
    if key not in headed:
        bad("bridge route %s has no heading in docs/" % where)

# --- the codes ---------------------------------------------------------------

def anchors(text):
    return set(re.findall(r'<a id="([^"]+)"></a>', text))

def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")

def all_anchors(text):
    a = anchors(text)
    for line in text.split("\n"):
        m = re.match(r"#+\s+(.*)", line)
        if m:
            a.add(slug(m.group(1)))
    return a

rest = docs.get("docs/rest.md", "")
lines = rest.split("\n")
for prefix, count in (("c", 20), ("m", 7)):
    for i in range(1, count + 1):
        code = "%s%d" % (prefix, i)
        tag = '<a id="%s"></a>' % code
        if tag not in lines:
            bad("docs/rest.md: no anchor %s" % code)
            continue
        k = lines.index(tag) + 1
        while k < len(lines) and not lines[k].strip():
            k += 1
        head = lines[k] if k < len(lines) else ""
        if not (head.startswith("#") and re.search(r"\b%s\b" % code.upper(), head)
                and ENDPOINT.search(head)):
            bad("docs/rest.md: anchor %s is not followed by a heading with %s "
                "and its endpoint" % (code, code.upper()))
diff = anchors(docs.get("docs/differences.md", ""))
for prefix, count in (("s", 10), ("f", 21), ("n", 6)):
    for i in range(1, count + 1):
        if "%s%d" % (prefix, i) not in diff:
            bad("docs/differences.md: no anchor %s%d" % (prefix, i))

# --- configuration keys --------------------------------------------------------

cfg = {}
for line in os.environ.get("MT_KEYS", "").split("\n"):
    parts = line.split("\t")
    if len(parts) >= 3:
        cfg[parts[0]] = parts[2]
if len(cfg) < 20:
    bad("mtchat-admin config --keys listed %d keys" % len(cfg))
conf = docs.get("docs/config.md", "")
nkeys = 0
for n, line in enumerate(conf.split("\n"), 1):
    m = re.match(r"\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*([^|]*?)\s*\|", line)
    if not m:
        continue
    nkeys += 1
    key, dflt = m.group(1), m.group(2)
    dflt = "" if dflt == "(unset)" else dflt.strip("`")
    if key not in cfg:
        bad("docs/config.md:%d: %s is not a configuration key" % (n, key))
    elif cfg[key] != dflt:
        bad("docs/config.md:%d: %s defaults to %r, not %r" % (n, key, cfg[key], dflt))
if nkeys < 20:
    bad("docs/config.md: only %d keys found in its tables" % nkeys)

# Names of the MTChat reference that mtchat does not have.
REFERENCE_ONLY = {"DATABASE_URL", "REDIS_URL", "S3_ENDPOINT", "S3_REGION",
                  "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
                  "S3_PUBLIC_ENDPOINT", "NOTIFICATION_CONCURRENCY",
                  "ARCHIVE_CRON", "RUST_LOG", "TOO_MANY_ATTACHMENTS"}
words = set()
for d in ("cgi", "lib", "bridge", "bin"):
    for f in glob.glob(d + "/*.[ch]"):
        words.update(re.findall(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+",
                                open(f, encoding="utf-8").read()))
for f, text in docs.items():
    for n, line in enumerate(text.split("\n"), 1):
        for name in re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", line):
            if name not in cfg and name not in words and name not in REFERENCE_ONLY:
                bad("%s:%d: `%s` is neither a configuration key nor a name "
                    "of the sources" % (f, n, name))

# --- links -----------------------------------------------------------------------

for f, text in docs.items():
    for n, line in enumerate(text.split("\n"), 1):
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, frag = target.partition("#")
            dest = os.path.normpath(os.path.join("docs", path)) if path else f
            if dest not in docs:
                if not os.path.exists(dest):
                    bad("%s:%d: link to missing %s" % (f, n, target))
                continue
            if frag and frag not in all_anchors(docs[dest]):
                bad("%s:%d: link to missing anchor %s" % (f, n, target))

for msg in fail:
    print(msg)
if fail:
    sys.exit(1)
print("api reference: %d routes, %d bridge routes, %d config keys: ok"
      % (len(code_routes), len(bridge_routes), nkeys))
EOF
