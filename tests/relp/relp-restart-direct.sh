#!/bin/bash
# relp-restart-direct: as relp-restart-s2s, with omrelp as a direct action (no action
# queue: the ruleset worker delivers and, while the receiver is away, holds its batch):
# 100,000 messages, the receiving sluiced stopped (SIGTERM) when a third has arrived and
# started again: none lost.  DUT=rsyslog: rsyslogd on both sides (window 1024).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/relp/lib-relp.sh
. "$(dirname "$0")/lib-relp.sh"
setup
relp_require
if [ "$DUT" = rsyslog ]; then
    relp_restart_case rsyslog rsyslog TERM queue.type=\"Direct\" windowSize=\"1024\"
else
    relp_restart_case sluice sluice TERM queue.type=\"Direct\"
fi
exit 0
