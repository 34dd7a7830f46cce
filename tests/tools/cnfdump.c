/*
 * cnfdump.c - load a configuration with the front end, print diagnostics (stderr) and the
 * IR dump (stdout).  Exit status 1 if the configuration has errors, 2 on usage errors.
 * Used by the golden tests in tests/configs.
 *
 * Ownership: everything is freed before exit.  Concurrency & locking: single-threaded.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf/ir.h"
#include "log.h"
#include "plugin.h"

int main(int argc, char **argv)
{
    int quiet = 0;
    int ai = 1;
    if (ai < argc && strcmp(argv[ai], "-q") == 0) {
        quiet = 1;
        ai++;
    }
    if (ai + 1 != argc) {
        fprintf(stderr, "usage: cnfdump [-q] FILE.conf\n");
        return 2;
    }
    /* plugins' $Directives: the built-ins, and loadable plugins from $SLUICE_PLUGIN_DIR */
    sl_cnf_set_plugins(sl_plugin_lookup, (void *)sl_plugin_dir(NULL), sl_builtin_plugins);
    struct sl_cnf *c = sl_cnf_load(argv[ai]);
    if (c == NULL) {
        sl_plugin_lookup_clear();
        return 1;
    }
    if (!quiet) {
        sl_cnf_dump(c, stdout);
    }
    int bad = c->nerrors > 0;
    sl_cnf_free(c);
    sl_plugin_lookup_clear();
    return bad ? 1 : 0;
}
