version=2
# leef.rb - liblognorm v2 rules for IBM QRadar's Log Event Extended Format, 1.0 and 2.0
# ("LEEF:1.0|Vendor|Product|Version|EventID|key=value<TAB>key=value",
#  "LEEF:2.0|Vendor|Product|Version|EventID|DELIM|key=value..."), after any syslog header.
# As with CEF the RFC 3164 tag takes "LEEF:", so this rulebase reads the raw message:
# action-params: useRawMsg="on"
# and the attributes are TAB-separated, which rsyslog and sluice turn into "#011" unless
#   global(parser.escapeControlCharacterTab="off")
# is set (the tests set it).  Written for sluice; field names follow doc/rulebase.md:
# leef.version, observer.vendor, observer.product, observer.version, event.code (EventID),
# leef.delimiter (2.0), and the attributes: leef.attributes as an object of key=value pairs
# (liblognorm's name-value-list: it splits on blanks, so when a value holds a blank the
# attributes stay one string, leef.attributes_raw).  A header field with a "|" in it (LEEF
# has no escape for it) does not parse.
# Tags: "leef", "leef_event" (annotated to event.action).

type=@hdr:LEEF:%leef.version:char-to{"extradata":"|"}%|%observer.vendor:char-to{"extradata":"|"}%|%observer.product:char-to{"extradata":"|"}%|%observer.version:char-to{"extradata":"|"}%|%event.code:char-to{"extradata":"|"}%|
type=@skip:%-:string-to{"extradata":"LEEF:"}%

rule=leef,leef_event:%.:@skip%%.:@hdr%%leef.attributes:name-value-list%
rule=leef,leef_event:%.:@skip%%.:@hdr%%leef.attributes_raw:rest%
rule=leef,leef_event:%.:@skip%%.:@hdr%%leef.delimiter:char-to{"extradata":"|"}%|%leef.attributes:name-value-list%
rule=leef,leef_event:%.:@skip%%.:@hdr%%leef.delimiter:char-to{"extradata":"|"}%|%leef.attributes_raw:rest%

annotate=leef_event:+event.action="leef_event"
