version=2
# paloalto.rb - liblognorm v2 rules for Palo Alto Networks PAN-OS (9.x-11.x) syslog in the
# default CSV format: TRAFFIC and THREAT logs field by field, other types (SYSTEM, CONFIG
# ...) with their common head and the rest as text.  The header PAN-OS puts in front
# ("Mar  1 00:50:01 PA-3220 1,2024/03/01 00:50:01,...") is no RFC 3164 tag, so this
# rulebase reads the raw message and starts at " 1," (the FUTURE_USE field, always 1):
# action-params: useRawMsg="on"
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/paloalto.rb" useRawMsg="on")
# Written for sluice; columns as in the PAN-OS "Syslog Field Descriptions"
# (https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-admin/monitoring/use-syslog-for-monitoring/syslog-field-descriptions).
# Fields (doc/rulebase.md): panos.receive_time, observer.serial_number, panos.type,
# panos.subtype, panos.generated_time, source.ip, destination.ip, source.nat.ip,
# destination.nat.ip, rule.name, source.user.name, destination.user.name,
# network.application, panos.vsys, observer.ingress.zone, observer.egress.zone,
# observer.ingress.interface.name, observer.egress.interface.name, panos.log_action,
# panos.session_id, panos.repeat_count, source.port, destination.port, source.nat.port,
# destination.nat.port, panos.flags, network.transport, panos.action; TRAFFIC: network.bytes,
# source.bytes, destination.bytes, network.packets, panos.start_time, panos.elapsed_time,
# panos.category, panos.more (the later columns as text); THREAT: url.original,
# panos.threat (name and id), panos.category, event.severity, network.direction,
# panos.more; others: panos.more.
# Tags: "paloalto", the log type (annotated to event.action).

type=@c:%-:char-sep{"extradata":","}%
type=@head: 1,%panos.receive_time:char-sep{"extradata":","}%,%observer.serial_number:char-sep{"extradata":","}%,
type=@mid:%.:@c%,%panos.generated_time:char-sep{"extradata":","}%,%source.ip:char-sep{"extradata":","}%,%destination.ip:char-sep{"extradata":","}%,%source.nat.ip:char-sep{"extradata":","}%,%destination.nat.ip:char-sep{"extradata":","}%,%rule.name:char-sep{"extradata":","}%,%source.user.name:char-sep{"extradata":","}%,%destination.user.name:char-sep{"extradata":","}%,%network.application:char-sep{"extradata":","}%,%panos.vsys:char-sep{"extradata":","}%,%observer.ingress.zone:char-sep{"extradata":","}%,%observer.egress.zone:char-sep{"extradata":","}%,%observer.ingress.interface.name:char-sep{"extradata":","}%,%observer.egress.interface.name:char-sep{"extradata":","}%,%panos.log_action:char-sep{"extradata":","}%,%.:@c%,%panos.session_id:char-sep{"extradata":","}%,%panos.repeat_count:char-sep{"extradata":","}%,%source.port:char-sep{"extradata":","}%,%destination.port:char-sep{"extradata":","}%,%source.nat.port:char-sep{"extradata":","}%,%destination.nat.port:char-sep{"extradata":","}%,%panos.flags:char-sep{"extradata":","}%,%network.transport:char-sep{"extradata":","}%,%panos.action:char-sep{"extradata":","}%,
type=@skip:%-:string-to{"extradata":" 1,"}%

rule=paloalto,traffic:%.:@skip%%.:@head%%panos.type:literal{"text":"TRAFFIC"}%,%panos.subtype:char-sep{"extradata":","}%,%.:@mid%%network.bytes:char-sep{"extradata":","}%,%source.bytes:char-sep{"extradata":","}%,%destination.bytes:char-sep{"extradata":","}%,%network.packets:char-sep{"extradata":","}%,%panos.start_time:char-sep{"extradata":","}%,%panos.elapsed_time:char-sep{"extradata":","}%,%panos.category:char-sep{"extradata":","}%,%panos.more:rest%
rule=paloalto,threat:%.:@skip%%.:@head%%panos.type:literal{"text":"THREAT"}%,%panos.subtype:char-sep{"extradata":","}%,%.:@mid%"%url.original:char-to{"extradata":"\""}%",%panos.threat:char-sep{"extradata":","}%,%panos.category:char-sep{"extradata":","}%,%event.severity:char-sep{"extradata":","}%,%network.direction:char-sep{"extradata":","}%%panos.more:rest%
rule=paloalto,threat:%.:@skip%%.:@head%%panos.type:literal{"text":"THREAT"}%,%panos.subtype:char-sep{"extradata":","}%,%.:@mid%,%panos.threat:char-sep{"extradata":","}%,%panos.category:char-sep{"extradata":","}%,%event.severity:char-sep{"extradata":","}%,%network.direction:char-sep{"extradata":","}%%panos.more:rest%
rule=paloalto,other:%.:@skip%%.:@head%%panos.type:char-sep{"extradata":","}%,%panos.subtype:char-sep{"extradata":","}%,%panos.more:rest%

annotate=traffic:+event.action="traffic"
annotate=threat:+event.action="threat"
annotate=other:+event.action="other"
