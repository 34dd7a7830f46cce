/*
 * test_imfile.c - unit tests of imfile: the framing rules of reader.c (readMode 0/1/2,
 * start/endmsg.regex, escapes, trimLineOverBytes, offsets, state JSON, rsyslog's file id)
 * and the plugin against the fake host on real files in a temporary directory (inotify and
 * polling, PRI/tag/metadata, state file across a restart, rotation by rename, truncation).
 * The expected values are rsyslog 8.2302's (stream.c and imfile.c, and rsyslogd runs: see
 * tests/integration/imfile-vs-rsyslog.sh for the same cases against rsyslogd).
 *
 * Ownership: each test owns its instance and temporary directory.  Every wait is bounded.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "plugparams.h"
#include "sluice/sl_plugin.h"
#include "../../plugins/imfile/reader.h"

extern const struct sl_plugin sluice_plugin;
#define PLUGIN (&sluice_plugin)

/* ---- reader ---- */
static char got[64][256];
static int64_t got_off[64];
static int ngot;

static int collect(void *arg, const char *s, size_t len, int64_t off)
{
    (void)arg;
    if (len == 0) {
        return 0;
    }
    ck_assert_int_lt(ngot, 64);
    snprintf(got[ngot], sizeof got[ngot], "%.*s", (int)len, s);
    got_off[ngot++] = off;
    return 0;
}

/* feed text in chunks of `step` bytes (a file growing while being read) */
static void feed(struct imf_rd *r, const char *text, size_t step)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += step) {
        size_t k = n - i < step ? n - i : step;
        ck_assert_uint_eq(imf_rd_feed(r, text + i, k, 1000, collect, NULL, NULL), k);
    }
}

START_TEST(test_mode0)
{
    struct imf_rd_conf c = { .mode = 0, .escape_lf = 1, .max_msg = 8096 };
    for (size_t step = 1; step <= 7; step += 3) {
        struct imf_rd r;
        imf_rd_init(&r, &c);
        ngot = 0;
        feed(&r, "one\n\ntwo\nthr", step);
        ck_assert_int_eq(ngot, 2);
        ck_assert_str_eq(got[0], "one");
        ck_assert_int_eq(got_off[0], 0);
        ck_assert_str_eq(got[1], "two");
        ck_assert_int_eq(got_off[1], 5);
        ck_assert_int_eq(r.curr_offs, 12);
        /* the unfinished line is in the state and comes back */
        char *js = imf_rd_state_json(&r, "/x");
        ck_assert_str_eq(js, "{ \"filename\": \"\\/x\", \"prev_was_nl\": 0, \"curr_offs\": 12, "
                             "\"strt_offs\": 9, \"prev_line_segment\": \"thr\" }");
        struct imf_rd r2;
        imf_rd_init(&r2, &c);
        ck_assert_int_eq(imf_rd_state_load(&r2, js), 0);
        free(js);
        feed(&r2, "ee\n", step);
        ck_assert_int_eq(ngot, 3);
        ck_assert_str_eq(got[2], "three");
        ck_assert_int_eq(got_off[2], 12);   /* rsyslog: the seek to curr_offs sets both */
        imf_rd_free(&r);
        imf_rd_free(&r2);
    }
}
END_TEST

/* The framing cases: one configuration, text fed in pieces of `step` bytes (after_eof: the
 * end of the file is seen, then that is fed), the messages expected (with their offsets
 * where `offs` is set) and, with `timeout_msg`, the one readTimeout sends after them. */
struct rd_case {
    const char *name;
    struct imf_rd_conf c;       /* start_re/end_re: from the patterns below */
    const char *start_re, *end_re;
    const char *text, *after_eof;
    size_t step;
    int n;
    const char *want[3];
    int offs;
    int64_t off[3];
    const char *timeout_msg;
};

