#!/usr/bin/python3
"""nfsend.py HOST PORT SRC_ADDR SRC_PORT STEP - send hand-made NetFlow v9 / IPFIX datagrams for
imnetflow's template tests, from a fixed source address and port (an exporter is its address
and port).  Steps:
  held-data        v9: data set of template 300 (flows 192.0.2.1, .2) without its template
  held-template    v9: template 300 (8/4 12/4 7/2 11/2 4/1 1/4 2/4)
  changed-a        v9: template 301 = 8/4 4/1, data 192.0.2.31 proto 6
  changed-b        v9: template 301 = 12/4 7/2, data 198.51.100.32 port 3232 (same ID, new layout)
  other-layout     v9: template 300 = 12/4 2/4 (another exporter, same ID), data 203.0.113.40 pkts 40
  options          IPFIX: options template 400 (scope 302 selectorId; 305, 306), record
                   selector 7 interval 1 space 99; template 401 = 8/4 302/2; data 192.0.2.50 sel 7
  persist-template IPFIX: template 410 = 8/4 11/2
  persist-data     IPFIX: data of template 410: 192.0.2.60 port 6060
Stdlib only; nothing but UDP to HOST:PORT.
"""
import socket
import struct
import sys
import time

T = 1700000010


def v9(sets, seq=1, uptime=10000):
    body = b"".join(sets)
    return struct.pack("!HHIIII", 9, len(sets), uptime, T, seq, 0) + body


def ipfix(sets, seq=0, dom=1):
    body = b"".join(sets)
    return struct.pack("!HHIII", 10, 16 + len(body), T, seq, dom) + body


def fset(sid, payload):
    pad = (-len(payload)) % 4
    return struct.pack("!HH", sid, 4 + len(payload) + pad) + payload + b"\0" * pad


def tmpl(tid, fields):
    return struct.pack("!HH", tid, len(fields)) + b"".join(struct.pack("!HH", i, l) for i, l in fields)


def ip(a):
    return socket.inet_aton(a)


def rec300(src, sport, byts):
    return ip(src) + ip("198.51.100.7") + struct.pack("!HHBII", sport, 443, 6, byts, 2)


T300 = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (1, 4), (2, 4)]


def step(name):
    if name == "held-data":
        return [v9([fset(300, rec300("192.0.2.1", 1001, 100) + rec300("192.0.2.2", 1002, 200))], seq=1)]
    if name == "held-template":
        return [v9([fset(0, tmpl(300, T300))], seq=2)]
    if name == "changed-a":
        return [v9([fset(0, tmpl(301, [(8, 4), (4, 1)])), fset(301, ip("192.0.2.31") + b"\x06")], seq=3)]
    if name == "changed-b":
        return [v9([fset(0, tmpl(301, [(12, 4), (7, 2)])),
                    fset(301, ip("198.51.100.32") + struct.pack("!H", 3232))], seq=4)]
    if name == "other-layout":
        return [v9([fset(0, tmpl(300, [(12, 4), (2, 4)])),
                    fset(300, ip("203.0.113.40") + struct.pack("!I", 40))], seq=1)]
    if name == "options":
        ot = struct.pack("!HHH", 400, 3, 1) + b"".join(
            struct.pack("!HH", i, l) for i, l in [(302, 2), (305, 4), (306, 4)])
        return [ipfix([fset(3, ot), fset(400, struct.pack("!HII", 7, 1, 99)),
                       fset(2, tmpl(401, [(8, 4), (302, 2)])),
                       fset(401, ip("192.0.2.50") + struct.pack("!H", 7))], seq=0)]
    if name == "persist-template":
        return [ipfix([fset(2, tmpl(410, [(8, 4), (11, 2)]))], seq=0, dom=5)]
    if name == "persist-data":
        return [ipfix([fset(410, ip("192.0.2.60") + struct.pack("!H", 6060))], seq=0, dom=5)]
    raise SystemExit("unknown step " + name)


def main():
    host, port, saddr, sport, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((saddr, sport))
    for d in step(name):
        s.sendto(d, (host, port))
        time.sleep(0.01)
    s.close()


if __name__ == "__main__":
    main()
