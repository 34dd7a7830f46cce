/*
 * fuzz_conf.c - fuzz target: the configuration front end (lexer, RainerScript parser,
 * legacy lines and $Directives, expression resolution, the IR checks) on one config text,
 * then the IR dump.  Includes are off: an input naming "include" in any case (include(),
 * $IncludeConfig) is skipped, so the target never reads other files.  No plugins are
 * known, so module(load=...) and plugin directives take their error paths.
 *
 * Ownership: the IR is freed per input; the dump goes to a memory stream that is freed.
 * Concurrency & locking: none.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/ir.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        sl_cnf_set_plugins(NULL, NULL, NULL);
        init = 1;
    }
    if (size > 65536) {
        return 0;
    }
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t i = 0; i + 7 <= size; i++) {
        if (strncasecmp(text + i, "include", 7) == 0) {
            free(text);
            return 0;
        }
    }
    sl_cfg_reset_counts();   /* diagnostics go to stderr (libFuzzer: -close_fd_mask=2) */
    struct sl_cnf *c = sl_cnf_load_string(text, "fuzz.conf");
    if (c != NULL) {
        char *dump = NULL;
        size_t dlen = 0;
        FILE *f = open_memstream(&dump, &dlen);
        if (f != NULL) {
            sl_cnf_dump(c, f);
            fclose(f);
            free(dump);
        }
        sl_cnf_free(c);
    }
    free(text);
    return 0;
}
