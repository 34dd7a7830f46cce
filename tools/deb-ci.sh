#!/bin/bash
# deb-ci.sh - the Debian package check of the README's test command: builds the packages
# from the release tarball (sluice-*.tar.gz, left by `make distcheck`; `make dist` if
# absent) with `dpkg-buildpackage -b -uc -us` in tests/scratch/deb-ci, checks them with
# lintian (any error or warning fails), unpacks them with dpkg -x and runs the packaged
# sluiced -N1 on the packaged /etc/sluice.conf with the packaged plugin directory, and
# checks the package relations that let it replace rsyslog.  It does not install them
# (that would remove this machine's rsyslog, which the tests use): tools/systemd-check.sh
# installs the .deb in a container.
set -euo pipefail
cd "$(dirname "$0")/.."
tarball=$(ls -t sluice-*.tar.gz 2> /dev/null | head -n1 || true)
if [ -z "$tarball" ]; then
    make dist > /dev/null
    tarball=$(ls -t sluice-*.tar.gz | head -n1)
fi
W=$PWD/tests/scratch/deb-ci
rm -rf "$W"
mkdir -p "$W"
tar xzf "$tarball" -C "$W"
cd "$W"/sluice-*/
echo "deb-ci: dpkg-buildpackage -b -uc -us from $tarball"
dpkg-buildpackage -b -uc -us > "$W/build.log" 2>&1 || { tail -40 "$W/build.log" >&2; exit 1; }
cd "$W"
ls ./*.deb
lintian --tag-display-limit 0 ./*.changes 2>&1 | grep -v 'running with root privileges' > lintian.log || true
if grep -E '^(E|W):' lintian.log; then
    echo "deb-ci: FAIL: lintian" >&2
    exit 1
fi
rel=$(dpkg-deb -f sluice_*_*.deb Provides Conflicts)
for want in "Provides: linux-kernel-log-daemon, system-log-daemon" \
            "Conflicts: linux-kernel-log-daemon, system-log-daemon"; do
    grep -qF "$want" <<< "$rel" || { echo "deb-ci: FAIL: control lacks '$want'" >&2; exit 1; }
done
mkdir root
for d in ./*.deb; do
    case $d in *-dbgsym_*) ;; *) dpkg -x "$d" root ;; esac
done
plugdir=$(ls -d root/usr/lib/*/sluice)
for f in root/usr/sbin/sluiced root/etc/sluice.conf root/lib/systemd/system/sluiced.service \
         root/etc/logrotate.d/sluice root/usr/share/man/man8/sluiced.8.gz \
         "$plugdir/omkafka.so" "$plugdir/ommail.so" "$plugdir/imsnmptrap.so" \
         "$plugdir/omrelp.so" "$plugdir/imjournal.so" "$plugdir/imfile.so" \
         "$plugdir/omhttp.so" "$plugdir/imhttp.so"; do
    [ -e "$f" ] || { echo "deb-ci: FAIL: $f not in the packages" >&2; exit 1; }
done
# the packaged daemon looks for plugins where the package puts them (its -v names the
# compiled-in directory)
want="/usr/lib/$(basename "$(dirname "$plugdir")")/sluice"
got=$(root/usr/sbin/sluiced -v | sed -n 's/^[[:space:]]*Plugin dir:[[:space:]]*//p')
[ "$got" = "$want" ] ||
    { echo "deb-ci: FAIL: sluiced's plugin directory is '$got', the package's $want" >&2; exit 1; }
root/usr/sbin/sluiced -N1 -f root/etc/sluice.conf -M "$plugdir" ||
    { echo "deb-ci: FAIL: the packaged config does not pass -N1" >&2; exit 1; }
echo "deb-ci: ok: $(ls ./*.deb | grep -vc dbgsym) packages, lintian clean, -N1 passes"
