/*
 * fuzz_imjournal.c - libFuzzer target for imjournal's entry-to-message mapping
 * (read_entry, through the hook sl_imjournal_read_entry): MESSAGE sanitised (NULs, control
 * characters as #ooo, a trailing LF), PRIORITY and SYSLOG_FACILITY checked, the tag built
 * from SYSLOG_IDENTIFIER/_COMM/DefaultTag and SYSLOG_PID/_PID, every field into $!, the rate
 * limiter.  The entry comes from the input instead of a journal file: this file provides
 * the sd_journal_* functions imjournal.c calls (the binary does not link libsystemd), the
 * data ones over the fields decoded from the input, the others failing with -ENOSYS.
 * Input: byte 0 chooses the instance (UsePid system/syslog/both; rate limit off, or a burst
 * of 2); the rest is one entry in the journal export format's two field forms, "KEY=VALUE\n"
 * or "KEY\n" + 64-bit little-endian length + that many bytes + "\n" (values with NULs and
 * LFs); a line with neither is passed on as a field without '=' (imjournal logs it).  The
 * plugin runs on tests/support/fakehost; what it submits is freed after each input.
 *
 * Ownership: the instances are created once and kept; the decoded fields are copies in a
 * buffer freed after each input.  Concurrency & locking: none; one thread.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-journal.h>

#include "fakehost.h"
#include "fuzzplugin.h"
#include "imjournal.h"

extern const struct sl_plugin sluice_plugin;

#define NF_MAX 256
static struct { const char *p; size_t n; } fld[NF_MAX];
static size_t nfld, enum_at;

/* ---- the sd_journal functions imjournal.c uses, over fld[] ---------------------------- */

int sd_journal_get_data(sd_journal *j, const char *field, const void **data, size_t *l)
{
    (void)j;
    size_t k = strlen(field);
    for (size_t i = 0; i < nfld; i++) {
        if (fld[i].n > k && memcmp(fld[i].p, field, k) == 0 && fld[i].p[k] == '=') {
            *data = fld[i].p;
            *l = fld[i].n;
            return 0;
        }
    }
    return -ENOENT;
}

void sd_journal_restart_data(sd_journal *j)
{
    (void)j;
    enum_at = 0;
}

int sd_journal_enumerate_data(sd_journal *j, const void **data, size_t *l)
{
    (void)j;
    if (enum_at >= nfld) {
        return 0;
    }
    *data = fld[enum_at].p;
    *l = fld[enum_at++].n;
    return 1;
}

int sd_journal_get_realtime_usec(sd_journal *j, uint64_t *usec)
{
    (void)j;
    *usec = 1700000000123456ULL;
    return 0;
}

int sd_journal_get_cursor(sd_journal *j, char **cursor)
{
    (void)j;
    *cursor = strdup("s=fuzz;i=1");
    return *cursor != NULL ? 0 : -ENOMEM;
}

#define NOSYS(name, ...) \
    int name(__VA_ARGS__) { return -ENOSYS; }
NOSYS(sd_journal_open, sd_journal **r, int f)
NOSYS(sd_journal_open_directory, sd_journal **r, const char *p, int f)
NOSYS(sd_journal_open_files, sd_journal **r, const char **p, int f)
NOSYS(sd_journal_next, sd_journal *j)
NOSYS(sd_journal_previous, sd_journal *j)
NOSYS(sd_journal_process, sd_journal *j)
NOSYS(sd_journal_get_fd, sd_journal *j)
NOSYS(sd_journal_get_events, sd_journal *j)
NOSYS(sd_journal_get_timeout, sd_journal *j, uint64_t *t)
NOSYS(sd_journal_get_usage, sd_journal *j, uint64_t *b)
NOSYS(sd_journal_seek_cursor, sd_journal *j, const char *c)
NOSYS(sd_journal_seek_head, sd_journal *j)
NOSYS(sd_journal_seek_tail, sd_journal *j)
NOSYS(sd_journal_set_data_threshold, sd_journal *j, size_t sz)
NOSYS(sd_journal_test_cursor, sd_journal *j, const char *c)
void sd_journal_close(sd_journal *j)
{
    (void)j;
}

/* ---- the entry ------------------------------------------------------------------------ */

/* Fields into buf (at least end - p + 1 bytes): each "KEY=VALUE" contiguous, as the
 * journal returns them. */
static void decode(const char *p, const char *end, char *buf)
{
    size_t o = 0;
    nfld = 0;
    while (p < end && nfld < NF_MAX) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        const char *eq = memchr(p, '=', (size_t)(le - p));
        const char *d = NULL;
        uint64_t sz = 0;
        if (eq == NULL && nl != NULL && (size_t)(end - nl) >= 9) {
            for (int b = 7; b >= 0; b--) {
                sz = sz << 8 | (uint8_t)nl[1 + b];
            }
            d = nl + 9;
            if (sz > (uint64_t)(end - d)) {
                d = NULL;
            }
        }
        fld[nfld].p = buf + o;
        if (d != NULL) {        /* binary form: KEY, '=', the data (8 bytes shorter) */
            memcpy(buf + o, p, (size_t)(le - p));
            o += (size_t)(le - p);
            buf[o++] = '=';
            memcpy(buf + o, d, (size_t)sz);
            o += (size_t)sz;
            p = d + sz + (d + sz < end);
        } else {
            memcpy(buf + o, p, (size_t)(le - p));
            o += (size_t)(le - p);
            p = le + (nl != NULL);
        }
        fld[nfld].n = (size_t)(buf + o - fld[nfld].p);
        nfld++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void *mod[6], *inst[6];
    if (inst[0] == NULL) {
        static const char *const names[] = { "UsePid", "Ratelimit.Interval",
                                             "Ratelimit.Burst" };
        static const char *const pids[] = { "system", "syslog", "both" };
        for (int i = 0; i < 6; i++) {
            const char *values[] = { pids[i % 3], i < 3 ? "0" : "600", "2" };
            mod[i] = fz_module_block(&sluice_plugin, names, values, 3);
            inst[i] = fz_input(&sluice_plugin, mod[i]);
        }
    }
    if (size < 1) {
        return 0;
    }
    char *buf = malloc(size);
    if (buf == NULL) {
        return 0;
    }
    decode((const char *)data + 1, (const char *)data + size, buf);
    (void)sl_imjournal_read_entry(inst[data[0] % 6]);
    fh_reset();
    free(buf);
    return 0;
}
