#!/bin/bash
# snmptrap.sh - SNMP trap receive benchmark (issue 12): sluiced's imsnmptrap against
# net-snmp's snmptrapd, both logging snmptrapd's default text to a file.  bench/sltrapsend
# replays one captured trap (v2c, or v3 authPriv SHA-256/AES-128 from snmptrap) at
# increasing rates for SECONDS each; every (daemon, kind, rate) run starts the daemon
# afresh, waits until its file stops growing and counts the records.  Reported: sent,
# logged, loss, daemon CPU seconds (utime+stime from /proc) and CPU microseconds per trap.
#
#   bench/snmptrap.sh [--build DIR] [--rates 5000,20000,...] [--seconds N] [--kinds v2c,v3]
#                     [--daemons sluice,snmptrapd] [--rcvbuf BYTES]
# DIR is a configured and built sluice tree (default: the current directory).  Results go
# to stdout (a table) and WORK (default /tmp/sltrap-bench.UID).
set -u
BUILD=$PWD
RATES=5000,10000,20000,50000,100000
SECS=3
KINDS=v2c,v3
DAEMONS=sluice,snmptrapd
RCVBUF=0          # 0: both daemons keep the kernel's default receive buffer
WORK=/tmp/sltrap-bench.$(id -u)
while [ $# -gt 0 ]; do
    case $1 in
        --build) BUILD=$2; shift 2 ;;
        --rates) RATES=$2; shift 2 ;;
        --seconds) SECS=$2; shift 2 ;;
        --kinds) KINDS=$2; shift 2 ;;
        --daemons) DAEMONS=$2; shift 2 ;;
        --rcvbuf) RCVBUF=$2; shift 2 ;;
        --work) WORK=$2; shift 2 ;;
        *) sed -n '2,14p' "$0"; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$BUILD" && pwd)
[ -x "$BUILD/sluiced" ] || { echo "no sluiced in $BUILD (build it first)"; exit 1; }
for c in snmptrap snmptrapd python3 cc; do
    command -v $c > /dev/null || { echo "needs $c"; exit 1; }
done
rm -rf "$WORK"
mkdir -p "$WORK/sender/cert_indexes" || exit 1
cc -O2 -o "$WORK/sltrapsend" "$here/sltrapsend.c" || exit 1
export MIBS='' MIBDIRS=''
PORT=$((20000 + RANDOM % 10000))
ENGINE=0x80001f8880be0c0001

# --- capture one datagram of each kind ---------------------------------------------------
capture()   # NAME snmptrap-args...
{
    local name=$1
    shift
    python3 - "$PORT" "$WORK/$name.pdu" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
open(sys.argv[2], "wb").write(s.recvfrom(65535)[0])
PY
    local py=$! i
    for i in $(seq 50); do
        [ -n "$(ss -Hlun "( sport = :$PORT )" 2> /dev/null)" ] && break
        sleep 0.1
    done
    SNMP_PERSISTENT_DIR=$WORK/sender SNMPCONFPATH=$WORK/sender snmptrap "$@" > /dev/null
    wait $py || { echo "capture of $name failed"; exit 1; }
}
E=1.3.6.1.4.1.8072.2.3
capture v2c -v 2c -c public 127.0.0.1:$PORT 4242 $E.0.1 $E.2.1 i 654321 \
    1.3.6.1.2.1.1.5.0 s "bench trap" 1.3.6.1.2.1.4.20.1.1.0 a 192.0.2.7 $E.2.3 x DEADBEEF
capture v3 -v 3 -e $ENGINE -u benchuser -l authPriv -a SHA-256 -A authpass123 -x AES \
    -X privpass123 127.0.0.1:$PORT 4242 $E.0.1 $E.2.1 i 654321 \
    1.3.6.1.2.1.1.5.0 s "bench trap" 1.3.6.1.2.1.4.20.1.1.0 a 192.0.2.7 $E.2.3 x DEADBEEF

