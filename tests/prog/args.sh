#!/bin/sh
# args.sh OUT ARGS...: test helper run by omprog.  Writes its arguments (one per line,
# between < and >) to OUT.args, says "started" on stderr, then copies stdin to OUT.
out=$1
shift
for a in "$@"; do
    printf '<%s>\n' "$a" >> "$out.args"
done
echo "started with $# arguments" >&2
exec cat >> "$out"