static const struct rd_case rd_cases[] = {
    { "trim", { .mode = 0, .escape_lf = 1, .max_msg = 8096, .trim = 4 }, NULL, NULL,
      "abcdefgh\nabcd\n", NULL, 3,
      2, { "abcd\n", "abcd" }, 0, { 0 }, NULL },   /* rsyslog appends a LF to a trimmed line */
    /* rsyslog loses the flag update after a LF when its read-ahead hits the end */
    { "mode1 eof", { .mode = 1, .escape_lf = 1, .max_msg = 8096 }, NULL, NULL,
      "p\n", "\nq\n\n", 1,
      1, { "p#012#012q" }, 0, { 0 }, NULL },
    { "mode1", { .mode = 1, .escape_lf = 1, .max_msg = 8096 }, NULL, NULL,
      "a1\na2\n\nb1\n\n\nc1\n", NULL, 2,
      2, { "a1#012a2", "b1" }, 0, { 0 }, NULL },
    { "mode1 no escape", { .mode = 1, .escape_lf = 0, .max_msg = 8096 }, NULL, NULL,
      "a1\na2\n\n", NULL, 1,
      1, { "a1\na2" }, 0, { 0 }, NULL },
    { "mode2", { .mode = 2, .escape_lf = 1, .max_msg = 8096 }, NULL, NULL,
      "e1\n  at x\n\tat y\ne2\ne3\n more\nlast\n", NULL, 1,
      3, { "e1#012  at x#012\tat y", "e2", "e3#012 more" }, 1, { 0, 16, 19 }, NULL },
    /* rsyslog keeps the last LF without escapeLF */
    { "mode2 no escape", { .mode = 2, .escape_lf = 0, .max_msg = 8096 }, NULL, NULL,
      "e1\n x\ne2\n", NULL, 4,
      1, { "e1\n x\n" }, 0, { 0 }, NULL },
    /* the second starts after the line that ended the first; readTimeout sends the third */
    { "startmsg", { .escape_lf = 1, .max_msg = 8096 }, "^[0-9]", NULL,
      "1 first\n cont\n2 second\n3 third\n", NULL, 5,
      2, { "1 first\\n cont", "2 second" }, 1, { 0, 23 }, "3 third" },
    { "endmsg", { .escape_lf = 1, .esc = "|", .max_msg = 8096 }, NULL, "END$",
      "a\nb END\nc END\nd\n", NULL, 3,
      2, { "a|b END", "c END" }, 0, { 0 }, NULL },
    /* longer than maxMessageSize: cut, the rest starts the next message */
    { "startmsg max", { .escape_lf = 1, .max_msg = 10 }, "^[0-9]", NULL,
      "1 abc\ndefghijk\n2\n", NULL, 4,
      2, { "1 abc\\ndef", "ghijk" }, 0, { 0 }, NULL },
};

START_TEST(test_framing)
{
    const struct rd_case *k = &rd_cases[_i];
    struct imf_rd_conf c = k->c;
    regex_t st, en;
    if (k->start_re != NULL) {
        ck_assert_int_eq(regcomp(&st, k->start_re, REG_EXTENDED), 0);
        c.start_re = &st;
    }
    if (k->end_re != NULL) {
        ck_assert_int_eq(regcomp(&en, k->end_re, REG_EXTENDED), 0);
        c.end_re = &en;
    }
    struct imf_rd r;
    imf_rd_init(&r, &c);
    ngot = 0;
    feed(&r, k->text, k->step);
    if (k->after_eof != NULL) {
        imf_rd_eof(&r);
        feed(&r, k->after_eof, k->step);
    }
    ck_assert_msg(ngot == k->n, "%s: %d messages, want %d", k->name, ngot, k->n);
    for (int i = 0; i < k->n; i++) {
        ck_assert_str_eq(got[i], k->want[i]);
        if (k->offs) {
            ck_assert_int_eq(got_off[i], k->off[i]);
        }
    }
    if (k->timeout_msg != NULL) {
        ck_assert_int_eq(r.have_msg, 1);
        c.read_timeout = 2;
        ck_assert_int_eq(imf_rd_timeout(&r, 1001, collect, NULL), 0);
        ck_assert_int_eq(imf_rd_timeout(&r, 1003, collect, NULL), 1);
        ck_assert_str_eq(got[k->n], k->timeout_msg);
    }
    imf_rd_free(&r);
    if (k->start_re != NULL) {
        regfree(&st);
    }
    if (k->end_re != NULL) {
        regfree(&en);
    }
}
END_TEST

static size_t lens[8];
static int nlens;

static int collect_len(void *arg, const char *s, size_t len, int64_t off)
{
    (void)arg;
    (void)s;
    (void)off;
    if (nlens < 8) {
        lens[nlens++] = len;
    }
    return 0;
}

