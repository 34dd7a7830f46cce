/*
 * fuzz_msgser.c - fuzz target: the spool record decoder (sl_msg_deserialize), which reads
 * records back from disk after a crash or from a damaged segment.  A record that decodes
 * must render, and must survive a round trip: serialised again and decoded again it gives
 * the same record bytes (an abort otherwise).
 *
 * Ownership: messages and buffers are freed per input.  Concurrency & locking: none.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "msg_ser.h"
#include "util/buf.h"

static const char *intern(void *arg, const char *name)
{
    (void)arg;
    return name[0] != '\0' ? "fuzzinput" : "";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)fuzz_registry();
    char rs[256];
    struct sl_msg *m = sl_msg_deserialize(data, size, rs, sizeof rs, intern, NULL);
    if (m == NULL) {
        return 0;
    }
    fuzz_render_all(m);
    struct sl_buf a = {0}, b = {0};
    if (sl_msg_serialize(m, rs, &a) == 0) {
        char rs2[256];
        struct sl_msg *m2 = sl_msg_deserialize(a.p, a.len, rs2, sizeof rs2, intern, NULL);
        if (m2 == NULL) {
            abort();    /* what we wrote we cannot read */
        }
        if (sl_msg_serialize(m2, rs2, &b) != 0 || a.len != b.len ||
            memcmp(a.p, b.p, a.len) != 0 || strcmp(rs, rs2) != 0) {
            if (getenv("FUZZ_VERBOSE") != NULL) {
                for (size_t i = 0; i < a.len || i < b.len; i++) {
                    fprintf(stderr, "%4zu %02x %02x%s\n", i,
                            i < a.len ? (unsigned char)a.p[i] : 0,
                            i < b.len ? (unsigned char)b.p[i] : 0,
                            i < a.len && i < b.len && a.p[i] == b.p[i] ? "" : " <");
                }
            }
            abort();    /* not a fixed point */
        }
        sl_msg_unref(m2);
    }
    sl_buf_free(&a);
    sl_buf_free(&b);
    sl_msg_unref(m);
    return 0;
}

int fuzz_write_seeds(const char *dir);

/* replay_msgser -w DIR: records of a few kinds of messages, as the spool stores them. */
int fuzz_write_seeds(const char *dir)
{
    static const char *const raws[] = {
        "<165>1 2003-10-11T22:14:15.003Z host app 1234 ID47 [a@1 b=\"c\"] msg",
        "<13>Oct 11 22:14:15 host app[1]: hello",
        "<0>Jan  1 00:00:00 x y",
        "no pri at all",
        "",
    };
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        perror(dir);
        return -1;
    }
    for (size_t i = 0; i < sizeof raws / sizeof raws[0]; i++) {
        struct sl_msg *m = fuzz_sample_msg(raws[i], strlen(raws[i]));
        if (i == 4) {
            struct sl_local_meta lm = { .flags = SL_LOCAL_UXSOCK };
            sl_msg_set_local(m, &lm);
        }
        struct sl_buf b = {0};
        if (sl_msg_serialize(m, i % 2 ? "rs1" : "", &b) != 0) {
            sl_msg_unref(m);
            return -1;
        }
        char p[512];
        snprintf(p, sizeof p, "%s/seed-rec%zu", dir, i);
        FILE *f = fopen(p, "wb");
        if (f == NULL || fwrite(b.p, 1, b.len, f) != b.len || fclose(f) != 0) {
            perror(p);
            return -1;
        }
        sl_buf_free(&b);
        sl_msg_unref(m);
    }
    return 0;
}
