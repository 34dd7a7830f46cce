version=2
# pam_unix.rb - liblognorm v2 rules for Linux-PAM's pam_unix module and libpam's own
# messages, whatever program logs them: the current form "sshd[pid]: pam_unix(sshd:auth):
# ..." and the old one "su(pam_unix)[pid]: ..." (the service is then in the syslog tag).
# Written for sluice; field names follow doc/rulebase.md.  Use it for messages whose msg
# starts with " pam_unix(" or " PAM ", or whose tag contains "(pam_unix)":
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/pam_unix.rb")
# Fields: pam.service, pam.module_type (auth, session, account, password), user.name,
# user.id, user.effective.id, source.user.name, source.user.id, source.ip, source.address,
# process.tty.name, pam.logname, pam.ruser, pam.failures, pam.retries, pam.max_retries.
# Tags: "pam", the action, success/failure (annotated to event.action, event.outcome).

# "pam_unix(SERVICE:TYPE): " in front of the current messages
type=@pfx:pam_unix(%pam.service:char-to{"extradata":":"}%:%pam.module_type:char-to{"extradata":")"}%):

# rhost= holds an address, a host name or nothing
type=@rhost:%source.ip:ipv4%
type=@rhost:%source.ip:ipv6%
type=@rhost:%source.address:char-to{"extradata":" "}%
type=@rhost:%source.address:rest%
# after it "  user=NAME" for known users, and trailing blanks
type=@tail:rhost=%.:@rhost%  user=%user.name:word%%-:rest%
type=@tail:rhost=%.:@rhost%%-:rest%
type=@tail:rhost=  user=%user.name:word%%-:rest%
type=@tail:rhost=%-:rest%
# the key=value tail of authentication failures
type=@authkv:logname=%pam.logname:char-sep{"extradata":" "}% uid=%user.id:number% euid=%user.effective.id:number% tty=%process.tty.name:char-sep{"extradata":" "}% ruser=%pam.ruser:char-sep{"extradata":" "}% %.:@tail%

# the session's account and owner, old form "by (uid=0)" / "by LOGIN(uid=0)", new "root(uid=0) by alice(uid=1000)"
type=@by:by (uid=%source.user.id:number%)
type=@by:by %source.user.name:char-to{"extradata":"("}%(uid=%source.user.id:number%)

type=@for:for user %user.name:char-sep{"extradata":" ("}%
type=@for:for user %user.name:char-sep{"extradata":" ("}%(uid=%user.id:number%)

rule=pam,session_opened,success: %.:@pfx% session opened %.:@for% %.:@by%
rule=pam,session_opened,success: session opened %.:@for% %.:@by%
rule=pam,session_closed: %.:@pfx% session closed for user %user.name:word%
rule=pam,session_closed: session closed for user %user.name:word%

rule=pam,authentication_failure,failure: %.:@pfx% authentication failure; %.:@authkv%
rule=pam,authentication_failure,failure: authentication failure; %.:@authkv%
rule=pam,authentication_failure,failure: PAM %pam.failures:number% more authentication failure; %.:@authkv%
rule=pam,authentication_failure,failure: PAM %pam.failures:number% more authentication failures; %.:@authkv%
rule=pam,user_unknown,failure: %.:@pfx% check pass; user unknown
rule=pam,user_unknown,failure: check pass; user unknown
rule=pam,max_retries: PAM service(%pam.service:char-to{"extradata":")"}%) ignoring max retries; %pam.retries:number% > %pam.max_retries:number%
rule=pam,password_changed,success: %.:@pfx% password changed for %user.name:word%

annotate=session_opened:+event.action="session_opened"
annotate=session_closed:+event.action="session_closed"
annotate=authentication_failure:+event.action="authentication_failure"
annotate=user_unknown:+event.action="user_unknown"
annotate=max_retries:+event.action="max_retries"
annotate=password_changed:+event.action="password_changed"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
