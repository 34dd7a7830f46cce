version=2
# web_error.rb - liblognorm v2 rules for nginx and Apache httpd 2.4 (and 2.0/2.2) error log lines as sent
# to syslog (nginx: error_log syslog:server=...; Apache: ErrorLog syslog:local1 or
# "|logger").  Written for sluice; field names follow doc/rulebase.md.  Use:
#   if $programname == "nginx" or $programname == "httpd" or $programname == "apache2" then
#       action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/web_error.rb")
# (web_access.rb takes the access lines of the same programs: chain the two, the second
# only when $parsesuccess is "FAIL".)
# Fields: http.error_time (the time as logged), log.level, process.pid, process.thread.id,
# nginx.connection_id (*N), error.message, source.ip, source.port (Apache), nginx.server,
# nginx.details (request:, upstream:, host: ... as logged), apache.module, error.code
# (Apache's AHnnnnn: a first word up to ":"), source.address (Apache's IPv6 client, which
# it logs as ADDR:PORT without brackets, so the two cannot be told apart).  Tags: "web", "web_error" (annotated to event.action).

# nginx: "2024/03/01 03:30:03 [error] 812#812: *1234 open() ... failed (2: ...), client: 10.0.0.1, server: example.com"
type=@ngx:%http.error_time:string-to{"extradata":" ["}% [%log.level:char-to{"extradata":"]"}%] %process.pid:number%#%process.thread.id:number%:
rule=web,web_error: %.:@ngx% *%nginx.connection_id:number% %error.message:string-to{"extradata":", client: "}%, client: %source.ip:char-sep{"extradata":","}%, server: %nginx.server:char-sep{"extradata":","}%, %nginx.details:rest%
rule=web,web_error: %.:@ngx% *%nginx.connection_id:number% %error.message:string-to{"extradata":", client: "}%, client: %source.ip:char-sep{"extradata":","}%, server: %nginx.server:char-sep{"extradata":","}%
rule=web,web_error: %.:@ngx% *%nginx.connection_id:number% %error.message:rest%
rule=web,web_error: %.:@ngx% %error.message:rest%

# Apache 2.0 / 2.2 (no module, no pid; loghub's Apache_2k corpus):
# "[Sun Dec 04 04:47:44 2005] [error] [client 10.0.0.7] message".  The level is one of the
# eight literals, so a 2.4 line ("[php:error]") never takes these rules.
type=@lvl22:%log.level:literal{"text":"emerg"}%
type=@lvl22:%log.level:literal{"text":"alert"}%
type=@lvl22:%log.level:literal{"text":"crit"}%
type=@lvl22:%log.level:literal{"text":"error"}%
type=@lvl22:%log.level:literal{"text":"warn"}%
type=@lvl22:%log.level:literal{"text":"notice"}%
type=@lvl22:%log.level:literal{"text":"info"}%
type=@lvl22:%log.level:literal{"text":"debug"}%
type=@ap22:[%http.error_time:char-to{"extradata":"]"}%] [%.:@lvl22%]
rule=web,web_error: %.:@ap22% [client %source.ip:ipv4%] %error.message:rest%
rule=web,web_error: %.:@ap22% [client %source.address:char-to{"extradata":"]"}%] %error.message:rest%
rule=web,web_error: %.:@ap22% %error.message:rest%

# Apache 2.4: "[Fri Mar 01 03:30:08.123456 2024] [php:error] [pid 900] [client 10.0.0.7:50000] message"
type=@ap:[%http.error_time:char-to{"extradata":"]"}%] [%apache.module:char-to{"extradata":":"}%:%log.level:char-to{"extradata":"]"}%] [pid %process.pid:number%
type=@apid:%.:@ap%]
type=@apid:%.:@ap%:tid %process.thread.id:number%]
type=@aclient:[client %source.ip:ipv4%:%source.port:number%]
type=@aclient:[client %source.address:char-to{"extradata":"]"}%]
rule=web,web_error: %.:@apid% %.:@aclient% %error.code:char-sep{"extradata":": "}%: %error.message:rest%
rule=web,web_error: %.:@apid% %.:@aclient% %error.message:rest%
rule=web,web_error: %.:@apid% %error.code:char-sep{"extradata":": "}%: %error.message:rest%
rule=web,web_error: %.:@apid% %error.message:rest%

annotate=web_error:+event.action="web_error"
