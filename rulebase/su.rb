version=2
# su.rb - liblognorm v2 rules for su's own syslog lines (util-linux su and shadow's su);
# the pam_unix(su:...) / su(pam_unix) lines are in pam_unix.rb.  Written for sluice;
# field names follow doc/rulebase.md.  Use:
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/su.rb")
# Fields: user.name (who ran su), user.effective.name (the target account),
# process.tty.name.  Tags: "su", "su_switch", success or failure (annotated).

# util-linux: "(to root) alice on pts/0", "FAILED SU (to root) alice on pts/0"
rule=su,su_switch,success: (to %user.effective.name:char-to{"extradata":")"}%) %user.name:word% on %process.tty.name:word%
rule=su,su_switch,failure: FAILED SU (to %user.effective.name:char-to{"extradata":")"}%) %user.name:word% on %process.tty.name:word%
rule=su,su_switch,failure: FAILED SU (to %user.effective.name:char-to{"extradata":")"}%) %user.name:word% on none
# shadow: "+ pts/0 alice:root", "- pts/0 alice:root", "Successful su for root by alice"
rule=su,su_switch,success: + %process.tty.name:word% %user.name:char-to{"extradata":":"}%:%user.effective.name:word%
rule=su,su_switch,failure: - %process.tty.name:word% %user.name:char-to{"extradata":":"}%:%user.effective.name:word%
rule=su,su_switch,success: Successful su for %user.effective.name:word% by %user.name:word%
rule=su,su_switch,failure: FAILED su for %user.effective.name:word% by %user.name:word%
rule=su,su_switch,failure: pam_authenticate: %event.reason:rest%

annotate=su_switch:+event.action="su_switch"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
