#!/usr/bin/env python3
"""regen.py - helper of regen.sh: sends corpus inputs to a running rsyslogd and converts
its JSON output into the expected-value files read by tests/unit/test_parse.c.

Input files (inputs/*.txt): one message per line, escapes \\\\ \\n \\r \\t \\xHH (so any byte
can be written); lines starting with '#' are comments, empty lines are skipped.

Expected files (expected/*.txt): per message, lines "key<TAB>value" (value escaped the same
way), then a line "." ending the message.  Special values:
  @FROMHOST@ in fromhost (and hostname, when rsyslog showed fromhost there) stands for
  the reverse-DNS name of 127.0.0.1 on the machine; expected/FROMHOST keeps what rsyslog
  showed when the corpus was made ("localhost" from /etc/hosts).
  @YEAR@ in timereported-rfc3339 stands for the year rsyslog guessed (the current year) for
  a 3164 timestamp without year; other year-dependent date formats of such a message are
  prefixed with @YEAR@ and only compared when the test runs in the year of the corpus; "@NOW@" means timereported was the reception time.
"""
import json, os, socket, sys, time

def unescape(line):
    out = bytearray()
    i = 0
    b = line.encode('utf-8', 'surrogateescape')
    while i < len(b):
        c = b[i]
        if c == 0x5c and i + 1 < len(b):
            n = chr(b[i + 1])
            if n == 'n': out.append(10); i += 2; continue
            if n == 'r': out.append(13); i += 2; continue
            if n == 't': out.append(9); i += 2; continue
            if n == '\\': out.append(0x5c); i += 2; continue
            if n == 'x': out.append(int(b[i + 2:i + 4], 16)); i += 4; continue
        out.append(c)
        i += 1
    return bytes(out)

def escape(b):
    out = []
    for c in b:
        if c == 0x5c:
            out.append('\\\\')
        elif c == 9:
            out.append('\\t')
        elif c == 10:
            out.append('\\n')
        elif c == 13:
            out.append('\\r')
        elif c < 0x20 or c >= 0x7f:
            out.append('\\x%02x' % c)
        else:
            out.append(chr(c))
    return ''.join(out)

def read_inputs(path):
    msgs = []
    with open(path, 'r', encoding='utf-8', errors='surrogateescape') as f:
        for line in f:
            line = line.rstrip('\n')
            if line == '' or line.startswith('#'):
                continue
            msgs.append(unescape(line))
    return msgs

def cmd_send(path, port, proto):
    msgs = read_inputs(path)
    if proto == 'udp':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for m in msgs:
            s.sendto(m, ('127.0.0.1', int(port)))
            time.sleep(0.01)
    else:
        s = socket.create_connection(('127.0.0.1', int(port)))
        for m in msgs:
            s.sendall(b'%d ' % len(m) + m)
            time.sleep(0.01)
        time.sleep(0.2)
        s.close()
    print(len(msgs))

def cmd_convert(jsonl, out, year):
    with open(jsonl, 'rb') as f:
        data = f.read().split(b'\n')
    with open(out, 'w', encoding='ascii') as o:
        for line in data:
            if not line:
                continue
            d = json.loads(line.decode('utf-8', 'surrogateescape'))
            tg = d.pop('timegenerated-rfc3339')
            if d['timereported-rfc3339'] == tg:
                for k in list(d):
                    if k.startswith('timereported'):
                        d[k] = '@NOW@'
            elif d['protocol-version'] == '0':
                yr = d['timereported-rfc3339'][:4]
                if yr == year:
                    d['timereported-rfc3339'] = '@YEAR@' + d['timereported-rfc3339'][4:]
                    # these depend on the guessed year: compared only when it matches
                    for k in ('mysql', 'pgsql', 'unixtimestamp', 'year', 'ordinal', 'week',
                              'wday', 'wdayname'):
                        d['timereported-' + k] = '@YEAR@' + d['timereported-' + k]
            if d['fromhost-ip'] == '127.0.0.1':
                fh = d['fromhost']
                with open(os.path.join(os.path.dirname(out), 'FROMHOST'), 'w') as fo:
                    fo.write(fh + '\n')
                d['fromhost'] = '@FROMHOST@'
                if d['hostname'] == fh and fh.encode() not in d['rawmsg'].encode('utf-8', 'surrogateescape'):
                    d['hostname'] = '@FROMHOST@'
            for k, v in d.items():
                o.write(k + '\t' + escape(v.encode('utf-8', 'surrogateescape')) + '\n')
            o.write('.\n')

if __name__ == '__main__':
    if sys.argv[1] == 'send':
        cmd_send(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == 'convert':
        cmd_convert(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == 'freeport':
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if sys.argv[2] == 'tcp' else socket.SOCK_DGRAM)
        s.bind(('127.0.0.1', 0))
        print(s.getsockname()[1])
