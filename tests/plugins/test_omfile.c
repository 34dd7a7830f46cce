/*
 * test_omfile.c - unit tests of the omfile output plugin against the fake host: static
 * file, dynaFile with an LRU cache smaller than the number of files, create modes and
 * owners, createDirs, HUP + rename (logrotate), write errors, concurrent delivery from two
 * workers into one file.  Every test works in its own mkdtemp() directory.
 *
 * The plugin is instantiated the way the core does it: zeroed blocks of mod_size /
 * inst_size / wrk_size, filled from the plugin's own parameter tables (defaults first,
 * then "config" values), then create() / worker_create() / deliver().
 *
 * Concurrency & locking: only the concurrency test runs threads; each has its own wrk.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakehost.h"

#ifdef SL_BUILTIN_PLUGIN
extern const struct sl_plugin sl_builtin_omfile;
#define PLUG (&sl_builtin_omfile)
#else
extern const struct sl_plugin sluice_plugin;
#define PLUG (&sluice_plugin)
#endif

/* ---- templates: distinct opaque tokens, rendered by our hook ---------------------- */
static const char tok_rec = 'r';   /* raw text + "\n" */
static const char tok_name = 'n';  /* file name: DIR "/" first word of the message */
static char g_dir[256];

static const struct sl_template *tpl_by_name(const char *n)
{
    if (strcmp(n, "name") == 0) {
        return (const struct sl_template *)&tok_name;
    }
    return (const struct sl_template *)&tok_rec;
}

static int render_hook(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out)
{
    if ((const char *)t == &tok_name) {
        size_t w = strcspn(m->raw, " ");
        if (w == 0) {
            return 0; /* empty name */
        }
        if (fh_host.buf_reserve(out, strlen(g_dir) + w + 2) != 0) {
            return SL_ENOMEM;
        }
        out->len += (size_t)sprintf(out->p + out->len, "%s/%.*s", g_dir, (int)w, m->raw);
        return 0;
    }
    if (fh_host.buf_reserve(out, m->len + 2) != 0) {
        return SL_ENOMEM;
    }
    memcpy(out->p + out->len, m->raw, m->len);
    out->len += m->len;
    out->p[out->len++] = '\n';
    return 0;
}

/* ---- parameter filling, as the core does it ----------------------------------------- */
struct kv {
    const char *k;
    const char *v;
};

static void set_param(const struct sl_param *p, void *blk, const char *val)
{
    char *f = (char *)blk + p->offset;
    int64_t n;
    switch (p->type) {
    case SL_PT_BOOL:
        *(int *)f = (strcasecmp(val, "on") == 0 || strcasecmp(val, "yes") == 0
                     || strcmp(val, "1") == 0);
        break;
    case SL_PT_INT: case SL_PT_NONNEG: case SL_PT_POSINT: case SL_PT_PORT:
    case SL_PT_UID: case SL_PT_GID:
        *(int64_t *)f = strtoll(val, NULL, 10);
        break;
    case SL_PT_SIZE: {
        char *end;
        n = strtoll(val, &end, 10);
        if (*end == 'k' || *end == 'K') {
            n *= 1024;
        }
        *(int64_t *)f = n;
        break;
    }
    case SL_PT_FILEMODE:
        *(int64_t *)f = strtoll(val, NULL, 8);
        break;
    case SL_PT_STRING: case SL_PT_WORD:
        *(const char **)f = val;
        break;
    case SL_PT_TEMPLATE:
        *(const struct sl_template **)f = tpl_by_name(val);
        break;
    case SL_PT_ENUM:
        for (n = 0; p->enums[n] != NULL; n++) {
            if (strcasecmp(p->enums[n], val) == 0) {
                break;
            }
        }
        ck_assert_ptr_nonnull(p->enums[n]);
        *(int64_t *)f = n;
        break;
    default:
        ck_abort_msg("unexpected param type %d", (int)p->type);
    }
}

