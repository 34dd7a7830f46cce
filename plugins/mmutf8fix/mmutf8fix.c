/*
 * mmutf8fix.c - the mmutf8fix modifier: makes MSG valid UTF-8 (mode="utf-8", the default)
 * or removes control characters (mode="controlcharacters") by replacing every offending
 * byte with replacementChar (exactly one byte, " " by default), byte for
 * byte, so the length never changes - as rsyslog 8.2302's mmutf8fix does in place (which
 * changes rawmsg too: MSG is its tail; the host's msg_set_msg does the same).
 *   utf-8: a lead byte starts a 2, 3 or 4 byte sequence; a sequence that is cut short (by
 *     a byte that is no continuation byte, or by the end of MSG) has all its bytes so far
 *     replaced and the breaking byte is looked at afresh; complete sequences that are
 *     overlong, surrogates (U+D800..U+DFFF) or beyond U+10FFFF are replaced whole; stray
 *     continuation bytes, 0xC0, 0xC1 and 0xF5..0xFF are replaced alone.
 *   controlcharacters: every byte outside 0x20..0x7E is replaced - TAB, DEL and all 8-bit
 *     bytes included (so UTF-8 text goes too), as rsyslog does.
 *
 * Ownership and lifetime
 *   - Parameter strings belong to the core.  The instance owns its property handle; each
 *     worker owns its text buffer.
 *
 * Concurrency & locking
 *   - The instance is read-only after create(); process() touches only its worker block.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sluice/sl_plugin.h"

enum { MODE_UTF8 = 0, MODE_CC = 1 };

struct mmu8_inst {
    /* parameters (filled by the core) */
    char *mode;
    char *repl;

    /* runtime */
    const struct sl_host *h;
    int mode_id;
    char repl_char;
    void *prop;        /* "msg" */
};

struct mmu8_wrk {
    struct sl_buf text;
};

#define IOFF(f) offsetof(struct mmu8_inst, f)
static const struct sl_param inst_params[] = {
    { "mode", SL_PT_WORD, 0, IOFF(mode), "utf-8", NULL, NULL,
      "utf-8 or controlcharacters" },
    { "replacementChar", SL_PT_STRING, 0, IOFF(repl), " ", NULL, NULL,
      "the byte put in place of bad bytes" },
    SL_PARAM_END
};

static int mmu8_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct mmu8_inst *in = inst;
    (void)modconf;
    in->h = h;
    if (h->struct_size < offsetof(struct sl_host, msg_set_msg) + sizeof(void *) ||
        h->msg_set_msg == NULL) {
        h->log(SL_LOG_ERR, "mmutf8fix", "this sluiced cannot change MSG (no msg_set_msg)");
        return SL_ECONFIG;
    }
    const char *mode = in->mode != NULL ? in->mode : "utf-8";
    if (strcmp(mode, "utf-8") == 0) {
        in->mode_id = MODE_UTF8;
    } else if (strcmp(mode, "controlcharacters") == 0) {
        in->mode_id = MODE_CC;
    } else {
        h->log(SL_LOG_ERR, "mmutf8fix", "mode '%s' is invalid (utf-8 or controlcharacters)",
               mode);
        return SL_ECONFIG;   /* rsyslog logs "invalid mode", fails -N1 and runs with utf-8 */
    }
    const char *r = in->repl != NULL ? in->repl : " ";
    if (strlen(r) != 1) {
        h->log(SL_LOG_ERR, "mmutf8fix", "parameter 'replacementchar' must contain exactly one "
               "character but contains %zu - cannot be processed", strlen(r));
        return SL_ECONFIG;
    }
    in->repl_char = r[0];
    if (h->prop_ref("msg", &in->prop) != 0) {
        h->log(SL_LOG_ERR, "mmutf8fix", "cannot resolve property msg");
        return SL_ECONFIG;
    }
    return 0;
}

static void mmu8_destroy(void *inst)
{
    struct mmu8_inst *in = inst;
    if (in->prop != NULL) {
        in->h->prop_unref(in->prop);
        in->prop = NULL;
    }
}

static int mmu8_worker_create(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
    return 0;
}

static void mmu8_worker_destroy(void *inst, void *wrk)
{
    struct mmu8_inst *in = inst;
    struct mmu8_wrk *w = wrk;
    in->h->buf_free(&w->text);
}

/* Replaces every byte outside 0x20..0x7E; returns how many were replaced. */
static size_t fix_cc(unsigned char *s, size_t len, char repl)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e) {
            s[i] = (unsigned char)repl;
            n++;
        }
    }
    return n;
}

static void replace_run(unsigned char *s, size_t from, size_t to, char repl, size_t *n)
{
    for (size_t k = from; k < to; k++) {
        s[k] = (unsigned char)repl;
        (*n)++;
    }
}

/* Makes s valid UTF-8 in place (see the header); returns how many bytes were replaced. */
static size_t fix_utf8(unsigned char *s, size_t len, char repl)
{
    size_t n = 0;
    size_t start = 0;     /* first byte of the sequence in progress */
    int left = 0;         /* continuation bytes still expected */
    int seqlen = 0;
    uint32_t cp = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (left > 0) {
            if ((c & 0xc0) == 0x80) {
                cp = (cp << 6) | (c & 0x3f);
                if (--left == 0) {
                    int overlong = (seqlen == 2 && cp < 0x80) || (seqlen == 3 && cp < 0x800) ||
                                   (seqlen == 4 && cp < 0x10000);
                    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                        replace_run(s, start, i + 1, repl, &n);
                    }
                }
                continue;
            }
            replace_run(s, start, i, repl, &n);   /* cut short: look at c afresh */
            left = 0;
        }
        if (c < 0x80) {
            continue;
        }
        if ((c & 0xe0) == 0xc0 && c >= 0xc2) {
            seqlen = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            seqlen = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
            seqlen = 4;
            cp = c & 0x07;
        } else {
            s[i] = (unsigned char)repl;   /* stray continuation, C0, C1, F5..FF */
            n++;
            continue;
        }
        start = i;
        left = seqlen - 1;
    }
    if (left > 0) {
        replace_run(s, start, len, repl, &n);
    }
    return n;
}

static int mmu8_process(void *inst, void *wrk, struct sl_msg *m)
{
    struct mmu8_inst *in = inst;
    struct mmu8_wrk *w = wrk;
    const struct sl_host *h = in->h;
    w->text.len = 0;
    if (h->msg_prop(m, in->prop, &w->text) != 0 || w->text.len == 0) {
        return SL_OK;
    }
    unsigned char *s = (unsigned char *)w->text.p;
    size_t changed = in->mode_id == MODE_CC ? fix_cc(s, w->text.len, in->repl_char)
                                            : fix_utf8(s, w->text.len, in->repl_char);
    if (changed > 0) {
        (void)h->msg_set_msg(m, w->text.p, w->text.len);
    }
    return SL_OK;
}

static const struct sl_modifier_ops mmu8_ops = {
    .create = mmu8_create,
    .destroy = mmu8_destroy,
    .worker_create = mmu8_worker_create,
    .worker_destroy = mmu8_worker_destroy,
    .process = mmu8_process,
};

SL_PLUGIN_DEFINE(mmutf8fix) = {
    SL_PLUGIN_HEADER(mmutf8fix),
    .kinds = SL_MODIFIER,
    .flags = 0,
    .module_params = NULL,
    .inst_params = inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct mmu8_inst),
    .wrk_size = sizeof(struct mmu8_wrk),
    .in = NULL,
    .out = NULL,
    .mod = &mmu8_ops,
};
