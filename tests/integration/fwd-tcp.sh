#!/bin/bash
# The daemon forwards over TCP (LF framing) to an rsyslogd receiver; compare what arrives.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
fwd_out_case tcp