static void fill(const struct sl_param *tab, void *blk, const struct kv *cfg)
{
    for (const struct sl_param *p = tab; p->name != NULL; p++) {
        if (p->def != NULL) {
            set_param(p, blk, p->def);
        }
    }
    for (; cfg != NULL && cfg->k != NULL; cfg++) {
        const struct sl_param *p = tab;
        while (p->name != NULL && strcasecmp(p->name, cfg->k) != 0) {
            p++;
        }
        ck_assert_msg(p->name != NULL, "unknown parameter %s", cfg->k);
        set_param(p, blk, cfg->v);
    }
}

struct om {
    void *mod, *inst, *wrk;
};

/* Returns create()'s result; on success the worker exists too. */
static int om_new(struct om *o, const struct kv *modcfg, const struct kv *cfg)
{
    o->mod = calloc(1, PLUG->mod_size);
    o->inst = calloc(1, PLUG->inst_size);
    o->wrk = calloc(1, PLUG->wrk_size);
    fill(PLUG->module_params, o->mod, modcfg);
    fill(PLUG->inst_params, o->inst, cfg);
    int rc = PLUG->out->create(o->inst, o->mod, &fh_host);
    if (rc == 0) {
        ck_assert_int_eq(PLUG->out->worker_create(o->inst, o->wrk), 0);
    }
    return rc;
}

static void om_free(struct om *o)
{
    PLUG->out->worker_destroy(o->inst, o->wrk);
    PLUG->out->destroy(o->inst);
    free(o->mod);
    free(o->inst);
    free(o->wrk);
}

/* Deliver msgs (texts) as one batch; returns the verdict. bad may be NULL. */
static int deliver_texts(struct om *o, void *wrk, const char *const *texts, size_t n,
                         uint8_t *bad)
{
    struct sl_msg **m = calloc(n, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        m[i] = fh_msg(texts[i]);
    }
    struct sl_batch b = { n, m, NULL };
    struct sl_verdict v = { 0, bad };
    int rc = PLUG->out->deliver(o->inst, wrk, &b, &v);
    for (size_t i = 0; i < n; i++) {
        fh_host.msg_unref(m[i]);
    }
    free(m);
    return rc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *p = malloc(cap);
    size_t r;
    while ((r = fread(p + len, 1, cap - len - 1, f)) > 0) {
        len += r;
        if (cap - len < 2) {
            cap *= 2;
            p = realloc(p, cap);
        }
    }
    p[len] = '\0';
    fclose(f);
    return p;
}

static void mkdir_tmp(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/sl_omfile_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(g_dir));
    fh_reset();
    fh_render_hook = render_hook;
    umask(022);
}

static void rm_rf(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    ck_assert_int_eq(system(cmd), 0);
}

/* Count our open descriptors that point into g_dir. */
static int open_fds_in_dir(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        char lp[300], target[512];
        snprintf(lp, sizeof lp, "/proc/self/fd/%s", de->d_name);
        ssize_t l = readlink(lp, target, sizeof target - 1);
        if (l > 0) {
            target[l] = '\0';
            if (strncmp(target, g_dir, strlen(g_dir)) == 0 && target[strlen(g_dir)] == '/') {
                n++;
            }
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

/* ---- tests -------------------------------------------------------------------------- */

START_TEST(static_file_exact_bytes_and_mode)
{
    mkdir_tmp();
    char path[300];
    snprintf(path, sizeof path, "%s/out.log", g_dir);
    umask(0);
    struct kv cfg[] = { { "file", path }, { "template", "rec" }, { "fileCreateMode", "0640" },
                        { "sync", "on" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, NULL, cfg), 0);
    const char *a[] = { "first", "second line", "" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 3, NULL), SL_OK);
    const char *b[] = { "third" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, b, 1, NULL), SL_OK);
    char *s = slurp(path);
    ck_assert_str_eq(s, "first\nsecond line\n\nthird\n");
    free(s);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    om_free(&o);
    rm_rf(g_dir);
}
END_TEST

