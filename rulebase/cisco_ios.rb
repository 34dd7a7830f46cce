version=2
# cisco_ios.rb - liblognorm v2 rules for Cisco IOS / IOS-XE / NX-OS messages
# ("%FACILITY-SEVERITY-MNEMONIC: text"), whatever the device puts in front (sequence
# numbers, "*" or "." unsynchronised timestamps, a year, a host or none).  That header is
# no RFC 3164 header, so this rulebase reads the raw message and starts at the first "%":
# action-params: useRawMsg="on"
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/cisco_ios.rb" useRawMsg="on")
# Written for sluice; field names follow doc/rulebase.md: cisco.facility, log.level (the
# severity digit), event.code (the mnemonic), and for the messages below
# observer.ingress.interface.name (the interface), cisco.state, user.name, source.ip,
# source.port, destination.ip, destination.port, network.transport, rule.name (ACL),
# network.packets, server.ip (login) and cisco.message (any other text).
# Tags: "cisco_ios", the action (annotated).

type=@hdr:%-:char-to{"extradata":"\u0025"}%%%%cisco.facility:char-to{"extradata":"-"}%-%log.level:number%-%event.code:char-to{"extradata":":"}%: 

rule=cisco_ios,link_state:%.:@hdr%Interface %observer.ingress.interface.name:char-to{"extradata":","}%, changed state to %cisco.state:rest%
rule=cisco_ios,link_state:%.:@hdr%Line protocol on Interface %observer.ingress.interface.name:char-to{"extradata":","}%, changed state to %cisco.state:rest%
rule=cisco_ios,config_change:%.:@hdr%Configured from %cisco.config_source:word% by %user.name:word% on %cisco.line:word% (%source.ip:char-to{"extradata":")"}%)
rule=cisco_ios,config_change:%.:@hdr%Configured from %cisco.config_source:word% by %user.name:word% on %cisco.line:word%
rule=cisco_ios,config_change:%.:@hdr%Configured from %cisco.config_source:word% by %cisco.line:word% (%source.ip:char-to{"extradata":")"}%)
rule=cisco_ios,config_change:%.:@hdr%Configured from %cisco.config_source:word% by %user.name:rest%
rule=cisco_ios,acl_log:%.:@hdr%list %rule.name:word% %cisco.acl_action:word% %network.transport:word% %source.ip:ipv4%(%source.port:number%) -> %destination.ip:ipv4%(%destination.port:number%), %network.packets:number% %-:rest%
rule=cisco_ios,acl_log:%.:@hdr%list %rule.name:word% %cisco.acl_action:word% %network.transport:word% %source.ip:ipv4% -> %destination.ip:ipv4% (%-:char-to{"extradata":")"}%), %network.packets:number% %-:rest%
rule=cisco_ios,acl_log:%.:@hdr%list %rule.name:word% %cisco.acl_action:word% %source.ip:ipv4% %network.packets:number% %-:rest%
rule=cisco_ios,login,success:%.:@hdr%Login Success [user: %user.name:char-to{"extradata":"]"}%] [Source: %source.ip:char-to{"extradata":"]"}%] [localport: %server.port:number%] at %cisco.time:rest%
rule=cisco_ios,login,failure:%.:@hdr%Login failed [user: %user.name:char-to{"extradata":"]"}%] [Source: %source.ip:char-to{"extradata":"]"}%] [localport: %server.port:number%] [Reason: %event.reason:char-to{"extradata":"]"}%] at %cisco.time:rest%
rule=cisco_ios,other:%.:@hdr%%cisco.message:rest%

annotate=link_state:+event.action="link_state"
annotate=config_change:+event.action="config_change"
annotate=acl_log:+event.action="acl_log"
annotate=login:+event.action="login"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
