#!/bin/bash
# snmptrap-vs-snmptrapd: net-snmp's snmptrap sends the same corpus of notifications (v1
# generic and enterprise-specific, v2c with every varbind type snmptrap can encode, plus
# crafted datagrams for the types it cannot: noSuchObject, a plain Opaque, UInteger32) to
# snmptrapd (the reference: default format, -n -On, logging to a file) and to sluiced's
# imsnmptrap writing "%msg%\n" to a file.  The two files must be equal byte for byte after
# normalising only what differs by construction: the receive time (first 19 bytes of each
# record) and the UDP ports of the two separate sends.  A wrong community is dropped by both.
# Also checks a few $!snmp fields against what snmptrapd decoded, and the counters.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice-only test"; exit 77; }
if ! command -v snmptrap > /dev/null 2>&1 || ! command -v snmptrapd > /dev/null 2>&1; then
    log "net-snmp snmptrap/snmptrapd not installed: skipped"
    exit 77
fi

new_port PREF
new_port PDUT
export SNMP_PERSISTENT_DIR=$T/sender MIBS='' MIBDIRS='' SNMPCONFPATH=$T/sender
mkdir -p "$T/sender/cert_indexes" "$T/ref/persist/cert_indexes"   # else snmptrapd logs "Created directory"

# --- the reference: snmptrapd with its default output format --------------------------------
# sluiced reads the same file (snmptrapdConf=): communities and v3 users come from it
cat > "$T/ref/snmptrapd.conf" <<EOF
authCommunity log public
createUser -e 0x80001f8880c0ffee0001 trapuser SHA authpass123 AES privpass123
createUser -e 0x80001f8880c0ffee0001 trap256 SHA-256 authpass123 AES-256 privpass123
createUser -e 0x80001f8880c0ffee0001 md5des MD5 authpass123 DES privpass123
createUser informuser SHA authpass123 AES privpass123
authUser log trapuser
authUser log trap256
authUser log md5des priv
authUser log informuser
doNotRetainNotificationLogs yes
EOF
SNMP_PERSISTENT_DIR=$T/ref/persist SNMPCONFPATH=$T/ref \
    snmptrapd -f -C -c "$T/ref/snmptrapd.conf" -Lf "$T/ref/traps.log" -On -n \
    "udp:127.0.0.1:$PREF" > "$T/ref.out" 2> "$T/ref.err" &
REF_PID=$!
track_pid "$REF_PID"

# --- sluiced ---------------------------------------------------------------------------------
cat > "$T/sluice.conf" <<EOF
$(dut_global)
module(load="imsnmptrap")
template(name="text" type="string" string="%msg%\n")
template(name="fields" type="string" string="%syslogtag% %pri% %fromhost-ip% %\$!snmp!version% %\$!snmp!trap_oid% %\$!snmp!varbinds%\n")
input(type="imsnmptrap" address="127.0.0.1" port="$PDUT" snmptrapdConf="$T/ref/snmptrapd.conf")
action(type="omfile" file="$T/out/traps.log" template="text")
action(type="omfile" file="$T/out/fields.log" template="fields")
template(name="json" type="string" string="%\$!snmp%\n")
action(type="omfile" file="$T/out/trees.json" template="json")
EOF
dut_start "$T/sluice.conf" udp "$PDUT"
wait_port udp "$PREF" 15 || fail "snmptrapd does not listen"
for i in $(seq 100); do grep -q "NET-SNMP version" "$T/ref/traps.log" 2> /dev/null && break; sleep 0.1; done

# --- the corpus ------------------------------------------------------------------------------
N=0
send_both()   # snmptrap ARGS... with TARGET standing for the receiver
{
    local port a args
    for port in "$PREF" "$PDUT"; do
        args=()
        for a in "$@"; do
            [ "$a" = TARGET ] && a=127.0.0.1:$port
            args+=("$a")
        done
        timeout -k 20 10 snmptrap "${args[@]}" > /dev/null 2>> "$T/sender.err" || fail "snmptrap $* failed"
    done
    N=$((N + 1))
    # one record at a time: the two receivers see the same order
    wait_records "$N"
}

raw_both()    # HEX of a whole datagram
{
    local port
    # one write(2), one datagram: cat from a file (bash's printf writes line by line)
    printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')" > "$T/dgram.bin"
    for port in "$PREF" "$PDUT"; do
        cat "$T/dgram.bin" > "/dev/udp/127.0.0.1/$port" || fail "cannot send the crafted datagram"
    done
    N=$((N + 1))
    wait_records "$N"
}

