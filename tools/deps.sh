#!/bin/bash
# deps.sh - installs (as root, Debian 12) every Debian package that building sluice and
# running its whole test suite need.  Idempotent; no daemon is started by the install, and
# no package is ever removed (--no-remove: apt fails instead of removing a conflicting one).
# librdkafka-dev, libcurl4-gnutls-dev, nettle-dev, liblognorm-dev and librelp-dev are
# optional for the build (configure skips the plugins that need them) but installed, so that
# everything is built and tested.
set -euo pipefail

BUILD_PKGS=(
    build-essential autoconf automake libtool pkg-config
    libestr-dev libfastjson-dev liblognorm-dev libgnutls28-dev librdkafka-dev
    libcurl4-gnutls-dev zlib1g-dev
    nettle-dev
    libsnmp-dev
    librelp-dev
    libsystemd-dev
    libmicrohttpd-dev libcrypt-dev
    check
)
# Real peers and tools the tests drive: logger (bsdutils), rsyslogd (reference daemon and
# peer), ss (iproute2), cmp/diff, socat and TLS tools; the SMTP sink (aiosmtpd) and swaks
# for the mail tests; net-snmp's snmptrap/snmpinform/snmptrapd (imsnmptrap's peers).
TEST_PKGS=(
    bsdutils util-linux iproute2 procps coreutils diffutils grep sed mawk
    rsyslog rsyslog-gnutls gnutls-bin openssl ca-certificates socat curl
    # imrelp/omrelp: rsyslog's imrelp/omrelp (the reference and interop peer)
    rsyslog-relp
    # omelasticsearch: rsyslog's omelasticsearch (the reference for the bulk bytes)
    rsyslog-elasticsearch
    # imnetflow: exporters, the reference collector, the pcap maker, the fuzz target
    softflowd pmacct nfdump python3 python3-scapy clang libclang-rt-14-dev
    python3-aiosmtpd swaks libnet-ssleay-perl
    snmp snmptrapd
    # omkafka/imkafka: consumer and rsyslog's omkafka (the reference)
    rsyslog-kafka kcat
    # the Debian packages (tools/deb-ci.sh): dpkg-buildpackage, debhelper, lintian
    dpkg-dev debhelper fakeroot lintian
    # imjournal/omjournal: systemd-journal-remote builds the private journals the tests
    # read; it depends on systemd, whose journald the omjournal test runs privately
    systemd-journal-remote
)

# block_service_starts: make apt's maintainer scripts leave services alone (rsyslog would
# otherwise start as the system logger).  Prints the file it created, if any.
block_service_starts()
{
    local f=/usr/sbin/policy-rc.d
    if [ ! -e "$f" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$f"
        chmod 755 "$f"
        echo "$f"
    fi
}

main()
{
    local created
    if [ "$(id -u)" -ne 0 ]; then
        echo "deps.sh: run as root (apt-get install)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    created=$(block_service_starts)
    apt-get update -q
    apt-get install -y -q --no-install-recommends --no-remove "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    if [ -n "$created" ]; then
        rm -f "$created"
    fi
    echo "deps.sh: all build and test dependencies are installed"
}

main "$@"
