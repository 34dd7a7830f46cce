version=2
# sshd.rb - liblognorm v2 rules for OpenSSH's sshd (the MSG part after "sshd[pid]:").
# Written for sluice; field names follow doc/rulebase.md (ECS names as flat $! keys).  Use:
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/sshd.rb")
# The pam_unix(sshd:...) and "PAM ..." lines sshd also logs are in pam_unix.rb.
# Fields: source.ip, source.port, source.address, user.name, network.protocol, event.reason,
# event.code, server.ip, server.port, sshd.method, sshd.key_type, sshd.fingerprint, sshd.repeat_count.
# Tags: "sshd", the action, and success/failure; the annotations below turn them into
# event.action and event.outcome ("unknown_user" marks failed logins of unknown users).
# Every rule starts with a space: the msg property of an RFC 3164 message keeps the space
# after "sshd[pid]:", in rsyslog and in sluice alike.
type=@src:%source.ip:ipv4%
type=@src:%source.ip:ipv6%
type=@srv:%server.ip:ipv4%
type=@srv:%server.ip:ipv6%

# Logins
rule=sshd,ssh_login,success: Accepted %sshd.method:word% for %user.name:word% from %.:@src% port %source.port:number% %network.protocol:word%
rule=sshd,ssh_login,success: Accepted %sshd.method:word% for %user.name:word% from %.:@src% port %source.port:number% %network.protocol:char-to{"extradata":":"}%: %sshd.key_type:word% %sshd.fingerprint:rest%
rule=sshd,ssh_login,failure: Failed %sshd.method:word% for %user.name:word% from %.:@src% port %source.port:number% %network.protocol:word%
rule=sshd,ssh_login,failure,unknown_user: Failed %sshd.method:word% for invalid user %user.name:word% from %.:@src% port %source.port:number% %network.protocol:word%
rule=sshd,ssh_login,failure: message repeated %sshd.repeat_count:number% times: [ Failed %sshd.method:word% for %user.name:word% from %.:@src% port %source.port:number% %network.protocol:char-to{"extradata":"]"}%]
rule=sshd,ssh_login,failure,unknown_user: message repeated %sshd.repeat_count:number% times: [ Failed %sshd.method:word% for invalid user %user.name:word% from %.:@src% port %source.port:number% %network.protocol:char-to{"extradata":"]"}%]
rule=sshd,ssh_login,failure: Disconnecting: Too many authentication failures for %user.name:word% [preauth]
rule=sshd,ssh_login,failure: Disconnecting authenticating user %user.name:word% %.:@src% port %source.port:number%: Too many authentication failures [preauth]

# Unknown user names
rule=sshd,invalid_user,failure: Invalid user %user.name:word% from %.:@src%
rule=sshd,invalid_user,failure: Invalid user %user.name:word% from %.:@src% port %source.port:number%
rule=sshd,invalid_user,failure: input_userauth_request: invalid user %user.name:word% [preauth]

# Disconnects and closed connections
rule=sshd,disconnect: Disconnected from user %user.name:word% %.:@src% port %source.port:number%
rule=sshd,disconnect: Disconnected from %.:@src% port %source.port:number%
rule=sshd,disconnect: Disconnected from %.:@src% port %source.port:number% [preauth]
rule=sshd,disconnect: Disconnected from authenticating user %user.name:word% %.:@src% port %source.port:number% [preauth]
rule=sshd,disconnect: Disconnected from invalid user %user.name:word% %.:@src% port %source.port:number% [preauth]
rule=sshd,disconnect: Received disconnect from %.:@src%: %event.code:number%: %event.reason:rest%
rule=sshd,disconnect: Received disconnect from %.:@src% port %source.port:number%:%event.code:number%: %event.reason:rest%
rule=sshd,disconnect: error: Received disconnect from %.:@src%: %event.code:number%: %event.reason:rest%
rule=sshd,disconnect: Connection closed by %.:@src% [preauth]
rule=sshd,disconnect: Connection closed by %.:@src% port %source.port:number% [preauth]
rule=sshd,disconnect: Connection closed by authenticating user %user.name:word% %.:@src% port %source.port:number% [preauth]
rule=sshd,disconnect: Connection reset by %.:@src% port %source.port:number% [preauth]
rule=sshd,disconnect: fatal: Write failed: %event.reason:rest%
rule=sshd,disconnect: Local disconnected: %event.reason:rest%
rule=sshd,disconnect: connection lost: '%event.reason:char-to{"extradata":"'"}%'

# Scans and probes
rule=sshd,no_identification,failure: Did not receive identification string from %.:@src%
rule=sshd,no_identification,failure: Did not receive identification string from %.:@src% port %source.port:number%
rule=sshd,reverse_mapping_failed,failure: reverse mapping checking getaddrinfo for %source.address:word% [%.:@src%] failed - POSSIBLE BREAK-IN ATTEMPT!
rule=sshd,reverse_mapping_failed,failure: reverse mapping checking getaddrinfo for %source.address:word% [%.:@src%] failed.

# Daemon state
rule=sshd,server_listening: Server listening on %.:@srv% port %server.port:number%.
rule=sshd,server_bind,failure: error: Bind to port %server.port:number% on %.:@srv% failed: %event.reason:rest%

rule=sshd,server_stop: Received signal %event.code:number%; terminating.

annotate=ssh_login:+event.action="ssh_login"
annotate=invalid_user:+event.action="invalid_user"
annotate=disconnect:+event.action="disconnect"
annotate=no_identification:+event.action="no_identification"
annotate=reverse_mapping_failed:+event.action="reverse_mapping_failed"
annotate=server_listening:+event.action="server_listening"
annotate=server_stop:+event.action="server_stop"
annotate=server_bind:+event.action="server_bind"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
