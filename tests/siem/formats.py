#!/usr/bin/env python3
"""formats.py - helper of tests/siem/siem-formats.sh: sends the tricky cases to sluiced, then
reads back what the SIEM built-in templates wrote with one small reference parser per
format (CEF, LEEF 2.0, ECS JSON, GELF, RFC 5424 SD) and checks every original value.

  formats.py send PORT            one RFC 5424 message per case over TCP (LF framing)
  formats.py check OUTDIR GOLDEN  parse OUTDIR/<case>.<fmt>, compare with the golden file
  formats.py regen OUTDIR GOLDEN  rewrite the golden file (review the diff!)

The case id travels as PROCID (the output file name).  Values with control characters go
in the $! tree (JSON escapes); imtcp escapes control characters in MSG as rsyslog does.
"""
import json
import re
import socket
import sys

TRICKY = "pipe|eq=back\\slash \"q\" ]b tab\tnl\ncr\r ü 日本"
CASES = {
    # plain MSG with every special character (no JSON: mmjsonparse puts it in $!msg)
    "c1": ("<14>1 2026-12-06T19:30:00.123456+01:00 host1 app|x c1 ID1 - "
           "pipe|eq=back\\slash \"q\" ]b=] ü 日本", None),
    # @cee JSON with ECS names (mapped keys), tricky values, empty and null values,
    # numbers, an array, a key to sanitize, GELF's reserved "id", and the message's own SD
    "c2": ("<11>1 2026-12-06T19:30:00Z host2 sshd c2 - [ex@1 a=\"x\\\"y\\]\"] @cee:", {
        "source": {"ip": "10.0.0.1", "port": 22}, "destination": {"ip": "10.0.0.2"},
        "user": {"name": TRICKY}, "event": {"action": "a=b|c\\d"}, "empty": "",
        "nothing": None, "id": "z", "arr": [1, "x"], "k y": "v]", "n": 1.5,
        "a_very_long_key_name_that_exceeds_the_sd_limit": "long",
    }),
    # every header field nil, empty MSG
    "c3": ("<13>1 2026-12-06T19:30:00.5Z - - c3 - -", None),
    # JSON whose values end in backslashes and hold only special characters
    "c4": ("<165>1 2026-12-06T19:30:00.000001-05:30 h4 app c4 M - @cee:", {
        "url": {"original": "\\"}, "x": "=", "y": "|\t|", "z": "\"]\\", "t": True}),
    # header fields with escapes already in them (an APP-NAME ending in a backslash, a
    # forwarded "\|") and a MSG of 2-byte characters whose byte 512 (the end of CEF's Name,
    # %msg:1:512:%) falls inside a character: the cut one is dropped, not sent half
    "c5": ("<14>1 2026-12-06T19:30:00Z h5 a\\|b\\ c5 - - sig\\|x=1 \\n= " + "\u00e9" * 300, None),
}
CEF_KEYS = {"source.ip": "src", "source.port": "spt", "destination.ip": "dst",
            "user.name": "suser", "event.action": "act", "url.original": "request"}
LEEF_KEYS = {"source.ip": "src", "source.port": "srcPort", "destination.ip": "dst",
             "user.name": "usrName", "event.action": "action", "url.original": "url"}


def send(port):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    for case, (head, tree) in CASES.items():
        line = head + (json.dumps(tree, ensure_ascii=False) if tree is not None else "")
        s.sendall(line.encode() + b"\n")
    s.close()


def flatten(tree, prefix=""):
    out = {}
    for k, v in tree.items():
        name = prefix + k
        if isinstance(v, dict):
            out.update(flatten(v, name + "."))
        elif v is not None:
            out[name] = v
    return out


