#!/bin/bash
# stubborn.sh OUT: test helper run by omprog.  Writes its pid to OUT.pid, records SIGTERM
# (then exits) and SIGUSR1 (then goes on) in OUT.sig, copies stdin lines to OUT, and after
# stdin EOF keeps running (bounded: 60 s) so that the daemon has to kill it.
out=$1
echo $$ > "$out.pid"
trap 'echo TERM >> "$out.sig"; exit 0' TERM
trap 'echo USR1 >> "$out.sig"' USR1
while IFS= read -r -t 60 line; do
    printf '%s\n' "$line" >> "$out"
done
for _ in $(seq 600); do
    sleep 0.1
done
exit 0
