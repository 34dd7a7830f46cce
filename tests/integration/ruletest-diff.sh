#!/bin/bash
# ruletest-diff.sh - the rule tester against the daemon: for golden configs of tests/configs
# and a selection of tests/diff cases (file outputs, one network input whose lines can be
# fed to the tester), the real sluiced receives the input and writes its files, and
# `sluiced --test --test-format expect` on the same config and lines predicts them; every
# file the daemon wrote must be predicted with the same path and the same bytes, and
# nothing else (outputs that are no file, omfwd's tcp://..., are reported, not compared).
# The selection is tests/integration/ruletest-diff.cases (one line each:
# "diff CASE" or "config NAME HOW DATA"); RULETEST_CASES="..." runs other lines, and
# RULETEST_CASES=all every case that qualifies (all_cases below: about 130, 4 minutes).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
if [ "$DUT" != sluice ]; then
    log "skipped: the rule tester is sluice's"
    exit 77
fi
require_cmd getent cmp
# what the daemon's reverse lookup of the sender gives
FROMHOST=$(getent hosts 127.0.0.1 | awk '{ print $2; exit }')
[ -n "$FROMHOST" ] || FROMHOST=127.0.0.1

# predict CONF INPUTNAME DATA OUT PRED: the files the tester predicts under OUT, written
# under PRED (same relative paths); an output anywhere else fails the case.
predict()
{
    local conf=$1 iname=$2 data=$3 out=$4 pred=$5 line rest dest bytes rel
    timeout -k 20 30 "$SLUICED" --test -f "$conf" -M "$SLUICE_PLUGIN_DIR" --test-format expect \
        --test-inputname "$iname" --test-fromhost "$FROMHOST/127.0.0.1" \
        --test-input "$data" > "$T/pred.txt" 2> "$T/pred.err" \
        || { cat "$T/pred.err" >&2; return 1; }
    mkdir -p "$pred"
    while IFS= read -r line; do
        case $line in expect\ *) ;; *) continue ;; esac
        rest=${line#expect }
        dest=$(printf '%b' "${rest%% *}")
        bytes=${rest#* }
        case $dest in
            "$out"/*) rel=${dest#"$out"/} ;;
            /*) log "a file outside the output directory: $dest"; return 1 ;;
            *) printf '%s\n' "$dest" >> "$T/not-compared"; continue ;;
        esac
        mkdir -p "$pred/$(dirname -- "$rel")"
        printf '%b' "$bytes" >> "$pred/$rel"
    done < "$T/pred.txt"
}

# compare OUT PRED: same files, same bytes.
compare()
{
    local out=$1 pred=$2 rel rc=0
    mkdir -p "$pred"
    while read -r rel; do
        [ -f "$pred/$rel" ] || { log "the daemon wrote $rel, the tester did not predict it"; rc=1; }
    done < <(cd "$out" && find . -type f | sort)
    while read -r rel; do
        if [ ! -f "$out/$rel" ]; then
            log "predicted $rel, the daemon did not write it"
            rc=1
        elif ! cmp -s "$out/$rel" "$pred/$rel"; then
            log "$rel differs (- daemon, + tester):"
            diff -u "$out/$rel" "$pred/$rel" | head -n 20
            rc=1
        fi
    done < <(cd "$pred" && find . -type f | sort)
    return "$rc"
}

# quiet_dir DIR: the bytes under DIR stopped changing for 0.5 s (at most 10 s).
quiet_dir()
{
    local last=-1 same=0 cur i
    for i in $(seq 100); do
        cur=$(find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
        if [ "$cur" = "$last" ]; then
            same=$((same + 1))
            [ "$same" -ge 5 ] && [ "$cur" -gt 0 ] && return 0
        else
            same=0
            last=$cur
        fi
        sleep 0.1
    done
}

# run_one NAME CONF HOW PORT DATA OUT: the daemon on CONF, DATA sent with HOW (udp, tcp,
# octet) to PORT, then the tester on the same config and lines.
run_one()
{
    local name=$1 conf=$2 how=$3 port=$4 data=$5 out=$6 proto iname wproto
    case $how in
        udp) proto="udp -r 2000" iname=imudp wproto=udp ;;
        tcp | octet) proto=$how iname=imtcp wproto=tcp ;;
        *) fail "$name: bad HOW $how" ;;
    esac
    dut_start "$conf" "$wproto" "$port"
    # shellcheck disable=SC2086  # proto carries the rate option for udp
    flood -p "$port" -t $proto -i "$data" || fail "$name: sending failed"
    quiet_dir "$out"
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$name: the daemon exited with status $DUT_STATUS"
    predict "$conf" "$iname" "$data" "$out" "$T/$name.pred" || return 1
    compare "$out" "$T/$name.pred"
}

# copy_subst SRC DST SED-ARGS...: the files under SRC copied under DST with sed SED-ARGS
# applied to each (a writable copy: distcheck's source tree is read-only; included files
# and conf.d/ use the placeholders too)
copy_subst()
{
    local src=$1 dst=$2 rel
    shift 2
    while read -r rel; do
        mkdir -p "$dst/$(dirname -- "$rel")"
        sed "$@" "$src/$rel" > "$dst/$rel"
    done < <(cd "$src" && find . -type f)
}

# case_diff CASE: a tests/diff case (placeholders as tests/diff/run.sh replaces them).
case_diff()
{
    local c=$1 dir=$top_srcdir/tests/diff/cases/$1 out=$T/$1.out port how path m
    for m in $(sed -nE 's/.*module\(load="([^"]+)".*/\1/p' "$dir/conf.in"); do
        plugin_built "$m" || { log "$c: skipped, plugin $m not built"; return 0; }
    done
    read -r how path < "$dir/send"
    new_port port
    mkdir -p "$out"
    copy_subst "$dir" "$T/$c.case" \
        -e "s|@PORT@|$port|g" -e "s|@OUTDIR@|$out|g" -e "s|@CASEDIR@|$T/$c.case|g"
    { dut_global; cat "$T/$c.case/conf.in"; } > "$T/$c.conf"
    run_one "$c" "$T/$c.conf" "$how" "$port" "$top_srcdir/$path" "$out"
}

# case_config NAME HOW DATA: tests/configs/NAME.conf (and NAME.d/) with /var/log/ moved to
# the scratch directory and its input port 10514 to a free one; a config without an input
# gets an imudp input on that port in front (HOW must be udp then).
case_config()
{
    local c=$1 how=$2 data=$3 out=$T/$1.out port src=$top_srcdir/tests/configs/$1
    new_port port
    mkdir -p "$out"
    [ ! -d "$src.d" ] || copy_subst "$src.d" "$T/$c.d" -e "s|/var/log/|$out/|g"
    {
        dut_global
        if ! grep -qE 'input\(|ServerRun' "$src.conf"; then
            printf 'module(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="10514")\n'
        fi
        cat "$src.conf"
    } | sed -e "s|/var/log/|$out/|g" -e "s|\"/tmp\"|\"$T\"|g" -e "s|10514|$port|g" \
        -e "s|\$IncludeConfig $c.d|\$IncludeConfig $T/$c.d|" > "$T/$c.conf"
    run_one "$c" "$T/$c.conf" "$how" "$port" "$top_srcdir/$data" "$out"
}

# all_cases: the case lines of RULETEST_CASES=all: the golden configs with file outputs,
# and every tests/diff case with one network input (udp, tcp, octet), whose outputs are
# files, no timestamps of the day (no normalise file), and no program the tester does not
# run (mmexternal); outputs that are no file are reported by predict, not compared.
all_cases()
{
    local c how path body
    for c in loghost legacy-directives distro propfilters rainerscript rainerscript-calls; do
        echo "config $c udp tests/diff/data/mixed.txt"
    done
    for c in "$top_srcdir"/tests/diff/cases/*/; do
        c=${c%/}
        if [ -f "$c/normalise" ] || [ "$(grep -c . "$c/send")" != 1 ]; then
            continue
        fi
        read -r how path < "$c/send"
        case $how in udp | tcp | octet) ;; *) continue ;; esac
        body=$(grep -v '^[[:space:]]*#' "$c/conf.in")
        [ "$(grep -cE 'input\(|ServerRun' <<< "$body")" = 1 ] || continue
        grep -qE 'om(fwd|pipe|prog|http|relp|kafka|mail|uxsock|usrmsg|journal)|mmexternal|im(file|uxsock|mark|pstats|ptcp)|[[:space:]]@@?[0-9a-z(\[]|[[:space:]][|^]' \
            <<< "$body" && continue
        echo "diff ${c##*/}"
    done
}

failed=0
n=0
while read -r kind a b c; do
    case $kind in '' | '#'*) continue ;; esac
    n=$((n + 1))
    case $kind in
        diff) case_diff "$a" || { log "FAIL: $a"; failed=$((failed + 1)); } ;;
        config) case_config "$a" "$b" "$c" || { log "FAIL: $a"; failed=$((failed + 1)); } ;;
        *) fail "bad line '$kind $a'" ;;
    esac
done < <(if [ "${RULETEST_CASES:-}" = all ]; then all_cases
         elif [ -n "${RULETEST_CASES:-}" ]; then printf '%s\n' "$RULETEST_CASES"
         else cat "$top_srcdir/tests/integration/ruletest-diff.cases"; fi)
[ ! -f "$T/not-compared" ] || log "not compared (no file): $(sort -u "$T/not-compared" | tr '\n' ' ')"
[ "$n" -gt 0 ] || fail "no case ran"
[ "$failed" -eq 0 ] || fail "$failed of $n case(s): the tester's prediction differs from the daemon"
log "ok: $n case(s), the tester predicts what the daemon writes"
