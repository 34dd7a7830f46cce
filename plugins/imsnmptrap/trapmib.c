/*
 * trapmib.c - see trapmib.h.  Uses libsnmp (net-snmp) only as a MIB reader: the directories
 * are set with netsnmp_set_mib_directory(), every module in them is read with
 * read_all_mibs(), names come from snprint_objid() (MODULE::name.instance), enum labels
 * from the deepest tree node's enum list.  libsnmp's logging goes to a null handler
 * (missing imports are normal with partial MIB sets).  Hand-written glue only: the MIB
 * parsing is libsnmp's.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "trapmib.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int users;
static int loaded;
static char *dirs_loaded;

static void load(void)
{
    static int quiet;
    if (!quiet) {      /* without any handler libsnmp writes to stderr: give it a null one */
        snmp_disable_log();
        (void)netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_DEBUG);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
        quiet = 1;
    }
    netsnmp_set_mib_directory(dirs_loaded);
    netsnmp_init_mib();
    read_all_mibs();
    loaded = 1;
}

int trapmib_acquire(const char *dirs)
{
    pthread_mutex_lock(&lock);
    if (!loaded) {
        free(dirs_loaded);
        dirs_loaded = strdup(dirs);
        if (dirs_loaded == NULL) {
            pthread_mutex_unlock(&lock);
            return -1;
        }
        load();
    }
    users++;
    pthread_mutex_unlock(&lock);
    return 0;
}

void trapmib_release(void)
{
    pthread_mutex_lock(&lock);
    if (users > 0 && --users == 0 && loaded) {
        shutdown_mib();
        loaded = 0;
        free(dirs_loaded);
        dirs_loaded = NULL;
    }
    pthread_mutex_unlock(&lock);
}

/* Reads the directories again: modules added since are loaded.  (Modules already loaded
 * keep their definitions: libsnmp leaks part of its tables when it is shut down and
 * initialised again, so a HUP does not do that.) */
void trapmib_reload(void)
{
    pthread_mutex_lock(&lock);
    if (loaded) {
        read_all_mibs();
    }
    pthread_mutex_unlock(&lock);
}

size_t trapmib_name(const uint32_t *sub, size_t n, char *out, size_t cap, int has_int,
                    int64_t ival, char *lab, size_t labcap)
{
    oid o[MAX_OID_LEN];
    if (n == 0 || n > MAX_OID_LEN || cap == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        o[i] = (oid)sub[i];
    }
    size_t len = 0;
    if (lab != NULL && labcap > 0) {
        lab[0] = '\0';
    }
    pthread_mutex_lock(&lock);
    if (loaded) {
        /* "MODULE::label..." only: with just a prefix known libsnmp prints the rest as
         * numbers after the module ("X::1.2.1.1.3.0"), which names nothing */
        int r = snprint_objid(out, cap, o, n);
        const char *sep = r > 0 ? strstr(out, "::") : NULL;
        if (sep != NULL && isalpha((unsigned char)sep[2])) {
            len = (size_t)r;
        }
        if (len > 0 && has_int && lab != NULL) {
            /* the deepest node of the tree on this OID: its enums name the value */
            struct tree *t = get_tree_head(), *best = NULL;
            size_t i = 0;
            while (t != NULL && i < n) {
                if (t->subid == o[i]) {
                    best = t;
                    t = t->child_list;
                    i++;
                } else {
                    t = t->next_peer;
                }
            }
            for (struct enum_list *e = best != NULL ? best->enums : NULL; e != NULL;
                 e = e->next) {
                if (e->value == ival) {
                    snprintf(lab, labcap, "%s", e->label);
                    break;
                }
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return len;
}
