version=2
# netfilter.rb - liblognorm v2 rules for the Linux kernel firewall's packet log lines
# (iptables/ip6tables -j LOG, nftables "log", ufw, firewalld: all print through nf_log,
# "kernel: [UPTIME] PREFIX IN=eth0 OUT= MAC=... SRC=... DST=... LEN=... PROTO=TCP SPT=...").
# Written for sluice; field names follow doc/rulebase.md.  Use:
#   if $programname == "kernel" and $msg contains " SRC=" then
#       action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/netfilter.rb")
# Fields: rule.name (the log prefix, e.g. "[UFW BLOCK]"), observer.ingress.interface.name
# (IN=), observer.egress.interface.name (OUT=), netfilter.mac (MAC=: destination, source
# and EtherType as the kernel prints them), source.ip, destination.ip, netfilter.length
# (LEN=), network.transport (PROTO=, as logged: TCP, UDP, ICMP, ICMPv6, 47 ...),
# source.port, destination.port (SPT=, DPT=), icmp.type, icmp.code, netfilter.flags (what
# follows: TTL/TOS/ID before PROTO are skipped; WINDOW, RES, SYN ACK, URGP after it).
# Tags: "netfilter", "packet_logged".

type=@ip:%source.ip:ipv4% DST=%destination.ip:ipv4%
type=@ip:%source.ip:ipv6% DST=%destination.ip:ipv6%
type=@l4:PROTO=%network.transport:word% SPT=%source.port:number% DPT=%destination.port:number% %netfilter.flags:rest%
type=@l4:PROTO=%network.transport:word% SPT=%source.port:number% DPT=%destination.port:number%
type=@l4:PROTO=%network.transport:literal{"text":"ICMP"}% TYPE=%icmp.type:number% CODE=%icmp.code:number% %netfilter.flags:rest%
type=@l4:PROTO=%network.transport:literal{"text":"ICMPv6"}% TYPE=%icmp.type:number% CODE=%icmp.code:number% %netfilter.flags:rest%
type=@l4:PROTO=%network.transport:word% %netfilter.flags:rest%
type=@l4:PROTO=%network.transport:word%
type=@pkt:IN=%observer.ingress.interface.name:char-sep{"extradata":" "}% OUT=%observer.egress.interface.name:char-sep{"extradata":" "}% MAC=%netfilter.mac:word% SRC=%.:@ip% LEN=%netfilter.length:number% %-:string-to{"extradata":"PROTO="}%%.:@l4%
type=@pkt:IN=%observer.ingress.interface.name:char-sep{"extradata":" "}% OUT=%observer.egress.interface.name:char-sep{"extradata":" "}% MAC=%netfilter.mac:word% SRC=%.:@ip% LEN=%netfilter.length:number% %.:@l4%
type=@pkt:IN=%observer.ingress.interface.name:char-sep{"extradata":" "}% OUT=%observer.egress.interface.name:char-sep{"extradata":" "}% SRC=%.:@ip% LEN=%netfilter.length:number% %-:string-to{"extradata":"PROTO="}%%.:@l4%
type=@pkt:IN=%observer.ingress.interface.name:char-sep{"extradata":" "}% OUT=%observer.egress.interface.name:char-sep{"extradata":" "}% SRC=%.:@ip% LEN=%netfilter.length:number% %.:@l4%
type=@uptime:[%-:char-to{"extradata":"]"}%]

rule=netfilter,packet_logged: %.:@uptime% %rule.name:string-to{"extradata":" IN="}% %.:@pkt%
rule=netfilter,packet_logged: %.:@uptime% %.:@pkt%
rule=netfilter,packet_logged: %rule.name:string-to{"extradata":" IN="}% %.:@pkt%
rule=netfilter,packet_logged: %.:@pkt%

annotate=packet_logged:+event.action="packet_logged"
