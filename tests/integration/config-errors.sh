#!/bin/bash
# Config check (-N1 -f): a valid config passes; a syntax error, an unknown module and an
# unknown parameter make it exit non-zero and name the file and line on stderr.
# sluice must print "FILE:LINE: error: ..."; rsyslog (DUT=rsyslog) prints "error during
# parsing file FILE, on or before line LINE" and no line for a module that cannot be loaded.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
new_port udp

# write_conf NAME LINE3: a three-line config whose third line is LINE3.
write_conf()
{
    {
        printf 'module(load="imudp")\n'
        printf 'action(type="omfile" file="%s/out/check.log")\n' "$T"
        printf '%s\n' "$2"
    } > "$T/$1.conf"
}

# expect_error NAME WORD: -N1 must fail; stderr must name file+line 3 and contain WORD.
expect_error()
{
    local name=$1 word=$2 conf=$T/$1.conf re
    if dut_check "$conf"; then
        fail "$name: -N1 accepted a bad config"
    fi
    case $DUT in
        sluice) re="(^|/)$name\\.conf:3: error: " ;;
        rsyslog)
            re="file (.*/)?$name\\.conf, on or before line 3"
            [ "$name" = unknown-module ] && re="could not load module"
            ;;
    esac
    grep -Eq -- "$re" "$T/check.err" || { cat "$T/check.err" >&2; fail "$name: stderr does not match /$re/"; }
    grep -Fq -- "$word" "$T/check.err" || { cat "$T/check.err" >&2; fail "$name: stderr does not mention '$word'"; }
    log "ok: $name rejected: $(grep -E -m1 -- "$re" "$T/check.err")"
}

write_conf good "input(type=\"imudp\" address=\"127.0.0.1\" port=\"$udp\")"
dut_check "$T/good.conf" || { cat "$T/check.err" >&2; fail "-N1 rejected a valid config"; }
log "ok: valid config accepted"

write_conf syntax-error "input(type=\"imudp\" address=\"127.0.0.1\" port=\"$udp\" ))"
expect_error syntax-error ')'

write_conf unknown-module 'module(load="imnosuchmodule")'
expect_error unknown-module imnosuchmodule

write_conf unknown-param "input(type=\"imudp\" address=\"127.0.0.1\" port=\"$udp\" nosuchparam=\"1\")"
expect_error unknown-param nosuchparam

# a pmrfc3164 option of later rsyslog versions (8.2302 does not know it)
write_conf parser-param 'parser(name="custom.rfc3164" type="pmrfc3164" detect.headerless="on")'
expect_error parser-param detect.headerless
