#!/bin/bash
# logger sends RFC 5424 with MSGID and structured data over UDP; the MSG part is written without the SD.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd logger
logger_case udp --rfc5424 --msgid ID47 --sd-id ex@32473 --sd-param iut=\"3\"
