/*
 * params.c - see params.h.
 */

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/ir.h"
#include "log.h"
#include "params.h"
#include "util/buf.h"
#include "util/strutil.h"

/* The value syntax of rsyslog 8.2302's parameter types (grammar/rainerscript.c for
 * RainerScript objects, runtime/cfsysline.c for legacy $Directives), checked by running
 * rsyslogd -N1 on each form: a value rsyslog rejects is rejected here too, so a file sluice
 * accepts does not fail on rsyslog. */

/* eCmdHdlrBinary, both dialects: exactly "on" or "off" (lower case; "yes", "1", "On" are
 * errors). */
int sl_param_parse_bool(const char *s, int *out)
{
    if (strcmp(s, "on") == 0) {
        *out = 1;
        return 0;
    }
    if (strcmp(s, "off") == 0) {
        *out = 0;
        return 0;
    }
    return SL_EINVAL;
}

/* eCmdHdlrInt and its ranges in RainerScript: see sl_rs_str2num ("010" is eight). */
int sl_param_parse_int(const char *s, int64_t *out)
{
    return sl_rs_str2num(s, out) == 0 ? 0 : SL_EINVAL;
}

/* eCmdHdlrSize in RainerScript: decimal digits and at most one suffix, lower case k/m/g/t/p/e
 * powers of 1024, upper case powers of 1000 ("64k" = 65536, "1K" = 1000); no sign, no "b",
 * no blanks.  The empty string is 0, as in rsyslog. */
int sl_param_parse_size(const char *s, int64_t *out)
{
    int64_t v = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (INT64_MAX - 9) / 10) {
            return SL_EINVAL;
        }
        v = v * 10 + (*p - '0');
    }
    int64_t mul = 1;
    if (*p != '\0') {
        if (sl_size_suffix(*p, &mul) != 0 || p[1] != '\0') {
            return SL_EINVAL;
        }
        if (v != 0 && mul > INT64_MAX / v) {
            return SL_EINVAL;
        }
    }
    *out = v * mul;
    return 0;
}

/* A number given to a legacy $Directive: see sl_legacy_num (util/strutil.h). */
int sl_param_parse_legacy_num(const char *s, int64_t *out)
{
    return sl_legacy_num(s, out) == 0 ? 0 : SL_EINVAL;
}

/* eCmdHdlrFileCreateMode: RainerScript wants 4 or 5 characters that start with '0' and
 * whose first four are octal digits (a longer value is read by its first four: rsyslog
 * accepts "064000" as 0640); a legacy directive wants exactly "0" and three octal digits. */
static int parse_mode_rs(const char *s, int legacy, int64_t *out)
{
    size_t n = strlen(s);
    if (n < 4 || s[0] != '0') {
        return SL_EINVAL;
    }
    for (int i = 1; i < 4; i++) {
        if (s[i] < '0' || s[i] > '7') {
            return SL_EINVAL;
        }
    }
    int64_t v = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
    if (legacy) {
        if (n != 4) {
            return SL_EINVAL;
        }
    } else if (n == 5) {
        if (s[4] < '0' || s[4] > '7') {
            return SL_EINVAL;
        }
        v = v * 8 + (s[4] - '0');
    }
    *out = v;
    return 0;
}

static int parse_uid_name(const char *s, int64_t *out)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwnam_r(s, &pw, buf, sizeof buf, &res) != 0 || res == NULL) {
        return SL_ENOENT;
    }
    *out = res->pw_uid;
    return 0;
}

static int parse_gid_name(const char *s, int64_t *out)
{
    struct group gr, *res = NULL;
    char buf[4096];
    if (getgrnam_r(s, &gr, buf, sizeof buf, &res) != 0 || res == NULL) {
        return SL_ENOENT;
    }
    *out = res->gr_gid;
    return 0;
}

static int parse_uid(const char *s, int64_t *out)
{
    return sl_param_parse_int(s, out) == 0 ? 0 : parse_uid_name(s, out);
}

static int parse_gid(const char *s, int64_t *out)
{
    return sl_param_parse_int(s, out) == 0 ? 0 : parse_gid_name(s, out);
}

static void free_field(const struct sl_param *p, void *block)
{
    char *field = (char *)block + p->offset;
    if (p->type == SL_PT_STRING || p->type == SL_PT_WORD) {
        char **sp = (char **)(void *)field;
        free(*sp);
        *sp = NULL;
    } else if (p->type == SL_PT_ARRAY) {
        struct sl_strarr *a = (struct sl_strarr *)(void *)field;
        for (size_t i = 0; i < a->n; i++) {
            free(a->v[i]);
        }
        free(a->v);
        a->v = NULL;
        a->n = 0;
    }
}

