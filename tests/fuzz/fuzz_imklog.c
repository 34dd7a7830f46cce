/*
 * fuzz_imklog.c - libFuzzer target for imklog's kernel-record parsing: /proc/kmsg lines
 * ("<pri>[   12.345678] text", a second PRI as systemd writes it) and /dev/kmsg records
 * ("pri,seq,usec,flags;text" with \xHH escapes and " KEY=value" continuation lines), as
 * the plugin's reader hands them to handle_line() (the hook sl_imklog_handle_line).  The
 * first input byte chooses the module settings (PermitNonKernelFacility,
 * ParseKernelTimestamp, KeepKernelTimestamp) among 8 instances; the rest is split at LF
 * into lines (each longer than the instance's line limit cut, as the reader does).  The
 * plugin runs on tests/support/fakehost, which copies what is submitted; the copies are
 * freed after each input.  Out-of-bounds reads or writes in the parsing, the timestamp
 * removal or the /dev/kmsg conversion show under ASan/UBSan.
 *
 * Ownership: the 8 instances are created once and kept; the line copy is per input.
 * Concurrency & locking: none; libFuzzer calls the entry point from one thread.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fakehost.h"
#include "fuzzplugin.h"
#include "imklog.h"

extern const struct sl_plugin sluice_plugin;

static void *inst[8];

static void setup(void)
{
    static const char *const names[] = { "LogPath", "PermitNonKernelFacility",
                                         "ParseKernelTimestamp", "KeepKernelTimestamp" };
    for (int i = 0; i < 8; i++) {
        const char *values[] = { "/dev/null", (i & 1) ? "on" : "off", (i & 2) ? "on" : "off",
                                 (i & 4) ? "on" : "off" };
        inst[i] = fz_input(&sluice_plugin, fz_module_block(&sluice_plugin, names, values, 4));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (inst[0] == NULL) {
        setup();
    }
    if (size < 1) {
        return 0;
    }
    void *in = inst[data[0] & 7];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    size_t max = fh_max_msg_size;
    char *line = malloc(max + 1);
    if (line == NULL) {
        return 0;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl != NULL ? nl : end) - p);
        size_t k = n < max - 1 ? n : max - 1;
        memcpy(line, p, k);
        line[k] = '\0';
        (void)sl_imklog_handle_line(in, line, k);
        p += n + (nl != NULL);
    }
    free(line);
    fh_reset();
    return 0;
}
