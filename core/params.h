/*
 * params.h - binding config parameters (name=value lists from the IR) to descriptor tables.
 *
 * The same mechanism serves plugins (module/input/action parameters) and the core's own
 * objects (global(), main_queue(), queue.* and action.* parameters of actions): a table of
 * struct sl_param describes the fields of a block by offset; sl_params_apply() writes the
 * defaults, then converts and range-checks every matching kv, marking it used.  After all
 * tables that share a kv list have been applied, sl_params_check_unused() reports every
 * explicit parameter nobody knew ("typo?"), with its file:line.
 *
 * Ownership: strings and arrays written into a block are malloc'd; sl_params_free() releases
 * them (the block itself belongs to the caller).
 * Concurrency & locking: main thread only (config time).
 */
#ifndef SLUICE_CORE_PARAMS_H
#define SLUICE_CORE_PARAMS_H

#include "sluice/sl_plugin.h"

struct sl_kv;
struct sl_loc;

struct sl_param_resolver {
    /* SL_PT_TEMPLATE / SL_PT_RULESET: name -> handle (NULL: unknown, reported by the binder) */
    const struct sl_template *(*tpl)(void *arg, const char *name);
    void *(*ruleset)(void *arg, const char *name);
    void *arg;
    /* optional: "; did you mean 'X'?" (or "") for an unknown template (is_ruleset 0) or
     * ruleset name, into buf */
    const char *(*suggest)(void *arg, int is_ruleset, const char *name, char *buf,
                           size_t size);
};

/* Apply defaults and values; returns the number of errors reported. `what` names the object
 * in messages ("action 'omfile'", "global()"). */
int sl_params_apply(const struct sl_param *tbl, void *block, struct sl_kv *kvs,
                    const struct sl_param_resolver *res, const char *what,
                    const struct sl_loc *objloc);
/* Report explicit kvs not marked used (except those in `ignore`, NULL-terminated). */
int sl_params_check_unused(struct sl_kv *kvs, const char *what, const char *const *ignore);
void sl_params_free(const struct sl_param *tbl, void *block);

/* Converters with rsyslog 8.2302's value syntax (see params.c); 0 or SL_EINVAL. */
int sl_param_parse_bool(const char *s, int *out);
int sl_param_parse_int(const char *s, int64_t *out);
int sl_param_parse_size(const char *s, int64_t *out);
int sl_param_parse_legacy_num(const char *s, int64_t *out);

#endif
