/*
 * plugparams.c - see plugparams.h.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugparams.h"

const struct sl_param *pt_find_param(const struct sl_param *t, const char *name)
{
    for (; t != NULL && t->name != NULL; t++) {
        if (strcasecmp(t->name, name) == 0) {
            return t;
        }
    }
    return NULL;
}

static char *arr_store[256];
static size_t arr_used;

static char *copies[4096];
static size_t ncopies;

void pt_set_value(const struct sl_param *p, void *blk, const char *v)
{
    char *f = (char *)blk + p->offset;
    switch (p->type) {
    case SL_PT_BOOL:
        *(int *)f = strcasecmp(v, "on") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0;
        break;
    case SL_PT_STRING:
    case SL_PT_WORD:
        *(const char **)f = v;
        break;
    case SL_PT_ARRAY: {
        /* "a,b" becomes a two-element array */
        struct sl_strarr *a = (struct sl_strarr *)f;
        char *copy = strdup(v);
        /* every copy stays reachable until exit (pt_reset() reuses arr_store), so leak
         * checkers (ASan/LSan) do not report them */
        if (ncopies < sizeof copies / sizeof *copies) {
            copies[ncopies++] = copy;
        }
        a->v = &arr_store[arr_used];
        a->n = 0;
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok != NULL;
             tok = strtok_r(NULL, ",", &save)) {
            ck_assert(arr_used < sizeof arr_store / sizeof *arr_store);
            arr_store[arr_used++] = tok;
            a->n++;
        }
        break;
    }
    case SL_PT_ENUM: {
        int64_t idx = -1;
        for (int64_t i = 0; p->enums[i] != NULL; i++) {
            if (strcasecmp(p->enums[i], v) == 0) {
                idx = i;
            }
        }
        ck_assert_msg(idx >= 0, "bad enum value %s for %s", v, p->name);
        *(int64_t *)f = idx;
        break;
    }
    default:
        *(int64_t *)f = strtoll(v, NULL, 10);
        break;
    }
}

void *pt_new_block(const struct sl_param *t, size_t size)
{
    void *blk = calloc(1, size ? size : 1);
    for (; t != NULL && t->name != NULL; t++) {
        if (t->def != NULL) {
            pt_set_value(t, blk, t->def);
        }
    }
    return blk;
}

void pt_set_param(const struct sl_param *t, void *blk, const char *name, const char *v)
{
    const struct sl_param *p = pt_find_param(t, name);
    ck_assert_msg(p != NULL, "no parameter %s", name);
    pt_set_value(p, blk, v);
}

void pt_reset(void)
{
    arr_used = 0;
}
