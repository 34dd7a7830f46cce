# rulebase-lib.sh - shared by the rulebase tests (sourced after tests/integration/lib.sh and
# setup): one daemon run with one imudp input + ruleset + mmnormalize action per rulebase,
# so every rulebase is checked in a single start of the daemon under test.
#   rb_conf TEMPLATE_STRING   start $T/rb.conf with the modules and template "t"; TABs
#                             stay TABs (parser.escapeControlCharacterTab="off": LEEF, Snare)
#   rb_add NAME RULEBASE IN   a ruleset for NAME: RULEBASE on the lines of file IN, results
#                             (one line per message, template "t") in $T/out/NAME.out;
#                             fails when IN is empty; a "# action-params: ..." line in
#                             RULEBASE adds those parameters to its mmnormalize action
#   rb_run                    start the daemon, send every IN, wait for every result, stop
# Every wait is bounded (15 s per rulebase, lib.sh's flood and dut_stop limits).
# Leaks inside liblognorm (see lsan.supp) are not sluice's (lib.sh's lsan_liblognorm).
lsan_liblognorm
RB_NAMES=()
RB_LISTEN=()
declare -A RB_PORT RB_IN RB_N

rb_conf()
{
    {
        dut_global
        printf 'global(parser.escapeControlCharacterTab="off")\n'
        printf 'module(load="imudp")\nmodule(load="mmnormalize")\n'
        printf 'template(name="t" type="string" string="%s\\n")\n' "$1"
    } > "$T/rb.conf"
}

rb_add()
{
    local name=$1 rb=$2 in=$3 port params
    # a rulebase that needs more action parameters names them in a comment line
    params=$(sed -n 's/^# action-params: //p' "$rb" | head -n 1)
    new_port port
    RB_NAMES+=("$name")
    RB_PORT[$name]=$port
    RB_IN[$name]=$in
    RB_N[$name]=$(count_lines "$in")
    [ "${RB_N[$name]}" -gt 0 ] || fail "$name: no lines to send (empty $(basename "$in"))"
    RB_LISTEN+=(udp "$port")
    {
        printf 'ruleset(name="rs_%s") {\n' "$name"
        printf '  action(type="mmnormalize" rulebase="%s" %s)\n' "$rb" "$params"
        printf '  action(type="omfile" file="%s" template="t")\n}\n' "$T/out/$name.out"
        printf 'input(type="imudp" address="127.0.0.1" port="%s" ruleset="rs_%s")\n' "$port" "$name"
    } >> "$T/rb.conf"
}

rb_run()
{
    local name
    dut_start "$T/rb.conf" "${RB_LISTEN[@]}"
    for name in "${RB_NAMES[@]}"; do
        flood -p "${RB_PORT[$name]}" -t udp -r 2000 -i "${RB_IN[$name]}" || fail "sending $name lines failed"
    done
    for name in "${RB_NAMES[@]}"; do
        wait_lines "$T/out/$name.out" "${RB_N[$name]}" 15 ||
            fail "$name: $(count_lines "$T/out/$name.out") of ${RB_N[$name]} results written"
    done
    sleep 0.3
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
}
