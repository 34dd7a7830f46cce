/*
 * params.c - see params.h.
 */

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/ir.h"
#include "log.h"
#include "params.h"
#include "util/buf.h"

int sl_param_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = { "on", "yes", "1", "true", NULL };
    static const char *const no[] = { "off", "no", "0", "false", NULL };
    for (int i = 0; yes[i] != NULL; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return SL_EINVAL;
}

int sl_param_parse_int(const char *s, int64_t *out)
{
    char *end;
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (*s == '\0') {
        return SL_EINVAL;
    }
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0) {
        return SL_EINVAL;
    }
    while (isspace((unsigned char)*end)) {
        end++;
    }
    if (*end != '\0') {
        return SL_EINVAL;
    }
    *out = v;
    return 0;
}

/* rsyslog's size suffixes (its "size" parameter type): lower case k/m/g/t are powers of
 * 1024, upper case K/M/G/T powers of 1000. */
int sl_param_parse_size(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s) {
        return SL_EINVAL;
    }
    int64_t mul = 1;
    switch (*end) {
    case '\0': break;
    case 'k': mul = 1024; end++; break;
    case 'm': mul = 1024 * 1024; end++; break;
    case 'g': mul = 1024LL * 1024 * 1024; end++; break;
    case 't': mul = 1024LL * 1024 * 1024 * 1024; end++; break;
    case 'K': mul = 1000; end++; break;
    case 'M': mul = 1000 * 1000; end++; break;
    case 'G': mul = 1000LL * 1000 * 1000; end++; break;
    case 'T': mul = 1000LL * 1000 * 1000 * 1000; end++; break;
    default: return SL_EINVAL;
    }
    if (*end == 'b' || *end == 'B') {
        end++;
    }
    if (*end != '\0') {
        return SL_EINVAL;
    }
    *out = v * mul;
    return 0;
}

static int parse_mode(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 8);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 07777) {
        return SL_EINVAL;
    }
    *out = v;
    return 0;
}

static int parse_uid(const char *s, int64_t *out)
{
    int64_t n;
    if (sl_param_parse_int(s, &n) == 0) {
        *out = n;
        return 0;
    }
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwnam_r(s, &pw, buf, sizeof buf, &res) != 0 || res == NULL) {
        return SL_ENOENT;
    }
    *out = res->pw_uid;
    return 0;
}

static int parse_gid(const char *s, int64_t *out)
{
    int64_t n;
    if (sl_param_parse_int(s, &n) == 0) {
        *out = n;
        return 0;
    }
    struct group gr, *res = NULL;
    char buf[4096];
    if (getgrnam_r(s, &gr, buf, sizeof buf, &res) != 0 || res == NULL) {
        return SL_ENOENT;
    }
    *out = res->gr_gid;
    return 0;
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
    switch (p->type) {
    case SL_PT_BOOL:
        if (sl_param_parse_bool(sval, &bv) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s': '%s' is not a boolean (on/off)", what,
                         p->name, shown);
            return 1;
        }
        *(int *)(void *)field = bv;
        return 0;
    case SL_PT_INT:
    case SL_PT_NONNEG:
    case SL_PT_POSINT:
    case SL_PT_PORT:
        if (sl_param_parse_int(sval, &iv) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s': '%s' is not a number", what, p->name, shown);
            return 1;
        }
        if ((p->type == SL_PT_NONNEG && iv < 0) || (p->type == SL_PT_POSINT && iv <= 0) ||
            (p->type == SL_PT_PORT && (iv < 0 || iv > 65535))) {
            sl_cfg_error(loc, "%s: parameter '%s': value %lld is out of range", what, p->name,
                         (long long)iv);
            return 1;
        }
        *(int64_t *)(void *)field = iv;
        return 0;
    case SL_PT_SIZE:
        if (sl_param_parse_size(sval, &iv) != 0 || iv < 0) {
            sl_cfg_error(loc, "%s: parameter '%s': '%s' is not a size", what, p->name, shown);
            return 1;
        }
        *(int64_t *)(void *)field = iv;
        return 0;
    case SL_PT_FILEMODE:
        if (parse_mode(sval, &iv) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s': '%s' is not an octal file mode", what,
                         p->name, shown);
            return 1;
        }
        *(int64_t *)(void *)field = iv;
        return 0;
    case SL_PT_UID:
        if (parse_uid(sval, &iv) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s': unknown user '%s'", what, p->name, shown);
            return 1;
        }
        *(int64_t *)(void *)field = iv;
        return 0;
    case SL_PT_GID:
        if (parse_gid(sval, &iv) != 0) {
            sl_cfg_error(loc, "%s: parameter '%s': unknown group '%s'", what, p->name, shown);
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
            sl_cfg_error(loc, "%s: parameter '%s': template '%s' is not defined", what, p->name,
                         shown);
            return 1;
        }
        *(const struct sl_template **)(void *)field = t;
        return 0;
    }
    case SL_PT_RULESET: {
        void *r = res != NULL && res->ruleset != NULL ? res->ruleset(res->arg, sval) : NULL;
        if (r == NULL) {
            sl_cfg_error(loc, "%s: parameter '%s': ruleset '%s' is not defined", what, p->name,
                         shown);
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

int sl_params_apply(const struct sl_param *tbl, void *block, struct sl_kv *kvs,
                    const struct sl_param_resolver *res, const char *what,
                    const struct sl_loc *objloc)
{
    int errors = 0;
    if (tbl == NULL) {
        return 0;
    }
    /* Defaults first, all of them: several names may share one field (fileGroup and
     * fileGroupNum), and a later name's default must not undo an earlier name's value. */
    for (const struct sl_param *p = tbl; p->name != NULL; p++) {
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
            if (p->flags & SL_P_DEPRECATED) {
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
            sl_cfg_error(&kv->loc, "%s: parameter '%s' not known -- typo in config file?", what,
                         kv->name);
            errors++;
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
