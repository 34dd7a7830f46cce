version=2
# MSG after the %ASA-n-nnnnnn: tag (leading space kept by rsyslog)
rule=conn: Built outbound %proto:word% connection %conn:number% for outside:%dst_ip:ipv4%/%dst_port:number% (%-:char-to:)%) to inside:%src_ip:ipv4%/%src_port:number% %-:rest%
rule=conn: Teardown %proto:word% connection %conn:number% for outside:%dst_ip:ipv4%/%dst_port:number% to inside:%src_ip:ipv4%/%src_port:number% %-:rest%
rule=deny: Deny %proto:word% src outside:%src_ip:ipv4%/%src_port:number% dst inside:%dst_ip:ipv4%/%dst_port:number% by access-group "%acl:char-to:"%" %-:rest%
rule=login: Login permitted from %src_ip:ipv4%/%src_port:number% to inside:%dst_ip:ipv4%/%service:word% for user "%user:char-to:"%"
# the whole line when the tag is missing
rule=ftd: %%FTD-%sev:number%-%id:number%: Inbound %proto:word% connection denied from %src_ip:ipv4%/%src_port:number% to %dst_ip:ipv4%/%dst_port:number% %-:rest%
rule=acl: access-list %acl:word% %action:word% %proto:word% %-:rest%
