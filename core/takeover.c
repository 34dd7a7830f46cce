/*
 * takeover.c - what rsyslog left behind when sluiced takes its place: disk-queue files of
 * rsyslog's own format in the directories sluice's queues use (global workDirectory and
 * every queue.spoolDirectory).  rsyslog keeps a queue as PREFIX.qi (the queue's state, an
 * object in rsyslog's serialisation) plus numbered segments PREFIX.00000001, ...; "*.qf"
 * files are reported as well.  sluice cannot read that format (its spool is its own,
 * core/spool.c), so the messages in them would be neither delivered nor deleted: this
 * says so at start and in -N1, per queue, with what to do.  Nothing is changed on disk.
 *
 * Ownership: nothing kept.  Concurrency & locking: main thread, at build time only.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine_int.h"
#include "log.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* PREFIX.NNNNNNNN (eight digits): a segment of rsyslog queue PREFIX */
static int is_segment_of(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || name[n] != '.' || strlen(name + n + 1) != 8) {
        return 0;
    }
    for (const char *p = name + n + 1; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return 0;
        }
    }
    return 1;
}

static void report_dir(const char *dir, const struct sl_loc *loc)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *kind = ends_with(de->d_name, ".qi") ? ".qi"
                           : ends_with(de->d_name, ".qf") ? ".qf" : NULL;
        if (kind == NULL) {
            continue;
        }
        size_t plen = strlen(de->d_name) - 3;
        char prefix[512];
        if (plen >= sizeof prefix) {
            continue;
        }
        memcpy(prefix, de->d_name, plen);
        prefix[plen] = '\0';
        /* count the queue's segments and their bytes */
        size_t segs = 0;
        long long bytes = 0;
        DIR *d2 = opendir(dir);
        struct dirent *se;
        while (d2 != NULL && (se = readdir(d2)) != NULL) {
            if (is_segment_of(se->d_name, prefix)) {
                char path[1600];
                struct stat st;
                snprintf(path, sizeof path, "%s/%s", dir, se->d_name);
                if (stat(path, &st) == 0) {
                    bytes += (long long)st.st_size;
                }
                segs++;
            }
        }
        if (d2 != NULL) {
            closedir(d2);
        }
        sl_cfg_warn(loc, "%s/%s: disk queue '%s' left by rsyslog (%zu segment file(s), %lld "
                    "bytes): sluice cannot read rsyslog's queue files and leaves them alone, "
                    "so their messages are not delivered; to deliver them, run rsyslogd once "
                    "more with its old configuration until the queue is empty (rsyslog then "
                    "deletes the files), else move %s/%s%s and %s/%s.* away",
                    dir, de->d_name, prefix, segs, bytes, dir, prefix, kind, dir, prefix);
    }
    closedir(d);
}

void sl_report_rsyslog_queue_files(struct sl_engine *e)
{
    const char *dirs[64];
    size_t n = 0;
    struct sl_loc none = { "", 0, 0 };
    const struct sl_loc *loc = &none;
    /* FILE:LINE of the workDirectory setting, when the config names one */
    for (struct sl_obj *o = e->cnf != NULL ? e->cnf->objs : NULL; o != NULL; o = o->next) {
        struct sl_kv *kv;
        if (o->type == SL_OBJ_GLOBAL && (kv = sl_kv_find(o->kv, "workDirectory")) != NULL) {
            loc = &kv->loc;
        }
    }
    if (e->g.work_directory != NULL) {
        dirs[n++] = e->g.work_directory;
    }
    for (size_t i = 0; i < e->nrsqs && n < 64; i++) {
        if (e->rsqs[i]->qc.spool_dir != NULL) {
            dirs[n++] = e->rsqs[i]->qc.spool_dir;
        }
    }
    for (size_t i = 0; i < e->nactions && n < 64; i++) {
        if (e->actions[i]->qc.spool_dir != NULL) {
            dirs[n++] = e->actions[i]->qc.spool_dir;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++) {
            seen |= strcmp(dirs[i], dirs[j]) == 0;
        }
        if (!seen) {
            report_dir(dirs[i], loc);
        }
    }
}
