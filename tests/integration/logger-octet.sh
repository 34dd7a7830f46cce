#!/bin/bash
# logger sends over TCP with RFC 6587 octet counting; the daemon writes RSYSLOG_FileFormat.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd logger
logger_case octet