START_TEST(test_line_cap)
{
    struct imf_rd_conf c = { .mode = 0, .escape_lf = 1, .max_msg = 8096 };
    struct imf_rd r;
    imf_rd_init(&r, &c);
    size_t chunk = 1u << 20;
    char *x = malloc(chunk);
    ck_assert_ptr_nonnull(x);
    memset(x, 'x', chunk);
    nlens = 0;
    for (int i = 0; i < 16; i++) {
        ck_assert_uint_eq(imf_rd_feed(&r, x, chunk, 1, collect_len, NULL, NULL), chunk);
    }
    ck_assert_uint_eq(imf_rd_feed(&r, "abc\n", 4, 1, collect_len, NULL, NULL), 4);
    ck_assert_int_eq(nlens, 2);
    ck_assert_uint_eq(lens[0], IMF_MAX_LINE);
    ck_assert_uint_eq(lens[1], 3);
    ck_assert_int_eq(r.curr_offs, (int64_t)IMF_MAX_LINE + 4);
    free(x);
    imf_rd_free(&r);
}
END_TEST

/* Random text in every framing mode: fed at once, or in random pieces with the state saved
 * and restored (as across a restart) at random message boundaries, the messages are the
 * same; nothing crashes (the sanitizer build checks the memory). */
struct fz {
    char **v;
    size_t n, cap;
    int stop_odds;      /* ask to stop after 1 of this many messages (0: never) */
    unsigned *seed;
};

static int fz_collect(void *arg, const char *s, size_t len, int64_t off)
{
    struct fz *z = arg;
    (void)off;
    if (len == 0) {
        return 0;
    }
    if (z->n == z->cap) {
        z->cap = z->cap ? 2 * z->cap : 256;
        z->v = realloc(z->v, z->cap * sizeof *z->v);
        ck_assert_ptr_nonnull(z->v);
    }
    z->v[z->n] = malloc(len + 1);
    memcpy(z->v[z->n], s, len);
    z->v[z->n++][len] = '\0';
    return z->stop_odds > 0 && rand_r(z->seed) % (unsigned)z->stop_odds == 0;
}

static void fz_free(struct fz *z)
{
    for (size_t i = 0; i < z->n; i++) {
        free(z->v[i]);
    }
    free(z->v);
}

START_TEST(test_fuzz_resume)
{
    static const char alpha[] = "ab1 \t\n\n";
    regex_t st;
    ck_assert_int_eq(regcomp(&st, "^1", REG_EXTENDED | REG_NOSUB), 0);
    unsigned seed = 12345;
    for (int mode = 0; mode < 4; mode++) {
        for (int round = 0; round < 20; round++) {
            struct imf_rd_conf c = { .mode = mode < 3 ? mode : 0, .escape_lf = round % 2,
                                     .max_msg = 64, .trim = round % 3 == 0 ? 5 : 0,
                                     .start_re = mode == 3 ? &st : NULL };
            size_t n = 2000;
            char *text = malloc(n);
            for (size_t i = 0; i < n; i++) {
                text[i] = alpha[rand_r(&seed) % (sizeof alpha - 1)];
            }
            struct fz a = { .seed = &seed }, b = { .stop_odds = 3, .seed = &seed };
            struct imf_rd r;
            imf_rd_init(&r, &c);
            ck_assert_uint_eq(imf_rd_feed(&r, text, n, 1, fz_collect, NULL, &a), n);
            ck_assert_int_eq(r.curr_offs, (int64_t)n);
            imf_rd_free(&r);
            imf_rd_init(&r, &c);
            size_t pos = 0;
            while (pos < n) {
                size_t k = 1 + rand_r(&seed) % 50;
                k = k > n - pos ? n - pos : k;
                size_t used = imf_rd_feed(&r, text + pos, k, 1, fz_collect, NULL, &b);
                pos += used;
                if (used < k) {
                    /* a batch boundary: save, "restart", restore */
                    char *js = imf_rd_state_json(&r, "f");
                    imf_rd_free(&r);
                    imf_rd_init(&r, &c);
                    ck_assert_int_eq(imf_rd_state_load(&r, js), 0);
                    free(js);
                }
                ck_assert_int_eq(r.curr_offs, (int64_t)pos);
            }
            imf_rd_free(&r);
            ck_assert_uint_eq(a.n, b.n);
            for (size_t i = 0; i < a.n; i++) {
                ck_assert_str_eq(a.v[i], b.v[i]);
            }
            fz_free(&a);
            fz_free(&b);
            free(text);
        }
    }
    regfree(&st);
}
END_TEST