/* Convert one value (string form, or an array for SL_PT_ARRAY) into the field. */
static int set_value(const struct sl_param *p, void *block, const struct sl_kv *kv,
                     const char *sval, const struct sl_param_resolver *res, const char *what,
                     const struct sl_loc *loc)
{
    char *field = (char *)block + p->offset;
    int64_t iv = 0;
    int bv = 0;
    /* the value as error messages show it: never a secret (see conf/ir.h) */
    char sb[256];
    const char *shown = (p->flags & SL_P_SECRET) ? SL_REDACTED
                                                 : sl_kv_shown(kv, sval, sb, sizeof sb);
    /* every error below is about the value: the caret goes under it when it is known */
    if (kv != NULL && kv->vloc.col > 0 && loc == &kv->loc) {
        loc = &kv->vloc;
    }

    if (kv != NULL && kv->is_array && p->type != SL_PT_ARRAY) {
        if (kv->arr.n == 1 && (p->type == SL_PT_PORT || p->type == SL_PT_STRING ||
                               p->type == SL_PT_WORD)) {
            sval = kv->arr.v[0];
        } else {
            sl_cfg_error(loc, "%s: parameter '%s' takes a single value, not an array", what,
                         p->name);
            return 1;
        }
    }
    /* kv NULL: a descriptor's default (sluice's own text: the lenient forms, no range
     * check); an implicit kv: a legacy $Directive's value (cfsysline.c's syntax); else a
     * RainerScript value (rainerscript.c's syntax) */
    const int is_default = kv == NULL;
    const int legacy = kv != NULL && kv->implicit;
    switch (p->type) {
    case SL_PT_BOOL:
        if (sl_param_parse_bool(sval, &bv) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s' must be \"on\" or \"off\", not '%s'", what,
                         p->name, shown);
            return 1;
        }
        *(int *)(void *)field = bv;
        return 0;
    case SL_PT_INT:
    case SL_PT_NONNEG:
    case SL_PT_POSINT:
    case SL_PT_PORT:
        if ((legacy ? sl_param_parse_legacy_num(sval, &iv) : sl_param_parse_int(sval, &iv)) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s': '%s' is not a proper number", what, p->name,
                         shown);
            return 1;
        }
        if (!is_default &&
            ((p->type == SL_PT_NONNEG && iv < 0) || (p->type == SL_PT_POSINT && iv <= 0) ||
             (p->type == SL_PT_PORT && (iv < 0 || iv > 65535)))) {
            sl_cfg_error(loc, "%s: parameter '%s': value %lld is out of range", what, p->name,
                         (long long)iv);
            return 1;
        }
        *(int64_t *)(void *)field = iv;
        return 0;
    case SL_PT_SIZE:
        if ((legacy ? sl_param_parse_legacy_num(sval, &iv) : sl_param_parse_size(sval, &iv)) != 0 ||
            iv < 0) {
            sl_cfg_error(loc, "%s: parameter '%s': '%s' is not a valid size", what, p->name,
                         shown);
            return 1;
        }
        *(int64_t *)(void *)field = iv;
        return 0;
    case SL_PT_FILEMODE:
        if (parse_mode_rs(sval, legacy, &iv) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s': '%s' is not a file mode (%s)", what, p->name,
                         shown, legacy ? "\"0\" and three octal digits, as 0644"
                                       : "4 or 5 octal digits starting with \"0\"");
            return 1;
        }
        *(int64_t *)(void *)field = iv;
        return 0;
    case SL_PT_UID:
        /* rsyslog resolves user and group parameters by name only ("0" is no user); the
         * defaults are numbers */
        if ((is_default ? parse_uid(sval, &iv) : parse_uid_name(sval, &iv)) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s': ID for user '%s' could not be found", what,
                         p->name, shown);
            return 1;
        }
        *(int64_t *)(void *)field = iv;
        return 0;
    case SL_PT_GID:
        if ((is_default ? parse_gid(sval, &iv) : parse_gid_name(sval, &iv)) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s': ID for group '%s' could not be found", what,
                         p->name, shown);
            return 1;
        }
        *(int64_t *)(void *)field = iv;
        return 0;
    case SL_PT_WORD:
        if (strpbrk(sval, " \t\r\n") != NULL) {
            sl_cfg_error(loc, "%s: parameter '%s': '%s' must not contain white space", what,
                         p->name, shown);
            return 1;
        }
        /* fall through */
    case SL_PT_STRING: {
        char **sp = (char **)(void *)field;
        free(*sp);
        *sp = sl_xstrdup(sval);
        return 0;
    }
    case SL_PT_ARRAY: {
        struct sl_strarr *a = (struct sl_strarr *)(void *)field;
        free_field(p, block);
        if (kv != NULL && kv->is_array) {
            a->n = kv->arr.n;
            a->v = sl_xcalloc(a->n + 1, sizeof(char *));
            for (size_t i = 0; i < a->n; i++) {
                a->v[i] = sl_xstrdup(kv->arr.v[i]);
            }
        } else {
            a->n = 1;
            a->v = sl_xcalloc(2, sizeof(char *));
            a->v[0] = sl_xstrdup(sval);
        }
        return 0;
    }
    case SL_PT_TEMPLATE: {
        const struct sl_template *t = res != NULL && res->tpl != NULL ? res->tpl(res->arg, sval)
                                                                     : NULL;
        if (t == NULL) {
            char hint[200] = "";
            if (res != NULL && res->suggest != NULL && shown == sval) {
                res->suggest(res->arg, 0, sval, hint, sizeof hint);
            }
            sl_cfg_error(loc, "%s: parameter '%s': template '%s' is not defined%s", what,
                         p->name, shown, hint);
            return 1;
        }
        *(const struct sl_template **)(void *)field = t;
        return 0;
    }
    case SL_PT_RULESET: {
        void *r = res != NULL && res->ruleset != NULL ? res->ruleset(res->arg, sval) : NULL;
        if (r == NULL) {
            char hint[200] = "";
            if (res != NULL && res->suggest != NULL && shown == sval) {
                res->suggest(res->arg, 1, sval, hint, sizeof hint);
            }
            sl_cfg_error(loc, "%s: parameter '%s': ruleset '%s' is not defined%s", what,
                         p->name, shown, hint);
            return 1;
        }
        *(void **)(void *)field = r;
        return 0;
    }
    case SL_PT_ENUM:
        for (int i = 0; p->enums != NULL && p->enums[i] != NULL; i++) {
            if (strcasecmp(p->enums[i], sval) == 0) {
                *(int64_t *)(void *)field = i;
                return 0;
            }
        }
        {
            struct sl_buf b = { 0 };
            for (int i = 0; p->enums != NULL && p->enums[i] != NULL; i++) {
                sl_buf_printf(&b, "%s%s", i ? ", " : "", p->enums[i]);
            }
            sl_cfg_error(loc, "%s: parameter '%s': '%s' is not one of: %s", what, p->name, shown,
                         b.p ? b.p : "");
            sl_buf_free(&b);
        }
        return 1;
    }
    sl_cfg_error(loc, "%s: parameter '%s' has an unknown type", what, p->name);
    return 1;
}

