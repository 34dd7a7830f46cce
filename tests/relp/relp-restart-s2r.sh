#!/bin/bash
# relp-restart-s2r: sluiced omrelp -> rsyslogd imrelp, 100,000 messages; the rsyslogd
# receiver is killed (SIGKILL, rules on its input thread) when a third has arrived and
# started again: none lost (duplicates reported).  DUT=rsyslog: rsyslogd sends.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/relp/lib-relp.sh
. "$(dirname "$0")/lib-relp.sh"
setup
relp_require
if [ "$DUT" = rsyslog ]; then
    relp_restart_case rsyslog rsyslog KILL windowSize=\"1024\"   # see relp-restart-r2s.sh
else
    relp_restart_case sluice rsyslog KILL
fi
exit 0
