#!/bin/bash
# rsyslogd forwards (omfwd TCP, octet-counted RFC 5424) into the daemon's imtcp.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd logger
rsyslog_into_case tcp