START_TEST(module_defaults_inherited)
{
    mkdir_tmp();
    umask(0);
    char path[300];
    snprintf(path, sizeof path, "%s/a/b/out.log", g_dir);
    struct kv mod[] = { { "fileCreateMode", "0600" }, { "dirCreateMode", "0750" },
                        { "fileOwnerNum", "65534" }, { NULL, NULL } };
    struct kv cfg[] = { { "file", path }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, mod, cfg), 0);
    const char *a[] = { "x" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 1, NULL), SL_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    if (geteuid() == 0) {
        ck_assert_int_eq(st.st_uid, 65534);
    }
    char dir[300];
    snprintf(dir, sizeof dir, "%s/a/b", g_dir);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0750);
    snprintf(dir, sizeof dir, "%s/a", g_dir);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0750);
    om_free(&o);
    rm_rf(g_dir);
}
END_TEST

START_TEST(default_modes_and_create_dirs)
{
    mkdir_tmp();
    umask(0);
    char path[300];
    snprintf(path, sizeof path, "%s/new/dir/out.log", g_dir);
    struct kv cfg[] = { { "file", path }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, NULL, cfg), 0);
    const char *a[] = { "x" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 1, NULL), SL_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/new/dir", g_dir);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0700);
    om_free(&o);
    rm_rf(g_dir);
}
END_TEST

START_TEST(create_dirs_off_suspends)
{
    mkdir_tmp();
    char path[300];
    snprintf(path, sizeof path, "%s/missing/out.log", g_dir);
    struct kv cfg[] = { { "file", path }, { "createDirs", "off" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, NULL, cfg), 0);
    const char *a[] = { "x" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 1, NULL), SL_SUSPEND);
    ck_assert_int_ne(access(path, F_OK), 0);
    /* the directory appears (an admin fixes it): the retried batch goes through */
    char dir[300];
    snprintf(dir, sizeof dir, "%s/missing", g_dir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 1, NULL), SL_OK);
    char *s = slurp(path);
    ck_assert_str_eq(s, "x\n");
    free(s);
    om_free(&o);
    rm_rf(g_dir);
}
END_TEST

START_TEST(file_or_dynafile_required)
{
    mkdir_tmp();
    struct om o;
    struct kv none[] = { { "template", "rec" }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, NULL, none), SL_ECONFIG);
    ck_assert_ptr_nonnull(strstr(fh_last_log, "either the \"file\" or \"dynafile\""));
    free(o.mod);
    free(o.inst);
    free(o.wrk);
    /* both: like rsyslog, complain and use dynaFile */
    char path[300];
    snprintf(path, sizeof path, "%s/static.log", g_dir);
    struct kv both[] = { { "file", path }, { "dynaFile", "name" }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, NULL, both), 0);
    ck_assert_ptr_nonnull(strstr(fh_last_log, "will use dynafile"));
    const char *a[] = { "dyn hello" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 1, NULL), SL_OK);
    ck_assert_int_ne(access(path, F_OK), 0);
    char dyn[300];
    snprintf(dyn, sizeof dyn, "%s/dyn", g_dir);
    char *s = slurp(dyn);
    ck_assert_str_eq(s, "dyn hello\n");
    free(s);
    om_free(&o);
    rm_rf(g_dir);
}
END_TEST

