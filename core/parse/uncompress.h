/*
 * parse/uncompress.h - rsyslog's compression extension on receive (see uncompress.c).
 * Ownership: see uncompress.c (raw replaced in the caller's message).
 * Concurrency & locking: none; the caller owns the message.
 */
#ifndef SLUICE_CORE_PARSE_UNCOMPRESS_H
#define SLUICE_CORE_PARSE_UNCOMPRESS_H

#include <stddef.h>

struct sl_msg;

enum {
    SL_UNZIP_NONE = 0,          /* raw does not start with 'z': nothing to do */
    SL_UNZIP_DONE = 1,          /* raw replaced by the decompressed text */
    SL_UNZIP_BAD_DATA = -1,     /* not zlib data, or truncated: raw kept */
    SL_UNZIP_TOO_LARGE = -2,    /* more than max bytes once decompressed: raw kept */
    SL_UNZIP_MEMORY = -3,
    SL_UNZIP_UNSUPPORTED = -4   /* sluice built without zlib: raw kept */
};

/* Decompress m's raw in place when it starts with 'z' (at most max bytes out); *zrc:
 * zlib's return code of a failure (rsyslog logs it), else 0. */
int sl_msg_uncompress(struct sl_msg *m, size_t max, int *zrc);

#endif
