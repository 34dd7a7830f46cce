/*
 * imklog.h - test hooks of the imklog plugin (not part of the plugin ABI).
 * Ownership: returned strings belong to the instance.  No shared state.
 */
#ifndef SLUICE_PLUGINS_IMKLOG_H
#define SLUICE_PLUGINS_IMKLOG_H

#include <stddef.h>

/* The kernel log path the instance reads (LogPath or rsyslog's default /proc/kmsg). */
const char *sl_imklog_path(const void *inst);

/* One kernel log line (b[0..n), writable, b[n] == '\0'; /proc/kmsg or /dev/kmsg format)
 * through the input's parsing and submit path, as run() hands it over: the fuzz target
 * tests/fuzz/fuzz_imklog.c.  Returns 0 or what submit() returned (< 0). */
int sl_imklog_handle_line(void *inst, char *b, size_t n);

#endif