START_TEST(dynafile_lru_cache_smaller_than_files)
{
    mkdir_tmp();
    struct kv cfg[] = { { "dynaFile", "name" }, { "template", "rec" },
                        { "dynaFileCacheSize", "2" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, NULL, cfg), 0);
    static const char *names[] = { "f0", "f1", "f2", "f3", "f4" };
    char expect[5][4096];
    memset(expect, 0, sizeof expect);
    char texts[40][64];
    const char *ptr[40];
    for (int round = 0; round < 6; round++) {
        /* 40 records spread over the 5 files in a scrambled order */
        for (int i = 0; i < 40; i++) {
            int f = (i * 3 + round) % 5;
            snprintf(texts[i], sizeof texts[i], "%s r%d i%d", names[f], round, i);
            ptr[i] = texts[i];
            strcat(expect[f], texts[i]);
            strcat(expect[f], "\n");
        }
        ck_assert_int_eq(deliver_texts(&o, o.wrk, ptr, 40, NULL), SL_OK);
        ck_assert_int_le(open_fds_in_dir(), 2);
    }
    for (int f = 0; f < 5; f++) {
        char p[300];
        snprintf(p, sizeof p, "%s/%s", g_dir, names[f]);
        char *s = slurp(p);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s, expect[f]);
        free(s);
    }
    om_free(&o);
    ck_assert_int_eq(open_fds_in_dir(), 0);
    rm_rf(g_dir);
}
END_TEST

START_TEST(dynafile_empty_name_is_bad_data)
{
    mkdir_tmp();
    struct kv cfg[] = { { "dynaFile", "name" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, NULL, cfg), 0);
    const char *a[] = { "good one", " starts with space", "good two" };
    uint8_t bad[3] = { 0, 0, 0 };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 3, bad), SL_BAD_DATA);
    ck_assert_int_eq(bad[0], 0);
    ck_assert_int_eq(bad[1], 1);
    ck_assert_int_eq(bad[2], 0);
    char p[300];
    snprintf(p, sizeof p, "%s/good", g_dir);
    char *s = slurp(p);
    ck_assert_str_eq(s, "good one\ngood two\n");
    free(s);
    om_free(&o);
    rm_rf(g_dir);
}
END_TEST

START_TEST(hup_reopens_after_rename)
{
    mkdir_tmp();
    char path[300], rotated[300];
    snprintf(path, sizeof path, "%s/messages", g_dir);
    snprintf(rotated, sizeof rotated, "%s/messages.1", g_dir);
    struct kv cfg[] = { { "file", path }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, NULL, cfg), 0);
    const char *a[] = { "before rotate" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 1, NULL), SL_OK);
    ck_assert_int_eq(rename(path, rotated), 0);
    const char *b[] = { "still old fd" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, b, 1, NULL), SL_OK);
    ck_assert_int_ne(access(path, F_OK), 0);
    PLUG->out->hup(o.inst);
    const char *c[] = { "after hup" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, c, 1, NULL), SL_OK);
    char *s = slurp(rotated);
    ck_assert_str_eq(s, "before rotate\nstill old fd\n");
    free(s);
    s = slurp(path);
    ck_assert_str_eq(s, "after hup\n");
    free(s);
    om_free(&o);
    rm_rf(g_dir);
}
END_TEST

START_TEST(write_error_suspends)
{
    mkdir_tmp();
    struct kv cfg[] = { { "file", "/dev/full" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, NULL, cfg), 0);
    const char *a[] = { "x", "y" };
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 2, NULL), SL_SUSPEND);
    ck_assert_int_ge(fh_log_count[SL_LOG_ERR], 1);
    /* the next delivery reopens and fails the same way, without hanging */
    ck_assert_int_eq(deliver_texts(&o, o.wrk, a, 2, NULL), SL_SUSPEND);
    om_free(&o);
    rm_rf(g_dir);
}
END_TEST

/* Concurrency: two workers, same file, batches must stay contiguous. */
#define CONC_BATCHES 100
#define CONC_BATCH 50
struct conc_arg {
    struct om *o;
    void *wrk;
    int id;
    int rc;
};

