#!/usr/bin/env python3
"""mkcorpus.py - (re)write the seed corpora under tests/fuzz/corpus/ from the tree's own
test data: syslog lines (tests/diff/data, tests/data/odd-syslog-lines), the differential
cases' configs, the template definitions, and hand-made framing/JSON/spool inputs.  Seeds
are named seed-*; reproducers of fixed crashes (crash-*) are kept as they are.  The
msgser seeds are records written by sluice itself: tests/fuzz/replay_msgser -w DIR.
Run from the top of the source tree:  python3 tests/fuzz/mkcorpus.py"""
import glob, hashlib, os, re, struct, subprocess, sys, zlib

top = os.getcwd()
out = os.path.join(top, 'tests/fuzz/corpus')

def put(name, data):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, 'seed-' + h), 'wb') as f:
        f.write(data)

def clean(name):
    for p in glob.glob(os.path.join(out, name, 'seed-*')):
        os.unlink(p)

lines = []
for p in sorted(glob.glob('tests/diff/data/*.txt')) + ['tests/data/odd-syslog-lines/lines.txt']:
    with open(p, 'rb') as f:
        ls = [l.rstrip(b'\n') for l in f if l.strip()]
    lines += ls[:12]

clean('parse')
for i, l in enumerate(lines):
    put('parse', bytes([0 if i % 5 else 16]) + l)
for l in lines[:10]:
    put('parse', bytes([64]) + l)          # the local (imuxsock) parser
    put('parse', bytes([64 | 128]) + l)

clean('framing')
for opt, chunk, s in [
        (0, 3, b'5 hello3 abc\nplain line\n12 <13>hi there'),
        (0, 1, b'<13>one\n<13>two\n<13>three'),
        (4, 7, b'a\x00b\x00c\nd'),
        (8 | (1 << 5), 5, b'300000 x\n0 y\n2147483648 z\n' + b'A' * 100 + b'\n'),
        (16, 2, b' 4 abcd 3 xyz\n'),
        (2, 9, b'7 abcdefg8 hijklmno'),
        (1, 4, b'no octets 5 here\n'),
        ((3 << 5), 11, b'99 short\n' + b'B' * 200)]:
    put('framing', bytes([opt, chunk]) + s)

clean('conf')
for p in sorted(glob.glob('tests/diff/cases/*/conf.in')) + sorted(glob.glob('tests/configs/*.conf')):
    with open(p, 'rb') as f:
        data = f.read()
    if re.search(rb'(?i)include', data) or len(data) > 16384:
        continue
    put('conf', data)

clean('template')
with open('tests/data/template/templates.def', 'rb') as f:
    defs = f.read().split(b'\n')
for i, l in enumerate(defs):
    m = re.match(rb'(string|legacy) (\S+)', l)
    if not m or i + 1 >= len(defs):
        continue
    body = defs[i + 1]
    if m.group(1) == b'string':
        body = body.decode('unicode_escape').encode('latin-1')
        put('template', bytes([0]) + body)
        put('template', bytes([6]) + body)  # json option
    else:
        put('template', bytes([1]) + body)

clean('json')
for sel, path, js in [
        (0, b'', b'{"a":1,"b":{"c":[1,2,{"d":null}]}}'),
        (2, b'a!b', b'{"x":"y"}'),
        (1, b'l!m', b'"str\\u00e9"'),
        (4, b'a!b!c!d', b'[1,2,3]'),
        (6, b'', b'{"\\u0000k":true,"e":1e308,"f":-0.0}'),
        (0, b'x[1]!y', b'{"n":{}}'),
        (2, b'deep', b'[' * 40 + b']' * 40)]:
    put('json', bytes([sel + 0x30]) + path + b'\n' + js)

clean('spool')
for b0, b1, flips, recs in [
        (0, 0, [], [b'r1', b'r2', b'r3']),
        (1, 0, [(40, 0xff)], [b'x' * 100] * 8),
        (8, 10, [], [b'y' * 60] * 20),
        (16 | 2, 3, [(5, 1), (600, 0x80)], [b'z' * 200] * 10),
        ((2 << 5) | 3, 0, [(100, 1), (700, 2), (1300, 4)], [b'w' * 90] * 30)]:
    hdr = bytes([b0, b1]) + b''.join(struct.pack('<HB', o & 0xffff, x) for o, x in flips)
    put('spool', hdr + b'\n'.join(recs))

