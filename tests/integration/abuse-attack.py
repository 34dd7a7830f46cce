#!/usr/bin/env python3
"""abuse-attack.py - the attacker of tests/integration/abuse-*.sh (issue 19).

Usage: abuse-attack.py PORT IDLE SLOW SECONDS READYFILE [tls]
Opens IDLE connections that never send anything and SLOW slowloris connections that send
the start of a frame ("<13>slowloris " and 1,000 bytes, no delimiter) and then one more
byte a second, never completing it; with "tls" every connection first completes a TLS
handshake (no certificate check) and the bytes go inside TLS.  When all are open it writes
"open N" to READYFILE, then keeps them until READYFILE is removed or SECONDS passed
(reopening any the server closes, which is counted) and prints "attack: open=N
reopened=R".  One thread; every socket is
non-blocking after its handshake; bounded by SECONDS.
"""
import os
import socket
import ssl
import sys
import time

port, idle, slow, secs = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                          float(sys.argv[4]))
ready = sys.argv[5]
tls = len(sys.argv) > 6 and sys.argv[6] == "tls"
ctx = None
if tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE


def opened(slowloris):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
        if ctx is not None:
            s = ctx.wrap_socket(s)
        if slowloris:
            s.sendall(b"<13>slowloris " + b"x" * 1000)
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


def alive(s):
    try:
        if ctx is None:
            return s.recv(1, socket.MSG_PEEK) != b""
        return s.recv(1) != b""
    except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
        return True
    except OSError:
        return False


conns = [[opened(i >= idle), i >= idle] for i in range(idle + slow)]
n = sum(1 for c in conns if c[0] is not None)
with open(ready, "w") as f:
    f.write("open %d\n" % n)
end = time.time() + secs
reopened = 0
while time.time() < end and os.path.exists(ready):
    for c in conns:
        if c[0] is None or not alive(c[0]):
            if c[0] is not None:
                c[0].close()
            c[0] = opened(c[1])
            reopened += 1
            continue
        if c[1]:
            try:
                c[0].send(b"x")
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
            except OSError:
                c[0].close()
                c[0] = None
    for _ in range(10):
        if not os.path.exists(ready):
            break
        time.sleep(0.1)
print("attack: open=%d reopened=%d" % (n, reopened))
