version=2
# web_access.rb - liblognorm v2 rules for web server access lines in the NCSA "combined"
# and "common" formats, which nginx (access_log syslog:server=...;, its default "combined"
# log_format) and Apache httpd (LogFormat "%h %l %u %t \"%r\" %>s %b ..." combined/common,
# sent with logger or "CustomLog |/usr/bin/logger") write alike.  Written for sluice;
# field names follow doc/rulebase.md.  Use:
#   if $programname == "nginx" or $programname == "httpd" or $programname == "apache2" then
#       action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/web_access.rb")
# Apache's vhost_combined ("%v:%p %h %l %u ..." as Debian ships it) is read too: url.domain,
# url.port in front.
# Fields: source.ip (or source.address when the server logs a host name), user.name (the
# authenticated user; absent when "-"), http.access_time (the [..] time as logged),
# http.request.method, url.original, http.version, http.response.status_code,
# http.response.body.bytes ("-" when none), http.request.referrer, user_agent.original,
# http.request.line (the raw request when it is not "METHOD URL HTTP/x").
# Known gap (see web_access.samples): a request that is not "METHOD URL HTTP/x" (TLS or
# SSH bytes sent to the HTTP port) followed by "-" "-" does not parse with liblognorm 2.0.6.
# Tags: "web", "access", and success (status < 400) or failure (>= 400) are NOT derived:
# liblognorm cannot compare numbers; filter on $!http.response.status_code instead.

type=@client:%source.ip:ipv4%
type=@client:%source.ip:ipv6%
type=@client:%source.address:char-sep{"extradata":" :"}%
type=@user:-
type=@user:%user.name:word%
type=@req:"%http.request.method:word% %url.original:word% HTTP/%http.version:char-to{"extradata":"\""}%"
type=@req:"%http.request.line:char-to{"extradata":"\""}%"
type=@req:"-"
type=@refua:"-" "-"
type=@refua:"-" "%user_agent.original:char-to{"extradata":"\""}%"
type=@refua:"%http.request.referrer:char-to{"extradata":"\""}%" "-"
type=@refua:"%http.request.referrer:char-to{"extradata":"\""}%" "%user_agent.original:char-to{"extradata":"\""}%"

rule=web,access: %.:@client% %-:word% %.:@user% [%http.access_time:char-to{"extradata":"]"}%] %.:@req% %http.response.status_code:number% %http.response.body.bytes:word% %.:@refua%
rule=web,access: %.:@client% %-:word% %.:@user% [%http.access_time:char-to{"extradata":"]"}%] %.:@req% %http.response.status_code:number% %http.response.body.bytes:word% %.:@refua% %web.extra:rest%
rule=web,access: %.:@client% %-:word% %.:@user% [%http.access_time:char-to{"extradata":"]"}%] %.:@req% %http.response.status_code:number% %http.response.body.bytes:word%

rule=web,access: %url.domain:char-to{"extradata":":"}%:%url.port:number% %.:@client% %-:word% %.:@user% [%http.access_time:char-to{"extradata":"]"}%] %.:@req% %http.response.status_code:number% %http.response.body.bytes:word% %.:@refua%
rule=web,access: %url.domain:char-to{"extradata":":"}%:%url.port:number% %.:@client% %-:word% %.:@user% [%http.access_time:char-to{"extradata":"]"}%] %.:@req% %http.response.status_code:number% %http.response.body.bytes:word% %.:@refua% %web.extra:rest%
rule=web,access: %url.domain:char-to{"extradata":":"}%:%url.port:number% %.:@client% %-:word% %.:@user% [%http.access_time:char-to{"extradata":"]"}%] %.:@req% %http.response.status_code:number% %http.response.body.bytes:word%
annotate=access:+event.action="access"
