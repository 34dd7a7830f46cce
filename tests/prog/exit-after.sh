#!/bin/sh
# exit-after.sh OUT N [confirm]: test helper run by omprog.  Appends up to N lines read from
# stdin to OUT, then exits (so the daemon must restart it).  With "confirm" it speaks
# omprog's confirmMessages protocol: "OK" once at start-up and once per line.
out=$1
n=$2
confirm=${3:-}
[ -n "$confirm" ] && echo OK
i=0
while [ "$i" -lt "$n" ] && IFS= read -r line; do
    printf '%s\n' "$line" >> "$out"
    i=$((i + 1))
    [ -n "$confirm" ] && echo OK
done
exit 0
