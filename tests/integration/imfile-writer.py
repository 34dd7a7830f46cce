#!/usr/bin/env python3
# imfile-writer.py - the application side of tests/integration/imfile-rotate.sh: appends
# numbered lines ("1" .. "COUNT") to FILE at RATE lines/s and rotates the file on the way,
# as logrotate would:
#   --rename-at N     before line N: FILE -> FILE.1 (rename), then a new FILE
#   --truncate-at M   before line M: wait until every file given with --caught-up holds
#                     M-1 lines (the readers are done with FILE, bounded by --wait seconds),
#                     then copy FILE to FILE.2 and truncate FILE (copytruncate)
# Progress (the last line written) goes to FILE.progress every 1000 lines.
# Exit status 0, or 1 if the readers did not catch up in time.
import argparse
import os
import shutil
import sys
import time


def lines_in(path):
    try:
        with open(path, 'rb') as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('file')
    ap.add_argument('count', type=int)
    ap.add_argument('--rate', type=int, default=10000)
    ap.add_argument('--rename-at', type=int, default=0)
    ap.add_argument('--truncate-at', type=int, default=0)
    ap.add_argument('--caught-up', action='append', default=[])
    ap.add_argument('--wait', type=float, default=20.0)
    a = ap.parse_args()
    f = open(a.file, 'a')
    start = time.monotonic()
    for i in range(1, a.count + 1):
        if i == a.rename_at:
            f.close()
            os.rename(a.file, a.file + '.1')
            f = open(a.file, 'a')
        if i == a.truncate_at:
            f.flush()
            deadline = time.monotonic() + a.wait
            while any(lines_in(p) < i - 1 for p in a.caught_up):
                if time.monotonic() > deadline:
                    print('readers did not catch up before the copytruncate: %s' %
                          [(p, lines_in(p)) for p in a.caught_up], file=sys.stderr)
                    return 1
                time.sleep(0.05)
            shutil.copyfile(a.file, a.file + '.2')
            os.truncate(a.file, 0)
            start = time.monotonic() - i / a.rate   # no catching up on the pause
        f.write('%d\n' % i)
        if i % 100 == 0:
            f.flush()
            ahead = start + i / a.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        if i % 1000 == 0:
            with open(a.file + '.progress', 'w') as p:
                p.write('%d\n' % i)
    f.close()
    with open(a.file + '.progress', 'w') as p:
        p.write('%d\n' % a.count)
    return 0


if __name__ == '__main__':
    sys.exit(main())
