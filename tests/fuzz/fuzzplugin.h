/*
 * fuzzplugin.h - what the plugin fuzz targets (fuzz_imklog.c, fuzz_imkmsg.c,
 * fuzz_imjournal.c, fuzz_mm.c) share: a module or instance parameter block filled as the
 * core would (the table's defaults, then name/value pairs), against tests/support/fakehost's sl_host, which keeps
 * the submitted messages until fh_reset().  Only the parameter types those plugins use
 * (bool, integers, strings, file modes) are handled; anything else aborts (a target bug,
 * not an input).
 *
 * Ownership: the block is calloc'd and kept for the process (libFuzzer runs the entry
 * point millions of times on one instance); string values point at the caller's literals.
 * Concurrency & locking: none; one thread.
 */
#ifndef SLUICE_TESTS_FUZZPLUGIN_H
#define SLUICE_TESTS_FUZZPLUGIN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/sl_plugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fz_param_set(const struct sl_param *p, void *blk, const char *v)
{
    char *f = (char *)blk + p->offset;
    switch (p->type) {
    case SL_PT_BOOL:
        *(int *)f = strcasecmp(v, "on") == 0;
        break;
    case SL_PT_INT: case SL_PT_NONNEG: case SL_PT_POSINT: case SL_PT_SIZE:
        *(int64_t *)f = strtoll(v, NULL, 10);
        break;
    case SL_PT_FILEMODE:
        *(int64_t *)f = strtoll(v, NULL, 8);
        break;
    case SL_PT_STRING: case SL_PT_WORD:
        *(const char **)f = v;
        break;
    default:
        abort();
    }
}

/* A parameter block of size bytes for table t with its defaults, then names[i] =
 * values[i]. */
static inline void *fz_param_block(const struct sl_param *t, size_t size,
                                   const char *const *names, const char *const *values,
                                   size_t n)
{
    void *blk = calloc(1, size ? size : 1);
    if (blk == NULL) {
        abort();
    }
    for (const struct sl_param *p = t; p != NULL && p->name != NULL; p++) {
        if (p->def != NULL) {
            fz_param_set(p, blk, p->def);
        }
    }
    for (size_t i = 0; i < n; i++) {
        const struct sl_param *p = t;
        while (p->name != NULL && strcasecmp(p->name, names[i]) != 0) {
            p++;
        }
        if (p->name == NULL) {
            abort();
        }
        fz_param_set(p, blk, values[i]);
    }
    return blk;
}

/* The module block of plugin pl with its defaults, then names[i] = values[i]. */
static inline void *fz_module_block(const struct sl_plugin *pl, const char *const *names,
                                    const char *const *values, size_t n)
{
    return fz_param_block(pl->module_params, pl->mod_size, names, values, n);
}

/* A created and opened input instance of pl on the fake host (aborts on failure). */
static inline void *fz_input(const struct sl_plugin *pl, void *modconf)
{
    extern const struct sl_host fh_host;
    void *in = calloc(1, pl->inst_size);
    if (in == NULL || pl->in->create(in, modconf, &fh_host, NULL) != 0 ||
        (pl->in->open != NULL && pl->in->open(in) != 0)) {
        abort();
    }
    return in;
}

#endif
