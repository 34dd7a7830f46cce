/*
 * expr_int.h - evaluator internals shared by expr_eval.c and rule.c (core-private).
 *
 * Per-thread regex copies: glibc's regexec() takes a lock inside the compiled pattern, so a
 * regex_t shared by all workers serialises them.  sl_re_exec() keeps one compiled copy per
 * (key, thread) in a thread-local table, compiled lazily from the pattern text on the
 * thread's first use.  `key` is any stable pointer that identifies the use site (the
 * function node's data, the property filter's regex_t); the pattern and flags are stored with
 * the copy and compared on lookup, so a key address reused by a later configuration with a
 * different pattern is recompiled rather than matched wrongly.
 *
 * Ownership: the table belongs to its thread and is freed at thread exit (pthread key
 * destructor) or by sl_re_cache_flush() on the calling thread.
 * Concurrency & locking: no shared mutable state; nothing to lock.
 */
#ifndef SLUICE_CONF_EXPR_INT_H
#define SLUICE_CONF_EXPR_INT_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

/* Match s[0..len) against pattern (regcomp flags cflags) with this thread's copy.
 * Returns 0 on match, REG_NOMATCH, or another regexec/regcomp error code.  pm may be NULL
 * when nmatch is 0; offsets in pm are relative to s. */
int sl_re_exec(const void *key, const char *pattern, int cflags, const char *s, size_t len,
               size_t nmatch, regmatch_t *pm);

/* Free the calling thread's table (tests; threads exiting do this automatically). */
void sl_re_cache_flush(void);

/* Number of compiled copies held by the calling thread (tests). */
size_t sl_re_cache_size(void);

struct sl_cnf;

/* Bind every lookup("table", key) call in c's rulesets to its lookup_table(name= file=)
 * object, loading each table file once (rsyslog's JSON format, version 1: types "string",
 * "array", "sparseArray"; "nomatch").  Call once after the configuration is loaded and
 * before any evaluation; reports "table not found" and file problems with sl_cfg_error() and
 * returns the number of errors.  Unbound lookup() calls evaluate to "TABLE-NOT-FOUND". */
int sl_expr_bind_lookups(struct sl_cnf *c);

/* exec_template(): bind every exec_template("name") node of the config to its template
 * (called by the engine once its template registry is built; the renderer is passed in so
 * that this module does not link the template code).  Returns the number of errors
 * (unknown template names, reported with sl_cfg_error). */
struct sl_template;
struct sl_tpl_registry;
struct sl_buf;
struct sl_msg;
typedef const struct sl_template *(*sl_expr_tpl_find_fn)(const struct sl_tpl_registry *r,
                                                         const char *name);
typedef int (*sl_expr_tpl_render_fn)(const struct sl_template *t, struct sl_msg *m,
                                     struct sl_buf *out);
int sl_expr_bind_templates(struct sl_cnf *c, const struct sl_tpl_registry *reg,
                           sl_expr_tpl_find_fn find, sl_expr_tpl_render_fn render);

/* rsyslog's "if" truth rule, exposed for rule.c and tests. */
int sl_expr_truth(int64_t n);

#endif
