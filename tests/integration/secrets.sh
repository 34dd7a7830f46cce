#!/bin/bash
# Secrets are never printed: `sluiced -N1 --dump` redacts the values of SL_P_SECRET
# parameters of a loaded plugin (marked at bind time, so also under names the key pattern
# does not know), every value of a secret array, the VALUE of KEY=VALUE array elements
# whose KEY is a secret key (confParam=["sasl.password=..."]), and a config error about a
# secret parameter does not quote its value.  Uses the test-only plugin omsecret
# (tests/unit/omsecret_plugin.c).  sluice-only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice-only test: skipped for DUT=$DUT"; exit 77; }

so=$top_builddir/tests/unit/.libs/omsecret.so
[ -f "$so" ] || fail "test plugin $so not built"
mkdir -p "$T/plugins"
for f in "$SLUICE_PLUGIN_DIR"/*.so "$so"; do
    ln -sf "$f" "$T/plugins/"
done

cat > "$T/ok.conf" <<CONF
module(load="omsecret" realm="R1")
template(name="t" type="string" string="%msg%\n")
action(type="omsecret" user="alice" token="tok-SECRET1" password="pw-SECRET2"
       confParam=["bootstrap.servers=127.0.0.1:9092", "sasl.password=SECRET3",
                  "ssl.key.password=SECRET4", "sasl.oauthbearer.config=SECRET5",
                  "ssl_key=SECRET9", "sasl.username=bob"]
       keys=["SECRET6", "SECRET7"] template="t")
CONF
rc=0
timeout 20 "$SLUICED" -N1 --dump -f "$T/ok.conf" -M "$T/plugins" > "$T/dump" 2> "$T/dump.err" || rc=$?
[ $rc = 0 ] || { cat "$T/dump.err" >&2; fail "-N1 --dump failed ($rc)"; }
if grep -n SECRET "$T/dump" "$T/dump.err"; then
    fail "a secret value was printed"
fi
for want in 'token = "<redacted>"' 'password = "<redacted>"' 'user = "alice"' \
    '"bootstrap.servers=127.0.0.1:9092", "sasl.password=<redacted>", "ssl.key.password=<redacted>", "sasl.oauthbearer.config=<redacted>", "ssl_key=<redacted>", "sasl.username=bob"' \
    'keys = ["<redacted>", "<redacted>"]' 'realm = "R1"'; do
    grep -Fq -- "$want" "$T/dump" || { cat "$T/dump" >&2; fail "dump lacks: $want"; }
done
log "ok: -N1 --dump redacts secret strings, secret arrays and secret KEY=VALUE elements"

cat > "$T/bad.conf" <<CONF
action(type="omsecret" pin="12SECRET8")
CONF
sed -i '1i module(load="omsecret")' "$T/bad.conf"
rc=0
timeout 20 "$SLUICED" -N1 --dump -f "$T/bad.conf" -M "$T/plugins" > "$T/bad.out" 2> "$T/bad.err" || rc=$?
[ $rc != 0 ] || fail "-N1 accepted pin=\"12SECRET8\""
grep -q "bad.conf:2: error: .*'pin'" "$T/bad.err" || { cat "$T/bad.err" >&2; fail "no error for pin"; }
if grep -n SECRET "$T/bad.out" "$T/bad.err"; then
    fail "the error message or the dump shows the secret"
fi
log "ok: an error about a secret parameter does not show its value"