# kernel log: the records of tests/plugins/test_imklog.c and tests/integration/imkmsg.sh
proc_lines = [b'<6>[   12.345678] usb 1-1: new device', b'<3>plain error',
              b'<14>[    1.000000] user-level facility: dropped',
              b'<6><30>systemd[1]: second PRI wins: daemon, dropped',
              b'<4> <28>x: space then PRI: dropped', b'<6><3>second PRI < 8 is ignored',
              b'<7>[bad stamp] text', b'<6>[12.5] no pad', b'<16>[ 1.0] pri at 4', b'<6>par']
kmsg_recs = [b'6,100,5000000,-;hello kernel',
             b'4,101,5100000,-;usb 1-1: new high-speed USB device\n SUBSYSTEM=usb\n DEVICE=c189:1',
             b'30,102,5200000,c;systemd[1]: Started foo.service.',
             b'3,103,5300000,-,caller=T1;escaped \\x1b[0m text',
             b'13,105,6000000,-;user space via /dev/kmsg',
             b'4,101,12400000,c,caller=T1;tab\\x09and two\\x0alines',
             b'6,1,2,-no semicolon here', b'999,2,3,-;pri too big',
             b'6,3,4,-;' + b'x' * 1100, b'6,4,5,-;odd properties\n NOEQUALS\n =']
clean('imklog')
for sel in range(8):
    put('imklog', bytes([sel]) + b'\n'.join(proc_lines))
    put('imklog', bytes([sel]) + b'\n'.join(kmsg_recs))
for i, l in enumerate(proc_lines + kmsg_recs):
    put('imklog', bytes([i & 7]) + l)
clean('imkmsg')
for dev in (0, 1):
    put('imkmsg', bytes([dev]) + b'\n'.join(kmsg_recs) + b'\n')
    for r in kmsg_recs:
        put('imkmsg', bytes([dev]) + r + b'\n')

# journal entries: the 14 "mix" entries of tests/integration/imjournal.sh, one per seed, in
# the export format journal-export.py writes (text and binary fields)
clean('imjournal')
for i in range(14):
    ent = subprocess.check_output([sys.executable, 'tests/integration/journal-export.py',
                                   'export', 'mix', str(i), '1'])
    put('imjournal', bytes([i % 6]) + ent.rstrip(b'\n'))

# imptcp compression.mode="stream:always" (fuzz_inflate): options as ptcp's (byte 0
# framing, byte 1 read size, byte 2 imptcp framing), then zlib stream(s): messages each
# sync-flushed as omfwd sends them (never finished), a finished stream and a second one
# after it, a zip bomb (4 MiB from 4 KiB, past the harness's 256 KiB cap and ptcp's 64 KiB
# chunks; with and without LFs), a truncated stream, a corrupt one, and plain text.
def zsync(msgs, level=6):
    c = zlib.compressobj(level)
    return b''.join(c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH) for m in msgs)

clean('inflate')
zlines = [l + b'\n' for l in lines[:20]]
zoct = [b'%d %s' % (len(l), l) for l in lines[:20]]
for opt, chunk, popt, s in [
        (0, 7, 0, zsync(zlines)),
        (0, 0, 0, zsync(zoct)),
        (2, 255, 0, zsync(zoct, 9)),
        (0, 3, 1, zsync([b'<13>one\n  cont\n', b'<13>two\n'])),
        (0, 5, 2, zsync([b'<13>one\nmore\n<13>two\n', b'<14>three'])),
        (0, 16, 0, zlib.compress(b''.join(zlines)) + zlib.compress(b''.join(zlines[:3]))),
        ((3 << 5), 200, 0, zlib.compress(b'A' * (4 << 20), 9)),
        (0, 100, 0, zlib.compress(b'<13>bomb\n' * (1 << 19), 9)),
        (0, 1, 0, zsync(zlines)[:150]),
        (0, 9, 0, zsync(zlines[:4]) + b'\x00garbage\xff' * 3),
        (0, 4, 0, b''.join(zlines[:4]))]:
    put('inflate', bytes([opt, chunk, popt]) + s)

rep = os.path.join(os.environ.get('top_builddir', top), 'tests/fuzz/replay_msgser')
if os.access(rep, os.X_OK):
    clean('msgser')
    subprocess.check_call([rep, '-w', os.path.join(out, 'msgser')])
else:
    print('mkcorpus: %s not built: msgser seeds left as they are' % rep, file=sys.stderr)
