#!/usr/bin/python3
"""nfcompare.py SLUICE_OUT NFDUMP_JSON - compare the flows imnetflow wrote (one nprobe-profile
JSON object per line, as %msg%) with what nfdump -o json shows for the same export.

Per flow (key: addresses, ports, protocol) the packets, bytes and first/last times (ms) must be
equal; both sides must have the same number of flows.  ICMP: nfdump shows type*256+code as
dst_port
(JSON: icmp_type and icmp_code), imnetflow as 32 (icmpTypeCodeIPv4) or 11 (v5).  Prints a summary; exit 1 on any
difference.  Stdlib only.
"""
import datetime
import json
import sys


def ms(ts):
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    return int(round(d.timestamp() * 1000))


def sluice_flows(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            j = json.loads(line)
            out.append({
                "key": (j.get("8", j.get("27")), j.get("12", j.get("28")), j.get("7", 0),
                        j.get("11", j.get("32", 0)), j["4"]),
                "packets": j["2"], "bytes": j["1"], "first": j["152"], "last": j["153"]})
    return out


def nfdump_flows(path):
    with open(path) as f:
        txt = f.read()
    recs = json.loads(txt)
    out = []
    for r in recs:
        if r.get("type") != "FLOW":
            continue
        out.append({
            "key": (r.get("src4_addr", r.get("src6_addr")), r.get("dst4_addr", r.get("dst6_addr")),
                    r.get("src_port", 0),
                    r["icmp_type"] * 256 + r["icmp_code"] if "icmp_type" in r else r.get("dst_port", 0),
                    r["proto"]),
            "packets": r["in_packets"], "bytes": r["in_bytes"], "first": ms(r["first"]),
            "last": ms(r["last"])})
    return out


def main():
    a = sluice_flows(sys.argv[1])
    b = nfdump_flows(sys.argv[2])
    bad = 0
    if len(a) != len(b):
        print("flow count differs: sluice %d, nfdump %d" % (len(a), len(b)))
        bad += 1
    idx = {}
    for r in b:
        idx.setdefault(r["key"], []).append(r)
    for r in a:
        cand = idx.get(r["key"], [])
        if not cand:
            print("only in sluice:", r)
            bad += 1
            continue
        o = cand.pop(0)
        for k in ("packets", "bytes", "first", "last"):
            if r[k] != o[k]:
                print("differs %s: %s sluice %s nfdump %s" % (r["key"], k, r[k], o[k]))
                bad += 1
    for k, rest in idx.items():
        for r in rest:
            print("only in nfdump:", r)
            bad += 1
    print("compared %d flows, %d differences" % (len(a), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