static void *conc_thread(void *p)
{
    struct conc_arg *a = p;
    static const char pad[] = "................................................................"
                              "................................................................"
                              "................................................................";
    char *texts[CONC_BATCH];
    for (int i = 0; i < CONC_BATCH; i++) {
        texts[i] = malloc(300);
    }
    a->rc = SL_OK;
    for (int b = 0; b < CONC_BATCHES && a->rc == SL_OK; b++) {
        for (int i = 0; i < CONC_BATCH; i++) {
            snprintf(texts[i], 300, "T%d B%04d I%02d %s", a->id, b, i, pad);
        }
        a->rc = deliver_texts(a->o, a->wrk, (const char *const *)texts, CONC_BATCH, NULL);
    }
    for (int i = 0; i < CONC_BATCH; i++) {
        free(texts[i]);
    }
    return NULL;
}

START_TEST(concurrent_workers_do_not_interleave)
{
    mkdir_tmp();
    char path[300];
    snprintf(path, sizeof path, "%s/conc.log", g_dir);
    struct kv cfg[] = { { "file", path }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, NULL, cfg), 0);
    void *wrk2 = calloc(1, PLUG->wrk_size);
    ck_assert_int_eq(PLUG->out->worker_create(o.inst, wrk2), 0);
    struct conc_arg a1 = { &o, o.wrk, 1, -1 }, a2 = { &o, wrk2, 2, -1 };
    pthread_t t1, t2;
    pthread_create(&t1, NULL, conc_thread, &a1);
    pthread_create(&t2, NULL, conc_thread, &a2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    ck_assert_int_eq(a1.rc, SL_OK);
    ck_assert_int_eq(a2.rc, SL_OK);
    char *s = slurp(path);
    ck_assert_ptr_nonnull(s);
    /* walk the lines: each must be complete, and lines of a batch must be consecutive */
    int lines = 0, next_i[3] = { 0, 0, 0 }, next_b[3] = { 0, 0, 0 };
    int cur_t = 0;
    char *save = NULL;
    for (char *line = strtok_r(s, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        int t, b, i;
        ck_assert_int_eq(sscanf(line, "T%d B%d I%d", &t, &b, &i), 3);
        ck_assert_int_eq(strlen(line), strlen("T1 B0000 I00 ") + 192);
        ck_assert(t == 1 || t == 2);
        if (i != 0) {
            ck_assert_int_eq(t, cur_t);      /* no line of another batch in between */
        }
        ck_assert_int_eq(i, next_i[t]);
        ck_assert_int_eq(b, next_b[t]);
        next_i[t] = (i + 1) % CONC_BATCH;
        if (next_i[t] == 0) {
            next_b[t]++;
        }
        cur_t = t;
        lines++;
    }
    ck_assert_int_eq(lines, 2 * CONC_BATCHES * CONC_BATCH);
    free(s);
    PLUG->out->worker_destroy(o.inst, wrk2);
    free(wrk2);
    om_free(&o);
    rm_rf(g_dir);
}
END_TEST

START_TEST(descriptor_is_sane)
{
    ck_assert_int_eq(PLUG->abi_major, SL_ABI_MAJOR);
    ck_assert_str_eq(PLUG->name, "omfile");
    ck_assert_int_eq(PLUG->kinds, SL_OUTPUT);
    ck_assert_ptr_nonnull(PLUG->out);
    ck_assert(PLUG->out->hup != NULL);
}
END_TEST

static Suite *omfile_suite(void)
{
    Suite *s = suite_create("omfile");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, descriptor_is_sane);
    tcase_add_test(tc, static_file_exact_bytes_and_mode);
    tcase_add_test(tc, module_defaults_inherited);
    tcase_add_test(tc, default_modes_and_create_dirs);
    tcase_add_test(tc, create_dirs_off_suspends);
    tcase_add_test(tc, file_or_dynafile_required);
    tcase_add_test(tc, dynafile_lru_cache_smaller_than_files);
    tcase_add_test(tc, dynafile_empty_name_is_bad_data);
    tcase_add_test(tc, hup_reopens_after_rename);
    tcase_add_test(tc, write_error_suspends);
    tcase_add_test(tc, concurrent_workers_do_not_interleave);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(omfile_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
