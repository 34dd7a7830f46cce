#!/bin/bash
# relp-restart-s2s: sluiced omrelp -> sluiced imrelp, 100,000 messages; the receiving
# sluiced is stopped (SIGTERM) when a third has arrived and started again: none lost
# (duplicates reported).  DUT=rsyslog: rsyslogd on both sides (window 1024, see
# relp-restart-r2s.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/relp/lib-relp.sh
. "$(dirname "$0")/lib-relp.sh"
setup
relp_require
if [ "$DUT" = rsyslog ]; then
    relp_restart_case rsyslog rsyslog TERM windowSize=\"1024\"
else
    relp_restart_case sluice sluice TERM
fi
exit 0
