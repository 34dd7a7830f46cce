version=2
# sudo.rb - liblognorm v2 rules for sudo's syslog lines (sudo 1.8/1.9 "sudoers" log
# format: "sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls").
# Written for sluice; field names follow doc/rulebase.md.  The pam_unix(sudo:...) lines
# are in pam_unix.rb.  Use:
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/sudo.rb")
# Fields: user.name (who ran sudo), user.effective.name (USER=), group.effective.name
# (GROUP=), process.tty.name (TTY=), process.working_directory (PWD=), sudo.env (ENV=),
# process.command_line (COMMAND=), event.reason, sudo.attempts.
# Tags: "sudo", "sudo_command", success (allowed) or failure (refused; event.reason says
# why), annotated to event.action and event.outcome.
# sudo pads the user name with blanks ("sudo:    alice : ..."), hence the whitespace.
# Values are cut at " ; " (string-to): a PWD or ENV holding " ; " is misread.

type=@cmd:COMMAND=%process.command_line:rest%
type=@cmd:ENV=%sudo.env:string-to{"extradata":" ; "}% ; COMMAND=%process.command_line:rest%
type=@user:USER=%user.effective.name:string-to{"extradata":" ; "}% ; %.:@cmd%
type=@user:USER=%user.effective.name:string-to{"extradata":" ; "}% ; GROUP=%group.effective.name:string-to{"extradata":" ; "}% ; %.:@cmd%
type=@kv:TTY=%process.tty.name:string-to{"extradata":" ; "}% ; PWD=%process.working_directory:string-to{"extradata":" ; "}% ; %.:@user%
type=@kv:PWD=%process.working_directory:string-to{"extradata":" ; "}% ; %.:@user%
type=@who:%-:whitespace%%user.name:word% :

rule=sudo,sudo_command,success:%.:@who% %.:@kv%
rule=sudo,sudo_command,failure:%.:@who% %event.reason:literal{"text":"user NOT in sudoers"}% ; %.:@kv%
rule=sudo,sudo_command,failure:%.:@who% %event.reason:literal{"text":"user NOT authorized on host"}% ; %.:@kv%
rule=sudo,sudo_command,failure:%.:@who% %event.reason:literal{"text":"command not allowed"}% ; %.:@kv%
rule=sudo,sudo_command,failure:%.:@who% %event.reason:literal{"text":"a password is required"}% ; %.:@kv%
rule=sudo,sudo_command,failure:%.:@who% %sudo.attempts:number% %event.reason:literal{"text":"incorrect password attempts"}% ; %.:@kv%
rule=sudo,sudo_command,failure:%.:@who% %sudo.attempts:number% %event.reason:literal{"text":"incorrect password attempt"}% ; %.:@kv%
rule=sudo,sudo_error,failure:%.:@who% unable to resolve host %host.name:rest%
rule=sudo,sudo_error,failure: unable to resolve host %host.name:word%: %event.reason:rest%

annotate=sudo_command:+event.action="sudo_command"
annotate=sudo_error:+event.action="sudo_error"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