START_TEST(test_file_id)
{
    char id[17];
    imf_file_id((const unsigned char *)"", 0, id);
    ck_assert_str_eq(id, "310e0edd47db6f72");   /* SipHash-2-4 reference vector 0 */
    unsigned char b[15];
    for (int i = 0; i < 15; i++) {
        b[i] = (unsigned char)i;
    }
    imf_file_id(b, 15, id);
    ck_assert_str_eq(id, "e545be4961ca29a1");   /* reference vector 15 */
}
END_TEST

/* ---- the plugin on real files ---- */
struct tinst {
    void *mod, *inst;
    pthread_t th;
};

static char dir[128];

static void *run_thread(void *arg)
{
    struct tinst *t = arg;
    PLUGIN->in->run(t->inst);
    return NULL;
}

/* kv: name/value pairs; "mod:" names go to module(). */
static void start_inst(struct tinst *t, const char *const *kv)
{
    memset(t, 0, sizeof *t);
    t->mod = pt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    t->inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    for (size_t i = 0; kv[i] != NULL; i += 2) {
        if (strncmp(kv[i], "mod:", 4) == 0) {
            pt_set_param(PLUGIN->module_params, t->mod, kv[i] + 4, kv[i + 1]);
        } else {
            pt_set_param(PLUGIN->inst_params, t->inst, kv[i], kv[i + 1]);
        }
    }
    ck_assert_int_eq(PLUGIN->in->create(t->inst, t->mod, &fh_host, NULL), 0);
    ck_assert_int_eq(PLUGIN->in->open(t->inst), 0);
    ck_assert_int_eq(pthread_create(&t->th, NULL, run_thread, t), 0);
}

static void stop_inst(struct tinst *t)
{
    PLUGIN->in->stop(t->inst);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    ck_assert_int_eq(pthread_timedjoin_np(t->th, NULL, &ts), 0);
    PLUGIN->in->destroy(t->inst);
    free(t->inst);
    free(t->mod);
}

static void append(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "a");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static const char *path(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static const char *msg_text(size_t i)
{
    static char b[512];
    struct sl_msg *m = fh_get(i);
    snprintf(b, sizeof b, "%.*s", (int)m->len, m->raw);
    return b;
}

static int count_state_files(char *name, size_t n)
{
    DIR *d = opendir(dir);
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "imfile-state:", 13) == 0) {
            k++;
            snprintf(name, n, "%s", e->d_name);
        }
    }
    closedir(d);
    return k;
}

static const char *globals[] = { "workDirectory", dir, NULL };

