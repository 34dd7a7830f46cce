/*
 * expr/expr_int.h - evaluator internals shared by the evaluator (regex.c, eval.c) and rule.c
 * (core-private).
 *
 * Per-thread regex copies: glibc's regexec() takes a lock inside the compiled pattern, so a
 * regex_t shared by all workers serialises them.  sl_re_exec() keeps one compiled copy per
 * (site, thread) in a thread-local table, compiled lazily from the pattern text on the
 * thread's first use.  `site` is the use site's id word (the function node's data, the
 * property filter statement): zero when the site is made, given a process-unique id on
 * its first match and never written again, with the same pattern and flags in every call
 * for it.  Ids are never reused, so a site of a later configuration, even at the address
 * of an earlier one, gets its own copy.
 *
 * Ownership: the table belongs to its thread and is freed at thread exit (pthread key
 * destructor) or by sl_re_cache_flush() on the calling thread.
 * Concurrency & locking: no shared mutable state; nothing to lock.
 */
#ifndef SLUICE_EXPR_EXPR_INT_H
#define SLUICE_EXPR_EXPR_INT_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

/* Match s[0..len) against pattern (regcomp flags cflags) with this thread's copy.
 * Returns 0 on match, REG_NOMATCH, or another regexec/regcomp error code.  pm may be NULL
 * when nmatch is 0; offsets in pm are relative to s. */
int sl_re_exec(_Atomic uint64_t *site, const char *pattern, int cflags, const char *s,
               size_t len, size_t nmatch, regmatch_t *pm);

/* Free the calling thread's table (tests; threads exiting do this automatically). */
void sl_re_cache_flush(void);

/* Number of compiled copies held by the calling thread (tests). */
size_t sl_re_cache_size(void);

/* rsyslog's "if" truth rule, exposed for rule.c and tests. */
int sl_expr_truth(int64_t n);

#endif
