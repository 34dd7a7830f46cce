version=2
# cron.rb - liblognorm v2 rules for cron daemons: Vixie cron / cronie ("crond[pid]:" or
# "CRON[pid]:", Debian's cron) job starts and daemon messages.  Written for sluice; field
# names follow doc/rulebase.md.  Session lines "pam_unix(cron:session): ..." are in
# pam_unix.rb.  Use:
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/cron.rb")
# Fields: user.name, process.command_line, cron.output, cron.file, file.path, log.level, event.reason.  Tags: "cron", the action (annotated to event.action), success/failure.

# "(root) CMD (run-parts /etc/cron.hourly)"
# (a command with a ")" in it keeps the closing parenthesis: liblognorm has no "up to the
# last character" parser; the rest rules catch those)
rule=cron,cron_command: (%user.name:char-to{"extradata":")"}%) CMD (%process.command_line:char-to{"extradata":")"}%)
rule=cron,cron_command: (%user.name:char-to{"extradata":")"}%) CMD (%process.command_line:rest%
rule=cron,cron_output: (%user.name:char-to{"extradata":")"}%) CMDOUT (%cron.output:char-to{"extradata":")"}%)
rule=cron,cron_output: (%user.name:char-to{"extradata":")"}%) CMDOUT (%cron.output:rest%
rule=cron,cron_command_end: (%user.name:char-to{"extradata":")"}%) CMDEND (%process.command_line:char-to{"extradata":")"}%)
rule=cron,cron_command_end: (%user.name:char-to{"extradata":")"}%) CMDEND (%process.command_line:rest%
rule=cron,cron_reload: (%user.name:char-to{"extradata":")"}%) RELOAD (%cron.file:char-to{"extradata":")"}%)
rule=cron,cron_replace: (%user.name:char-to{"extradata":")"}%) REPLACE (%cron.file:char-to{"extradata":")"}%)
rule=cron,cron_begin_edit: (%user.name:char-to{"extradata":")"}%) BEGIN EDIT (%cron.file:char-to{"extradata":")"}%)
rule=cron,cron_end_edit: (%user.name:char-to{"extradata":")"}%) END EDIT (%cron.file:char-to{"extradata":")"}%)
rule=cron,cron_list: (%user.name:char-to{"extradata":")"}%) LIST (%cron.file:char-to{"extradata":")"}%)
rule=cron,cron_error,failure: (%user.name:char-to{"extradata":")"}%) ERROR (%event.reason:char-to{"extradata":")"}%)
rule=cron,cron_error,failure: (%user.name:char-to{"extradata":")"}%) ERROR (%event.reason:rest%
rule=cron,cron_error,failure: (%user.name:char-to{"extradata":")"}%) BAD FILE MODE (%file.path:char-to{"extradata":")"}%)
rule=cron,cron_error,failure: (%user.name:char-to{"extradata":")"}%) WRONG FILE OWNER (%file.path:char-to{"extradata":")"}%)
# the daemon's own lines: "(CRON) INFO (...)", STARTUP, DEATH, error
rule=cron,cron_daemon: (CRON) %log.level:word% (%event.reason:char-to{"extradata":")"}%)
rule=cron,cron_daemon: (CRON) %log.level:word% (%event.reason:rest%

annotate=cron_command:+event.action="cron_command"
annotate=cron_output:+event.action="cron_output"
annotate=cron_command_end:+event.action="cron_command_end"
annotate=cron_reload:+event.action="cron_reload"
annotate=cron_replace:+event.action="cron_replace"
annotate=cron_begin_edit:+event.action="cron_begin_edit"
annotate=cron_end_edit:+event.action="cron_end_edit"
annotate=cron_list:+event.action="cron_list"
annotate=cron_error:+event.action="cron_error"
annotate=cron_daemon:+event.action="cron_daemon"
annotate=failure:+event.outcome="failure"
