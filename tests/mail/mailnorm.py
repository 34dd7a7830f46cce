#!/usr/bin/python3
"""mailnorm.py DIR - the mails an SMTP sink stored in DIR (index.jsonl + NNNNNN.eml), one
record each: envelope (sender, recipients) and the exact bytes with the Date header value
replaced by "<date>" (checked against rsyslog's format: "Sun,  6 Dec 2026 13:05:09 +0000").
Records are sorted, so two daemons that batch differently compare equal.  Exit 1 if a Date
header is missing or malformed."""
import json
import re
import sys

DATE = re.compile(rb"^Date: (Sun|Mon|Tue|Wed|Thu|Fri|Sat), [ 1-3][0-9] "
                  rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
                  rb"[0-2][0-9]:[0-5][0-9]:[0-6][0-9] \+0000\r$", re.M)
out = []
bad = 0
for line in open(sys.argv[1] + "/index.jsonl"):
    r = json.loads(line)
    data = open(sys.argv[1] + "/" + r["file"], "rb").read()
    data, n = DATE.subn(b"Date: <date>\r", data)
    if n != 1:
        print("%s: %d well-formed Date headers" % (r["file"], n), file=sys.stderr)
        bad = 1
    out.append("from=%s to=%s\n%r\n" % (r["mail_from"], ",".join(r["rcpt_tos"]), data))
sys.stdout.write("".join(sorted(out)))
sys.exit(bad)
