/*
 * fuzz.h - what the core fuzz targets (tests/fuzz/fuzz_*.c) share: the libFuzzer entry
 * point's declaration, a parsed message to render against, and the built-in templates that
 * touch every property.  Each target is built two ways (tests/fuzz/fuzz.am): with
 * replay.c as a plain program that runs the committed corpus in `make check` (any compiler,
 * sanitizers optional), and with --enable-fuzzing as a libFuzzer (or AFL++) binary for
 * `make fuzz-smoke` and longer campaigns.
 *
 * Ownership: fuzz_registry() is built once per process and never freed (libFuzzer runs
 * the entry point millions of times in one process); everything else a target allocates
 * per input is freed before it returns, so LeakSanitizer reports real leaks only.
 *
 * Concurrency & locking: none; libFuzzer calls the entry point from one thread.
 */
#ifndef SLUICE_TESTS_FUZZ_H
#define SLUICE_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The template registry (every RSYSLOG_* built-in), made once. */
struct sl_tpl_registry *fuzz_registry(void);

/* Render the templates that between them read every message property; aborts if a render
 * fails other than for memory, then fuzz_compare_fast(). */
void fuzz_render_all(struct sl_msg *m);

/* The built-in formats with a straight-line renderer (core/template_fast.c), each rendered
 * by it and by the element loop: aborts when the bytes differ (fuzz_render_all does this
 * too).  fuzz_compare_tpl: the same for one template (nothing unless it has a renderer). */
void fuzz_compare_fast(struct sl_msg *m);
void fuzz_compare_tpl(const struct sl_template *t, struct sl_msg *m);

/* A message parsed from raw with the default parser chain, from 127.0.0.1, with a $! tree
 * ({"a":{"b":[1,"x",{"c":true}]},"s":"v"}) and a $. variable. */
struct sl_msg *fuzz_sample_msg(const char *raw, size_t len);

#endif
