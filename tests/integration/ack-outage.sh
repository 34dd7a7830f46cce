#!/bin/bash
# outage-1m.sh through an action queue, where omfwd uses deferred acknowledgement (ABI 1.4):
# 200,000 messages, the rsyslogd receiver stopped with SIGTERM after 30% (it resets the
# connection with data unread) and down for 5 s.  The core sends again, in order, every
# batch the receiver's TCP had not acknowledged; omfwd replays the acknowledged tail after
# the reset.  Every message must arrive, in order per connection; duplicates are reported.
export OUTAGE_TOTAL=${OUTAGE_TOTAL:-200000}
export OUTAGE_DOWN=${OUTAGE_DOWN:-5}
export OUTAGE_QUEUE='queue.type="LinkedList" queue.size="250000"'
# shellcheck source=tests/integration/outage-1m.sh
. "$(dirname "$0")/outage-1m.sh"
