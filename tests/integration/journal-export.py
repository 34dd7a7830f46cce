#!/usr/bin/env python3
# journal-export.py - test data for tests/integration/imjournal.sh: journal entries in the
# journal export format (what systemd-journal-remote turns into a journal file), and the
# message rsyslog 8.2302's imjournal makes of each entry, following its documented mapping
# (plugins/imjournal/imjournal.c, readjournal()/enqMsg()): written independently of
# sluice's plugin, so the test compares two implementations.
#
#   journal-export.py export SET FIRST N   export stream of entries FIRST..FIRST+N-1 of SET
#   journal-export.py expect SET FIRST N HOST
#                                          the lines the test template gives for them
#   journal-export.py check EXPECTED ACTUAL   compares (JSON fields as dicts); exit 1 + diff
#
# SET "mix": entries exercising the mapping; SET "seq": "seq N" messages for the cursor tests.
import json
import struct
import sys
import time

BOOT = "0123456789abcdef0123456789abcdef"
BASE = 1700000000000000   # realtime of entry 0, microseconds


def entries(name, first, n):
    out = []
    for i in range(first, first + n):
        ts = BASE + i * 1000003
        if name == "seq":
            f = [("MESSAGE", b"seq %d" % i), ("PRIORITY", b"6"), ("SYSLOG_FACILITY", b"3"),
                 ("SYSLOG_IDENTIFIER", b"seqd"), ("SYSLOG_PID", b"%d" % (1000 + i))]
        else:
            k = i % 7
            if k == 0:
                f = [("MESSAGE", b"hello world"), ("PRIORITY", b"3"),
                     ("SYSLOG_FACILITY", b"10"), ("SYSLOG_IDENTIFIER", b"sshd"),
                     ("SYSLOG_PID", b"123"), ("_PID", b"124"), ("_COMM", b"sshd"),
                     ("_HOSTNAME", b"elsewhere")]
            elif k == 1:
                f = [("MESSAGE", b"line1\nline2\ttab\n"), ("_COMM", b"bash"), ("_PID", b"77"),
                     ("PRIORITY", b"6")]
            elif k == 2:
                f = [("MESSAGE", b"a\x00b"), ("PRIORITY", b"12"), ("SYSLOG_FACILITY", b"30")]
            elif k == 3:
                f = [("SYSLOG_IDENTIFIER", b"kernel"), ("PRIORITY", b"x"),
                     ("SYSLOG_FACILITY", b"0")]
            elif k == 4:
                f = [("MESSAGE", "h\u00e9llo \u00fcn\u00efcode".encode()), ("PRIORITY", b"7"),
                     ("SYSLOG_FACILITY", b"23"), ("SYSLOG_IDENTIFIER", b"app"),
                     ("CODE_FILE", b"x.c"), ("CUSTOM_FIELD", b"with \"quotes\" and \\")]
            elif k == 5:
                f = [("MESSAGE", b"L" * 2000), ("SYSLOG_IDENTIFIER", b"long"),
                     ("SYSLOG_PID", b"9"), ("PRIORITY", b"4"), ("SYSLOG_FACILITY", b"16")]
            else:
                f = [("MESSAGE", b"trailing space "), ("SYSLOG_IDENTIFIER", b"sp"),
                     ("_PID", b"5"), ("PRIORITY", b"0"), ("SYSLOG_FACILITY", b"1")]
        out.append((ts, f))
    return out


def export(name, first, n):
    w = sys.stdout.buffer
    for i, (ts, f) in enumerate(entries(name, first, n)):
        w.write(b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n" % (ts, 1000 + ts - BASE))
        w.write(b"_BOOT_ID=" + BOOT.encode() + b"\n")
        for k, v in f:
            if b"\n" in v or b"\x00" in v:
                w.write(k.encode() + b"\n" + struct.pack("<Q", len(v)) + v + b"\n")
            else:
                w.write(k.encode() + b"=" + v + b"\n")
        w.write(b"\n")


def sanitize(v):
    v = v.replace(b"\x00", b" ")
    if v.endswith(b"\n"):
        v = v[:-1]
    out = b""
    for c in v:
        out += b"#%03o" % c if c < 0x20 else bytes([c])
    return out


def expect(name, first, n, host):
    w = sys.stdout.buffer
    for ts, f in entries(name, first, n):
        d = {"_BOOT_ID": BOOT.encode()}
        for k, v in f:
            d[k] = v
        msg = sanitize(d.get("MESSAGE", b""))
        sev = 5
        p = d.get("PRIORITY")
        if p is not None and len(p) == 1 and 0 <= p[0] - 48 <= 7:
            sev = p[0] - 48
        fac = 1
        s = d.get("SYSLOG_FACILITY")
        if s is not None and len(s) in (1, 2):
            v = s[0] - 48 if len(s) == 1 else (s[0] - 48) * 10 + s[1] - 48
            if 0 <= v <= 23:
                fac = v
        ident = d.get("SYSLOG_IDENTIFIER", d.get("_COMM", b"journal"))
        pid = d.get("SYSLOG_PID", d.get("_PID"))
        tag = ident + (b"[" + pid + b"]" if pid is not None else b"") + b":"
        t = time.gmtime(ts // 1000000)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", t).encode() + b".%06d+00:00" % (ts % 1000000)
        js = json.dumps({k: v.replace(b"\x00", b" ").decode("utf-8") for k, v in d.items()},
                        sort_keys=True, ensure_ascii=False).encode()
        w.write(b"|".join([b"%d" % (fac * 8 + sev), tag, ident, stamp, stamp, host.encode(),
                           b"imjournal", b"127.0.0.1", msg, msg, js]) + b"\n")


def normalise(line):
    """The line with its last field (%$!% as JSON) re-serialised with sorted keys."""
    head, sep, js = line.rpartition(b"|")
    try:
        obj = json.loads(js.decode("utf-8"))
        js = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        pass
    return head + sep + js


def check(exp_path, act_path):
    exp = [normalise(x) for x in open(exp_path, "rb").read().splitlines()]
    act = [normalise(x) for x in open(act_path, "rb").read().splitlines()]
    if exp == act:
        return 0
    for i in range(max(len(exp), len(act))):
        e = exp[i] if i < len(exp) else b"<none>"
        a = act[i] if i < len(act) else b"<none>"
        if e != a:
            sys.stderr.write("line %d differs:\n- %s\n+ %s\n" % (i + 1, e[:400].decode(errors="replace"),
                                                              a[:400].decode(errors="replace")))
            break
    sys.stderr.write("expected %d lines, got %d\n" % (len(exp), len(act)))
    return 1


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "export":
        export(a[2], int(a[3]), int(a[4]))
    elif a[1] == "expect":
        expect(a[2], int(a[3]), int(a[4]), a[5])
    elif a[1] == "check":
        sys.exit(check(a[2], a[3]))