/* The tables applied to a parameter list, for the "did you mean" of
 * sl_params_check_unused (which the callers give only the list): config time, main thread
 * only; a bounded ring, entries of a list dropped once it is checked. */
static struct {
    const struct sl_kv *kvs;
    const struct sl_param *tbl;
} applied[32];
static unsigned napplied;

static void note_applied(const struct sl_kv *kvs, const struct sl_param *tbl)
{
    if (kvs != NULL) {
        applied[napplied % 32].kvs = kvs;
        applied[napplied % 32].tbl = tbl;
        napplied++;
    }
}

/* " did you mean 'NAME'?" for an unknown parameter, from the tables applied to kvs and the
 * extra names; "" when nothing is near. */
static const char *param_suggestion(const struct sl_kv *kvs, const struct sl_kv *kv,
                                    const char *const *extra, char *buf, size_t size)
{
    struct sl_suggest sg;
    sl_suggest_init(&sg, kv->name);
    for (unsigned i = 0; i < 32 && i < napplied; i++) {
        for (const struct sl_param *p = applied[i].kvs == kvs ? applied[i].tbl : NULL;
             p != NULL && p->name != NULL; p++) {
            sl_suggest_add(&sg, p->name);
        }
    }
    for (int i = 0; extra != NULL && extra[i] != NULL; i++) {
        sl_suggest_add(&sg, extra[i]);
    }
    const char *b = sl_suggest_best(&sg);
    if (b == NULL) {
        buf[0] = '\0';
    } else {
        snprintf(buf, size, " did you mean '%s'?", b);
    }
    return buf;
}

