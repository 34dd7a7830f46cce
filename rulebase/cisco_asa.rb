version=2
# cisco_asa.rb - liblognorm v2 rules for Cisco ASA and Firepower Threat Defense (FTD)
# syslog messages ("%ASA-6-302013: Built ...", "%FTD-..."), whatever header the device
# puts in front (with or without host, with the "MMM dd yyyy" timestamp, with " : ").
# That header confuses RFC 3164 parsers, so this rulebase reads the raw message:
# action-params: useRawMsg="on"
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/cisco_asa.rb" useRawMsg="on")
# Written for sluice; field names follow doc/rulebase.md and the message texts of Cisco's
# "Cisco Secure Firewall ASA Series Syslog Messages" guide.  Fields: cisco.facility (ASA,
# FTD), log.level (the severity digit), event.code (the message number), source.ip,
# source.port, destination.ip, destination.port, observer.ingress.interface.name /
# observer.egress.interface.name (the ASA interface of source / destination),
# source.nat.ip, source.nat.port, destination.nat.ip, destination.nat.port,
# network.transport, cisco.connection_id, cisco.duration, network.bytes, event.reason,
# rule.name (access group / list), user.name, process.command_line (111008).
# The message number decides the direction: "Built inbound" has the source first, "Built
# outbound" the destination first.  Other messages: cisco.message (the text), no fields.
# Tags: "cisco_asa", the action, success/failure (annotated).

type=@hdr:%-:char-to{"extradata":"\u0025"}%%%%cisco.facility:char-to{"extradata":"-"}%-%log.level:number%-%event.code:number%: 
type=@srcep:%observer.ingress.interface.name:char-to{"extradata":":"}%:%source.ip:ipv4%/%source.port:number%
type=@dstep:%observer.egress.interface.name:char-to{"extradata":":"}%:%destination.ip:ipv4%/%destination.port:number%

# 302013/302015: Built {inbound|outbound} {TCP|UDP} connection ID for IF:IP/P (MIP/MP) to IF:IP/P (MIP/MP)
rule=cisco_asa,connection_built:%.:@hdr%Built inbound %network.transport:word% connection %cisco.connection_id:number% for %.:@srcep% (%source.nat.ip:ipv4%/%source.nat.port:number%) to %.:@dstep% (%destination.nat.ip:ipv4%/%destination.nat.port:number%)%cisco.details:rest%
rule=cisco_asa,connection_built:%.:@hdr%Built outbound %network.transport:word% connection %cisco.connection_id:number% for %.:@dstep% (%destination.nat.ip:ipv4%/%destination.nat.port:number%) to %.:@srcep% (%source.nat.ip:ipv4%/%source.nat.port:number%)%cisco.details:rest%
# 302014/302016: Teardown {TCP|UDP} connection ID for IF:IP/P to IF:IP/P duration H:MM:SS bytes N [reason]
rule=cisco_asa,connection_teardown:%.:@hdr%Teardown %network.transport:word% connection %cisco.connection_id:number% for %.:@dstep% to %.:@srcep% duration %cisco.duration:word% bytes %network.bytes:number% %event.reason:rest%
rule=cisco_asa,connection_teardown:%.:@hdr%Teardown %network.transport:word% connection %cisco.connection_id:number% for %.:@dstep% to %.:@srcep% duration %cisco.duration:word% bytes %network.bytes:number%
# 106023: Deny PROTO src IF:IP/P dst IF:IP/P by access-group "ACL" [h1, h2]
rule=cisco_asa,firewall_deny,failure:%.:@hdr%Deny %network.transport:word% src %.:@srcep% dst %.:@dstep% by access-group "%rule.name:char-to{"extradata":"\""}%" %cisco.hashes:rest%
# 106001: Inbound TCP connection denied from IP/P to IP/P flags FLAGS on interface IF
rule=cisco_asa,firewall_deny,failure:%.:@hdr%Inbound %network.transport:word% connection denied from %source.ip:ipv4%/%source.port:number% to %destination.ip:ipv4%/%destination.port:number% flags %cisco.tcp_flags:string-to{"extradata":" on interface "}% on interface %observer.ingress.interface.name:word%
# 710003: {TCP|UDP} access denied by ACL from IP/P to IF:IP/P
rule=cisco_asa,firewall_deny,failure:%.:@hdr%%network.transport:word% access denied by ACL from %source.ip:ipv4%/%source.port:number% to %.:@dstep%
# 106100: access-list ACL {permitted|denied} PROTO IF/IP(P) -> IF/IP(P) hit-cnt N ...
rule=cisco_asa,acl_permit,success:%.:@hdr%access-list %rule.name:word% permitted %network.transport:word% %observer.ingress.interface.name:char-to{"extradata":"/"}%/%source.ip:ipv4%(%source.port:number%) -> %observer.egress.interface.name:char-to{"extradata":"/"}%/%destination.ip:ipv4%(%destination.port:number%) %cisco.hit_count:rest%
rule=cisco_asa,firewall_deny,failure:%.:@hdr%access-list %rule.name:word% denied %network.transport:word% %observer.ingress.interface.name:char-to{"extradata":"/"}%/%source.ip:ipv4%(%source.port:number%) -> %observer.egress.interface.name:char-to{"extradata":"/"}%/%destination.ip:ipv4%(%destination.port:number%) %cisco.hit_count:rest%
# 605004/605005: Login {denied|permitted} from IP/P to IF:IP/SERVICE for user "NAME"
rule=cisco_asa,admin_login,success:%.:@hdr%Login permitted from %source.ip:ipv4%/%source.port:number% to %observer.ingress.interface.name:char-to{"extradata":":"}%:%destination.ip:ipv4%/%network.protocol:word% for user "%user.name:char-to{"extradata":"\""}%"
rule=cisco_asa,admin_login,failure:%.:@hdr%Login denied from %source.ip:ipv4%/%source.port:number% to %observer.ingress.interface.name:char-to{"extradata":":"}%:%destination.ip:ipv4%/%network.protocol:word% for user "%user.name:char-to{"extradata":"\""}%"
# 111008: User 'NAME' executed the 'CMD' command.
rule=cisco_asa,command_executed:%.:@hdr%User '%user.name:char-to{"extradata":"'"}%' executed the '%process.command_line:string-to{"extradata":"' command."}%' command.
# 113004/113005: AAA user authentication Successful/Rejected
rule=cisco_asa,aaa_auth,success:%.:@hdr%AAA user authentication Successful : server = %cisco.aaa_server:word% : user = %user.name:rest%
rule=cisco_asa,aaa_auth,failure:%.:@hdr%AAA user authentication Rejected : reason = %event.reason:string-to{"extradata":" : server = "}% : server = %cisco.aaa_server:word% : user = %user.name:string-to{"extradata":" : user IP = "}% : user IP = %source.ip:ipv4%
# anything else: the header fields and the text
rule=cisco_asa,other:%.:@hdr%%cisco.message:rest%

annotate=connection_built:+event.action="connection_built"
annotate=connection_teardown:+event.action="connection_teardown"
annotate=firewall_deny:+event.action="firewall_deny"
annotate=acl_permit:+event.action="acl_permit"
annotate=admin_login:+event.action="admin_login"
annotate=command_executed:+event.action="command_executed"
annotate=aaa_auth:+event.action="aaa_auth"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
