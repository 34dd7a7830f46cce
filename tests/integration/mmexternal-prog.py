#!/usr/bin/python3
# mmexternal-prog.py - the external program of tests/integration/mmexternal.sh, speaking
# rsyslog's mmexternal protocol: one input line in, one JSON reply line out.
#   echo: reply {"$!": {"in": LINE}} (what the daemon sent, byte for byte in $!in)
#   upper: reply {"msg": LINE upper-cased, "$!": {"n": count}}
#   bad: reply "not json" for every 3rd line, {} otherwise
#   slow: never replies to a line containing "hang", else {}
#   tag: reply {"syslogtag": "x:"}
#   die3: like upper, but exits without replying when it reads its 3rd line
import json
import sys

mode = sys.argv[1] if len(sys.argv) > 1 else "echo"
n = 0
for line in sys.stdin:
    line = line[:-1] if line.endswith("\n") else line
    n += 1
    if mode == "echo":
        r = {"$!": {"in": line}}
    elif mode == "die3" and n == 3:
        sys.exit(0)
    elif mode in ("upper", "die3"):
        r = {"msg": line.upper(), "$!": {"n": n}}
    elif mode == "bad":
        if n % 3 == 0:
            sys.stdout.write("not json\n")
            sys.stdout.flush()
            continue
        r = {}
    elif mode == "slow":
        if "hang" in line:
            continue
        r = {}
    else:
        r = {"syslogtag": "x:"}
    sys.stdout.write(json.dumps(r) + "\n")
    sys.stdout.flush()
