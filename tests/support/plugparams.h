/*
 * plugparams.h - plugin tests fill parameter blocks as the core would (defaults from the
 * table, then name/value pairs), without the core: a small test-only binder shared by the
 * input plugin tests.  Arrays are given as "a,b".  Values point at the caller's strings
 * (arrays at copies), which live as long as the test.
 * Concurrency & locking: test main thread only.
 */
#ifndef SLUICE_TESTS_PLUGPARAMS_H
#define SLUICE_TESTS_PLUGPARAMS_H

#include <stddef.h>

#include "sluice/sl_plugin.h"

const struct sl_param *pt_find_param(const struct sl_param *t, const char *name);
void pt_set_value(const struct sl_param *p, void *blk, const char *v);
/* A zeroed block of size bytes with every default of t applied (calloc'd). */
void *pt_new_block(const struct sl_param *t, size_t size);
/* Set parameter name (case-insensitive); the test fails if t has no such parameter. */
void pt_set_param(const struct sl_param *t, void *blk, const char *name, const char *v);

/* Forget the array values handed out so far (a test fixture's setup). */
void pt_reset(void);

#endif
