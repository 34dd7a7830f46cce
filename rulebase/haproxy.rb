version=2
# haproxy.rb - liblognorm v2 rules for HAProxy 2.x: the default HTTP log format
# ("option httplog"), the TCP one ("option tcplog"), and server state changes.  Written for
# sluice; field names follow doc/rulebase.md.  Use:
#   if $programname == "haproxy" then
#       action(type="mmnormalize" rulebase="/usr/share/sluice/rulebase/haproxy.rb")
# Fields: source.ip, source.port, haproxy.accept_date, haproxy.frontend_name (with the "~"
# HAProxy appends for TLS), haproxy.backend_name, haproxy.server_name, haproxy.timers
# (Tq/Tw/Tc/Tr/Ta or Tw/Tc/Tt as logged), http.response.status_code, http.response.bytes
# (bytes read), haproxy.request_cookie, haproxy.response_cookie, haproxy.termination_state,
# haproxy.connections (act/fe/be/srv/retries), haproxy.queues (srv/backend),
# http.request.method, url.original, http.version, http.request.line (when the request is
# not "METHOD URL HTTP/x", e.g. "<BADREQ>"), event.reason.
# Tags: "haproxy", the action (annotated): http_request, tcp_session, server_up,
# server_down (failure), proxy_started.

type=@client:%source.ip:ipv4%:%source.port:number% [%haproxy.accept_date:char-to{"extradata":"]"}%] %haproxy.frontend_name:word% %haproxy.backend_name:char-to{"extradata":"/"}%/%haproxy.server_name:word% %haproxy.timers:word%
type=@hdr:%.:@client% %http.response.status_code:number% %http.response.bytes:number% %haproxy.request_cookie:word% %haproxy.response_cookie:word% %haproxy.termination_state:word% %haproxy.connections:word% %haproxy.queues:word%

rule=haproxy,http_request: %.:@hdr% "%http.request.method:word% %url.original:word% HTTP/%http.version:char-to{"extradata":"\""}%"
rule=haproxy,http_request: %.:@hdr% "%http.request.line:char-to{"extradata":"\""}%"
rule=haproxy,tcp_session: %.:@client% %http.response.bytes:number% %haproxy.termination_state:word% %haproxy.connections:word% %haproxy.queues:word%

rule=haproxy,server_down,failure: Server %haproxy.backend_name:char-to{"extradata":"/"}%/%haproxy.server_name:word% is DOWN, reason: %event.reason:char-to{"extradata":","}%, %haproxy.check:rest%
rule=haproxy,server_up,success: Server %haproxy.backend_name:char-to{"extradata":"/"}%/%haproxy.server_name:word% is UP, reason: %event.reason:char-to{"extradata":","}%, %haproxy.check:rest%
rule=haproxy,proxy_started: Proxy %haproxy.frontend_name:word% started.
rule=haproxy,proxy_stopped: Proxy %haproxy.frontend_name:word% stopped %haproxy.stats:rest%

annotate=http_request:+event.action="http_request"
annotate=tcp_session:+event.action="tcp_session"
annotate=server_down:+event.action="server_down"
annotate=server_up:+event.action="server_up"
annotate=proxy_started:+event.action="proxy_started"
annotate=proxy_stopped:+event.action="proxy_stopped"
annotate=success:+event.outcome="success"
annotate=failure:+event.outcome="failure"
