#!/bin/bash
# systemd-check.sh - boots Debian 12 with systemd as PID 1 in a container, installs sluice
# there in place of rsyslog and checks sluiced.service for real (issue 7).  Not part of CI
# (it needs root, debootstrap and systemd-nspawn, and takes minutes).
#
#   tools/systemd-check.sh [-k] [-p] [-d DEBDIR] [-r ROOTDIR] [-t SECONDS]
#     -r ROOTDIR  the Debian 12 tree (default /tmp/sluice-systemd-check/root); made with
#                 debootstrap when missing, reused (and left in place) when it exists
#     -k          keep the work directory (tree, build, logs) even when it was made here
#     -t SECONDS  time limit of each boot (default 300)
#     -p          install sluice as the Debian package (apt-get install ./sluice_*.deb in
#                 the tree, which removes rsyslog) instead of "make install"; the .debs are
#                 built with dpkg-buildpackage from a copy of the checkout unless -d is given
#     -d DEBDIR   with -p: take the .debs from DEBDIR (e.g. tests/scratch/deb-ci after
#                 tools/deb-ci.sh)
#
# Steps: debootstrap bookworm (systemd-sysv, rsyslog, logrotate and sluice's run-time
# libraries); a build of a copy of this checkout configured as the Debian package would be
# (--prefix=/usr --sysconfdir=/etc --localstatedir=/var), "make install DESTDIR=tree";
# tools/systemd-check-guest.sh installed as a oneshot unit; then two boots with
# "systemd-nspawn -b" (the guest script powers the container off at the end of each):
# boot 1 switches from rsyslog to sluiced at run time and checks start, Type=notify
# readiness, the syslog.socket hand-over, logger -> journald -> sluiced -> /var/log/syslog
# (root:adm 0640), reload, logrotate, stop and socket re-activation; boot 2 checks that the
# enabled unit started at boot.  Prints the guest's results; exit 0 only if both boots
# printed "PASS".  With -p the guest starts with the package installed (rsyslog removed by
# apt, its conffiles left as apt leaves them) and checks that the package's own set-up
# (unit enabled, socket hand-over, logrotate snippet) works without any manual step.
# Needs: apt-get install debootstrap systemd-container (and devscripts' build dependencies
# for -p: dpkg-dev, debhelper).
set -euo pipefail

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
WORK=/tmp/sluice-systemd-check
ROOT=
KEEP=0
LIMIT=300
PKG=0
DEBDIR=
MADE_WORK=0
NSPAWN_PID=

usage() { sed -n '6,15p' "$0" >&2; exit 2; }

cleanup()
{
    if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2> /dev/null; then
        kill -TERM "$NSPAWN_PID" 2> /dev/null || true
        sleep 2
        kill -KILL "$NSPAWN_PID" 2> /dev/null || true
    fi
    rm -rf "$WORK/build"
    if [ "$MADE_WORK" = 1 ] && [ "$KEEP" = 0 ]; then
        rm -rf "$WORK"
    fi
}

make_tree()
{
    echo "== debootstrap bookworm into $ROOT (a few minutes)"
    debootstrap --variant=minbase \
        --include=systemd,systemd-sysv,dbus,libestr0,libfastjson4,liblognorm5,libgnutls30,librdkafka1,libcurl3-gnutls,libsnmp40,librelp0,logrotate,rsyslog,bsdutils,util-linux,procps,iproute2 \
        bookworm "$ROOT" http://deb.debian.org/debian > "$WORK/debootstrap.log" 2>&1 \
        || { tail -n 20 "$WORK/debootstrap.log"; exit 1; }
}