wait_records()
{
    local want=$1 i
    for i in $(seq 100); do
        [ "$(grep -c '^[0-9]\{4\}-' "$T/ref/traps.log")" -ge "$want" ] &&
            [ "$(grep -c '^[0-9]\{4\}-' "$T/out/traps.log" 2> /dev/null)" -ge "$want" ] && return 0
        sleep 0.1
    done
    fail "record $want did not arrive at both receivers"
}

E=1.3.6.1.4.1.8072.2.3
send_both -v 1 -c public TARGET $E 192.0.2.1 0 0 100                              # coldStart
send_both -v 1 -c public TARGET $E 10.1.2.3 2 0 4242 1.3.6.1.2.1.2.2.1.1.7 i 7    # linkDown
send_both -v 1 -c public TARGET $E 192.0.2.1 6 17 12345 $E.2.1 i 123456 1.3.6.1.2.1.1.5.0 s "v1 text"
send_both -v 1 -c public TARGET $E.0 192.0.2.9 6 99 8640000 $E.2.2 c 5            # enterprise ending in .0
send_both -v 1 -c public TARGET $E 192.0.2.1 4 0 17280001                         # 2 days
send_both -v 2c -c public TARGET 500 $E.0.1 \
    $E.2.1 i 654321 $E.2.2 i -2147483648 $E.2.3 u 4294967295 $E.2.4 c 99 $E.2.5 C 18446744073709551615 \
    $E.2.6 t 123456789 $E.2.7 o 1.3.6.1.2.1.1 $E.2.8 a 192.0.2.7 $E.2.9 s "printable text" \
    $E.2.10 s "" $E.2.11 s 'quote " and \ backslash' $E.2.12 x DEADBEEF00 \
    $E.2.13 x 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F2021 \
    $E.2.14 x 41420A43 $E.2.15 n '' $E.2.16 d 1.2.3.4 $E.2.17 b 1,3,9 \
    $E.2.18 U 12345678901 $E.2.19 I -5 $E.2.20 F 1.5 $E.2.21 D -2.25 $E.2.22 s "tab	in"
