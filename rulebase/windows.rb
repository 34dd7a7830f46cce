version=2
# windows.rb - liblognorm v2 rules for Windows event log records as two common agents send
# them: Snare (and NXLog's Snare output, to_syslog_snare: "MSWinEventLog<TAB>1<TAB>Security
# <TAB>...", TAB-separated) and NXLog's RFC 5424 output (to_syslog_ietf: the event's
# fields in [NXLOG@14506 ...] structured data, its text in MSG).  The TABs must stay TABs:
#   global(parser.escapeControlCharacterTab="off")
# and the record starts before what an RFC 3164 parser takes for the tag, so this rulebase
# reads the raw message:
# action-params: useRawMsg="on"
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/windows.rb" useRawMsg="on")
# Written for sluice; field names follow doc/rulebase.md: Snare: winlog.channel (Security,
# System ...), winlog.record_counter, winlog.time_created (as sent), event.code (the event
# ID), winlog.provider_name, user.name (DOMAIN\user or N/A), winlog.sid_type,
# winlog.keywords (Success Audit, Failure Audit, Information, Error ...), host.name,
# winlog.task (category), message (the expanded text), winlog.data, winlog.trailer (Snare's
# closing counter or MD5); NXLog: winlog.provider_name (APP-NAME), nxlog.params (the
# structured data as an array of {key, value}), message.
# Tags: "windows", "snare_event" or "nxlog_event" (annotated); Snare's Success Audit
# records are tagged success, Failure Audit ones failure.
# Field separators are TABs (\t in the options below); a Snare record whose text holds a
# TAB keeps the part after it in winlog.trailer.

type=@snare:%-:string-to{"extradata":"MSWinEventLog\t"}%MSWinEventLog	%winlog.criticality:char-sep{"extradata":"\t"}%	%winlog.channel:char-sep{"extradata":"\t"}%	%winlog.record_counter:char-sep{"extradata":"\t"}%	%winlog.time_created:char-sep{"extradata":"\t"}%	%event.code:char-sep{"extradata":"\t"}%	%winlog.provider_name:char-sep{"extradata":"\t"}%	%user.name:char-sep{"extradata":"\t"}%	%winlog.sid_type:char-sep{"extradata":"\t"}%	
type=@snare2:%host.name:char-sep{"extradata":"\t"}%	%winlog.task:char-sep{"extradata":"\t"}%	%winlog.data:char-sep{"extradata":"\t"}%	%message:char-sep{"extradata":"\t"}%	%winlog.trailer:rest%

rule=windows,snare_event,success:%.:@snare%%winlog.keywords:literal{"text":"Success Audit"}%	%.:@snare2%
rule=windows,snare_event,failure:%.:@snare%%winlog.keywords:literal{"text":"Failure Audit"}%	%.:@snare2%
rule=windows,snare_event:%.:@snare%%winlog.keywords:char-sep{"extradata":"\t"}%	%.:@snare2%

type=@kv:%{"name":"nxlog.params", "type":"repeat", "parser":[{"type":"char-to", "name":"key", "extradata":"="}, {"type":"literal", "text":"=\""}, {"type":"char-sep", "name":"value", "extradata":"\""}, {"type":"literal", "text":"\""}], "while":[{"type":"literal", "text":" "}]}%
rule=windows,nxlog_event:<%-:number%>1 %-:word% %-:word% %winlog.provider_name:word% %-:word% %-:word% [NXLOG@14506 %.:@kv%] %message:rest%

annotate=snare_event:+event.action="snare_event"
annotate=nxlog_event:+event.action="nxlog_event"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
