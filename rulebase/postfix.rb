version=2
# postfix.rb - liblognorm v2 rules for Postfix (tags "postfix/smtpd[pid]:", postfix/qmgr,
# postfix/smtp, postfix/cleanup, postfix/local, postfix/lmtp ...): connections, queue
# entries, deliveries, rejects and SASL failures.  Written for sluice; field names follow
# doc/rulebase.md.  Use:
#   if $programname startswith "postfix" then
#       action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/postfix.rb")
# Fields: source.address + source.ip (the SMTP client, "name[addr]"), destination.address,
# destination.ip, destination.port (relay=), email.local_id (the queue id),
# email.from.address, email.to.address, email.message_id, postfix.orig_to, postfix.size,
# postfix.nrcpt, postfix.delay, postfix.delays, postfix.dsn, postfix.status,
# postfix.smtp_code, postfix.stage (lost connection after ...), postfix.commands,
# postfix.helo, network.protocol (proto=), event.reason.
# Tags: "postfix", the action, success/failure (annotated to event.action, event.outcome):
# status=sent is a success, bounced/deferred/expired a failure.
# A reason in "( )" that holds a ")" itself keeps the final ")" (the rest rules).
# liblognorm 2.0.6 does not go back into a user-defined type once one of its alternatives
# matched, so alternatives here never depend on what follows the type; choices that do are
# separate rules (the reason variants below).

type=@client:%source.address:char-to{"extradata":"["}%[%source.ip:ipv4%]
type=@client:%source.address:char-to{"extradata":"["}%[%source.ip:ipv6%]
type=@client:%source.address:char-to{"extradata":"["}%[%source.ip:char-to{"extradata":"]"}%]
type=@relay:%destination.address:char-sep{"extradata":"[,"}%[%destination.ip:ipv4%]:%destination.port:number%
type=@relay:%destination.address:char-sep{"extradata":"[,"}%[%destination.ip:char-to{"extradata":"]"}%]:%destination.port:number%
type=@relay:%destination.address:char-sep{"extradata":"[,"}%
type=@to:to=<%email.to.address:char-to{"extradata":">"}%>, relay=%.:@relay%, delay=%postfix.delay:char-to{"extradata":","}%, delays=%postfix.delays:char-to{"extradata":","}%, dsn=%postfix.dsn:char-to{"extradata":","}%, status=
type=@to:to=<%email.to.address:char-to{"extradata":">"}%>, orig_to=<%postfix.orig_to:char-to{"extradata":">"}%>, relay=%.:@relay%, delay=%postfix.delay:char-to{"extradata":","}%, delays=%postfix.delays:char-to{"extradata":","}%, dsn=%postfix.dsn:char-to{"extradata":","}%, status=
type=@to:to=<>, relay=%.:@relay%, delay=%postfix.delay:char-to{"extradata":","}%, delays=%postfix.delays:char-to{"extradata":","}%, dsn=%postfix.dsn:char-to{"extradata":","}%, status=
type=@qid:%email.local_id:char-to{"extradata":":"}%:

# smtpd connections
rule=postfix,connect: connect from %.:@client%
rule=postfix,disconnect: disconnect from %.:@client% %postfix.commands:rest%
rule=postfix,disconnect: disconnect from %.:@client%
rule=postfix,lost_connection,failure: lost connection after %postfix.stage:word% from %.:@client%
rule=postfix,timeout,failure: timeout after %postfix.stage:word% from %.:@client%
rule=postfix,sasl_failure,failure: warning: %.:@client%: SASL %postfix.sasl_method:word% authentication failed: %event.reason:rest%
rule=postfix,queued: %.:@qid% client=%.:@client%
rule=postfix,queued: %.:@qid% client=%.:@client%, sasl_method=%postfix.sasl_method:char-to{"extradata":","}%, sasl_username=%user.name:rest%

# rejects: "NOQUEUE: reject: RCPT from c[a]: 554 5.7.1 <x>: reason; from=<> to=<> proto=ESMTP helo=<h>"
type=@rej:reject: %postfix.stage:word% from %.:@client%: %postfix.smtp_code:number% %postfix.dsn:word% %event.reason:string-to{"extradata":"; from=<"}%; from=<%email.from.address:char-to{"extradata":">"}%> to=<%email.to.address:char-to{"extradata":">"}%> proto=%network.protocol:word% helo=<%postfix.helo:char-to{"extradata":">"}%>
type=@rej:reject: %postfix.stage:word% from %.:@client%: %postfix.smtp_code:number% %postfix.dsn:word% %event.reason:string-to{"extradata":"; from=<"}%; from=<> to=<%email.to.address:char-to{"extradata":">"}%> proto=%network.protocol:word% helo=<%postfix.helo:char-to{"extradata":">"}%>
rule=postfix,reject,failure: NOQUEUE: %.:@rej%
rule=postfix,reject,failure: %.:@qid% %.:@rej%

# queue life
rule=postfix,message_id: %.:@qid% message-id=<%email.message_id:char-to{"extradata":">"}%>
rule=postfix,message_id: %.:@qid% message-id=%email.message_id:rest%
rule=postfix,queue_active: %.:@qid% from=<%email.from.address:char-to{"extradata":">"}%>, size=%postfix.size:number%, nrcpt=%postfix.nrcpt:number% (queue active)
rule=postfix,queue_active: %.:@qid% from=<>, size=%postfix.size:number%, nrcpt=%postfix.nrcpt:number% (queue active)
rule=postfix,removed: %.:@qid% removed
rule=postfix,pickup: %.:@qid% uid=%user.id:number% from=<%email.from.address:char-to{"extradata":">"}%>
rule=postfix,delivery,success: %.:@qid% %.:@to%%postfix.status:literal{"text":"sent"}% (%event.reason:char-to{"extradata":")"}%)
rule=postfix,delivery,success: %.:@qid% %.:@to%%postfix.status:literal{"text":"sent"}% (%event.reason:rest%
rule=postfix,delivery,failure: %.:@qid% %.:@to%%postfix.status:literal{"text":"bounced"}% (%event.reason:char-to{"extradata":")"}%)
rule=postfix,delivery,failure: %.:@qid% %.:@to%%postfix.status:literal{"text":"bounced"}% (%event.reason:rest%
rule=postfix,delivery,failure: %.:@qid% %.:@to%%postfix.status:literal{"text":"deferred"}% (%event.reason:char-to{"extradata":")"}%)
rule=postfix,delivery,failure: %.:@qid% %.:@to%%postfix.status:literal{"text":"deferred"}% (%event.reason:rest%
rule=postfix,delivery,failure: %.:@qid% %.:@to%%postfix.status:literal{"text":"expired"}% (%event.reason:char-to{"extradata":")"}%)
rule=postfix,delivery,failure: %.:@qid% %.:@to%%postfix.status:literal{"text":"expired"}% (%event.reason:rest%
rule=postfix,bounce: %.:@qid% sender non-delivery notification: %postfix.bounce_id:word%

annotate=connect:+event.action="connect"
annotate=disconnect:+event.action="disconnect"
annotate=lost_connection:+event.action="lost_connection"
annotate=timeout:+event.action="timeout"
annotate=sasl_failure:+event.action="sasl_failure"
annotate=queued:+event.action="queued"
annotate=reject:+event.action="reject"
annotate=message_id:+event.action="message_id"
annotate=queue_active:+event.action="queue_active"
annotate=removed:+event.action="removed"
annotate=pickup:+event.action="pickup"
annotate=delivery:+event.action="delivery"
annotate=bounce:+event.action="bounce"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
