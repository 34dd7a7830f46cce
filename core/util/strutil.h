/*
 * util/strutil.h - small byte-string helpers shared by the config front end, the rule engine
 * and the evaluator (one copy each instead of one per file).
 *
 * Ownership: nothing is allocated.  Concurrency & locking: pure functions.
 */
#ifndef SLUICE_CORE_UTIL_STRUTIL_H
#define SLUICE_CORE_UTIL_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

/* The value of hex digit c (0..15), or -1. */
int sl_hexval(int c);

/* The first n[0..nl) in h[0..hl), ASCII case-insensitively with icase; h itself when nl is 0,
 * NULL when not found.  (Not memmem: the case-insensitive form is what rsyslog's contains_i
 * and property filters do, byte by byte with tolower.) */
const char *sl_find_bytes(const char *h, size_t hl, const char *n, size_t nl, int icase);

/* An integer parameter value as rsyslog 8.2302's RainerScript reads it (libestr's
 * es_str2num): '-' and decimal digits ("-" alone is 0), '0' and octal digits ("010" is 8,
 * "08" is no number; "0x.." never converts), or decimal digits; nothing else, no blanks.
 * 0, or -1 when s is no number. */
int sl_rs_str2num(const char *s, int64_t *out);

/* rsyslog's size suffix c: k/m/g/t/p/e powers of 1024, K/M/G/T/P/E powers of 1000, into
 * *mul; -1 for any other character. */
int sl_size_suffix(char c, int64_t *mul);

/* A number given to a legacy $Directive (rsyslog's cfsysline.c, whose integer and size
 * types share one parser): optional '-', a digit, then digits where '.' and ',' are
 * skipped ("1,000" is 1000), then at most one size suffix ("$MainMsgQueueSize 100k").
 * Anything after that is rsyslog's "extra characters in config line" error: -1. */
int sl_legacy_num(const char *s, int64_t *out);

/* "Did you mean": the nearest known name to a name a config got wrong.  Distance is
 * Damerau-Levenshtein (optimal string alignment: insert, delete, substitute, swap two
 * neighbours), ASCII case-insensitive.  A candidate is offered when it is at most 2 edits
 * away and the edits are at most a third of the name's length ("prot" -> port, "inf" ->
 * info, "mial" -> mail; not "ab" -> "xy").  Names longer than 64 bytes never match. */
size_t sl_edit_distance(const char *a, const char *b);
struct sl_suggest {
    const char *name;       /* the name written */
    size_t best;            /* distance of cand, or (size_t)-1 */
    char cand[128];         /* the nearest candidate so far */
};
void sl_suggest_init(struct sl_suggest *s, const char *name);
void sl_suggest_add(struct sl_suggest *s, const char *cand);
/* The nearest candidate when it is near enough, else NULL. */
const char *sl_suggest_best(const struct sl_suggest *s);
/* "; did you mean 'CAND'?" or "" (into buf). */
const char *sl_suggest_text(const struct sl_suggest *s, char *buf, size_t size);

#endif
