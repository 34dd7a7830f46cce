#!/bin/bash
# The daemon forwards over UDP to an rsyslogd receiver; compare what arrives with what was sent.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
fwd_out_case udp
