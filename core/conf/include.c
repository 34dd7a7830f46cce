/*
 * include.c - reading configuration files: the entry points sl_cnf_load() and
 * sl_cnf_load_string(), include(file=/text=) and $IncludeConfig with globs and directories
 * (sorted, as rsyslog), and detection of include recursion.  Also the checks that need the
 * whole configuration (call targets).
 *
 * Ownership: file texts are read into temporary buffers that live while they are parsed;
 * the resulting IR belongs to the returned sl_cnf.
 * Concurrency & locking: none (main thread, config load only).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/conf_int.h"
#include "expr/expr.h"
#include "log.h"
#include "util/buf.h"

#define SL_MAX_INCLUDE_DEPTH 32

char *sl_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    struct sl_buf b = { 0 };
    char tmp[8192];
    size_t n;
    sl_buf_puts(&b, "");
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        sl_buf_append(&b, tmp, n);
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        sl_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

int sl_include_file(struct sl_pstate *ps, const char *path, int optional, struct sl_loc loc)
{
    char real[PATH_MAX];
    if (realpath(path, real) == NULL) {
        if (!optional) {
            sl_perr(ps, &loc, "cannot open include file '%s': %s", path, strerror(errno));
            return SL_EIO;
        }
        return 0;
    }
    for (size_t i = 0; i < ps->nincstack; i++) {
        if (strcmp(ps->incstack[i], real) == 0) {
            sl_perr(ps, &loc, "config file '%s' includes itself (include recursion)", path);
            return SL_ECONFIG;
        }
    }
    if (ps->nincstack >= SL_MAX_INCLUDE_DEPTH) {
        sl_perr(ps, &loc, "includes nested too deeply (more than %d) at '%s'",
                SL_MAX_INCLUDE_DEPTH, path);
        return SL_ECONFIG;
    }
    size_t len;
    char *text = sl_read_file(path, &len);
    if (text == NULL) {
        sl_perr(ps, &loc, "cannot read include file '%s': %s", path, strerror(errno));
        return SL_EIO;
    }
    ps->incstack = sl_xrealloc(ps->incstack, (ps->nincstack + 1) * sizeof(char *));
    ps->incstack[ps->nincstack++] = sl_xstrdup(real);
    sl_parse_text(ps, text, len, path, 1);
    free(ps->incstack[--ps->nincstack]);
    free(text);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All regular files of a directory, sorted. */
static int include_dir(struct sl_pstate *ps, const char *dir, struct sl_loc loc)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        sl_perr(ps, &loc, "cannot open include directory '%s': %s", dir, strerror(errno));
        return SL_EIO;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        struct sl_buf b = { 0 };
        sl_buf_printf(&b, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
        struct stat st;
        if (stat(b.p, &st) == 0 && S_ISREG(st.st_mode)) {
            names = sl_xrealloc(names, (n + 1) * sizeof *names);
            names[n++] = b.p;
        } else {
            sl_buf_free(&b);
        }
    }
    closedir(d);
    if (n > 0) {
        qsort(names, n, sizeof *names, cmp_str);
    }
    for (size_t i = 0; i < n; i++) {
        sl_include_file(ps, names[i], 0, loc);
        free(names[i]);
    }
    free(names);
    return 0;
}

int sl_include_glob(struct sl_pstate *ps, const char *pattern, int optional, struct sl_loc loc)
{
    struct stat st;
    if (stat(pattern, &st) == 0 && S_ISDIR(st.st_mode)) {
        return include_dir(ps, pattern, loc);
    }
    glob_t g;
    memset(&g, 0, sizeof g);
    int is_pattern = strpbrk(pattern, "*?[") != NULL;
    int rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH || rc == GLOB_ABORTED || (rc == 0 && g.gl_pathc == 0)) {
        globfree(&g);
        /* as rsyslog 8.2302: a wildcard pattern that matches nothing is fine in every
         * mode; a plain file name that does not exist is an error unless optional */
        if (!optional && !is_pattern) {
            sl_perr(ps, &loc, "error accessing config file or directory '%s': %s", pattern,
                    strerror(ENOENT));
            return SL_ENOENT;
        }
        return 0;
    }
    if (rc != 0) {
        globfree(&g);
        sl_perr(ps, &loc, "include '%s': cannot expand the file name pattern", pattern);
        return SL_EIO;
    }
    /* glob() sorts its results already */
    for (size_t i = 0; i < g.gl_pathc; i++) {
        if (stat(g.gl_pathv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            include_dir(ps, g.gl_pathv[i], loc);
        } else {
            sl_include_file(ps, g.gl_pathv[i], optional, loc);
        }
    }
    globfree(&g);
    return 0;
}

