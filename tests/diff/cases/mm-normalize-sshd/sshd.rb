version=2
# sshd.rb - liblognorm v2 rules for OpenSSH's sshd authentication messages (the MSG part,
# after the "sshd[pid]:" tag).  Written for sluice; use with
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/sshd.rb  (pkgdatadir)")
# Fields: auth_method, user, src_ip, src_port, protocol, key_type, fingerprint, reason,
# reason_code (all strings).  Every rule carries the tag "ssh" and its event class
# (login+success, login+failure, invalid_user, disconnect), which liblognorm puts into
# event.tags; logins of unknown users also carry "invalid_user".
# Every rule starts with a space: the msg property of an RFC 3164 message (what sshd sends
# through syslog(3)) keeps the space after "sshd[pid]:", in rsyslog and in sluice alike.

# Successful logins
rule=ssh,login,success: Accepted %auth_method:word% for %user:word% from %src_ip:ipv4% port %src_port:number% %protocol:word%
rule=ssh,login,success: Accepted %auth_method:word% for %user:word% from %src_ip:ipv6% port %src_port:number% %protocol:word%
rule=ssh,login,success: Accepted %auth_method:word% for %user:word% from %src_ip:ipv4% port %src_port:number% %protocol:char-to{"extradata":":"}%: %key_type:word% %fingerprint:rest%
rule=ssh,login,success: Accepted %auth_method:word% for %user:word% from %src_ip:ipv6% port %src_port:number% %protocol:char-to{"extradata":":"}%: %key_type:word% %fingerprint:rest%

# Failed logins (known and invalid users)
rule=ssh,login,failure: Failed %auth_method:word% for %user:word% from %src_ip:ipv4% port %src_port:number% %protocol:word%
rule=ssh,login,failure: Failed %auth_method:word% for %user:word% from %src_ip:ipv6% port %src_port:number% %protocol:word%
rule=ssh,login,failure,invalid_user: Failed %auth_method:word% for invalid user %user:word% from %src_ip:ipv4% port %src_port:number% %protocol:word%
rule=ssh,login,failure,invalid_user: Failed %auth_method:word% for invalid user %user:word% from %src_ip:ipv6% port %src_port:number% %protocol:word%

# Unknown user names
rule=ssh,invalid_user: Invalid user %user:word% from %src_ip:ipv4%
rule=ssh,invalid_user: Invalid user %user:word% from %src_ip:ipv6%
rule=ssh,invalid_user: Invalid user %user:word% from %src_ip:ipv4% port %src_port:number%
rule=ssh,invalid_user: Invalid user %user:word% from %src_ip:ipv6% port %src_port:number%

# Disconnects and closed connections
rule=ssh,disconnect: Disconnected from user %user:word% %src_ip:ipv4% port %src_port:number%
rule=ssh,disconnect: Disconnected from user %user:word% %src_ip:ipv6% port %src_port:number%
rule=ssh,disconnect: Disconnected from %src_ip:ipv4% port %src_port:number%
rule=ssh,disconnect: Disconnected from %src_ip:ipv4% port %src_port:number% [preauth]
rule=ssh,disconnect: Disconnected from authenticating user %user:word% %src_ip:ipv4% port %src_port:number% [preauth]
rule=ssh,disconnect: Disconnected from invalid user %user:word% %src_ip:ipv4% port %src_port:number% [preauth]
rule=ssh,disconnect: Received disconnect from %src_ip:ipv4%: %reason_code:number%: %reason:rest%
rule=ssh,disconnect: Received disconnect from %src_ip:ipv4% port %src_port:number%:%reason_code:number%: %reason:rest%
rule=ssh,disconnect: error: Received disconnect from %src_ip:ipv4%: %reason_code:number%: %reason:rest%
rule=ssh,disconnect: Connection closed by %src_ip:ipv4% [preauth]
rule=ssh,disconnect: Connection closed by %src_ip:ipv4% port %src_port:number% [preauth]
rule=ssh,disconnect: Disconnecting: Too many authentication failures for %user:word% [preauth]
