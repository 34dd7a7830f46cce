/*
 * fuzz_imkmsg.c - libFuzzer target for imkmsg's /dev/kmsg record parser
 * ("PRI,SEQ,USEC,FLAGS[,...];TEXT\n[ KEY=VALUE\n]...": the header numbers, the text cut at
 * 1,023 bytes, the continuation lines that become $! members) and its record splitter, fed
 * through the hook sl_imkmsg_feed as read() would: the first input byte's low bit chooses
 * the character-device path (one record per read) or the file path (records split as they
 * arrive, the last completed at the end); the rest are the bytes read.  The plugin runs on
 * tests/support/fakehost (messages and their $! trees are copied, then freed after each
 * input).  Out-of-bounds accesses and leaks of the JSON tree show under ASan/LSan.
 *
 * Ownership: the instance is created once and kept (its module block is freed at once).
 * Concurrency & locking: none; libFuzzer calls the entry point from one thread.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "fakehost.h"
#include "fuzzplugin.h"
#include "imkmsg.h"

extern const struct sl_plugin sluice_plugin;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void *in;
    if (in == NULL) {
        static const char *const names[] = { "Path" };
        static const char *const values[] = { "/dev/null" };
        void *mod = fz_module_block(&sluice_plugin, names, values, 1);
        in = fz_input(&sluice_plugin, mod);
        free(mod);      /* create() keeps only the Path string, not the block */
    }
    if (size < 1) {
        return 0;
    }
    (void)sl_imkmsg_feed(in, (const char *)data + 1, size - 1, data[0] & 1);
    fh_reset();
    return 0;
}
