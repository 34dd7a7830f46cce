version=2
# dovecot.rb - liblognorm v2 rules for Dovecot 2.2/2.3 logins and sessions ("dovecot:" or
# "dovecot[pid]:" tag, the service in the message: "imap-login: Login: user=<...>, ...").
# Written for sluice; field names follow doc/rulebase.md.  "auth: pam_unix(dovecot:auth)"
# lines go to pam_unix.rb once the "auth: " is cut, not here.  Use:
#   if $programname == "dovecot" then
#       action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/dovecot.rb")
# Fields: dovecot.service (imap-login, pop3-login, imap, lmtp ...), user.name, dovecot.method
# (method=), source.ip (rip=), server.ip (lip=), dovecot.details (what follows: mpid=, TLS,
# session=<...>), dovecot.attempts, event.reason, process.pid, dovecot.session,
# dovecot.stats (the counters of "Logged out").
# Tags: "dovecot", the action, success/failure (annotated).
# Addresses are taken up to the next "," (char-to) so that IPv6 works (liblognorm's ipv6
# parser does not accept the "," after the address).

type=@user:user=<>
type=@user:user=<%user.name:char-to{"extradata":">"}%>
type=@addr:rip=%source.ip:char-to{"extradata":","}%, lip=%server.ip:char-to{"extradata":","}%, %dovecot.details:rest%
type=@kv:%.:@user%, method=%dovecot.method:char-to{"extradata":","}%, %.:@addr%
type=@kv:%.:@user%, %.:@addr%
type=@svc:%dovecot.service:char-sep{"extradata":":("}%:

rule=dovecot,login,success: %.:@svc% Login: %.:@kv%
rule=dovecot,login,failure: %.:@svc% Disconnected (auth failed, %dovecot.attempts:number% attempts in %dovecot.duration:number% secs): %.:@kv%
rule=dovecot,login,failure: %.:@svc% Aborted login (auth failed, %dovecot.attempts:number% attempts in %dovecot.duration:number% secs): %.:@kv%
rule=dovecot,disconnect: %.:@svc% Disconnected (%event.reason:char-to{"extradata":")"}%): %.:@kv%
rule=dovecot,disconnect: %.:@svc% Aborted login (%event.reason:char-to{"extradata":")"}%): %.:@kv%
rule=dovecot,disconnect: %.:@svc% Disconnected: %event.reason:string-to{"extradata":" (no auth"}% (%dovecot.note:char-to{"extradata":")"}%): %.:@kv%

# mail sessions: "imap(alice)<12345><AbCd>: Logged out in=..."
type=@sess:%dovecot.service:char-to{"extradata":"("}%(%user.name:char-to{"extradata":")"}%)<%process.pid:number%><%dovecot.session:char-to{"extradata":">"}%>:
type=@sess:%dovecot.service:char-to{"extradata":"("}%(%user.name:char-to{"extradata":")"}%):
rule=dovecot,logout,success: %.:@sess% Logged out %dovecot.stats:rest%
rule=dovecot,logout,success: %.:@sess% Disconnected: Logged out %dovecot.stats:rest%
rule=dovecot,disconnect: %.:@sess% Disconnected: %event.reason:rest%
rule=dovecot,disconnect: %.:@sess% Connection closed %event.reason:rest%
rule=dovecot,mail_saved,success: %.:@sess% msgid=<%email.message_id:char-to{"extradata":">"}%>: saved mail to %dovecot.mailbox:rest%
rule=dovecot,auth_failure,failure: auth: %dovecot.auth_mechanism:char-to{"extradata":"("}%(%user.name:char-to{"extradata":","}%,%source.ip:char-to{"extradata":","}%,<%dovecot.session:char-to{"extradata":">"}%>): %event.reason:rest%
rule=dovecot,auth_failure,failure: auth-worker(%process.pid:number%): %dovecot.auth_mechanism:char-to{"extradata":"("}%(%user.name:char-to{"extradata":","}%,%source.ip:char-to{"extradata":","}%,<%dovecot.session:char-to{"extradata":">"}%>): %event.reason:rest%

annotate=login:+event.action="login"
annotate=disconnect:+event.action="disconnect"
annotate=logout:+event.action="logout"
annotate=mail_saved:+event.action="mail_saved"
annotate=auth_failure:+event.action="auth_failure"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
