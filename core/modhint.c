/*
 * modhint.c - "say what is missing": rsyslog 8.2302's modules that sluice does not have,
 * each with the nearest thing sluice offers, for the error a config that loads one gets
 * (sl_plugin_open) and for the list in sluice.conf(5) (sluiced --describe-man).
 *
 * A module counts as missing only when no plugin of that name is present (built in or a
 * NAME.so in the plugin directory), so the table may keep a name after the plugin lands:
 * it simply stops being shown.  Still, drop an entry once its plugin is merged; a plugin
 * that needs a library (configure --enable-X) keeps its entry, which says so.  Function
 * modules the core provides (fmhash) are never missing.
 * A name not in the table gets the closest present plugin name by edit distance (a typo:
 * "imudpp" -> imudp).
 *
 * Ownership: returns text in the caller's buffer.  Concurrency & locking: none (config time,
 * main thread; the table is constant).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugin.h"
#include "util/strutil.h"

/* rsyslog module -> what sluice offers instead (rsyslog 8.2302's plugins/ and contrib/,
 * and the modules of Debian 12's rsyslog packages). */
static const struct sl_missing_module missing[] = {
    { "imjournal", "sluice's imjournal, not in this build (it needs libsystemd: configure --enable-imjournal); meanwhile imuxsock: journald forwards to /run/systemd/journal/syslog (ForwardToSyslog=yes)" },
    { "imrelp", "sluice's imrelp, not in this build (it needs librelp: configure --enable-relp); meanwhile imtcp, or imtls for TLS" },
    { "omrelp", "sluice's omrelp, not in this build (it needs librelp: configure --enable-relp); meanwhile omfwd with protocol=\"tcp\" (TLS: StreamDriver.Mode=\"1\") and a disk-assisted action queue" },
    { "imgssapi", "imtcp / imtls" },
    { "omgssapi", "omfwd (TLS: StreamDriver.Mode=\"1\")" },
    { "imdocker", "imuxsock or imtcp, with Docker's syslog log driver" },
    { "imhttp", "sluice's imhttp (built with libmicrohttpd: --enable-imhttp) serves metricspath and healthcheckpath; its HTTP message intake (input() endpoints) is not there: use imtcp or imrelp" },
    { "improg", "omprog's reverse is not there: pipe the program into logger(1) and imuxsock" },
    { "imczmq", "none" }, { "imhiredis", "none" }, { "impcap", "none" },
    { "imbatchreport", "none" }, { "imtuxedoulog", "none" }, { "im3195", "none" },
    { "imsolaris", "none (Linux only)" }, { "imdiag", "none (rsyslog's test module)" },
    { "omjournal", "sluice's omjournal, not in this build (it needs libsystemd: configure --enable-omjournal); meanwhile omprog into systemd-cat" },
    { "omstdout", "omfile with file=\"/dev/stdout\"" },
    { "omudpspoof", "omfwd (UDP), without spoofing the source address" },
    { "omhttpfs", "omprog with an HTTP client" },
    { "omclickhouse", "omprog with a database client" },
    { "ommysql", "omprog with a database client" },
    { "ompgsql", "omprog with a database client" },
    { "omlibdbi", "omprog with a database client" },
    { "ommongodb", "omprog with a database client" },
    { "omhiredis", "omprog with redis-cli" },
    { "omamqp1", "omprog with an AMQP client" }, { "omrabbitmq", "omprog with an AMQP client" },
    { "omczmq", "omprog" }, { "omhdfs", "omprog" }, { "omtcl", "omprog" },
    { "omsnmp", "omprog with snmptrap(1)" },
    { "omruleset", "the call statement (call RULESET)" },
    { "omfile-hardened", "omfile" }, { "omtesting", "none (rsyslog's test module)" },
    { "mmdblookup", "none" }, { "mmkubernetes", "none" }, { "mmgrok", "mmnormalize" },
    { "mmaudit", "mmnormalize" }, { "mmsnmptrapd", "imsnmptrap parses traps itself" },
    { "mmcount", "mmsequence or impstats counters" }, { "mmdarwin", "none" },
    { "mmrfc5424addhmac", "none" }, { "mmtaghostname", "set statements on $!/$. variables" },
    { "pmnormalize", "sluice's pmnormalize, not in this build (it needs liblognorm: configure --enable-mmnormalize)" },
    { "mmnormalize", "sluice's mmnormalize, not in this build (it needs liblognorm: configure --enable-mmnormalize)" },
    { "pmnull", "none" }, { "pmpanngfw", "none" }, { "pmdb2diag", "none" },
    { "fmhttp", "none" },
    { "fmunflatten", "none" }, { "ffaup", "none" },
    { NULL, NULL }
};

const struct sl_missing_module *sl_missing_modules(void)
{
    return missing;
}

/* Is there a plugin NAME (built in, or NAME.so in dir)? */
int sl_plugin_present(const char *name, const char *dir)
{
    for (int i = 0; sl_builtin_plugins[i] != NULL; i++) {
        if (strcasecmp(sl_builtin_plugins[i]->name, name) == 0) {
            return 1;
        }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.so", dir, name);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        fclose(f);
        return 1;
    }
    return 0;
}

void sl_module_hint(const char *name, const char *dir, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; missing[i].name != NULL; i++) {
        if (strcasecmp(missing[i].name, name) == 0) {
            snprintf(buf, len, "; rsyslog's %s is not part of sluice, instead: %s",
                     missing[i].name, missing[i].alt);
            return;
        }
    }
    /* a typo of a present plugin's name? */
    struct sl_suggest sg;
    sl_suggest_init(&sg, name);
    for (int i = 0; sl_builtin_plugins[i] != NULL; i++) {
        sl_suggest_add(&sg, sl_builtin_plugins[i]->name);
    }
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 3 && l < 200 && strcmp(de->d_name + l - 3, ".so") == 0) {
            char nm[200];
            memcpy(nm, de->d_name, l - 3);
            nm[l - 3] = '\0';
            sl_suggest_add(&sg, nm);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    if (sl_suggest_best(&sg) != NULL) {
        sl_suggest_text(&sg, buf, len);
    } else {
        snprintf(buf, len, "; sluiced --list-plugins shows the modules there are, "
                           "sluice.conf(5) those rsyslog has and sluice not");
    }
}