static void pstate_init(struct sl_pstate *ps, struct sl_cnf *c)
{
    memset(ps, 0, sizeof *ps);
    ps->cnf = c;
    sl_expr_fmods_reset();
    struct sl_loc l0 = { "", 0, 0 };
    ps->cur_rs = sl_ruleset_get(ps, "RSYSLOG_DefaultRuleset", l0, 1);
}

/* call statements: resolve targets now that every ruleset is known */
static void resolve_calls(struct sl_pstate *ps, struct sl_stmt *s)
{
    for (; s != NULL; s = s->next) {
        switch (s->type) {
        case SL_ST_CALL:
            if (s->u.call.name == NULL) {
                break;   /* call_indirect: looked up per message */
            }
            s->u.call.target = sl_cnf_ruleset(ps->cnf, s->u.call.name);
            if (s->u.call.target == NULL) {
                char hint[200];
                sl_perr(ps, &s->loc, "call of unknown ruleset '%s'%s", s->u.call.name,
                        sl_cnf_ruleset_suggest(ps->cnf, s->u.call.name, hint, sizeof hint));
            }
            break;
        case SL_ST_IF:
            resolve_calls(ps, s->u.cond.then_);
            resolve_calls(ps, s->u.cond.else_);
            break;
        case SL_ST_PRIFILT:
            resolve_calls(ps, s->u.prifilt.then_);
            break;
        case SL_ST_PROPFILT:
            resolve_calls(ps, s->u.propfilt.then_);
            break;
        case SL_ST_FOREACH:
            resolve_calls(ps, s->u.foreach_.body);
            break;
        default:
            break;
        }
    }
}

/* errors of both kinds (sl_cfg_error and sl_cfg_error_soft): cnf->nerrors counts every
 * problem the front end reported, which is what -N and the golden tests look at */
static int all_errors(void)
{
    return sl_cfg_error_count() + sl_cfg_soft_error_count();
}

static void finish(struct sl_pstate *ps, int errs_before)
{
    for (struct sl_ruleset_ir *r = ps->cnf->rulesets; r != NULL; r = r->next) {
        resolve_calls(ps, r->stmts);
    }
    for (size_t i = 0; i < ps->nincstack; i++) {
        free(ps->incstack[i]);
    }
    free(ps->incstack);
    sl_legacy_free(&ps->leg);
    sl_outchannel_free_all(ps);
    ps->cnf->nerrors = all_errors() - errs_before;
    if (ps->cnf->nerrors < 0) {
        ps->cnf->nerrors = 0;
    }
}

struct sl_cnf *sl_cnf_load(const char *path)
{
    int before = all_errors();
    size_t len;
    char *text = sl_read_file(path, &len);
    if (text == NULL) {
        struct sl_loc l = { path, 0, 0 };
        sl_cfg_error(&l, "cannot read configuration file: %s", strerror(errno));
        return NULL;
    }
    struct sl_cnf *c = sl_xcalloc(1, sizeof *c);
    struct sl_pstate ps;
    pstate_init(&ps, c);
    char real[PATH_MAX];
    if (realpath(path, real) != NULL) {
        ps.incstack = sl_xmalloc(sizeof(char *));
        ps.incstack[0] = sl_xstrdup(real);
        ps.nincstack = 1;
    }
    sl_parse_text(&ps, text, len, path, 1);
    free(text);
    finish(&ps, before);
    return c;
}

struct sl_cnf *sl_cnf_load_string(const char *text, const char *fname)
{
    int before = all_errors();
    struct sl_cnf *c = sl_xcalloc(1, sizeof *c);
    struct sl_pstate ps;
    pstate_init(&ps, c);
    sl_parse_text(&ps, text, strlen(text), fname != NULL ? fname : "", 1);
    finish(&ps, before);
    return c;
}
