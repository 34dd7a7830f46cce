version=2
# fortigate.rb - liblognorm v2 rules for FortiGate (FortiOS 6/7) syslog lines: key=value
# pairs, values quoted when they are strings ("date=2024-03-01 time=00:30:01 devname="FGT"
# ... type="traffic" subtype="forward" srcip=... action="deny""), sent without a syslog
# header (FortiOS default) or after an RFC 3164 one.  Without a header the first pair would
# become the tag, so this rulebase reads the raw message:
# action-params: useRawMsg="on"
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/fortigate.rb" useRawMsg="on")
# Written for sluice.  The pairs are FortiOS's own dictionary (srcip, dstport, action,
# logid, ...; https://docs.fortinet.com/document/fortigate/7.4.0/fortios-log-message-reference),
# kept in FortiOS's order with FortiOS's key names under "fortinet.firewall", an ARRAY of
# { "key": ..., "value": ... } objects (liblognorm's repeat of char-to "=" and its string
# parser, which removes the quotes).  Not an object keyed by name: liblognorm 2.0.6's
# name-value-list, the only parser that builds one, keeps the quotes and splits a quoted
# value at its blanks (logdesc="Admin login successful"); seen in both daemons.  A line
# ending in a blank is accepted too (the second pair of rules).
# Tags: "fortigate", "fortigate_log" (annotated to event.action).

type=@kv:%{"name":"fortinet.firewall", "type":"repeat", "parser":[{"type":"char-to", "name":"key", "extradata":"="}, {"type":"literal", "text":"="}, {"type":"string", "name":"value"}], "while":[{"type":"literal", "text":" "}]}%

rule=fortigate,fortigate_log:%-:string-to{"extradata":"logver="}%%.:@kv%
rule=fortigate,fortigate_log:%-:string-to{"extradata":"date="}%%.:@kv%
rule=fortigate,fortigate_log:%-:string-to{"extradata":"logver="}%%.:@kv% 
rule=fortigate,fortigate_log:%-:string-to{"extradata":"date="}%%.:@kv% 

annotate=fortigate_log:+event.action="fortigate_log"
