/*
 * util/strutil.h - small byte-string helpers shared by the config front end, the rule engine
 * and the evaluator (one copy each instead of one per file).
 *
 * Ownership: nothing is allocated.  Concurrency & locking: pure functions.
 */
#ifndef SLUICE_CORE_UTIL_STRUTIL_H
#define SLUICE_CORE_UTIL_STRUTIL_H

#include <stddef.h>

/* The value of hex digit c (0..15), or -1. */
int sl_hexval(int c);

/* The first n[0..nl) in h[0..hl), ASCII case-insensitively with icase; h itself when nl is 0,
 * NULL when not found.  (Not memmem: the case-insensitive form is what rsyslog's contains_i
 * and property filters do, byte by byte with tolower.) */
const char *sl_find_bytes(const char *h, size_t hl, const char *n, size_t nl, int icase);

#endif
