/*
 * lexer.c - character-level scanner for rsyslog configuration text.
 *
 * rsyslog's configuration language is context dependent (legacy selector lines, $Directives
 * and RainerScript share one file), so instead of a token stream the parser drives this
 * cursor and asks for the token class it expects at each point.  Every position carries
 * file:line for diagnostics.
 *
 * Ownership: the cursor borrows the text; strings returned are malloc'd for the caller.
 * Concurrency & locking: none (main thread, config load only).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_int.h"
#include "log.h"
#include "util/buf.h"
#include "util/strutil.h"

void sl_lx_init(struct sl_lx *lx, const char *text, size_t n, const char *file)
{
    lx->s = text;
    lx->n = n;
    lx->i = 0;
    lx->line = 1;
    lx->file = file;
    lx->linemap = NULL;
    lx->nlinemap = 0;
    lx->nocol = 0;
}

char *sl_lx_preprocess(const char *in, size_t n, size_t *outlen, int **linemap, size_t *nlines)
{
    struct sl_buf b = { 0 };
    int *map = NULL;
    size_t nmap = 0, cap = 0;
    int cont = 0;
    int lineno = 0;
    size_t i = 0;
    sl_buf_puts(&b, "");
    while (i < n) {
        size_t s = i, e;
        while (i < n && in[i] != '\n') {
            i++;
        }
        e = i;
        if (i < n) {
            i++;    /* the newline */
        }
        lineno++;
        if (!cont) {
            if (nmap == cap) {
                cap = cap ? cap * 2 : 64;
                map = sl_xrealloc(map, cap * sizeof *map);
            }
            map[nmap++] = lineno;    /* this output line starts at file line lineno */
        } else {
            while (s < e && isspace((unsigned char)in[s])) {
                s++;
            }
        }
        while (e > s && isspace((unsigned char)in[e - 1])) {
            e--;
        }
        /* rsyslog's lexer reads a $directive line to its end: a trailing backslash there
         * is the value ($ControlCharacterEscapePrefix \), not a continuation. */
        int directive = 0;
        if (!cont) {
            size_t k = s;
            while (k < e && isspace((unsigned char)in[k])) {
                k++;
            }
            directive = k < e && in[k] == '$';
        }
        if (!directive && e > s && in[e - 1] == '\\') {
            sl_buf_append(&b, in + s, e - s - 1);
            cont = 1;
        } else {
            sl_buf_append(&b, in + s, e - s);
            cont = 0;
            sl_buf_putc(&b, '\n');
        }
    }
    if (nmap == 0) {
        map = sl_xrealloc(map, sizeof *map);
        map[nmap++] = 1;
    }
    *outlen = b.len;
    *linemap = map;
    *nlines = nmap;
    return b.p;
}

int sl_lx_peek(const struct sl_lx *lx)
{
    return lx->i < lx->n ? (unsigned char)lx->s[lx->i] : -1;
}

int sl_lx_peek_at(const struct sl_lx *lx, size_t k)
{
    return lx->i + k < lx->n ? (unsigned char)lx->s[lx->i + k] : -1;
}

void sl_lx_adv(struct sl_lx *lx, size_t k)
{
    while (k > 0 && lx->i < lx->n) {
        if (lx->s[lx->i] == '\n') {
            lx->line++;
        }
        lx->i++;
        k--;
    }
}

struct sl_loc sl_lx_loc(const struct sl_lx *lx)
{
    struct sl_loc l = { lx->file, lx->line, 0 };
    size_t b = lx->i;
    while (b > 0 && lx->s[b - 1] != '\n') {
        b--;
    }
    l.col = lx->nocol ? 0 : (int)(lx->i - b) + 1;
    if (lx->linemap != NULL && lx->line >= 1) {
        size_t k = (size_t)lx->line - 1;
        l.line = lx->linemap[k < lx->nlinemap ? k : lx->nlinemap - 1];
        if (k >= lx->nlinemap) {
            l.line += (int)(k - lx->nlinemap + 1);
        } else if (k + 1 < lx->nlinemap && lx->linemap[k + 1] != l.line + 1) {
            l.col = 0;   /* a joined continuation line: columns are not the file's */
        }
    }
    return l;
}

int sl_lx_skip_ws(struct sl_lx *lx, int hash_comments)
{
    for (;;) {
        int c = sl_lx_peek(lx);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            sl_lx_adv(lx, 1);
        } else if (c == '#' && hash_comments) {
            while (sl_lx_peek(lx) != -1 && sl_lx_peek(lx) != '\n') {
                sl_lx_adv(lx, 1);
            }
        } else if (c == '/' && sl_lx_peek_at(lx, 1) == '*') {
            struct sl_loc start = sl_lx_loc(lx);
            sl_lx_adv(lx, 2);
            for (;;) {
                if (sl_lx_peek(lx) == -1) {
                    sl_cfg_error(&start, "unterminated comment (/* without */)");
                    return 1;
                }
                if (sl_lx_peek(lx) == '*' && sl_lx_peek_at(lx, 1) == '/') {
                    sl_lx_adv(lx, 2);
                    break;
                }
                sl_lx_adv(lx, 1);
            }
        } else {
            return 0;
        }
    }
}

int sl_lx_at_line_start(const struct sl_lx *lx)
{
    size_t j = lx->i;
    while (j > 0) {
        char c = lx->s[j - 1];
        if (c == '\n') {
            return 1;
        }
        if (c != ' ' && c != '\t') {
            return 0;
        }
        j--;
    }
    return 1;
}