send_both -v 2c -c public TARGET 1 $E.0.2                                          # no varbinds
send_both -v 2c -c public TARGET 8640000 1.3.6.1.6.3.1.1.5.3 1.3.6.1.2.1.2.2.1.1.3 i 3
# crafted v2c traps: noSuchObject, a plain Opaque (hex), UInteger32
#   30 LL 02 01 01 04 06 "public" A7 LL 02 01 01 02 01 00 02 01 00 30 LL
#     30 0d 06 08 2b06010201010300 43 01 00     sysUpTime.0 = 0
#     30 14 06 0a 2b060106030101040100 06 06 2b0601040101   snmpTrapOID.0
#     30 09 06 05 2b06010401 80 00              noSuchObject
#     30 0c 06 05 2b06010402 44 03 010203       Opaque
#     30 0a 06 05 2b06010403 47 01 07           UInteger32
VBS=300d06082b06010201010300430100
VBS+=3014060a2b06010603010104010006062b0601040101
VBS+=300906052b060104018000
VBS+=300c06052b06010402440301020
VBS+=3
VBS+=300a06052b06010403470107
vlen=$(( ${#VBS} / 2 ))
PDU=020101020100020100$(printf '30%02x' "$vlen")$VBS
plen=$(( ${#PDU} / 2 ))
MSG=0201010406$(printf public | od -An -tx1 | tr -d ' \n')$(printf 'a7%02x' "$plen")$PDU
mlen=$(( ${#MSG} / 2 ))
raw_both "$(printf '30%02x' "$mlen")$MSG"
# a wrong community: neither logs it
for port in "$PREF" "$PDUT"; do
    timeout -k 20 10 snmptrap -v 2c -c wrong "127.0.0.1:$port" 5 $E.0.3 > /dev/null 2>&1
done
# v3 traps (authPriv; the sender is the authoritative engine) and v3/v2c informs
V3="-v 3 -e 0x80001f8880c0ffee0001 -l authPriv -A authpass123 -X privpass123"
# shellcheck disable=SC2086
send_both $V3 -u trapuser -a SHA -x AES TARGET 300 $E.0.5 $E.2.1 s "v3 aes"
# shellcheck disable=SC2086
send_both $V3 -u trap256 -a SHA-256 -x AES-256 TARGET 301 $E.0.6 $E.2.1 x 00FF
# shellcheck disable=SC2086
send_both $V3 -u md5des -a MD5 -x DES TARGET 302 $E.0.7 $E.2.1 i 1
for port in "$PREF" "$PDUT"; do
    timeout -k 20 20 snmpinform -v 3 -u informuser -l authPriv -a SHA -A authpass123 -x AES \
        -X privpass123 -r 1 -t 3 "127.0.0.1:$port" 303 $E.0.8 $E.2.1 s "v3 inform" \
        > /dev/null 2>> "$T/sender.err" || fail "snmpinform -v 3 to port $port not acknowledged"
    timeout -k 20 20 snmpinform -v 2c -c public -r 1 -t 3 "127.0.0.1:$port" 304 $E.0.9 \
        > /dev/null 2>> "$T/sender.err" || fail "snmpinform -v 2c to port $port not acknowledged"
done
N=$((N + 2))
wait_records "$N"
send_both -v 2c -c public TARGET 77 $E.0.4 $E.2.1 s "last"
sleep 0.5

# --- compare ---------------------------------------------------------------------------------
norm()
{
    grep -v 'NET-SNMP version' "$1" |
        sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} /TIME /;
                s/\[127\.0\.0\.1\]:[0-9]+->\[127\.0\.0\.1\]:[0-9]+/[127.0.0.1]:SPORT->[127.0.0.1]:DPORT/g'
}
norm "$T/ref/traps.log" > "$T/ref.norm"
norm "$T/out/traps.log" > "$T/dut.norm"
if ! cmp -s "$T/ref.norm" "$T/dut.norm"; then
    diff -u "$T/ref.norm" "$T/dut.norm" | head -40 >&2
    fail "sluiced's text differs from snmptrapd's"
fi
records=$(grep -c '^TIME ' "$T/dut.norm")
[ "$records" -eq "$N" ] || fail "expected $N records, got $records"
grep -q 'wrong\|\.0\.3$' "$T/dut.norm" && fail "the wrong community was logged"
log "$N notifications: sluiced's text equals snmptrapd's ($(wc -c < "$T/dut.norm") bytes normalised)"

# --- fields and counters ---------------------------------------------------------------------
# every field of every $!snmp tree against snmptrapd's decoding of the same notification
if command -v python3 > /dev/null 2>&1; then
    python3 "$(dirname "$0")/snmptrap-fields.py" "$T/ref/traps.log" "$T/out/trees.json" > "$T/fields.out" ||
        fail "\$!snmp differs from snmptrapd: $(cat "$T/fields.out")"
    log "$(cat "$T/fields.out")"
else
    log "no python3: the field-by-field check of \$!snmp is skipped"
fi
grep -q '^snmptrapd: 30 127.0.0.1 1 .1.3.6.1.4.1.8072.2.3.0.17 ' "$T/out/fields.log" ||
    fail "v1 fields wrong: $(sed -n 3p "$T/out/fields.log")"
grep -q '^snmptrapd: 30 127.0.0.1 2c .1.3.6.1.6.3.1.1.5.3 ' "$T/out/fields.log" ||
    fail "v2c linkDown fields wrong"
grep -q '"oid": ".1.3.6.1.4.1.8072.2.3.2.12", "type": "Hex-STRING", "value": "DE AD BE EF 00"' \
    "$T/out/fields.log" || fail "Hex-STRING varbind wrong in \$!snmp"
grep -q '"type": "Counter64", "value": "18446744073709551615"' "$T/out/fields.log" ||
    fail "Counter64 above 2^63 wrong in \$!snmp"
# shellcheck disable=SC2119  # default file
stats_dump
[ "$(stat_val "imsnmptrap($PDUT)" traps)" = "$N" ] || fail "traps counter: $(grep imsnmptrap "$T/stats")"
[ "$(stat_val "imsnmptrap($PDUT)" bad.community)" = 1 ] || fail "bad.community counter wrong"
[ "$(stat_val "imsnmptrap($PDUT)" malformed)" = 0 ] || fail "malformed counter wrong"
[ "$(stat_val "imsnmptrap($PDUT)" informs.answered)" = 2 ] || fail "informs.answered wrong"
grep -q '^snmptrapd: 30 127.0.0.1 3 .1.3.6.1.4.1.8072.2.3.0.6 ' "$T/out/fields.log" ||
    fail "v3 fields wrong"
dut_stop
stop_pid "$REF_PID"
log "PASS"
