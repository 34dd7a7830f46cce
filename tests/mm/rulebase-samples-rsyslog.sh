#!/bin/bash
# rulebase-samples-rsyslog.sh - the differential half of rulebase-samples.sh: the same
# samples through rsyslogd 8.2302's mmnormalize (same liblognorm rulebases), which must
# write exactly the JSON of the .samples files that sluiced is held to.  Skips (77) only
# when rsyslogd or its mmnormalize module is not installed.
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
[ -x "$RSYSLOGD" ] || { echo "rulebase-samples-rsyslog: SKIP: no $RSYSLOGD"; exit 77; }
compgen -G '/usr/lib/*/rsyslog/mmnormalize.so' > /dev/null ||
    compgen -G '/usr/lib/rsyslog/mmnormalize.so' > /dev/null ||
    { echo "rulebase-samples-rsyslog: SKIP: rsyslog's mmnormalize is not installed"; exit 77; }
DUT=rsyslog exec bash "$(dirname "$0")/rulebase-samples.sh" "$@"
