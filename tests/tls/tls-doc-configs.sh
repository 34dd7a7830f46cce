#!/bin/bash
# tls-doc-configs.sh - the server and client configurations of rsyslog's TLS tutorial
# ("Encrypting syslog traffic with TLS": gtls as the default driver, imtcp with
# StreamDriver.Mode=1 and anon auth on the server, omfwd with StreamDriver="gtls",
# StreamDriverMode="1", StreamDriverAuthMode="anon" on the client), written out as an
# admin would copy them, with only the certificate paths, ports and the local input/output
# filled in.  They must run unchanged in sluice, both ways and mixed with rsyslogd:
# sluice -> sluice, rsyslog -> sluice, sluice -> rsyslog.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
[ "$DUT" = sluice ] || { log "pairs sluice with rsyslog itself: skipped for DUT=$DUT"; exit 77; }
require_cmd certtool logger
P=$T/pki
sh "$top_srcdir/tests/tls/mkcerts.sh" "$P" > /dev/null 2>&1 || fail "mkcerts.sh failed"

# server_conf DIR PORT: the tutorial's server side, plus a file for what arrives.
server_conf()
{
    cat <<EOF2
global(workDirectory="$1")
# make gtls driver the default and set certificate files
global(
DefaultNetstreamDriver="gtls"
DefaultNetstreamDriverCAFile="$P/ca.pem"
DefaultNetstreamDriverCertFile="$P/server.pem"
DefaultNetstreamDriverKeyFile="$P/server-key.pem"
)

# load TCP listener
module(
load="imtcp"
StreamDriver.Name="gtls"
StreamDriver.Mode="1"
StreamDriver.Authmode="anon"
)

# start up listener at port $2
input(
type="imtcp"
port="$2"
)
template(name="raw" type="string" string="%msg%\n")
*.* action(type="omfile" file="$1/received.log" template="raw")
EOF2
}

# client_conf DIR UDP_IN SERVER_PORT: the tutorial's client side, fed by a local UDP input.
client_conf()
{
    cat <<EOF2
global(workDirectory="$1")
global(
DefaultNetstreamDriverCAFile="$P/ca.pem"
)
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$2")

# set up the action for all messages
action(type="omfwd" protocol="tcp" target="127.0.0.1" port="$3"
       StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="anon")
EOF2
}

# run_pair NAME SERVER(sluice|rsyslog) CLIENT(sluice|rsyslog)
run_pair()
{
    local name=$1 server=$2 client=$3 sport cport sdir=$T/$1-server cdir=$T/$1-client
    local spid cpid i
    new_port sport
    new_port cport
    mkdir -p "$sdir" "$cdir"
    server_conf "$sdir" "$sport" > "$sdir/server.conf"
    client_conf "$cdir" "$cport" "$sport" > "$cdir/client.conf"
    if [ "$server" = sluice ]; then
        "$SLUICED" -N1 -f "$sdir/server.conf" -M "$SLUICE_PLUGIN_DIR" 2> "$sdir/check.err" ||
            { cat "$sdir/check.err" >&2; fail "$name: sluiced -N1 rejects the tutorial's server config"; }
        "$SLUICED" -n -iNONE -f "$sdir/server.conf" -M "$SLUICE_PLUGIN_DIR" 2> "$sdir/err" &
    else
        "$RSYSLOGD" -n -iNONE -f "$sdir/server.conf" 2> "$sdir/err" &
    fi
    spid=$!
    track_pid "$spid"
    wait_port tcp "$sport" 15 || fail "$name: $server server not listening"
    if [ "$client" = sluice ]; then
        "$SLUICED" -N1 -f "$cdir/client.conf" -M "$SLUICE_PLUGIN_DIR" 2> "$cdir/check.err" ||
            { cat "$cdir/check.err" >&2; fail "$name: sluiced -N1 rejects the tutorial's client config"; }
        "$SLUICED" -n -iNONE -f "$cdir/client.conf" -M "$SLUICE_PLUGIN_DIR" 2> "$cdir/err" &
    else
        "$RSYSLOGD" -n -iNONE -f "$cdir/client.conf" 2> "$cdir/err" &
    fi
    cpid=$!
    track_pid "$cpid"
    wait_port udp "$cport" 15 || fail "$name: $client client not listening"
    for i in 1 2 3 4 5; do
        logger -n 127.0.0.1 -P "$cport" -d -t tutorial "$name message $i"
        sleep 0.05
    done
    wait_lines "$sdir/received.log" 5 20 ||
        { cat "$sdir/err" "$cdir/err" >&2; fail "$name: the 5 messages did not arrive over TLS"; }
    for i in 1 2 3 4 5; do
        grep -q "$name message $i\$" "$sdir/received.log" || fail "$name: message $i missing"
    done
    stop_pid "$cpid"
    stop_pid "$spid"
    log "ok: $name ($client client -> $server server, the tutorial's configs)"
}

run_pair s2s sluice sluice
run_pair r2s sluice rsyslog
run_pair s2r rsyslog sluice
