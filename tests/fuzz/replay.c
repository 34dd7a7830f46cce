/*
 * replay.c - main() for the fuzz targets built without libFuzzer: runs
 * LLVMFuzzerTestOneInput once per file named on the command line (a directory: every
 * regular file in it, sorted), so the committed corpora and every crash reproducer run in
 * `make check` with any compiler, under the sanitizers when configured with them.  Exit 0
 * when every input ran; a crash is the target's abort() or a sanitizer report.
 *
 * Ownership: each input is read into a buffer of exactly its size (so an over-read is an
 * ASan report, as under libFuzzer) and freed after the call.
 * Concurrency & locking: none.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* A target may offer seeds it writes itself (replay_NAME -w DIR), e.g. records in a format
 * only sluice writes. */
int fuzz_write_seeds(const char *dir) __attribute__((weak));

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || st.st_size > (64 << 20)) {
        fprintf(stderr, "%s: cannot size (or over 64 MiB)\n", path);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *p = malloc(n ? n : 1);
    if (p == NULL || fread(p, 1, n, f) != n) {
        fprintf(stderr, "%s: read failed\n", path);
        free(p);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(p, n);
    free(p);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    size_t runs = 0;
    int bad = 0;
    if (argc == 3 && strcmp(argv[1], "-w") == 0) {
        if (fuzz_write_seeds == NULL) {
            fprintf(stderr, "this target writes no seeds\n");
            return 2;
        }
        return fuzz_write_seeds(argv[2]) != 0;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            bad = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            bad |= run_file(argv[i]) != 0;
            runs++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            perror(argv[i]);
            bad = 1;
            continue;
        }
        char **names = NULL;
        size_t nn = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') {
                continue;
            }
            char **nv = realloc(names, (nn + 1) * sizeof *names);
            size_t l = strlen(argv[i]) + strlen(de->d_name) + 2;
            char *path = malloc(l);
            if (nv == NULL || path == NULL) {
                abort();
            }
            names = nv;
            snprintf(path, l, "%s/%s", argv[i], de->d_name);
            names[nn++] = path;
        }
        closedir(d);
        qsort(names, nn, sizeof *names, cmp);
        for (size_t k = 0; k < nn; k++) {
            bad |= run_file(names[k]) != 0;
            runs++;
            free(names[k]);
        }
        free(names);
    }
    printf("replayed %zu input(s)\n", runs);
    return bad;
}