def text(v):
    """A leaf as the formats write it: strings as they are, the rest as JSON text
    (libfastjson's spaced form for arrays)."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[ " + ", ".join(json.dumps(x) for x in v) + " ]"
    return json.dumps(v)


def key_for(name, fmt):
    mapped = {"cef": CEF_KEYS, "leef": LEEF_KEYS}.get(fmt, {}).get(name)
    if mapped:
        return mapped
    if fmt == "sd":
        name = name[:32]
        return "".join(c if 32 < ord(c) < 127 and c not in '="]' else "_" for c in name)
    ok = "_.-" if fmt == "gelf" else "_"
    name = "id_" if (fmt == "gelf" and name == "id") else name
    return "".join(c if (c.isascii() and c.isalnum()) or c in ok else "_" for c in name)


def split_unescaped(s, sep, maxsplit):
    parts, cur, i = [], "", 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur += s[i:i + 2]
            i += 2
            continue
        if c == sep and len(parts) < maxsplit:
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur)
    return parts


def unescape(s, table):
    out, i = "", 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] in table:
            out += table[s[i + 1]]
            i += 2
        else:
            out += s[i]
            i += 1
    return out


HDR = {"\\": "\\", "|": "|"}
CEF_EXT = {"\\": "\\", "=": "=", "n": "\n", "r": "\r"}
LEEF_ATTR = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def parse_cef(line):
    f = split_unescaped(line, "|", 7)
    if len(f) != 8 or f[0] != "CEF:0":
        raise ValueError("not CEF:0 with 7 header fields")
    hdr = [unescape(x, HDR) for x in f[1:7]]
    ext, s = {}, f[7]
    # keys: a word before an unescaped '='; the value runs to the blank before the next key
    marks = [m for m in re.finditer(r"(?:^| )(\w+)=", s)
             if m.start(1) == 0 or not escaped_at(s, m.start(1) + len(m.group(1)))]
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(s)
        ext.setdefault(m.group(1), []).append(unescape(s[m.end():end], CEF_EXT))
    return hdr, ext


def escaped_at(s, i):
    n = 0
    while i - 1 - n >= 0 and s[i - 1 - n] == "\\":
        n += 1
    return n % 2 == 1


def parse_leef(line):
    f = split_unescaped(line, "|", 6)
    if len(f) != 7 or f[0] != "LEEF:2.0":
        raise ValueError("not LEEF:2.0 with 6 header fields")
    if f[5] != "x09":
        raise ValueError("delimiter is not declared as x09")
    attrs = {}
    for a in f[6].split("\t"):
        k, _, v = a.partition("=")
        attrs.setdefault(k, []).append(unescape(v, LEEF_ATTR))
    return [unescape(x, HDR) for x in f[1:5]], attrs


def parse_5424(line):
    m = re.match(r"^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) ", line)
    if not m:
        raise ValueError("no RFC 5424 header")
    i, sd = m.end(), []
    if line[i] == "-":
        i += 1
    else:
        while i < len(line) and line[i] == "[":
            j = i + 1
            while line[j] not in " ]":
                j += 1
            sdid, params = line[i + 1:j], {}
            i = j
            while line[i] == " ":
                k = i + 1
                while line[k] != "=":
                    k += 1
                name = line[i + 1:k]
                if line[k + 1] != '"':
                    raise ValueError("PARAM-VALUE not quoted")
                v, k = "", k + 2
                while line[k] != '"':
                    if line[k] == "\\" and line[k + 1] in '"\\]':
                        k += 1
                    v += line[k]
                    k += 1
                params[name] = v
                i = k + 1
            if line[i] != "]":
                raise ValueError("SD-ELEMENT not closed")
            sd.append((sdid, params))
            i += 1
    if i < len(line) and line[i] != " ":
        raise ValueError("no blank after STRUCTURED-DATA")
    return m.groups(), sd, line[i + 1:]


def check(outdir, golden, regen):
    errs, dump = [], []
    for case in CASES:
        ecs = json.loads(read(outdir, case, "ecs"))
        tree = ecs["sluice"]
        sent = CASES[case][1]
        if sent is not None and tree != sent:
            errs.append("%s ecs: $! tree %r, sent %r" % (case, tree, sent))
        msg = ecs["message"]
        leaves = {key: text(v) for key, v in flatten(tree).items()}
        for fmt in ("cef", "leef", "ecs", "gelf", "sd"):
            raw = read(outdir, case, fmt)
            dump.append("%s.%s: %s" % (case, fmt, re.sub(r'"created":"[^"]*"', '"created":"*"', raw)))
            try:
                errs += check_one(case, fmt, raw, msg, leaves, ecs)
            except (ValueError, IndexError, KeyError) as e:
                errs.append("%s.%s: cannot parse back: %s" % (case, fmt, e))
    text_out = "\n".join(dump) + "\n"
    if regen:
        open(golden, "w", encoding="utf-8", newline="").write(text_out)
    elif open(golden, encoding="utf-8", newline="").read() != text_out:
        errs.append("output differs from %s:\n%s" % (golden, text_out))
    for e in errs:
        print("FAIL " + e)
    return 1 if errs else 0


def read(outdir, case, fmt):
    with open("%s/%s.%s" % (outdir, case, fmt), encoding="utf-8", errors="surrogateescape",
              newline="") as f:
        return f.read()


def want_eq(errs, where, got, want):
    if got != want:
        errs.append("%s: got %r, want %r" % (where, got, want))


def check_one(case, fmt, raw, msg, leaves, ecs):
    errs = []
    where = case + "." + fmt
    app = ecs["log"]["syslog"]["appname"]
    if fmt == "cef":
        hdr, ext = parse_cef(raw)
        want_eq(errs, where + " header", hdr[:4], ["sluice", "syslog", "1.0", app])
        name = msg.encode()[:512].decode("utf-8", "ignore")   # bytes, whole characters
        want_eq(errs, where + " name", hdr[4], name.replace("\n", " ").replace("\r", " "))
        want_eq(errs, where + " msg", ext["msg"][0], msg)
        for k, v in leaves.items():
            want_eq(errs, where + " " + k, ext.get(key_for(k, fmt), [None])[-1], v)
    elif fmt == "leef":
        hdr, attrs = parse_leef(raw)
        want_eq(errs, where + " header", hdr[3], app)
        want_eq(errs, where + " msg", attrs["msg"][0], msg)
        for k, v in leaves.items():
            want_eq(errs, where + " " + k, attrs.get(key_for(k, fmt), [None])[-1], v)
    elif fmt == "gelf":
        g = json.loads(raw)
        want_eq(errs, where + " version", g["version"], "1.1")
        want_eq(errs, where + " short_message", g["short_message"], msg)
        want_eq(errs, where + " level", g["level"], ecs["log"]["syslog"]["severity"]["code"])
        if not isinstance(g["timestamp"], (int, float)):
            errs.append(where + ": timestamp is not a number")
        for k, v in leaves.items():
            got = g.get("_" + key_for(k, fmt))
            want_eq(errs, where + " " + k, got if isinstance(got, str) else text(got), v)
    elif fmt == "sd":
        hdr, sd, m = parse_5424(raw)
        want_eq(errs, where + " msg", m, msg)
        mine = dict(sd).get("sluice@32473", {})
        for k, v in leaves.items():
            want_eq(errs, where + " " + k, mine.get(key_for(k, fmt)), v)
        if not leaves and sd:
            errs.append(where + ": SD-ELEMENT without parameters")
    return errs


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[1] == "regen"))
