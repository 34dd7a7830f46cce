#!/bin/sh
# mkcerts.sh DIR - throwaway PKI for sluice's TLS tests, made with GnuTLS certtool at test time.
#
# Files written to DIR (ECDSA P-256 keys; every key is NAME-key.pem):
#   ca.pem            trusted test CA
#   server.pem        CN/SAN localhost + ip 127.0.0.1, serverAuth
#   client.pem        CN/SAN sluice-client, clientAuth
#   peer.pem          CN/SAN localhost, serverAuth + clientAuth (relays, rsyslog peers)
#   wrongname.pem     trusted CA, CN/SAN wrong.invalid
#   expired.pem       trusted CA, CN/SAN localhost, valid 2019-01-01 .. 2020-01-01
#   foreign-ca.pem    a second CA nobody trusts; foreign-client.pem, foreign-server.pem signed by it
# certtool chatter goes to DIR/certtool.log.  Exit status non-zero on any failure.
set -eu
out=${1:?usage: mkcerts.sh DIR}
mkdir -p "$out"
cd "$out"
: > certtool.log

key() {
    certtool --no-text --generate-privkey --key-type=ecdsa --curve=secp256r1 \
        --outfile "$1-key.pem" 2>> certtool.log
}

# tmpl NAME CN SERIAL USAGE... : writes NAME.tmpl
tmpl() {
    name=$1 cn=$2 serial=$3
    shift 3
    {
        echo "cn = \"$cn\""
        echo "organization = \"sluice tls tests\""
        echo "serial = $serial"
        case $cn in
            *" CA") ;;
            *) echo "dns_name = \"$cn\"" ;;
        esac
        for u in "$@"; do echo "$u"; done
    } > "$name.tmpl"
}

selfsign() {
    key "$1"
    certtool --no-text --generate-self-signed --load-privkey "$1-key.pem" --template "$1.tmpl" \
        --outfile "$1.pem" 2>> certtool.log
}

# issue NAME CA
issue() {
    key "$1"
    certtool --no-text --generate-certificate --load-privkey "$1-key.pem" \
        --load-ca-certificate "$2.pem" --load-ca-privkey "$2-key.pem" \
        --template "$1.tmpl" --outfile "$1.pem" 2>> certtool.log
}

days='expiration_days = 3650'
tmpl ca "Sluice TLS Test CA" 1 "$days" ca cert_signing_key crl_signing_key
selfsign ca
tmpl foreign-ca "Foreign TLS Test CA" 2 "$days" ca cert_signing_key crl_signing_key
selfsign foreign-ca

tmpl server localhost 100 "$days" 'ip_address = "127.0.0.1"' tls_www_server signing_key encryption_key
issue server ca
tmpl client sluice-client 101 "$days" tls_www_client signing_key encryption_key
issue client ca
tmpl peer localhost 102 "$days" 'ip_address = "127.0.0.1"' tls_www_server tls_www_client \
    signing_key encryption_key
issue peer ca
tmpl wrongname wrong.invalid 103 "$days" tls_www_server tls_www_client signing_key encryption_key
issue wrongname ca
tmpl expired localhost 104 'activation_date = "2019-01-01 00:00:00"' \
    'expiration_date = "2020-01-01 00:00:00"' 'ip_address = "127.0.0.1"' \
    tls_www_server tls_www_client signing_key encryption_key
issue expired ca
tmpl foreign-client sluice-client 105 "$days" tls_www_client signing_key encryption_key
issue foreign-client foreign-ca
tmpl foreign-server localhost 106 "$days" 'ip_address = "127.0.0.1"' tls_www_server \
    signing_key encryption_key
issue foreign-server foreign-ca

chmod 600 ./*-key.pem
rm -f ./*.tmpl
