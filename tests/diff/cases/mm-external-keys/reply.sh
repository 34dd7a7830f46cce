#!/bin/sh
# reply.sh - the external program of the mm-external-keys case: for each message (MSG on
# one line) one JSON reply, chosen by the keyword k1..k10 in the message.
while IFS= read -r line; do
    case $line in
    *k10*) echo '{"syslogfacility":24}' ;;
    *k1\ *) echo '{"syslogtag":"newtag[77]:","hostname":"h-new","procid":"p77","msgid":"ID9"}' ;;
    *k2\ *) echo '{"pri":165,"structured-data":"[x@1 a=\"b\"]","fromhost":"fh.example","fromhost-ip":"192.0.2.9"}' ;;
    *k3\ *) echo '{"syslogfacility":3,"syslogseverity":2,"source":"src-host","msg":"replaced"}' ;;
    *k4\ *) echo '{"rawmsg":"<13>Dec  6 10:00:03 host1 app[4]: k4 rawmsg longer, and then some more text"}' ;;
    *k5\ *) echo '{"rawmsg":"<13>short"}' ;;
    *k6\ *) echo '{"pri":999,"syslogfacility":30,"syslogseverity":-1}' ;;
    *k7\ *) echo '{"pri":"14","syslogseverity":"3.7","procid":42,"msgid":true,"hostname":{"a":1}}' ;;
    *k8\ *) echo '{"nosuch":"x","$!":{"k":"v","n":[1,2]},"syslogtag":""}' ;;
    *k9\ *) echo '{"msg":"new text","rawmsg":"<14>Dec  6 10:00:08 h app: raw after msg","syslogseverity":"-3"}' ;;
    *) echo '{}' ;;
    esac
done
