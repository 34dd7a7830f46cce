#!/bin/bash
# logger sends RFC 3164 lines over TCP; the daemon writes RSYSLOG_FileFormat.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd logger
logger_case tcp --rfc3164
