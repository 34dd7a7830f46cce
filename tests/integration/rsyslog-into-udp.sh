#!/bin/bash
# rsyslogd forwards (omfwd UDP, RFC 5424) into the daemon's imudp; lines land in a file.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd logger
rsyslog_into_case udp