static void setup(void)
{
    fh_reset();
    pt_reset();
    snprintf(dir, sizeof dir, "/tmp/sl_imfile_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    fh_globals = globals;
}

static void teardown(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void basic(const char *mode)
{
    append("a.log", "first\n\nsecond\n");
    struct tinst t;
    const char *kv[] = { "mod:mode", mode, "mod:pollingInterval", "1", "file", path("a.log"),
                         "tag", "app:", "facility", "mail", "severity", "warning", NULL };
    start_inst(&t, kv);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    append("a.log", "third");
    usleep(200000);
    ck_assert_uint_eq(fh_count(), 2);   /* no LF yet */
    append("a.log", " line\n");
    ck_assert_int_eq(fh_wait_count(3, 5000), 0);
    ck_assert_str_eq(msg_text(0), "first");
    ck_assert_str_eq(msg_text(2), "third line");
    struct sl_msg *m = fh_get(1);
    ck_assert_int_eq(m->f_pri, 2 * 8 + 4);
    ck_assert_str_eq(m->f_tag, "app:");
    char want[400];
    snprintf(want, sizeof want, "{\"metadata\":{\"filename\":\"%s\",\"fileoffset\":\"7\"}}",
             path("a.log"));
    /* libfastjson escapes '/' */
    char esc[400];
    size_t k = 0;
    for (const char *p = want; *p != '\0' && k < sizeof esc - 2; p++) {
        if (*p == '/') {
            esc[k++] = '\\';
        }
        esc[k++] = *p;
    }
    esc[k] = '\0';
    ck_assert_str_eq(fh_json_text(m), esc);
    stop_inst(&t);
    /* state written at stop; a restart reads only what is new */
    char sname[256];
    ck_assert_int_eq(count_state_files(sname, sizeof sname), 1);
    struct stat st;
    ck_assert_int_eq(stat(path("a.log"), &st), 0);
    char want_name[64];
    snprintf(want_name, sizeof want_name, "imfile-state:%llu", (unsigned long long)st.st_ino);
    ck_assert_str_eq(sname, want_name);
    append("a.log", "fourth\n");
    start_inst(&t, kv);
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    usleep(300000);
    ck_assert_uint_eq(fh_count(), 4);
    ck_assert_str_eq(msg_text(3), "fourth");
    stop_inst(&t);
}

START_TEST(test_inotify)
{
    basic("inotify");
}
END_TEST

START_TEST(test_polling)
{
    basic("polling");
}
END_TEST

/* rename rotation: the old file to its end, then the new one; state files by inode */
START_TEST(test_rotate_rename)
{
    struct tinst t;
    const char *kv[] = { "file", path("r.log"), "tag", "r", NULL };
    append("r.log", "1\n2\n");
    start_inst(&t, kv);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    append("r.log", "3\n");
    ck_assert_int_eq(rename(path("r.log"), path("r.log.1")), 0);
    append("r.log", "4\n");
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    for (int i = 0; i < 4; i++) {
        char w[8];
        snprintf(w, sizeof w, "%d", i + 1);
        ck_assert_str_eq(msg_text((size_t)i), w);
    }
    /* deleted file: its state goes (deleteStateOnFileDelete) */
    ck_assert_int_eq(unlink(path("r.log")), 0);
    usleep(1500000);
    char sname[256];
    ck_assert_int_eq(count_state_files(sname, sizeof sname), 1);   /* r.log.1's only */
    stop_inst(&t);
}
END_TEST

START_TEST(test_truncate)
{
    struct tinst t;
    const char *kv[] = { "file", path("t.log"), "tag", "t", "reopenOnTruncate", "on", NULL };
    append("t.log", "aaaa\nbbbb\n");
    start_inst(&t, kv);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    ck_assert_int_eq(truncate(path("t.log"), 0), 0);
    append("t.log", "cccc\ndddd\neeee\n");   /* longer than before: the data check sees it */
    ck_assert_int_eq(fh_wait_count(5, 5000), 0);
    ck_assert_str_eq(msg_text(2), "cccc");
    ck_assert_str_eq(msg_text(4), "eeee");
    stop_inst(&t);
}
END_TEST

START_TEST(test_wildcards)
{
    struct tinst t;
    char p[256];
    snprintf(p, sizeof p, "%s/*/w*.log", dir);
    const char *kv[] = { "file", p, "tag", "w", "addMetadata", "off", NULL };
    ck_assert_int_eq(mkdir(path("d1"), 0755), 0);
    append("d1/w1.log", "x1\n");
    append("d1/other.txt", "no\n");
    start_inst(&t, kv);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    ck_assert_int_eq(mkdir(path("d2"), 0755), 0);
    append("d2/w2.log", "x2\n");
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    ck_assert_str_eq(msg_text(1), "x2");
    ck_assert_str_eq(fh_json_text(fh_get(1)), "{}");
    usleep(300000);
    ck_assert_uint_eq(fh_count(), 2);
    stop_inst(&t);
}
END_TEST

START_TEST(test_fresh_start_tail)
{
    struct tinst t;
    const char *kv[] = { "file", path("f.log"), "tag", "f", "freshStartTail", "on", NULL };
    append("f.log", "old1\nold2\n");
    start_inst(&t, kv);
    usleep(300000);
    append("f.log", "new\n");
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    usleep(200000);
    ck_assert_uint_eq(fh_count(), 1);
    ck_assert_str_eq(msg_text(0), "new");
    stop_inst(&t);
}
END_TEST

/* a file that appears later, in a directory that appears later: read from its start */
START_TEST(test_appears_later)
{
    struct tinst t;
    const char *kv[] = { "file", path("later/l.log"), "tag", "l", "freshStartTail", "on",
                         NULL };
    start_inst(&t, kv);
    usleep(200000);
    ck_assert_int_eq(mkdir(path("later"), 0755), 0);
    append("later/l.log", "a\nb\n");
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    ck_assert_str_eq(msg_text(0), "a");
    stop_inst(&t);
}
END_TEST

START_TEST(test_ratelimit)
{
    struct tinst t;
    const char *kv[] = { "file", path("rl.log"), "tag", "rl", "maxLinesPerMinute", "2", NULL };
    append("rl.log", "1\n2\n3\n4\n5\n");
    start_inst(&t, kv);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    usleep(300000);
    ck_assert_uint_eq(fh_count(), 2);
    ck_assert_uint_eq(fh_counter_value("ratelimit.discarded"), 3);
    stop_inst(&t);
}
END_TEST

/* polling mode, maxLinesAtOnce: two lines of one file, then the other file's */
START_TEST(test_max_lines_at_once)
{
    struct tinst t;
    char p[256];
    snprintf(p, sizeof p, "%s/m*.log", dir);
    append("m1.log", "a1\na2\na3\na4\n");
    append("m2.log", "b1\nb2\nb3\nb4\n");
    const char *kv[] = { "mod:mode", "polling", "file", p, "tag", "m", "maxLinesAtOnce", "2",
                         NULL };
    start_inst(&t, kv);
    ck_assert_int_eq(fh_wait_count(8, 5000), 0);
    char first = msg_text(0)[0];
    ck_assert_int_eq(msg_text(1)[0], first);
    ck_assert_int_ne(msg_text(2)[0], first);
    ck_assert_int_ne(msg_text(3)[0], first);
    ck_assert_int_eq(msg_text(4)[0], first);
    ck_assert_str_eq(msg_text(4) + 1, "3");
    stop_inst(&t);
}
END_TEST

/* a work directory that cannot be written: counted and logged, reading goes on */
START_TEST(test_state_error)
{
    static const char *bad[] = { "workDirectory", "/nonexistent/sluice-imfile", NULL };
    fh_globals = bad;
    struct tinst t;
    const char *kv[] = { "file", path("s.log"), "tag", "s", "persistStateAfterSubmission",
                         "on", NULL };
    append("s.log", "1\n");
    start_inst(&t, kv);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    append("s.log", "2\n");
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    stop_inst(&t);
    ck_assert_uint_ge(fh_counter_value("state.errors"), 2);
    ck_assert_ptr_nonnull(strstr(fh_last_log, "could not persist state file"));
    fh_globals = globals;
}
END_TEST

START_TEST(test_bad_config)
{
    void *mod = pt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    void *inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    pt_set_param(PLUGIN->inst_params, inst, "file", "/x");
    pt_set_param(PLUGIN->inst_params, inst, "tag", "t");
    pt_set_param(PLUGIN->inst_params, inst, "readMode", "1");
    pt_set_param(PLUGIN->inst_params, inst, "startmsg.regex", "^x");
    ck_assert_int_eq(PLUGIN->in->create(inst, mod, &fh_host, NULL), SL_ECONFIG);
    PLUGIN->in->destroy(inst);
    free(inst);
    inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    pt_set_param(PLUGIN->inst_params, inst, "file", "/x");
    pt_set_param(PLUGIN->inst_params, inst, "tag", "t");
    pt_set_param(PLUGIN->inst_params, inst, "facility", "nonsense");
    ck_assert_int_eq(PLUGIN->in->create(inst, mod, &fh_host, NULL), SL_ECONFIG);
    PLUGIN->in->destroy(inst);
    free(inst);
    free(mod);
}
END_TEST

static Suite *imfile_suite(void)
{
    Suite *s = suite_create("imfile");
    TCase *r = tcase_create("reader");
    tcase_add_test(r, test_mode0);
    tcase_add_loop_test(r, test_framing, 0, (int)(sizeof rd_cases / sizeof rd_cases[0]));
    tcase_add_test(r, test_file_id);
    tcase_add_test(r, test_line_cap);
    tcase_add_test(r, test_fuzz_resume);
    suite_add_tcase(s, r);
    TCase *p = tcase_create("plugin");
    tcase_add_checked_fixture(p, setup, teardown);
    tcase_set_timeout(p, 30);
    tcase_add_test(p, test_inotify);
    tcase_add_test(p, test_polling);
    tcase_add_test(p, test_rotate_rename);
    tcase_add_test(p, test_truncate);
    tcase_add_test(p, test_wildcards);
    tcase_add_test(p, test_fresh_start_tail);
    tcase_add_test(p, test_appears_later);
    tcase_add_test(p, test_ratelimit);
    tcase_add_test(p, test_state_error);
    tcase_add_test(p, test_max_lines_at_once);
    tcase_add_test(p, test_bad_config);
    suite_add_tcase(s, p);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(imfile_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
