#!/usr/bin/python3
"""mkpcap.py OUT.pcap [--count N] - (copied from the sprint's shared peers kit for the imnetflow
tests) write a small, deterministic Ethernet pcap for NetFlow tests.

Run it with Debian's python3 (package python3-scapy); nothing is sent anywhere, packets
only go into the file. Addresses are from the documentation ranges (RFC 5737 / RFC 3849).

Flows written (all timestamps fixed, starting at 2023-11-14T22:13:20Z = 1700000000):
  A  TCP  192.0.2.10:40000 -> 198.51.100.20:443   SYN, ACK, 5 x 100-byte payload, FIN (8 packets, 820 bytes)
     TCP  198.51.100.20:443 -> 192.0.2.10:40000   SYN/ACK, ACK, FIN                   (3 packets, 120 bytes)
  B  UDP  192.0.2.11:5353  -> 198.51.100.21:53    3 x 60-byte payload                 (3 packets, 264 bytes)
  C  ICMP 192.0.2.12       -> 198.51.100.22       echo request type 8 code 0          (2 packets, 168 bytes)
  D  TCP6 [2001:db8::1]:50000 -> [2001:db8::2]:80 SYN, 2 x 50-byte payload, FIN       (4 packets, 340 bytes)
With --count N, flow B is sent N times with source ports 5353.. (N distinct UDP flows), for
tests that need many records (NetFlow v5 packs at most 30 records per datagram).
A summary of every flow (packets, IP-layer bytes) is printed to stdout as JSON.
"""
import argparse
import json

from scapy.all import ICMP, IP, TCP, UDP, Ether, IPv6, Raw, wrpcap

T0 = 1700000000.0
MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=1, help="number of UDP flows like B")
    args = ap.parse_args()

    pkts = []
    t = [T0]

    def add(p, dt=0.01):
        p.time = t[0]
        t[0] += dt
        pkts.append(p)

    e_ab = Ether(src=MAC_A, dst=MAC_B)
    e_ba = Ether(src=MAC_B, dst=MAC_A)

    # Flow A: TCP, both directions
    c, s = "192.0.2.10", "198.51.100.20"
    add(e_ab / IP(src=c, dst=s, ttl=64) / TCP(sport=40000, dport=443, flags="S", seq=1000))
    add(e_ba / IP(src=s, dst=c, ttl=64) / TCP(sport=443, dport=40000, flags="SA", seq=5000, ack=1001))
    add(e_ab / IP(src=c, dst=s, ttl=64) / TCP(sport=40000, dport=443, flags="A", seq=1001, ack=5001))
    for i in range(5):
        add(e_ab / IP(src=c, dst=s, ttl=64)
            / TCP(sport=40000, dport=443, flags="PA", seq=1001 + 100 * i, ack=5001)
            / Raw(b"x" * 100))
    add(e_ba / IP(src=s, dst=c, ttl=64) / TCP(sport=443, dport=40000, flags="A", seq=5001, ack=1501))
    add(e_ab / IP(src=c, dst=s, ttl=64) / TCP(sport=40000, dport=443, flags="FA", seq=1501, ack=5001))
    add(e_ba / IP(src=s, dst=c, ttl=64) / TCP(sport=443, dport=40000, flags="FA", seq=5001, ack=1502))

    # Flow(s) B: UDP
    for n in range(args.count):
        for _ in range(3):
            add(e_ab / IP(src="192.0.2.11", dst="198.51.100.21", ttl=64)
                / UDP(sport=5353 + n, dport=53) / Raw(b"q" * 60), dt=0.001)

    # Flow C: ICMP echo request
    for i in range(2):
        add(e_ab / IP(src="192.0.2.12", dst="198.51.100.22", ttl=64) / ICMP(type=8, code=0, id=1, seq=i)
            / Raw(b"p" * 56))

    # Flow D: IPv6 TCP
    c6, s6 = "2001:db8::1", "2001:db8::2"
    add(e_ab / IPv6(src=c6, dst=s6) / TCP(sport=50000, dport=80, flags="S", seq=1))
    for i in range(2):
        add(e_ab / IPv6(src=c6, dst=s6) / TCP(sport=50000, dport=80, flags="PA", seq=2 + 50 * i)
            / Raw(b"y" * 50))
    add(e_ab / IPv6(src=c6, dst=s6) / TCP(sport=50000, dport=80, flags="FA", seq=102))

    wrpcap(args.out, pkts)

    # summary: per 5-tuple packet count and IP-layer bytes (what NetFlow reports as dOctets)
    flows = {}
    for p in pkts:
        ip = p[IP] if IP in p else p[IPv6]
        l4 = p[TCP] if TCP in p else (p[UDP] if UDP in p else None)
        proto = {TCP: 6, UDP: 17}.get(type(l4), 1)
        key = (ip.src, l4.sport if l4 else 0, ip.dst, l4.dport if l4 else 0, proto)
        size = len(ip) if IP in p else len(ip) + 0  # IPv6: header + payload
        f = flows.setdefault(key, {"packets": 0, "bytes": 0})
        f["packets"] += 1
        f["bytes"] += size
    out = [dict(src=k[0], sport=k[1], dst=k[2], dport=k[3], proto=k[4], **v)
           for k, v in sorted(flows.items(), key=lambda kv: str(kv[0]))]
    print(json.dumps({"pcap": args.out, "packets": len(pkts), "flows": out}, indent=1))


if __name__ == "__main__":
    main()
