#!/bin/bash
# abuse-imtls.sh - 2,000 idle + 200 slowloris TLS connections (handshakes completed) against
# imtls while a good TLS sender delivers 100,000 messages: all delivered, time and peak RSS
# bounded (abuse-common.sh).
PROTO=tls
GOOD_MAX=10          # seconds for the good sender's 100,000 (measured: see doc/limits.md)
ATTACK_MAX_KB=50000  # VmHWM growth with the attack open (measured: see doc/limits.md)
RSS_MAX_KB=80000     # VmHWM growth in all
# shellcheck source=tests/integration/abuse-common.sh
. "$(dirname "$0")/abuse-common.sh"
