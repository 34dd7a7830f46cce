#!/bin/bash
# relp-restart-r2s: rsyslogd omrelp -> sluiced imrelp, 100,000 messages; the sluiced
# receiver is stopped (SIGTERM) when a third has arrived and started again: none lost
# (duplicates reported).  DUT=rsyslog: rsyslogd receives.
# rsyslogd's omrelp corks each batch (TCP_CORK): with its default window of 128 it stalls
# for the cork's 200 ms whenever the window fills inside a batch (37 s for the 100,000);
# windowSize 1024 keeps the run at about 12 s.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/relp/lib-relp.sh
. "$(dirname "$0")/lib-relp.sh"
setup
relp_require
relp_restart_case rsyslog "$DUT" TERM windowSize=\"1024\"
exit 0
