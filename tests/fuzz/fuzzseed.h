/*
 * fuzzseed.h - writing one seed file for a target's fuzz_write_seeds() (replay_NAME -w DIR):
 * a few option bytes, an optional text ended by a NUL, then a text.  Shared by the targets
 * whose inputs have that layout (fuzz_imfile.c: options, state, file; fuzz_lookup.c: options,
 * table, keys).
 *
 * Ownership: nothing is kept.  Concurrency & locking: none.
 */
#ifndef SLUICE_TESTS_FUZZSEED_H
#define SLUICE_TESTS_FUZZSEED_H

#include <stdint.h>
#include <stdio.h>

/* DIR/seed-NAME = opt[0..nopt) [first NUL] rest; 0, or 1 after a message. */
static inline int fz_write_seed(const char *dir, const char *name, const uint8_t *opt,
                                size_t nopt, const char *first, const char *rest)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fwrite(opt, 1, nopt, f);
    if (first != NULL) {
        fputs(first, f);
        fputc('\0', f);
    }
    fputs(rest, f);
    if (fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

#endif
