/*
 * imklog.h - test hooks of the imklog plugin (not part of the plugin ABI).
 * Ownership: returned strings belong to the instance.  No shared state.
 */
#ifndef SLUICE_PLUGINS_IMKLOG_H
#define SLUICE_PLUGINS_IMKLOG_H

/* The kernel log path the instance reads (LogPath or rsyslog's default /proc/kmsg). */
const char *sl_imklog_path(const void *inst);

#endif
