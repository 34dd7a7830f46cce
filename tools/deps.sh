#!/bin/bash
# deps.sh - installs (as root, Debian 12) every Debian package that building sluice and
# running its whole test suite need.  Idempotent; no daemon is started by the install.
set -euo pipefail

BUILD_PKGS=(
    build-essential autoconf automake libtool pkg-config
    libestr-dev libfastjson-dev liblognorm-dev libgnutls28-dev librdkafka-dev
    check
)
# Real peers and tools the tests drive: logger (bsdutils), rsyslogd (reference daemon and
# peer), ss (iproute2), cmp/diff, socat and TLS tools.
TEST_PKGS=(
    bsdutils util-linux iproute2 procps coreutils diffutils grep sed mawk
    rsyslog rsyslog-gnutls gnutls-bin openssl ca-certificates socat
    rsyslog-kafka kcat
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
    apt-get install -y -q --no-install-recommends "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    if [ -n "$created" ]; then
        rm -f "$created"
    fi
    echo "deps.sh: all build and test dependencies are installed"
}

main "$@"
