version=2
# systemd.rb - liblognorm v2 rules for systemd's unit state messages (PID 1, "systemd[1]:",
# and the user managers "systemd[pid]:") and systemd-logind's session lines, as journald
# forwards them to syslog.  Written for sluice; field names follow doc/rulebase.md.  Use:
#   action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/systemd.rb")
# Fields: systemd.unit, systemd.description, systemd.session, systemd.cpu_time,
# process.exit_code, event.reason, user.name.  Tags: "systemd", the action, success or
# failure (annotated to event.action, event.outcome).
# systemd >= 252 writes "Started UNIT - DESCRIPTION.", older ones "Started DESCRIPTION.".
# A description is cut at its first "."; a description with a "." keeps the final one
# (the rest rules: liblognorm has no "all but the last character" parser).

type=@unitdesc:%systemd.unit:char-to{"extradata":" "}% - %systemd.description:char-to{"extradata":"."}%.
type=@unitdesc:%systemd.unit:char-to{"extradata":" "}% - %systemd.description:rest%
type=@unitdesc:%systemd.description:char-to{"extradata":"."}%.
type=@unitdesc:%systemd.description:rest%

rule=systemd,unit_starting: Starting %systemd.unit:char-to{"extradata":" "}% - %systemd.description:char-to{"extradata":"."}%...
rule=systemd,unit_starting: Starting %systemd.description:char-to{"extradata":"."}%...
rule=systemd,unit_started,success: Started %.:@unitdesc%
rule=systemd,unit_stopping: Stopping %systemd.unit:char-to{"extradata":" "}% - %systemd.description:char-to{"extradata":"."}%...
rule=systemd,unit_stopping: Stopping %systemd.description:char-to{"extradata":"."}%...
rule=systemd,unit_stopped: Stopped %.:@unitdesc%
rule=systemd,unit_failed,failure: Failed to start %.:@unitdesc%
rule=systemd,unit_reloaded,success: Reloaded %.:@unitdesc%
rule=systemd,target_reached: Reached target %.:@unitdesc%
rule=systemd,slice_created: Created slice %.:@unitdesc%
rule=systemd,slice_removed: Removed slice %.:@unitdesc%
rule=systemd,unit_finished,success: Finished %.:@unitdesc%

rule=systemd,unit_deactivated,success: %systemd.unit:char-to{"extradata":":"}%: Deactivated successfully.
rule=systemd,unit_succeeded,success: %systemd.unit:char-to{"extradata":":"}%: Succeeded.
rule=systemd,unit_exited,failure: %systemd.unit:char-to{"extradata":":"}%: Main process exited, code=%event.reason:char-to{"extradata":","}%, status=%process.exit_code:char-to{"extradata":"/"}%/%systemd.exit_status:word%
rule=systemd,unit_exited,failure: %systemd.unit:char-to{"extradata":":"}%: Main process exited, code=%event.reason:char-to{"extradata":","}%, status=%process.exit_code:number%
rule=systemd,unit_failed,failure: %systemd.unit:char-to{"extradata":":"}%: Failed with result '%event.reason:char-to{"extradata":"'"}%'.
rule=systemd,unit_resources: %systemd.unit:char-to{"extradata":":"}%: Consumed %systemd.cpu_time:word% CPU time.
rule=systemd,unit_resources: %systemd.unit:char-to{"extradata":":"}%: Consumed %systemd.cpu_time:word% CPU time, %systemd.resources:rest%
rule=systemd,unit_restart: %systemd.unit:char-to{"extradata":":"}%: Scheduled restart job, restart counter is at %systemd.restart_count:number%.

rule=systemd,manager_reloading: Reloading.
rule=systemd,manager_reloading: Reloading requested from client PID %process.pid:number% ('%process.command_line:char-to{"extradata":"'"}%') (unit %systemd.unit:char-to{"extradata":")"}%)...
rule=systemd,startup_finished: Startup finished in %systemd.startup_times:rest%

# systemd-logind
rule=systemd,session_new: New session %systemd.session:word% of user %user.name:char-to{"extradata":"."}%.
rule=systemd,session_removed: Removed session %systemd.session:char-to{"extradata":"."}%.
rule=systemd,session_logout: Session %systemd.session:word% logged out. Waiting for processes to exit.

annotate=unit_starting:+event.action="unit_starting"
annotate=unit_started:+event.action="unit_started"
annotate=unit_stopping:+event.action="unit_stopping"
annotate=unit_stopped:+event.action="unit_stopped"
annotate=unit_failed:+event.action="unit_failed"
annotate=unit_reloaded:+event.action="unit_reloaded"
annotate=target_reached:+event.action="target_reached"
annotate=slice_created:+event.action="slice_created"
annotate=slice_removed:+event.action="slice_removed"
annotate=unit_finished:+event.action="unit_finished"
annotate=unit_deactivated:+event.action="unit_deactivated"
annotate=unit_succeeded:+event.action="unit_succeeded"
annotate=unit_exited:+event.action="unit_exited"
annotate=unit_resources:+event.action="unit_resources"
annotate=unit_restart:+event.action="unit_restart"
annotate=manager_reloading:+event.action="manager_reloading"
annotate=startup_finished:+event.action="startup_finished"
annotate=session_new:+event.action="session_new"
annotate=session_removed:+event.action="session_removed"
annotate=session_logout:+event.action="session_logout"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
