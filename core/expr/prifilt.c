/*
 * expr/prifilt.c - prifilt("selector"): rsyslog's facility.severity selector decoded
 * at load time into a 25-entry priority mask, tested per message.
 *
 * Ownership: the mask is the node's fdata (freed with the node).
 * Concurrency & locking: read-only after resolution.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util/buf.h"
#include "expr/eval_int.h"

int name_lookup(const char *s, size_t len, int is_fac)
{
    if (len > 0 && isdigit((unsigned char)s[0])) {
        /* rsyslog takes the number as the syslog.h constant: facilities are multiplied by 8
         * there ("16" is mail), severities are plain */
        int64_t n = str2num(s, len, NULL);
        if (is_fac) {
            return (n >= 0 && (n >> 3) <= 24) ? (int)(n >> 3) : -1;
        }
        return (n >= 0 && n <= 7) ? (int)n : -1;
    }
    if (!is_fac && len == 4 && strncasecmp(s, "none", 4) == 0) {
        return PRI_NONE_MARK;
    }
    if (!is_fac && len == 1 && s[0] == '*') {
        return PRI_ALL;
    }
    /* the RainerScript dialect's names ("console", not audit/alert/clock; see
     * util/syslog_names.h) */
    return sl_syslog_name_value(s, len, is_fac, SL_NAMES_SCRIPT);
}

static void apply_sel(uint8_t *mask, int pri, int negate, int single)
{
    int i;

    if (pri == PRI_NONE_MARK) {
        *mask = (negate || single) ? PRI_ALL : 0;
    } else if (single) {
        if (negate) {
            *mask &= (uint8_t)~(1u << pri);
        } else {
            *mask |= (uint8_t)(1u << pri);
        }
    } else if (pri == PRI_ALL) {
        *mask = negate ? 0 : PRI_ALL;
    } else {
        for (i = 0; i <= pri; i++) {
            if (negate) {
                *mask &= (uint8_t)~(1u << i);
            } else {
                *mask |= (uint8_t)(1u << i);
            }
        }
    }
}

/* "fac[,fac].[!][=]sev;..." -> pmask; returns 0 or -1 with *bad set to the bad word. */
static int decode_selector(const char *text, uint8_t pmask[25], char *err, size_t errlen)
{
    const char *p = text;

    memset(pmask, 0, 25);
    while (*p != '\0') {
        const char *sel_end = strchr(p, ';'), *dot, *q;
        const char *pp;
        size_t sel_len = sel_end ? (size_t)(sel_end - p) : strlen(p);
        int negate = 0, single = 0, pri, i;

        dot = memchr(p, '.', sel_len);
        if (dot == NULL) {
            snprintf(err, errlen, "invalid selector '%.*s'", (int)sel_len, p);
            return -1;
        }
        pp = dot + 1;
        if (*pp == '!') {
            negate = 1;
            pp++;
        }
        if (*pp == '=') {
            single = 1;
            pp++;
        }
        pri = name_lookup(pp, (size_t)(p + sel_len - pp), 0);
        if (pri < 0) {
            snprintf(err, errlen, "unknown priority name \"%.*s\"", (int)(p + sel_len - pp), pp);
            return -1;
        }
        for (q = p; q < dot;) {
            const char *c = memchr(q, ',', (size_t)(dot - q));
            size_t fl = c ? (size_t)(c - q) : (size_t)(dot - q);
            if (fl == 1 && *q == '*') {
                for (i = 0; i <= 24; i++) {
                    apply_sel(&pmask[i], pri, negate, single);
                }
            } else {
                int fac = name_lookup(q, fl, 1);
                if (fac < 0) {
                    snprintf(err, errlen, "unknown facility name \"%.*s\"", (int)fl, q);
                    return -1;
                }
                if (fac < 25) {  /* "mark" (SL_FAC_MARK) matches nothing */
                    apply_sel(&pmask[fac], pri, negate, single);
                }
            }
            q += fl + (c ? 1 : 0);
        }
        p += sel_len + (sel_end ? 1 : 0);
    }
    return 0;
}

int msg_pri_match(const uint8_t *pmask, struct sl_msg *m)
{
    int fac = m->pri >> 3, sev = m->pri & 7;

    if (fac < 0 || fac > 24) {
        fac = 24;
    }
    return (pmask[fac] & (1u << sev)) != 0;
}

int init_prifilt(struct sl_expr *e)
{
    uint8_t *mask;
    char err[256];

    if (e->args[0]->op != SL_E_STR) {
        sl_cfg_error(&e->loc, "param 1 of prifilt() must be a constant string");
        return 1;
    }
    mask = sl_xcalloc(1, 25);
    if (decode_selector(e->args[0]->str, mask, err, sizeof(err)) != 0) {
        sl_cfg_error(&e->loc, "%s", err);
        free(mask);
        return 1;
    }
    e->fdata = mask;
    return 0;
}

void f_prifilt(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    val_num(out, msg_pri_match(e->fdata, m));
}
