#!/bin/bash
# What plugin descriptors promise, with the test-only plugin omsecret
# (tests/unit/omsecret_plugin.c):
# 1. Secrets are never printed: `sluiced -N1 --dump` redacts the values of SL_P_SECRET
# parameters of a loaded plugin (marked at bind time, so also under names the key pattern
# does not know), every value of a secret array, the VALUE of KEY=VALUE array elements
# whose KEY is a secret key (confParam=["sasl.password=..."]), and a config error about a
# secret parameter does not quote its value.
# 2. $Directives come from the descriptors' legacy fields: a module parameter's directive
# sets module(), an output's sets its parameter on the following legacy actions (the
# default template also on action()), a secret one stays redacted.
# 3. sluiced --describe prints the parameters with types, defaults, help, legacy names,
# secrets flagged and their defaults not shown.  sluice-only.
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
timeout -k 20 20 "$SLUICED" -N1 --dump -f "$T/ok.conf" -M "$T/plugins" > "$T/dump" 2> "$T/dump.err" || rc=$?
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
timeout -k 20 20 "$SLUICED" -N1 --dump -f "$T/bad.conf" -M "$T/plugins" > "$T/bad.out" 2> "$T/bad.err" || rc=$?
[ $rc != 0 ] || fail "-N1 accepted pin=\"12SECRET8\""
grep -q "bad.conf:2: error: .*'pin'" "$T/bad.err" || { cat "$T/bad.err" >&2; fail "no error for pin"; }
if grep -n SECRET "$T/bad.out" "$T/bad.err"; then
    fail "the error message or the dump shows the secret"
fi
log "ok: an error about a secret parameter does not show its value"

cat > "$T/legacy.conf" <<CONF
module(load="omsecret")
template(name="t" type="string" string="%msg%\n")
\$OMSecretRealm R2
\$OMSecretUser bob
\$OMSecretToken tok-SECRET10
\$OMSecretDefaultTemplate t
*.* :omsecret:
action(type="omsecret" name="rs")
CONF
rc=0
timeout -k 20 20 "$SLUICED" -N1 --dump -f "$T/legacy.conf" -M "$T/plugins" > "$T/legacy.out" 2> "$T/legacy.err" || rc=$?
[ $rc = 0 ] || { cat "$T/legacy.err" >&2; fail "-N1 rejected the plugin's legacy directives ($rc)"; }
if grep -n SECRET "$T/legacy.out" "$T/legacy.err"; then
    fail "a secret set by a legacy directive was printed"
fi
# the module object, then the legacy action, then the action() (only the template)
awk '/^module /{m=1} m && /realm = "R2" \(implicit\)/{print "realm"} /^ *action "action-0-omsecret"/{a=1} a && /user = "bob" \(implicit\)/{print "user"} a && /token = "<redacted>" \(implicit\)/{print "token"} a && /template = "t" \(implicit\)/{print "tpl0"} /^ *action "rs"/{a=0; r=1} r && /template = "t" \(implicit\)/{print "tpl1"} r && /user = /{print "BAD-user"}' "$T/legacy.out" | sort | tr '\n' ' ' > "$T/seen"
[ "$(cat "$T/seen")" = "realm token tpl0 tpl1 user " ] || { cat "$T/legacy.out" >&2; fail "legacy directives not applied as expected: $(cat "$T/seen")"; }
log "ok: the plugin's \$Directives set module(), legacy action and action() parameters"

printf 'module(load="omsecret")\n$OMSecretUser\n$OMSecretNoSuch x\n' > "$T/legacy-bad.conf"
rc=0
timeout -k 20 20 "$SLUICED" -N1 -f "$T/legacy-bad.conf" -M "$T/plugins" > /dev/null 2> "$T/legacy-bad.err" || rc=$?
[ $rc != 0 ] || fail "-N1 accepted a bad legacy directive"
grep -q "legacy-bad.conf:2: error: .*OMSecretUser: missing value" "$T/legacy-bad.err" || { cat "$T/legacy-bad.err" >&2; fail "no error for a missing value"; }
grep -q "legacy-bad.conf:3: error: unknown legacy directive '.OMSecretNoSuch'" "$T/legacy-bad.err" || { cat "$T/legacy-bad.err" >&2; fail "no error for an unknown directive"; }
log "ok: a plugin directive without value and an unknown one are errors"

rc=0
"$SLUICED" --describe omsecret -M "$T/plugins" > "$T/describe" 2>&1 || rc=$?
[ $rc = 0 ] || { cat "$T/describe" >&2; fail "--describe failed ($rc)"; }
for want in 'omsecret ' 'output' 'realm  string  default: "TEST"  legacy: $OMSecretRealm' \
    'token  string  default: none  secret  legacy: $OMSecretToken' '      bearer token' \
    'pin  integer>0  default: (secret)  secret' 'keys  array  default: none  secret'; do
    grep -Fq -- "$want" "$T/describe" || { cat "$T/describe" >&2; fail "--describe lacks: $want"; }
done
if grep -q '"1"' "$T/describe"; then
    fail "--describe showed the secret pin's default"
fi
rc=0
"$SLUICED" --describe omnosuch -M "$T/plugins" > /dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "--describe of an unknown plugin exited $rc, not 1"
log "ok: --describe prints parameters, defaults, help, legacy names and flags secrets"
