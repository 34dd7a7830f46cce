#!/usr/bin/python3
"""nfrelay.py LISTEN_PORT DEST_PORT STATS_FILE [EVERY] - a UDP relay on 127.0.0.1 that drops every
EVERY-th datagram (default 10) between a flow exporter and a collector, for sequence-gap tests.

It exits after 2 s without traffic once something was relayed (or 20 s in all) and writes to
STATS_FILE "forwarded N dropped N expected_lost N": the loss a collector should count, from the
exporters' own headers, for drops followed by a forwarded datagram (a trailing drop cannot be
seen): v5 the dropped datagram's flow count, v9 one per export packet, IPFIX the flow
records in it (counted with the templates the relay saw; options records are not counted,
as the exporters these tests use, softflowd, leave them out of the sequence too).
Stdlib only.
"""
import socket
import struct
import sys
import time


TEMPLATES = {}   # IPFIX template id -> (record length, is options)


def ipfix_flow_records(d):
    """Flow data records in one IPFIX message; learns templates (fixed-length fields only)."""
    off, n = 16, 0
    while off + 4 <= len(d):
        sid, sl = struct.unpack("!HH", d[off:off + 4])
        if sl < 4:
            break
        body = d[off + 4:off + sl]
        if sid in (2, 3):
            p = 0
            while p + 4 <= len(body):
                tid, cnt = struct.unpack("!HH", body[p:p + 4])
                p += 6 if sid == 3 else 4
                if cnt == 0:
                    continue
                rl = 0
                for _ in range(cnt):
                    fid, fl = struct.unpack("!HH", body[p:p + 4])
                    p += 8 if fid & 0x8000 else 4
                    rl += fl
                TEMPLATES[tid] = (rl, sid == 3)
        elif sid >= 256 and sid in TEMPLATES and not TEMPLATES[sid][1]:
            n += len(body) // TEMPLATES[sid][0]
        off += sl
    return n


def main():
    lport, dport, stats = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    every = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    rx.bind(("127.0.0.1", lport))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.time()
    last = None
    n = fwd = drop = 0
    pending = []      # loss of dropped datagrams not yet followed by a forwarded one
    lost = 0
    while time.time() - start < 20:
        rx.settimeout(2.0 if last is not None else 1.0)
        try:
            d, _ = rx.recvfrom(65535)
        except socket.timeout:
            if last is not None:
                break
            continue
        last = time.time()
        n += 1
        ver = struct.unpack("!H", d[:2])[0] if len(d) >= 2 else 0
        cnt = struct.unpack("!H", d[2:4])[0] if len(d) >= 4 else 0
        recs = ipfix_flow_records(d) if ver == 10 else 0
        if n % every == 0:
            drop += 1
            if ver == 5:
                pending.append(cnt)
            elif ver == 9:
                pending.append(1)
            elif ver == 10:
                pending.append(recs)
            continue
        tx.sendto(d, ("127.0.0.1", dport))
        fwd += 1
        lost += sum(pending)
        pending = []
    with open(stats, "w") as f:
        f.write("forwarded %d dropped %d expected_lost %d\n" % (fwd, drop, lost))


if __name__ == "__main__":
    main()