# copy_sources DIR: the checkout's tracked and untracked (not ignored) files into DIR.
copy_sources()
{
    mkdir -p "$1"
    if git -C "$SRCDIR" rev-parse --git-dir > /dev/null 2>&1; then
        (cd "$SRCDIR" && git ls-files -z --cached --others --exclude-standard) |
            (cd "$SRCDIR" && tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$1"
    else
        tar -C "$SRCDIR" -cf - . | tar -xf - -C "$1"
        if [ -f "$1/config.status" ]; then
            make -C "$1" distclean > /dev/null 2>&1 || true
        fi
    fi
}

# install_package: the .debs (built here unless -d) installed in the tree with apt-get,
# as an admin replacing rsyslog would do it.
install_package()
{
    local d
    if [ -z "$DEBDIR" ]; then
        echo "== dpkg-buildpackage -b -uc -us (a copy of the checkout; minutes)"
        rm -rf "$WORK/build"
        copy_sources "$WORK/build/src"
        (cd "$WORK/build/src" && ./autogen.sh && dpkg-buildpackage -b -uc -us) \
            > "$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log"; exit 1; }
        DEBDIR=$WORK/build
    fi
    ls "$DEBDIR"/sluice_*.deb > /dev/null 2>&1 || { echo "no sluice_*.deb in $DEBDIR" >&2; exit 1; }
    # a reused tree starts over: rsyslog back as the system logger, sluice purged
    chroot "$ROOT" sh -c 'dpkg -l "sluice*" 2> /dev/null | grep -q "^.i" &&
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "sluice*"' > "$WORK/apt.log" 2>&1 || true
    if ! chroot "$ROOT" dpkg -s rsyslog 2> /dev/null | grep -q '^Status: install ok installed'; then
        chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q rsyslog \
            >> "$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log"; exit 1; }
    fi
    rm -rf "$ROOT/tmp/sluice-debs"
    mkdir -p "$ROOT/tmp/sluice-debs"
    for d in "$DEBDIR"/sluice*.deb; do
        case $d in *-dbgsym_*) ;; *) cp "$d" "$ROOT/tmp/sluice-debs/" ;; esac
    done
    echo "== apt-get install $(cd "$ROOT/tmp/sluice-debs" && ls | tr '\n' ' ')"
    # offline: the tree has every run-time library (make_tree); apt must remove rsyslog
    # (Conflicts: system-log-daemon) by itself
    chroot "$ROOT" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            -o Debug::NoLocking=1 /tmp/sluice-debs/*.deb' >> "$WORK/apt.log" 2>&1 ||
        { tail -n 30 "$WORK/apt.log"; exit 1; }
    grep -E '^(Removing|Setting up|The following packages will be REMOVED)' -A1 "$WORK/apt.log" | head -n 20
    rm -rf "$ROOT/tmp/sluice-debs"
}

install_sluice()
{
    echo "== build and install sluice into $ROOT"
    rm -rf "$WORK/build"
    # a copy of the sources (the checkout may be configured for its own build)
    copy_sources "$WORK/build"
    (
        cd "$WORK/build"
        [ -x configure ] || ./autogen.sh
        ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
            --with-systemdsystemunitdir=/lib/systemd/system
        make -j2
        make install DESTDIR="$ROOT"
    ) > "$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log"; exit 1; }
    # the libtool archives are of no use on the target (Debian removes them too)
    find "$ROOT/usr/lib/sluice" -name '*.la' -delete 2> /dev/null || true
}

# install_guest: the guest script as a oneshot unit, and the tree reset to its start state.
install_guest()
{
    install -m 0755 "$SRCDIR/tools/systemd-check-guest.sh" "$ROOT/usr/local/sbin/sluice-check"
    cat > "$ROOT/etc/systemd/system/sluice-check.service" <<'UNIT'
[Unit]
Description=sluice systemd check (tools/systemd-check.sh)
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/sluice-check
StandardOutput=journal+console
[Install]
WantedBy=multi-user.target
UNIT
    chroot "$ROOT" systemctl enable sluice-check.service > /dev/null 2>&1
    mkdir -p "$ROOT/var/lib/sluice-check"
    if [ "$PKG" = 1 ]; then
        # the package enabled sluiced.service (and the syslog.service alias) itself
        echo package > "$ROOT/var/lib/sluice-check/mode"
    else
        # the guest starts from rsyslog as Debian installs it (the order matters for a
        # reused tree: sluiced.service must give the syslog.service alias back first)
        echo source > "$ROOT/var/lib/sluice-check/mode"
        chroot "$ROOT" systemctl disable sluiced.service > /dev/null 2>&1 || true
        chroot "$ROOT" systemctl enable rsyslog.service > /dev/null 2>&1
        # a reused tree starts over: rsyslog's logrotate snippet back
        if [ -f "$ROOT/etc/logrotate.d/rsyslog.disabled" ]; then
            mv "$ROOT/etc/logrotate.d/rsyslog.disabled" "$ROOT/etc/logrotate.d/rsyslog"
        fi
    fi
    # no logs of earlier runs
    rm -rf "$ROOT/var/lib/sluice-check/stage" "$ROOT/var/log/sluice-check.txt" \
        "$ROOT"/var/log/{syslog,auth.log,cron.log,kern.log,mail.log,user.log,flows.log}* \
        "$ROOT/var/lib/logrotate/status"
    echo sluice-guest > "$ROOT/etc/hostname"
}

# boot N: one container boot, bounded by LIMIT seconds.
boot()
{
    local n=$1 i
    echo "== boot $n: systemd-nspawn -b (limit ${LIMIT}s, console in $WORK/boot$n.log)"
    systemd-nspawn -q --keep-unit --register=no -b -D "$ROOT" -M sluice-check \
        --console=passive \
        > "$WORK/boot$n.log" 2>&1 < /dev/null &
    NSPAWN_PID=$!
    for ((i = 0; i < LIMIT; i++)); do
        kill -0 "$NSPAWN_PID" 2> /dev/null || break
        sleep 1
    done
    if kill -0 "$NSPAWN_PID" 2> /dev/null; then
        echo "boot $n: still running after ${LIMIT}s, stopping it"
        kill -TERM "$NSPAWN_PID" 2> /dev/null || true
        for ((i = 0; i < 30; i++)); do
            kill -0 "$NSPAWN_PID" 2> /dev/null || break
            sleep 1
        done
    fi
    wait "$NSPAWN_PID" 2> /dev/null || true
    NSPAWN_PID=
}

main()
{
    local opt
    while getopts kpd:r:t: opt; do
        case $opt in
            k) KEEP=1 ;;
            p) PKG=1 ;;
            d) DEBDIR=$(cd "$OPTARG" && pwd) ;;
            r) ROOT=$OPTARG ;;
            t) LIMIT=$OPTARG ;;
            *) usage ;;
        esac
    done
    [ "$(id -u)" -eq 0 ] || { echo "systemd-check.sh: run as root" >&2; exit 1; }
    command -v systemd-nspawn > /dev/null || { echo "needs systemd-nspawn (apt-get install systemd-container)" >&2; exit 1; }
    [ -d "$WORK" ] || MADE_WORK=1
    mkdir -p "$WORK"
    trap cleanup EXIT
    : "${ROOT:=$WORK/root}"
    if [ ! -x "$ROOT/lib/systemd/systemd" ]; then
        command -v debootstrap > /dev/null || { echo "needs debootstrap" >&2; exit 1; }
        make_tree
    fi
    if [ "$PKG" = 1 ]; then
        install_package
    else
        install_sluice
    fi
    install_guest
    boot 1
    boot 2
    echo "== results (the guest's /var/log/sluice-check.txt)"
    cat "$ROOT/var/log/sluice-check.txt" 2> /dev/null || echo "(no results: see $WORK/boot1.log)"
    if grep -q 'SLUICE-CHECK stage1: PASS' "$ROOT/var/log/sluice-check.txt" 2> /dev/null &&
       grep -q 'SLUICE-CHECK stage2: PASS' "$ROOT/var/log/sluice-check.txt"; then
        echo "systemd-check: PASS"
        return 0
    fi
    echo "systemd-check: FAIL"
    KEEP=1
    return 1
}

main "$@"
