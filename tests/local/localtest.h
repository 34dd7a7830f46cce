/*
 * localtest.h - helpers shared by the imuxsock and imklog plugin tests: filling parameter
 * blocks as the core does (defaults, then the test's values), a host table that is the fake
 * host plus msg_set_local (recording the local-input metadata per captured message), and
 * bounded waits.  Header-only (static functions), included by one test file each.
 *
 * msg_json_set calls are recorded as "var=json" text.
 *
 * Ownership: recorded metadata is copied (hostname string included) and kept until
 * lt_reset().  Concurrency & locking: the metadata table has its own mutex (inputs call
 * msg_set_local from their threads).
 */
#ifndef SLUICE_TESTS_LOCAL_LOCALTEST_H
#define SLUICE_TESTS_LOCAL_LOCALTEST_H

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "fakehost.h"
#include "sluice/sl_plugin.h"

/* ---- parameter filling, as the core does it ---- */
static const struct sl_param *lt_find_param(const struct sl_param *t, const char *name)
{
    for (; t != NULL && t->name != NULL; t++) {
        if (strcasecmp(t->name, name) == 0) {
            return t;
        }
    }
    return NULL;
}

static void lt_set_value(const struct sl_param *p, void *blk, const char *v)
{
    char *f = (char *)blk + p->offset;
    switch (p->type) {
    case SL_PT_BOOL:
        *(int *)f = strcasecmp(v, "on") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0;
        break;
    case SL_PT_STRING:
    case SL_PT_WORD:
        *(const char **)f = v;
        break;
    default:
        *(int64_t *)f = strtoll(v, NULL, 10);
        break;
    }
}

static void *lt_new_block(const struct sl_param *t, size_t size)
{
    void *blk = calloc(1, size ? size : 1);
    ck_assert_ptr_nonnull(blk);
    for (; t != NULL && t->name != NULL; t++) {
        if (t->def != NULL) {
            lt_set_value(t, blk, t->def);
        }
    }
    return blk;
}

static void lt_set_param(const struct sl_param *t, void *blk, const char *name, const char *v)
{
    const struct sl_param *p = lt_find_param(t, name);
    ck_assert_msg(p != NULL, "no parameter %s", name);
    lt_set_value(p, blk, v);
}

/* ---- the host: fake host + msg_set_local ---- */
struct lt_meta {
    const struct sl_msg *m;
    uint32_t flags;
    int pri;
    char tag[32];
    int64_t pid;
    char hostname[64];
    int have_rcv;
    struct timespec rcv;
};

#define LT_MAX_META 4096
static struct lt_meta lt_metas[LT_MAX_META];
static size_t lt_nmeta;
static pthread_mutex_t lt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sl_host lt_host;

static void lt_msg_set_local(struct sl_msg *m, const struct sl_local_meta *lm)
{
    pthread_mutex_lock(&lt_lock);
    if (lt_nmeta < LT_MAX_META) {
        struct lt_meta *e = &lt_metas[lt_nmeta++];
        memset(e, 0, sizeof *e);
        e->m = m;
        e->flags = lm->flags;
        e->pri = lm->pri;
        snprintf(e->tag, sizeof e->tag, "%s", lm->tag ? lm->tag : "");
        e->pid = lm->pid;
        snprintf(e->hostname, sizeof e->hostname, "%s", lm->hostname ? lm->hostname : "");
        if (lm->rcv != NULL) {
            e->have_rcv = 1;
            e->rcv = *lm->rcv;
        }
    }
    pthread_mutex_unlock(&lt_lock);
}

/* msg_json_set: "var=json" strings per message, in call order (ParseTrusted) */
struct lt_json {
    const struct sl_msg *m;
    char text[256];
};
static struct lt_json lt_jsons[256];
static size_t lt_njson;

static int lt_msg_json_set(struct sl_msg *m, const char *var, void *val)
{
    struct fjson_object *o = val;
    pthread_mutex_lock(&lt_lock);
    if (lt_njson < sizeof lt_jsons / sizeof lt_jsons[0]) {
        lt_jsons[lt_njson].m = m;
        snprintf(lt_jsons[lt_njson].text, sizeof lt_jsons[0].text, "%s=%s", var,
                 fjson_object_to_json_string_ext(o, FJSON_TO_STRING_PLAIN));
        lt_njson++;
    }
    pthread_mutex_unlock(&lt_lock);
    fjson_object_put(o);
    return 0;
}

static void lt_reset(void)
{
    fh_reset();
    fh_block_when_full = 0;
    fh_max_msg_size = 8096;
    pthread_mutex_lock(&lt_lock);
    lt_nmeta = 0;
    lt_njson = 0;
    pthread_mutex_unlock(&lt_lock);
    lt_host = fh_host;
    lt_host.msg_set_local = lt_msg_set_local;
    lt_host.msg_json_set = lt_msg_json_set;
}

/* metadata recorded for captured message i (fails the test if there is none) */
static struct lt_meta lt_meta_of(size_t i)
{
    struct sl_msg *m = fh_get(i);
    struct lt_meta r;
    int found = 0;
    pthread_mutex_lock(&lt_lock);
    for (size_t k = 0; k < lt_nmeta; k++) {
        if (lt_metas[k].m == m) {
            r = lt_metas[k];
            found = 1;
        }
    }
    pthread_mutex_unlock(&lt_lock);
    ck_assert_msg(found, "no local metadata for message %zu", i);
    /* ABI 1.4 inputs give pri and tag through msg_set_fields (imklog) */
    if (m->f_set & SL_MF_PRI) {
        r.pri = m->f_pri;
    }
    if ((m->f_set & SL_MF_TAG) && m->f_tag != NULL) {
        snprintf(r.tag, sizeof r.tag, "%s", m->f_tag);
    }
    return r;
}

static const char *lt_raw(size_t i)
{
    return fh_get(i)->raw;
}

/* ---- bounded helpers ---- */
static void lt_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int lt_wait_pid(pid_t pid, int timeout_ms)
{
    for (int w = 0; w <= timeout_ms; w += 5) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
        }
        lt_sleep_ms(5);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* runs argv (NULL-terminated), waits up to 20 s; returns the exit status, sets *pidp */
static int lt_run(const char *const *argv, pid_t *pidp)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (pidp != NULL) {
        *pidp = pid;
    }
    return lt_wait_pid(pid, 20000);
}

/* a private temporary directory (removed by the caller with lt_rmdir) */
static void lt_tmpdir(char *out, size_t n)
{
    snprintf(out, n, "/tmp/sltest-local.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(out));
}

static void lt_rmdir(const char *dir)
{
    const char *argv[] = { "rm", "-rf", dir, NULL };
    (void)lt_run(argv, NULL);
}

#endif
