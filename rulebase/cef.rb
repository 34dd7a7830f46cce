version=2
# cef.rb - liblognorm v2 rules for ArcSight Common Event Format lines, whatever syslog
# header carries them: RFC 3164 ("<134>Mar  1 01:00:01 host CEF:0|...", which the Azure
# Local / Azure Monitor Agent CEF forwarders send, and where "CEF:" becomes the syslog tag),
# RFC 5424 (CEF in MSG), or no header.  Because the tag swallows "CEF:" in the RFC 3164
# case, this rulebase reads the raw message:
# action-params: useRawMsg="on"
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/cef.rb" useRawMsg="on")
# Written for sluice; field names follow doc/rulebase.md: cef.version, observer.vendor,
# observer.product, observer.version, event.code (Signature ID), rule.name (Name),
# event.severity (as sent: 0-10 or Low/Medium/High/Very-High/Unknown), and the extension:
# cef.extensions, an object of the CEF keys (src, dst, spt, act, suser, cs1, cs1Label ...)
# when no value holds a blank (liblognorm's name-value-list), else cef.extensions_raw, the
# extension as one string.  A header field with an escaped "\|" or "\\" does not parse.
# liblognorm's own cef parser (which handles those escapes) is not used: in liblognorm
# 2.0.6 it drops the first character of the first extension key ("act" becomes "ct"; seen
# in rsyslogd and sluiced alike), and it outranks any other rule on the same line.
# Tags: "cef", "cef_event" (annotated to event.action).  No "CEF:0|" header: no parse.

type=@skip:%-:string-to{"extradata":"CEF:"}%
type=@hdr:CEF:%cef.version:number%|%observer.vendor:char-sep{"extradata":"|\\"}%|%observer.product:char-sep{"extradata":"|\\"}%|%observer.version:char-sep{"extradata":"|\\"}%|%event.code:char-sep{"extradata":"|\\"}%|%rule.name:char-sep{"extradata":"|\\"}%|%event.severity:char-sep{"extradata":"|\\"}%|

rule=cef,cef_event:%.:@skip%%.:@hdr%%cef.extensions:name-value-list%
rule=cef,cef_event:%.:@skip%%.:@hdr%%cef.extensions_raw:rest%

annotate=cef_event:+event.action="cef_event"
