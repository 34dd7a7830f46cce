#!/bin/bash
# "make install" into a DESTDIR under the scratch directory: the daemon, every plugin, the
# default config (its drop-in path following --sysconfdir) with an empty sluice.d/, both
# man pages (no warnings from groff), the systemd unit, the logrotate snippet; the
# installed sluiced reports the installed config and plugin directory as its defaults and
# loads the installed plugins; "make uninstall" leaves no file behind.
# shellcheck source=tests/daemon/lib-daemon.sh
. "$(dirname "$0")/lib-daemon.sh"
setup
is_sluice || { log "installs sluice: skipped for DUT=$DUT"; exit 77; }
require_cmd make groff
root=$T/root
# a make of our own, not part of the running "make check" (no jobserver, no -k/-j flags)
sub_make() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" "$@"; }

sub_make sl-print-install-dirs > "$T/dirs" 2> "$T/dirs.err" || fail "make sl-print-install-dirs failed"
sbindir='' sysconfdir='' pkglibdir='' mandir='' logrotatedir='' systemdsystemunitdir=''
for v in sbindir sysconfdir pkglibdir mandir logrotatedir systemdsystemunitdir; do
    val=$(sed -n "s/^$v=//p" "$T/dirs")
    case $val in /*) ;; *) fail "install dir $v='$val' is not absolute" ;; esac
    printf -v "$v" '%s' "$val"
done
timeout -k 20 300 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" install \
    DESTDIR="$root" > "$T/install.log" 2> "$T/install.err" || { tail -n 30 "$T/install.err" >&2; fail "make install failed"; }

expect_file() { [ -f "$root$1" ] || fail "not installed: $1"; }
expect_file "$sbindir/sluiced"
[ -x "$root$sbindir/sluiced" ] || fail "$sbindir/sluiced not executable"
expect_file "$sbindir/sluicectl"
n=0
for la in "$top_builddir"/*.la; do
    name=$(basename "$la" .la)
    grep -q "^installed=no" "$la" || continue
    grep -q "^dlname='$name.so'" "$la" || continue   # modules only (not the core library)
    expect_file "$pkglibdir/$name.so"
    n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "only $n plugins found in $top_builddir"
expect_file "$sysconfdir/sluice.conf"
[ -d "$root$sysconfdir/sluice.d" ] || fail "no $sysconfdir/sluice.d/"
[ -z "$(ls -A "$root$sysconfdir/sluice.d")" ] || fail "$sysconfdir/sluice.d/ is not empty"
grep -q -x -F "\$IncludeConfig $sysconfdir/sluice.d/*.conf" "$root$sysconfdir/sluice.conf" ||
    fail "installed sluice.conf does not include $sysconfdir/sluice.d/*.conf"
# apart from that path the installed config is the shipped one
sed -e "s|$sysconfdir/sluice\\.|/etc/sluice.|g" "$root$sysconfdir/sluice.conf" |
    cmp -s - "$top_srcdir/conf.d/sluice.conf" || fail "installed sluice.conf differs from conf.d/sluice.conf"
for m in man8/sluiced.8 man8/sluicectl.8 man5/sluice.conf.5; do
    expect_file "$mandir/$m"
    grep -q '@[a-zA-Z_]*@' "$root$mandir/$m" && fail "$m has unsubstituted @...@"
    LC_ALL=C groff -man -ww -z -t "$root$mandir/$m" > "$T/groff.err" 2>&1 || fail "groff failed on $m"
    [ ! -s "$T/groff.err" ] || fail "groff warnings for $m: $(head -n 5 "$T/groff.err")"
done
grep -q -F "$sysconfdir/sluice.conf" "$root$mandir/man8/sluiced.8" || fail "sluiced.8 does not name $sysconfdir/sluice.conf"
unit=$systemdsystemunitdir/sluiced.service
expect_file "$unit"
for want in "Type=notify" "ExecStart=$sbindir/sluiced -n -iNONE" "Sockets=syslog.socket" \
            "Requires=syslog.socket" "StandardOutput=null" "Restart=on-failure" \
            "Alias=syslog.service" "WantedBy=multi-user.target"; do
    grep -q -x -F "$want" "$root$unit" || fail "unit lacks '$want'"
done
if command -v systemd-analyze > /dev/null 2>&1 && [ -f /lib/systemd/system/syslog.socket ]; then
    # systemd's own check, on a copy whose ExecStart names the binary in DESTDIR
    mkdir -p "$T/unit"
    sed -e "s|^ExecStart=$sbindir/|ExecStart=$root$sbindir/|" "$root$unit" > "$T/unit/sluiced.service"
    timeout -k 20 60 systemd-analyze verify --man=no "$T/unit/sluiced.service" > "$T/verify.out" 2>&1 ||
        fail "systemd-analyze verify: $(head -n 5 "$T/verify.out")"
    [ ! -s "$T/verify.out" ] || fail "systemd-analyze verify: $(head -n 5 "$T/verify.out")"
    log "ok: systemd-analyze verify accepts the unit"
fi
expect_file "$logrotatedir/sluice"
grep -q -F 'systemctl kill --kill-whom=main --signal=HUP sluiced.service' "$root$logrotatedir/sluice" ||
    fail "logrotate snippet does not send SIGHUP"
if command -v logrotate > /dev/null 2>&1; then
    # parse only (-d: nothing is rotated or run), state file in the scratch dir
    logrotate -d -s "$T/logrotate.state" "$root$logrotatedir/sluice" > "$T/logrotate.out" 2>&1 ||
        fail "logrotate rejects the snippet: $(grep -i error "$T/logrotate.out" | head -n 3)"
    grep -q -i '^error' "$T/logrotate.out" && fail "logrotate: $(grep -i '^error' "$T/logrotate.out" | head -n 3)"
fi
log "ok: make install put $n plugins, daemon, config, sluice.d/, man pages, unit, logrotate in place"

# the installed daemon: compiled-in defaults are the install locations
"$root$sbindir/sluiced" -v > "$T/v.out" 2>&1 || fail "installed sluiced -v failed"
grep -q -x -F "$(printf '\tConfig file:\t%s/sluice.conf' "$sysconfdir")" "$T/v.out" ||
    fail "installed sluiced's default config is not $sysconfdir/sluice.conf: $(cat "$T/v.out")"
grep -q -x -F "$(printf '\tPlugin dir:\t%s' "$pkglibdir")" "$T/v.out" ||
    fail "installed sluiced's plugin dir is not $pkglibdir: $(cat "$T/v.out")"
# ... and it loads the installed plugins
{
    printf 'module(load="imudp")\nmodule(load="imtcp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="5514")\n'
    printf '*.* %s/out/never.log\n' "$T"
} > "$T/plugins.conf"
"$root$sbindir/sluiced" -N1 --dump -f "$T/plugins.conf" -M "$root$pkglibdir" > "$T/plugins.out" 2>&1 ||
    fail "installed sluiced does not load the installed plugins: $(tail -n 5 "$T/plugins.out")"
grep -q -F "module imudp" "$T/plugins.out" || fail "imudp not in the runtime dump"
# ... and accepts the installed default config (with the installed plugins)
"$root$sbindir/sluiced" -N1 -f "$root$sysconfdir/sluice.conf" -M "$root$pkglibdir" > "$T/default.out" 2>&1 ||
    fail "installed sluice.conf rejected: $(tail -n 5 "$T/default.out")"
log "ok: installed sluiced defaults to the installed config and plugins, loads them"

timeout -k 20 300 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" uninstall \
    DESTDIR="$root" > "$T/uninstall.log" 2>&1 || fail "make uninstall failed"
left=$(find "$root" -type f -o -type l | head -n 5)
[ -z "$left" ] || fail "make uninstall left files behind: $left"
log "ok: make uninstall removed everything"
