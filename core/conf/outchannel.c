/*
 * outchannel.c - rsyslog's legacy output channels: the $outchannel directive
 *
 *   $outchannel NAME,FILE,MAX-SIZE,COMMAND
 *
 * read as rsyslog 8.2302's outchannel.c reads it (the name up to the first comma; the file
 * up to a blank or comma; the size as leading digits, no suffix; the command is the rest of
 * the line, blanks included), and the action that uses one, "$NAME" or ":omfile:$NAME"
 * with an optional ";TEMPLATE" (legacy.c builds it): an omfile action on FILE with
 * rotation.sizeLimit=MAX-SIZE and rotation.sizeLimitCommand=COMMAND, which omfile carries
 * out as rsyslog's stream layer does (plugins/omfile/omfile.c).  An unknown channel is
 * rsyslog's "outchannel '%s' not found - ignoring action line", an error it runs past.
 * $ResetConfigVariables leaves the channels alone, as in rsyslog.
 *
 * Hand-written: rsyslog's own legacy syntax.  Ownership: the channel list belongs to the
 * parse state (struct sl_pstate.och) and is freed with it (sl_outchannel_free_all).
 * Concurrency & locking: none (main thread, config load only).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_int.h"
#include "log.h"
#include "util/buf.h"

void sl_legacy_outchannel(struct sl_pstate *ps, const char *args, struct sl_loc loc)
{
    const char *p = args, *s;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    s = p;
    while (*p != '\0' && *p != ',') {
        p++;
    }
    size_t nl = (size_t)(p - s);
    while (nl > 0 && isspace((unsigned char)s[nl - 1])) {
        nl--;
    }
    if (nl == 0) {
        sl_perr_soft(ps, &loc, "Invalid config line: could not extract name - line ignored");
        return;
    }
    struct sl_outchannel *o = sl_xcalloc(1, sizeof *o);
    o->name = sl_xstrndup(s, nl);
    o->loc = loc;
    /* skip_Comma: blanks, one comma, blanks - before each field */
#define SKIP_COMMA()                                    \
    do {                                                \
        while (isspace((unsigned char)*p)) p++;         \
        if (*p == ',') p++;                             \
        while (isspace((unsigned char)*p)) p++;         \
    } while (0)
    SKIP_COMMA();
    s = p;
    while (*p != '\0' && *p != ' ' && *p != ',') {
        p++;
    }
    if (p > s) {
        o->file = sl_xstrndup(s, (size_t)(p - s));
    }
    if (*p != '\0') {
        SKIP_COMMA();
        long long v = 0;
        while (isdigit((unsigned char)*p)) {
            v = v < 100000000000000LL ? v * 10 + (*p - '0') : v;
            p++;
        }
        o->size = v;
    }
    if (*p != '\0') {
        SKIP_COMMA();
        if (*p != '\0') {
            o->cmd = sl_xstrdup(p);
        }
    }
#undef SKIP_COMMA
    /* a later definition of the same name is found first, as rsyslog's list search would
     * find the first: keep rsyslog's order (append) */
    struct sl_outchannel **t = &ps->och;
    while (*t != NULL) {
        t = &(*t)->next;
    }
    *t = o;
}

const struct sl_outchannel *sl_outchannel_find(const struct sl_pstate *ps, const char *name,
                                               size_t len)
{
    for (const struct sl_outchannel *o = ps->och; o != NULL; o = o->next) {
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
            return o;
        }
    }
    return NULL;
}

void sl_outchannel_free_all(struct sl_pstate *ps)
{
    while (ps->och != NULL) {
        struct sl_outchannel *n = ps->och->next;
        free(ps->och->name);
        free(ps->och->file);
        free(ps->och->cmd);
        free(ps->och);
        ps->och = n;
    }
}
