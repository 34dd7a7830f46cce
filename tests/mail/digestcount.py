#!/usr/bin/python3
"""digestcount.py DIR - checks the digest mails an SMTP sink stored in DIR: each body
starts with "N messages" or "N messages, K more suppressed", then an empty line and N
records (one line each).  Prints "MAILS SUM_N SUM_K"; exit 1 on a malformed digest."""
import json
import re
import sys

HEAD = re.compile(rb"^(\d+) messages(?:, (\d+) more suppressed)?$")
mails = sum_n = sum_k = 0
for line in open(sys.argv[1] + "/index.jsonl"):
    r = json.loads(line)
    data = open(sys.argv[1] + "/" + r["file"], "rb").read()
    body = data.split(b"\r\n\r\n", 1)[1]
    lines = body.split(b"\n")
    m = HEAD.match(lines[0].rstrip(b"\r"))
    if m is None or lines[1].strip(b"\r") != b"":
        sys.exit("%s: no digest summary line: %r" % (r["file"], lines[:2]))
    n, k = int(m.group(1)), int(m.group(2) or 0)
    records = [x for x in lines[2:] if x.strip(b"\r") != b""]
    if len(records) != n:
        sys.exit("%s: says %d messages, has %d records" % (r["file"], n, len(records)))
    mails += 1
    sum_n += n
    sum_k += k
print(mails, sum_n, sum_k)
