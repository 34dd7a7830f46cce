version=2
# juniper_srx.rb - liblognorm v2 rules for Juniper SRX session logs (RT_FLOW:
# RT_FLOW_SESSION_CREATE, _CLOSE, _DENY) in both stream formats Junos offers: structured
# (RFC 5424, "format sd-syslog": the fields are structured data [junos@2636.1.1.1.2.x
# source-address="..." ...]) and the default text one ("RT_FLOW: RT_FLOW_SESSION_CREATE:
# session created 10.0.0.5/53211->93.184.216.34/443 ...").  The structured data is not part
# of the msg property, so this rulebase reads the raw message:
# action-params: useRawMsg="on"
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/juniper_srx.rb" useRawMsg="on")
# Written for sluice; field names follow doc/rulebase.md: juniper.srx.event (the message
# tag, RT_FLOW_SESSION_CREATE ...), juniper.srx.sd_id, juniper.srx.params (the structured
# data as an ARRAY of { "key", "value" }, quotes removed: liblognorm 2.0.6 has no
# name=value parser that builds an object from quoted values, and its string parser does
# not accept the "]" after the last value, so a value with an escaped \" does not parse),
# source.ip, source.port,
# destination.ip, destination.port (from the text "A/P->B/P", when it carries them),
# event.reason (close reason), juniper.srx.details (the rest of the text).
# Tags: "juniper_srx", the action (annotated): session_create, session_close,
# session_deny (failure).

type=@kv:%{"name":"juniper.srx.params", "type":"repeat", "parser":[{"type":"char-to", "name":"key", "extradata":"="}, {"type":"literal", "text":"=\""}, {"type":"char-sep", "name":"value", "extradata":"\""}, {"type":"literal", "text":"\""}], "while":[{"type":"literal", "text":" "}]}%
type=@sd:[%juniper.srx.sd_id:word% %.:@kv%]
type=@flow:%source.ip:ipv4%/%source.port:number%->%destination.ip:ipv4%/%destination.port:number%
type=@5424:%-:string-to{"extradata":" RT_FLOW - "}% RT_FLOW - %juniper.srx.event:word% %.:@sd%
type=@text:%-:string-to{"extradata":" RT_FLOW: "}% RT_FLOW: %juniper.srx.event:char-to{"extradata":":"}%: 

rule=juniper_srx,session_create:%.:@5424% session created %.:@flow%%juniper.srx.details:rest%
rule=juniper_srx,session_create:%.:@text%session created %.:@flow%%juniper.srx.details:rest%
rule=juniper_srx,session_close:%.:@5424% session closed %event.reason:char-to{"extradata":":"}%: %.:@flow%%juniper.srx.details:rest%
rule=juniper_srx,session_close:%.:@5424% session closed %event.reason:rest%
rule=juniper_srx,session_close:%.:@text%session closed %event.reason:char-to{"extradata":":"}%: %.:@flow%%juniper.srx.details:rest%
rule=juniper_srx,session_deny,failure:%.:@5424% session denied %.:@flow%%juniper.srx.details:rest%
rule=juniper_srx,session_deny,failure:%.:@text%session denied %.:@flow%%juniper.srx.details:rest%

annotate=session_create:+event.action="session_create"
annotate=session_close:+event.action="session_close"
annotate=session_deny:+event.action="session_deny"
annotate=failure:+event.outcome="failure"
