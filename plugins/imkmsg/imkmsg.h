/*
 * imkmsg.h - test hook of the imkmsg plugin (not part of the plugin ABI): the fuzz target
 * tests/fuzz/fuzz_imkmsg.c drives the record parser through it.
 * Ownership: the bytes stay the caller's.  Concurrency & locking: the caller's thread only,
 * on an instance whose run() is not running.
 */
#ifndef SLUICE_PLUGINS_IMKMSG_H
#define SLUICE_PLUGINS_IMKMSG_H

#include <stddef.h>

/* Hands b[0..n) to the instance as read() would: is_dev, one record per RECMAX-byte read
 * (the character device); else as a file's contents, split into records as they arrive and
 * the last one completed at the end.  Returns 0 or what submit() returned (< 0). */
int sl_imkmsg_feed(void *inst, const char *b, size_t n, int is_dev);

#endif
