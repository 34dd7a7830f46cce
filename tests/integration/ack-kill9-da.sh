#!/bin/bash
# ack-kill9.sh behind a disk-assisted queue (see ACK_QUEUE=da there): every record that
# reached the spool and that the TCP peer had not acknowledged arrives after kill -9.
ACK_QUEUE=da
# shellcheck source=tests/integration/ack-kill9.sh
. "$(dirname "$0")/ack-kill9.sh"
