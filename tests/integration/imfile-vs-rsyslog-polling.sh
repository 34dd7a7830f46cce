#!/bin/bash
# imfile-vs-rsyslog-polling.sh - imfile-vs-rsyslog.sh with module(mode="polling"): the same
# files, outputs and state files compared with rsyslogd's.
IMFILE_MODE=polling exec bash "$(dirname "$0")/imfile-vs-rsyslog.sh"