cat > "$WORK/snmptrapd.conf" <<CONF
authCommunity log public
createUser -e $ENGINE benchuser SHA-256 authpass123 AES privpass123
authUser log benchuser
doNotRetainNotificationLogs yes
CONF
[ "$RCVBUF" != 0 ] && echo "[snmp] serverRecvBuf $RCVBUF" >> "$WORK/snmptrapd.conf"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2> /dev/null || echo 0; }

records()   # FILE: notifications logged (lines starting with the date; not snmptrapd's own)
{
    grep -v 'NET-SNMP version' "$1" 2> /dev/null | grep -c '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] '
    return 0
}

start_daemon()   # DAEMON DIR -> PID in DPID, output file in DOUT
{
    local d=$1 dir=$2 i
    mkdir -p "$dir/persist/cert_indexes"
    PORT=$((PORT + 1))
    case $d in
        snmptrapd)
            DOUT=$dir/traps.log
            SNMP_PERSISTENT_DIR=$dir/persist SNMPCONFPATH=$WORK snmptrapd -f -C \
                -c "$WORK/snmptrapd.conf" -Lf "$DOUT" -On -n "udp:127.0.0.1:$PORT" \
                > "$dir/out" 2> "$dir/err" &
            DPID=$! ;;
        sluice)
            DOUT=$dir/traps.log
            cat > "$dir/sluice.conf" <<CONF
global(workDirectory="$dir")
module(load="imsnmptrap")
template(name="t" type="string" string="%msg%\n")
input(type="imsnmptrap" address="127.0.0.1" port="$PORT" rcvbufSize="$RCVBUF"
      snmptrapdConf="$WORK/snmptrapd.conf")
action(type="omfile" file="$DOUT" template="t" asyncWriting="on" ioBufferSize="256k")
CONF
            "$BUILD/sluiced" -n -iNONE -f "$dir/sluice.conf" -M "$BUILD/.libs" \
                > "$dir/out" 2> "$dir/err" &
            DPID=$! ;;
    esac
    for i in $(seq 100); do
        [ -n "$(ss -Hlun "( sport = :$PORT )" 2> /dev/null)" ] && break
        sleep 0.1
    done
    sleep 0.5
}

stop_daemon() { kill "$1" 2> /dev/null; wait "$1" 2> /dev/null; }

printf '%-10s %-4s %8s %9s %9s %7s %8s %9s\n' daemon kind rate sent logged loss% cpu_s us/trap
IFS=, read -ra rates <<< "$RATES"
IFS=, read -ra kinds <<< "$KINDS"
IFS=, read -ra daemons <<< "$DAEMONS"
hz=$(getconf CLK_TCK)
for kind in "${kinds[@]}"; do
    for d in "${daemons[@]}"; do
        for r in "${rates[@]}"; do
            dir=$WORK/$d-$kind-$r
            mkdir -p "$dir"
            start_daemon "$d" "$dir"
            c0=$(cpu_ticks "$DPID")
            sent=$("$WORK/sltrapsend" 127.0.0.1 "$PORT" "$r" "$SECS" "$WORK/$kind.pdu")
            # wait until the file stops growing (at most 60 s)
            last=-1
            for i in $(seq 120); do
                n=$(records "$DOUT")
                [ "$n" = "$last" ] && { [ "$n" -ge "$sent" ] || [ "$i" -gt 4 ]; } && break
                last=$n
                sleep 0.5
            done
            c1=$(cpu_ticks "$DPID")
            stop_daemon "$DPID"
            got=$(records "$DOUT")
            awk -v d="$d" -v k="$kind" -v r="$r" -v s="$sent" -v g="$got" -v c=$((c1 - c0)) \
                -v hz="$hz" 'BEGIN { cpu = c / hz; printf "%-10s %-4s %8d %9d %9d %7.2f %8.2f %9.1f\n",
                d, k, r, s, g, s ? 100 * (s - g) / s : 0, cpu, g ? 1e6 * cpu / g : 0 }'
        done
    done
done
