#!/bin/bash
# logger (util-linux) sends RFC 5424 over UDP; the daemon writes RSYSLOG_FileFormat.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd logger
logger_case udp
