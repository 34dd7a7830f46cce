#!/usr/bin/env python3
# snmptrap-fields.py REF_LOG JSON_LINES - used by snmptrap-vs-snmptrapd.sh: checks that every
# field of sluice's $!snmp trees (one JSON object per line, in order) matches what snmptrapd
# decoded for the same notification (its default-format log, records in the same order):
# v1 agent address, enterprise, generic/specific trap and uptime; for every varbind, in
# order, the OID, the type and the value.  Prints the first mismatch and exits 1.
import json
import re
import sys

GENERIC = ["Cold Start", "Warm Start", "Link Down", "Link Up", "Authentication Failure",
           "EGP Neighbor Loss", "Enterprise Specific"]


def records(path):
    out, cur = [], None
    for line in open(path, encoding="latin-1").read().split("\n"):
        if "NET-SNMP version" in line:
            continue
        if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line):
            cur = [line]
            out.append(cur)
        elif cur is not None:
            cur.append(line)
    return ["\n".join(r) for r in out]


VB = re.compile(r"(?:^|\t)(\.[0-9.]+) = ")


def varbinds(text):
    """Split 'OID = VALUE\tOID = VALUE...' (values may hold tabs and newlines)."""
    marks = list(VB.finditer(text))
    res = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        res.append((m.group(1), text[m.end():end].rstrip("\n")))
    return res


def unescape(s):
    return re.sub(r"\\(.)", r"\1", s)


def hexnorm(s):
    return " ".join(s.split())


def check_value(oid, ref, vb):
    t, v = vb["type"], vb.get("value")
    simple = {"INTEGER": "INTEGER", "Counter32": "Counter32", "Gauge32": "Gauge32",
              "Counter64": "Counter64"}
    if t in simple:
        m = re.fullmatch(simple[t] + r": (-?\d+)", ref)
        return m and int(m.group(1)) == int(v)
    if t == "UInteger32":
        return ref == str(v)
    if t == "Timeticks":
        m = re.fullmatch(r"Timeticks: \((\d+)\) .*", ref)
        return m and int(m.group(1)) == int(v)
    if t == "IpAddress":
        return ref == "IpAddress: " + v
    if t == "OID":
        return ref == "OID: " + v
    if t == "NULL":
        return ref == "NULL" and v is None
    if t == "STRING":
        if ref == '""':
            return v == ""
        m = re.fullmatch(r'STRING: "(.*)"', ref, re.S)
        return m and unescape(m.group(1)) == v
    if t == "Hex-STRING":
        m = re.fullmatch(r"Hex-STRING: (.*)", ref, re.S)
        return m and hexnorm(m.group(1)) == v
    if t == "Opaque":
        m = re.fullmatch(r"OPAQUE: (.*)", ref, re.S)
        return m and hexnorm(m.group(1)) == v
    if t in ("Opaque-UInt64", "Opaque-Int64", "Opaque-Counter64"):
        name = {"Opaque-UInt64": "UInt64", "Opaque-Int64": "Int64",
                "Opaque-Counter64": "Counter64"}[t]
        return ref == "Opaque: %s: %d" % (name, int(v))
    if t in ("Opaque-Float", "Opaque-Double"):
        m = re.fullmatch(r"Opaque: Float: (-?[\d.]+)", ref)
        return m and abs(float(m.group(1)) - float(v)) < 1e-6
    if t == "noSuchObject":
        return ref.startswith("No Such Object") and v is None
    return False


def main():
    refs = records(sys.argv[1])
    trees = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
    if len(refs) != len(trees):
        print("%d snmptrapd records, %d JSON trees" % (len(refs), len(trees)))
        return 1
    checked = 0
    for n, (ref, tree) in enumerate(zip(refs, trees), 1):
        head, _, rest = ref.partition("\n")
        if tree["pdu"] == "trap":
            m = re.match(r"\S+ \S+ (\S+) \[", head)
            second, _, rest = rest.partition("\n")
            g = re.fullmatch(r"\t(\S+) (.+) Trap \((\d+)\) Uptime: .*", second)
            if not m or not g:
                print("record %d: cannot parse the v1 header" % n)
                return 1
            want = {"agent_addr": m.group(1), "enterprise": g.group(1),
                    "generic": GENERIC.index(g.group(2)) if g.group(2) in GENERIC else -1,
                    "specific": int(g.group(3))}
            for k, v in want.items():
                if tree.get(k) != v:
                    print("record %d: %s is %r, snmptrapd says %r" % (n, k, tree.get(k), v))
                    return 1
            rest = rest.lstrip("\t")
        vbs = varbinds(rest)
        if len(vbs) != len(tree["varbinds"]):
            print("record %d: %d varbinds, snmptrapd has %d" % (n, len(tree["varbinds"]),
                                                               len(vbs)))
            return 1
        for (oid, val), vb in zip(vbs, tree["varbinds"]):
            if vb["oid"] != oid or not check_value(oid, val, vb):
                print("record %d: %s %s %r, snmptrapd: %s = %r" % (n, vb["oid"], vb["type"],
                                                                   vb.get("value"), oid, val))
                return 1
            checked += 1
    print("%d trees, %d varbinds match snmptrapd" % (len(trees), checked))
    return 0


sys.exit(main())
