#!/usr/bin/env python3
"""Regenerate the rsyslog oracle output for test_template.

Reads templates.def and input.txt, writes rs.conf (kept for reference), runs the real
rsyslogd (foreground, private work dir, imudp on a free 127.0.0.1 port), sends every line
of input.txt as one datagram, stops rsyslogd and stores each template's output in
expected/NAME.out and the parsed fields in expected/fields.jsonl.
Usage: python3 gen.py [scratch-dir]    (default /tmp/template-gen)
"""
import os, re, shlex, signal, socket, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))


def cunescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            out.append({'n': '\n', 't': '\t', '\\': '\\', '"': '"'}.get(n, '\\' + n))
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def rs_quote(s):
    """Quote a string for a RainerScript string literal."""
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n').replace('\t', '\\t') + '"'


def parse_defs(path):
    defs = []
    with open(path, encoding='utf-8') as f:
        lines = [l.rstrip('\n') for l in f]
    i = 0
    while i < len(lines):
        l = lines[i]
        i += 1
        if not l.strip() or l.startswith('#'):
            continue
        w = l.split()
        kind, name = w[0], w[1]
        opt = w[2] if len(w) > 2 else None
        if kind == 'builtin':
            defs.append(('builtin', name, None, None))
        elif kind in ('string', 'legacy', 'subtree'):
            body = lines[i]
            i += 1
            defs.append((kind, name, opt, body))
        elif kind == 'list':
            els = []
            while lines[i] != 'end':
                lex = shlex.shlex(lines[i], posix=True)
                lex.whitespace_split = True
                lex.escape = '\\'
                toks = list(lex)
                kvs = [t.split('=', 1) for t in toks[1:]]
                els.append((toks[0], kvs))
                i += 1
            i += 1
            defs.append(('list', name, opt, els))
    return defs


FIELDS = ('{"hostname":"%hostname:::json%","tag":"%syslogtag:::json%","app":"%app-name:::json%",'
          '"procid":"%procid:::json%","msgid":"%msgid:::json%","sd":"%structured-data:::json%",'
          '"msg":"%msg:::json%","pri":"%pri%","ts":"%timereported:::date-rfc3339%",'
          '"pv":"%protocol-version%","raw":"%rawmsg:::json%","programname":"%programname:::json%",'
          '"json":%$!%}\n')


def main():
    scratch = sys.argv[1] if len(sys.argv) > 1 else '/tmp/template-gen'
    os.makedirs(scratch + '/work', exist_ok=True)
    outdir = scratch + '/out'
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        os.unlink(os.path.join(outdir, f))
    defs = parse_defs(os.path.join(HERE, 'templates.def'))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    conf = ['global(workDirectory=%s parser.escapeControlCharactersOnReceive="off")' % rs_quote(scratch + '/work'),
            'main_queue(queue.workerThreads="1")',
            'module(load="imudp")',
            'input(type="imudp" address="127.0.0.1" port="%d" ruleset="r")' % port,
            'template(name="sl_fields" type="string" string=%s)' % rs_quote(FIELDS)]
    for kind, name, opt, body in defs:
        if kind == 'string':
            o = ' option.%s="on"' % opt if opt else ''
            conf.append('template(name="%s" type="string"%s string=%s)' % (name, o, rs_quote(cunescape(body))))
        elif kind == 'subtree':
            conf.append('template(name="%s" type="subtree" subtree=%s)' % (name, rs_quote(body)))
        elif kind == 'legacy':
            conf.append('$template %s,%s' % (name, body))
        elif kind == 'list':
            o = ' option.%s="on"' % opt if opt else ''
            conf.append('template(name="%s" type="list"%s) {' % (name, o))
            for ek, kvs in body:
                conf.append('  %s(%s)' % (ek, ' '.join('%s=%s' % (k, rs_quote(v)) for k, v in kvs)))
            conf.append('}')
    conf.append('ruleset(name="r") {')
    conf.append('  set $!a!b = "v\\"1";')
    conf.append('  set $!n = 5;')
    conf.append('  action(type="omfile" file="%s/fields.jsonl" template="sl_fields")' % outdir)
    for kind, name, opt, body in defs:
        conf.append('  action(type="omfile" file="%s/%s.out" template="%s")' % (outdir, name, name))
    conf.append('}')
    conf_text = '\n'.join(conf) + '\n'
    with open(scratch + '/rs.conf', 'w') as f:
        f.write(conf_text)
    with open(os.path.join(HERE, 'rs.conf'), 'w') as f:
        f.write(conf_text.replace(scratch, '@SCRATCH@').replace('port="%d"' % port, 'port="@PORT@"'))
    p = subprocess.Popen(['rsyslogd', '-n', '-iNONE', '-f', scratch + '/rs.conf'],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if subprocess.run(['ss', '-Hlun', 'sport = :%d' % port], capture_output=True,
                              text=True).stdout.strip():
                break
            time.sleep(0.05)
        time.sleep(0.2)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with open(os.path.join(HERE, 'input.txt'), 'rb') as f:
            for line in f.read().split(b'\n'):
                if line:
                    s.sendto(line, ('127.0.0.1', port))
                    time.sleep(0.05)
        time.sleep(1.0)
    finally:
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=10)
        sys.stdout.write(out.decode(errors='replace'))
    exp = os.path.join(HERE, 'expected')
    os.makedirs(exp, exist_ok=True)
    for f in os.listdir(outdir):
        with open(os.path.join(outdir, f), 'rb') as src, open(os.path.join(exp, f), 'wb') as dst:
            dst.write(src.read())
    print('port', port, 'files', len(os.listdir(outdir)))


if __name__ == '__main__':
    main()