size_t sl_lx_ident_len(const struct sl_lx *lx, const char *more)
{
    size_t k = 0;
    int c = sl_lx_peek(lx);
    if (c == -1 || !(isalpha(c) || c == '_')) {
        return 0;
    }
    for (;;) {
        c = sl_lx_peek_at(lx, k);
        if (c != -1 && (isalnum(c) || c == '_' || (more != NULL && strchr(more, c) != NULL))) {
            k++;
        } else {
            return k;
        }
    }
}

int sl_lx_is_kw(const struct sl_lx *lx, const char *kw)
{
    size_t kl = strlen(kw);
    if (lx->i + kl > lx->n || strncasecmp(lx->s + lx->i, kw, kl) != 0) {
        return 0;
    }
    int c = sl_lx_peek_at(lx, kl);
    return !(c != -1 && (isalnum(c) || c == '_'));
}

int sl_lx_is_obj(const struct sl_lx *lx, const char *kw, size_t *len)
{
    size_t kl = strlen(kw);
    if (lx->i + kl > lx->n || strncasecmp(lx->s + lx->i, kw, kl) != 0) {
        return 0;
    }
    size_t k = kl;
    for (;;) {
        int c = sl_lx_peek_at(lx, k);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            k++;
        } else if (c == '(') {
            *len = k;
            return 1;
        } else {
            return 0;
        }
    }
}

char *sl_lx_rest_of_line(struct sl_lx *lx)
{
    size_t st = lx->i;
    while (lx->i < lx->n && lx->s[lx->i] != '\n') {
        lx->i++;
    }
    size_t e = lx->i;
    while (e > st && (lx->s[e - 1] == '\r' || lx->s[e - 1] == ' ' || lx->s[e - 1] == '\t')) {
        e--;
    }
    return sl_xstrndup(lx->s + st, e - st);
}

/* One escape sequence after the backslash (cursor on the char after '\').  Appends the
 * decoded byte(s).  Returns 0, or -1 for an escape rsyslog's lexer rejects. */
static int lx_escape(struct sl_lx *lx, int objmode, struct sl_buf *b)
{
    int c = sl_lx_peek(lx);
    switch (c) {
    case 'n': sl_buf_putc(b, '\n'); break;
    case 't': sl_buf_putc(b, '\t'); break;
    case 'r': sl_buf_putc(b, '\r'); break;
    case 'b': sl_buf_putc(b, '\b'); break;
    case '\\': sl_buf_putc(b, '\\'); break;
    case '"': sl_buf_putc(b, '"'); break;
    case '\'': sl_buf_putc(b, '\''); break;
    case 'a': case 'f': case 'v': case '?':
        if (!objmode) {
            return -1;
        }
        sl_buf_putc(b, c == 'a' ? '\a' : c == 'f' ? '\f' : c == 'v' ? '\v' : '?');
        break;
    case '$':
        if (objmode) {
            return -1;
        }
        sl_buf_putc(b, '$');
        break;
    case 'x':
        if (objmode || sl_hexval(sl_lx_peek_at(lx, 1)) < 0 || sl_hexval(sl_lx_peek_at(lx, 2)) < 0) {
            return -1;
        }
        sl_buf_putc(b, (char)(sl_hexval(sl_lx_peek_at(lx, 1)) * 16 + sl_hexval(sl_lx_peek_at(lx, 2))));
        sl_lx_adv(lx, 3);
        return 0;
    default:
        if (c >= '0' && c <= '7') {
            /* objects: 1 to 3 octal digits; expressions: exactly 3 */
            int v = 0, k = 0;
            int d;
            while (k < 3 && (d = sl_lx_peek_at(lx, (size_t)k)) >= '0' && d <= '7') {
                v = v * 8 + (d - '0');
                k++;
            }
            if (!objmode && k != 3) {
                return -1;
            }
            sl_buf_putc(b, (char)v);
            sl_lx_adv(lx, (size_t)k);
            return 0;
        }
        return -1;
    }
    sl_lx_adv(lx, 1);
    return 0;
}

int sl_lx_string(struct sl_lx *lx, int objmode, char **out)
{
    struct sl_buf b = { 0 };
    struct sl_loc start = sl_lx_loc(lx);
    int q = sl_lx_peek(lx);
    int bad = 0;
    sl_lx_adv(lx, 1);
    sl_buf_puts(&b, "");
    for (;;) {
        int c = sl_lx_peek(lx);
        if (c == -1) {
            sl_cfg_error(&start, "unterminated string (missing closing %c)", q);
            sl_buf_free(&b);
            *out = NULL;
            return SL_ECONFIG;
        }
        if (c == q) {
            sl_lx_adv(lx, 1);
            break;
        }
        if (c == '\\') {
            struct sl_loc el = sl_lx_loc(lx);
            sl_lx_adv(lx, 1);
            if (sl_lx_peek(lx) == -1) {
                continue;
            }
            if (lx_escape(lx, objmode, &b) != 0) {
                int ec = sl_lx_peek(lx);
                if (!bad) {
                    sl_cfg_error(&el, "invalid escape sequence '\\%c' in string", ec);
                }
                bad = 1;
                sl_lx_adv(lx, 1);
            }
            continue;
        }
        if (c == '$' && !objmode && q == '"') {
            if (!bad) {
                struct sl_loc el = sl_lx_loc(lx);
                sl_cfg_error(&el, "invalid character '$' in expression string (write \\$)");
            }
            bad = 1;
        }
        sl_buf_putc(&b, (char)c);
        sl_lx_adv(lx, 1);
    }
    if (bad) {
        sl_buf_free(&b);
        *out = NULL;
        return SL_ECONFIG;
    }
    *out = b.p;
    return 0;
}