int sl_params_apply(const struct sl_param *tbl, void *block, struct sl_kv *kvs,
                    const struct sl_param_resolver *res, const char *what,
                    const struct sl_loc *objloc)
{
    int errors = 0;
    if (tbl == NULL) {
        return 0;
    }
    note_applied(kvs, tbl);
    /* Defaults first, all of them: several names may share one field (fileGroup and
     * fileGroupNum), and a later name's default must not undo an earlier name's value. */
    for (const struct sl_param *p = tbl; p->name != NULL; p++) {
        if ((p->flags & SL_P_IGNORED) && p->def == NULL) {
            continue;   /* core tables: no field behind it */
        }
        if (p->def != NULL) {
            errors += set_value(p, block, NULL, p->def, res, what, objloc);
        } else if (p->type == SL_PT_UID || p->type == SL_PT_GID) {
            *(int64_t *)(void *)((char *)block + p->offset) = -1;
        }
    }
    for (const struct sl_param *p = tbl; p->name != NULL; p++) {
        struct sl_kv *found = NULL;
        for (struct sl_kv *kv = kvs; kv != NULL; kv = kv->next) {
            if (strcasecmp(kv->name, p->name) == 0) {
                found = kv; /* the last one wins, as in rsyslog */
                kv->used = 1;
                if (p->flags & SL_P_SECRET) {
                    kv->secret = 1;   /* never printed from now on (dump, messages) */
                }
            }
        }
        if (found != NULL) {
            const char *sval = found->is_array ? (found->arr.n ? found->arr.v[0] : "")
                                               : found->str;
            if (p->flags & SL_P_IGNORED) {
                /* checked like any value, then dropped: the block keeps its default (core
                 * tables give such entries no field) */
                sl_cfg_warn(&found->loc, "%s: parameter '%s' has no effect in sluice "
                            "(accepted for rsyslog compatibility)", what, p->name);
                union {
                    int b;
                    int64_t n;
                    char *s;
                    struct sl_strarr a;
                    void *v;
                } scratch;
                memset(&scratch, 0, sizeof scratch);
                struct sl_param q = *p;
                q.offset = 0;
                errors += set_value(&q, &scratch, found, sval ? sval : "", res, what,
                                    &found->loc);
                free_field(&q, &scratch);
                continue;
            }
            if ((p->flags & SL_P_DEPRECATED_ERROR) && !found->implicit) {
                sl_cfg_error_soft(&found->loc, "%s: parameter '%s' deprecated but accepted, "
                                  "consider removing or replacing it", what, p->name);
            } else if (p->flags & (SL_P_DEPRECATED | SL_P_DEPRECATED_ERROR)) {
                sl_cfg_warn(&found->loc, "%s: parameter '%s' is deprecated", what, p->name);
            }
            errors += set_value(p, block, found, sval ? sval : "", res, what, &found->loc);
        } else if (p->flags & SL_P_REQUIRED) {
            sl_cfg_error(objloc, "%s: required parameter '%s' is missing", what, p->name);
            errors++;
        }
    }
    return errors;
}

int sl_params_check_unused(struct sl_kv *kvs, const char *what, const char *const *ignore)
{
    int errors = 0;
    for (struct sl_kv *kv = kvs; kv != NULL; kv = kv->next) {
        if (kv->used || kv->implicit) {
            continue;
        }
        int skip = 0;
        for (int i = 0; ignore != NULL && ignore[i] != NULL; i++) {
            if (strcasecmp(ignore[i], kv->name) == 0) {
                skip = 1;
            }
        }
        if (!skip) {
            char hint[200];
            sl_cfg_error(&kv->loc, "%s: parameter '%s' not known -- typo in config file?%s",
                         what, kv->name, param_suggestion(kvs, kv, ignore, hint, sizeof hint));
            errors++;
        }
    }
    for (unsigned i = 0; i < 32; i++) {
        if (applied[i].kvs == kvs) {
            applied[i].kvs = NULL;
        }
    }
    return errors;
}

void sl_params_free(const struct sl_param *tbl, void *block)
{
    if (tbl == NULL || block == NULL) {
        return;
    }
    for (const struct sl_param *p = tbl; p->name != NULL; p++) {
        free_field(p, block);
    }
}
