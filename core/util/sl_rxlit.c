/*
 * util/sl_rxlit.c - required-literal prefilter and exact verdicts for POSIX regexes.
 *
 * Why hand-written: glibc's regexec() has no literal prefilter of its own: every call
 * builds a match context, translates the subject and runs its DFA from each start
 * position, which costs about 1,000 instructions or more even when the subject cannot
 * match.  Most patterns in syslog configurations are a word or two (`error`, `^sshd`,
 * `.*fail.*`, `{.*}`), so a memchr()/memmem() for a byte string the match must contain
 * rejects most messages without regexec(), and for a pattern that is nothing but a
 * literal (with `^`, `$`, leading/trailing `.*`) a prefix/suffix/substring compare is
 * the whole answer.  The analysis runs once per compiled copy (expr/regex.c).
 *
 * What is derived.  The pattern is tokenised as glibc's regcomp() reads it (POSIX ERE
 * with REG_EXTENDED, else GNU BRE: `\(` `\)` `\|` `\+` `\?` are operators there and the
 * bare characters literals; `^` is an anchor only first, `$` only last).  For the
 * top-level concatenation (no top-level alternation) each element is a literal byte, `.`,
 * an anchor, or something else (a bracket expression, a group, a `^`/`$` that BRE reads
 * in the middle); an element followed by `*` or `?` is optional, one followed by `+`
 * ends a run after its first copy.  Every match is the concatenation of matches of the
 * elements, so a run of adjacent literal bytes is a substring of every match: the
 * longest such run is the *required literal*.  A pattern whose elements are [`^`]
 * [`.*`] literal bytes [`.*`] [`$`] gets an *exact verdict*: contains / starts with /
 * ends with / equals the literal; likewise up to SL_RXLIT_MAXSEG literals joined by `.*`
 * (`{.*}`, `^user .* failed$`): each found after the one before, leftmost first.
 *
 * Conservative: the analysis gives up (no prefilter) on what it does not model: interval
 * braces (`{` in ERE, `\{` `\}` in BRE), back-references, GNU escapes (`\w`, `\<`, `\b`,
 * ...) and backslash before letters or digits, `[.` `[=` in brackets, a repetition with
 * nothing before it (glibc reads some of them as literals), an unmatched `)`, groups
 * nested deeper than 32, and
 *   - multibyte locales (MB_CUR_MAX > 1): no exact verdict (`.` does not match an invalid
 *     UTF-8 byte), no prefilter with REG_ICASE (case folding maps non-ASCII characters
 *     such as U+212A KELVIN SIGN to `k`) or with any non-ASCII byte in the pattern (a
 *     lead byte can swallow a following `\` in encodings like GBK);
 *   - REG_ICASE only when the locale's toupper() is ASCII's on all 256 bytes (C/POSIX;
 *     glibc folds both sides with toupper(): in tr_TR.ISO-8859-9 `i` is not `I`);
 *   - REG_NEWLINE: no exact verdict (`.` skips `\n`, `^`/`$` match at line ends); the
 *     required literal still holds;
 *   - a NUL byte in the subject: no "match" verdict (`.` does not match NUL; a "no match"
 *     verdict stands, and the subject is only scanned for NUL after a "match"); the
 *     prefilter still holds, as regexec() with REG_STARTEND (sl_re_exec) sees no byte outside
 *     s[0..len), so a literal absent from all of it is absent from what regexec() reads.
 * Non-ASCII literal bytes are treated as "something else" in every locale.
 * tests/unit/test_rxlit.c and tests/fuzz/fuzz_rxlit.c compare the answers with regexec().
 *
 * Ownership: none beyond the caller's struct.  Concurrency & locking: none (pure functions
 * apart from reading the calling thread's locale in sl_rxlit_analyse()).
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "util/sl_rxlit.h"

#define RX_MAX_DEPTH 32
#define RX_MAX_ITEMS (SL_RXLIT_MAX + 8)   /* top-level elements kept for the exact form */

enum tk {
    T_END, T_FAIL, T_LIT, T_ANY, T_OTHER, T_BOL, T_EOL, T_OPEN, T_CLOSE, T_ALT,
    T_STAR, T_PLUS, T_QMARK
};

/* one top-level element: kind (T_LIT, T_ANY, T_OTHER, T_BOL, T_EOL), its byte, and the
 * repetitions after it */
struct rx_item {
    unsigned char kind, c;
    unsigned char nops;     /* repetition operators after it */
    unsigned char opt;      /* one of them is `*` or `?` */
    unsigned char star1;    /* exactly one operator, `*` */
};

struct rx_an {
    const char *pat;
    const char *p;          /* next byte to read */
    int ere, icase;
    int alt;                /* top-level alternation seen */
    /* the current and the longest literal run */
    unsigned char run[SL_RXLIT_MAX], best[SL_RXLIT_MAX];
    size_t run_len, best_len;
    /* top-level elements for the exact form (nitems > RX_MAX_ITEMS: too many) */
    struct rx_item items[RX_MAX_ITEMS];
    size_t nitems;
};

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* a backslash before c is c itself (glibc's peek_token default case), for the characters
 * modelled here: ASCII punctuation except the GNU operators \< \> \` \' */
static int esc_literal(unsigned char c)
{
    return c < 0x80 && ispunct(c) && strchr("<>`'", c) == NULL;
}

/* skip a bracket expression at an->p ('['); T_OTHER, or T_FAIL when unsure */
static enum tk bracket(struct rx_an *an)
{
    const char *q = an->p + 1;

    q += *q == '^';
    q += *q == ']';
    for (;;) {
        if (*q == '\0') {
            return T_FAIL;
        }
        if (*q == '[' && (q[1] == '.' || q[1] == '=')) {
            return T_FAIL;
        }
        if (*q == '[' && q[1] == ':') {
            const char *e = strstr(q + 2, ":]");
            if (e == NULL) {
                return T_FAIL;
            }
            q = e + 2;
            continue;
        }
        if (*q == ']') {
            an->p = q + 1;
            return T_OTHER;
        }
        q++;
    }
}

/* the next token; *c: the byte of a T_LIT */
static enum tk next_tok(struct rx_an *an, unsigned char *c)
{
    unsigned char b = (unsigned char)*an->p;
    int first = an->p == an->pat;

    if (b == '\0') {
        return T_END;
    }
    if (b == '[') {
        return bracket(an);
    }
    an->p++;
    if (b == '\\') {
        unsigned char n = (unsigned char)*an->p;
        if (n == '\0') {
            return T_FAIL;
        }
        an->p++;
        if (!an->ere) {
            switch (n) {
            case '(': return T_OPEN;
            case ')': return T_CLOSE;
            case '|': return T_ALT;
            case '+': return T_PLUS;
            case '?': return T_QMARK;
            case '{': case '}': return T_FAIL;
            default: break;
            }
        }
        if (!esc_literal(n)) {
            return T_FAIL;
        }
        *c = n;
        return T_LIT;
    }
    switch (b) {
    case '.': return T_ANY;
    case '*': return T_STAR;
    case '^':
        /* BRE: an anchor only at the start (or after \( \|, inside what is T_OTHER or
         * after a top-level alternation anyway); elsewhere a literal: T_OTHER either way */
        return an->ere || first ? T_BOL : T_OTHER;
    case '$':
        return an->ere || *an->p == '\0' ? T_EOL : T_OTHER;
    default: break;
    }
    if (an->ere) {
        switch (b) {
        case '(': return T_OPEN;
        case ')': return T_CLOSE;
        case '|': return T_ALT;
        case '+': return T_PLUS;
        case '?': return T_QMARK;
        case '{': return T_FAIL;
        case '}': return T_OTHER;
        default: break;
        }
    }
    if (b >= 0x80) {
        return T_OTHER;
    }
    *c = b;
    return T_LIT;
}

static void run_end(struct rx_an *an)
{
    if (an->run_len > an->best_len) {
        memcpy(an->best, an->run, an->run_len);
        an->best_len = an->run_len;
    }
    an->run_len = 0;
}

/* a top-level element is complete: extend or end the literal run, keep it for the exact
 * form */
static void commit(struct rx_an *an, const struct rx_item *it)
{
    if (it->kind == T_LIT && !it->opt) {
        if (an->run_len < SL_RXLIT_MAX) {
            an->run[an->run_len++] = an->icase ? fold(it->c) : it->c;
        }
        if (it->nops > 0) {
            run_end(an);                    /* x+: one x, then something else */
        }
    } else {
        run_end(an);
    }
    if (an->nitems < RX_MAX_ITEMS) {
        an->items[an->nitems] = *it;
    }
    if (an->nitems <= RX_MAX_ITEMS) {
        an->nitems++;
    }
}

/* Read a concatenation/alternation up to its end (T_END at depth 0, T_CLOSE inside a
 * group); returns that token or T_FAIL.  Only depth 0 records elements. */
static enum tk parse_seq(struct rx_an *an, int depth)
{
    struct rx_item cur;
    int have = 0;       /* cur holds an element not yet committed */
    int rep_ok = 0;     /* a repetition may follow */

    for (;;) {
        unsigned char c = 0;
        enum tk t = next_tok(an, &c);
        switch (t) {
        case T_FAIL:
            return T_FAIL;
        case T_END:
        case T_CLOSE:
            if ((t == T_END) != (depth == 0)) {
                return T_FAIL;              /* unmatched ( or ) */
            }
            if (have && depth == 0) {
                commit(an, &cur);
            }
            return t;
        case T_ALT:
            if (have && depth == 0) {
                commit(an, &cur);
            }
            have = 0;
            rep_ok = 0;
            if (depth == 0) {
                an->alt = 1;
            }
            continue;
        case T_STAR:
        case T_PLUS:
        case T_QMARK:
            if (!rep_ok) {
                return T_FAIL;              /* nothing to repeat: glibc may read a literal */
            }
            if (have) {
                cur.star1 = cur.nops == 0 && t == T_STAR;
                cur.nops = cur.nops < 255 ? (unsigned char)(cur.nops + 1) : cur.nops;
                cur.opt |= t != T_PLUS;
            }
            continue;
        case T_OPEN:
            if (depth + 1 > RX_MAX_DEPTH || parse_seq(an, depth + 1) != T_CLOSE) {
                return T_FAIL;
            }
            t = T_OTHER;
            break;
        default:
            break;
        }
        /* an element: T_LIT, T_ANY, T_OTHER (incl. groups), T_BOL, T_EOL */
        if (have && depth == 0) {
            commit(an, &cur);
        }
        memset(&cur, 0, sizeof(cur));
        cur.kind = (unsigned char)t;
        cur.c = c;
        have = 1;
        rep_ok = t != T_BOL && t != T_EOL;
    }
}

/* toupper() is ASCII's on every byte (glibc's REG_ICASE folds both sides with it) */
static int ascii_ctype(void)
{
    for (int i = 0; i < 256; i++) {
        int u = i >= 'a' && i <= 'z' ? i - 32 : i;
        if (toupper(i) != u) {
            return 0;
        }
    }
    return 1;
}

/* the exact form: [^] [.*] literal (.* literal)... [.*] [$], at most SL_RXLIT_MAXSEG
 * literals; consecutive `.*` are one gap */
static void exact_form(struct rx_an *an, struct sl_rxlit *rl)
{
    const struct rx_item *it = an->items;
    size_t n = an->nitems, i, k = 0;
    int bol = 0, eol = 0, lead = 0, trail = 0, nseg = 0, gap = 1;

    if (n > RX_MAX_ITEMS) {
        return;
    }
    if (n > 0 && it[0].kind == T_BOL && it[0].nops == 0) {
        bol = 1;
        it++;
        n--;
    }
    if (n > 0 && it[n - 1].kind == T_EOL && it[n - 1].nops == 0) {
        eol = 1;
        n--;
    }
    for (; n > 0 && it[0].kind == T_ANY && it[0].star1; it++, n--) {
        lead = 1;
    }
    for (; n > 0 && it[n - 1].kind == T_ANY && it[n - 1].star1; n--) {
        trail = 1;
    }
    for (i = 0; i < n; i++) {
        if (it[i].kind == T_ANY && it[i].star1) {
            if (!gap) {
                rl->segend[nseg - 1] = (unsigned char)k;
            }
            gap = 1;
            continue;
        }
        if (it[i].kind != T_LIT || it[i].nops != 0 || k >= SL_RXLIT_MAX) {
            return;
        }
        if (gap) {
            if (nseg == SL_RXLIT_MAXSEG) {
                return;
            }
            nseg++;
            gap = 0;
        }
        rl->xlit[k++] = an->icase ? fold(it[i].c) : it[i].c;
    }
    if (nseg == 0) {
        nseg = 1;                           /* no literal: one empty segment */
    }
    rl->segend[nseg - 1] = (unsigned char)k;
    rl->nseg = (unsigned char)nseg;
    rl->exact = 1;
    rl->bol = (unsigned char)(bol && !lead);
    rl->eol = (unsigned char)(eol && !trail);
}

void sl_rxlit_analyse(struct sl_rxlit *rl, const char *pat, int cflags)
{
    struct rx_an *an;
    int mb = MB_CUR_MAX > 1;

    memset(rl, 0, sizeof(*rl));
    if (pat == NULL) {
        return;
    }
    if (mb) {
        if (cflags & REG_ICASE) {
            return;
        }
        for (const char *q = pat; *q != '\0'; q++) {
            if ((unsigned char)*q >= 0x80) {
                return;
            }
        }
    }
    if ((cflags & REG_ICASE) && !ascii_ctype()) {
        return;
    }
    an = calloc(1, sizeof(*an));
    if (an == NULL) {
        return;                             /* no prefilter: regexec() decides */
    }
    an->pat = an->p = pat;
    an->ere = (cflags & REG_EXTENDED) != 0;
    an->icase = (cflags & REG_ICASE) != 0;
    if (parse_seq(an, 0) == T_END && !an->alt) {
        run_end(an);
        rl->icase = (unsigned char)an->icase;
        if (!mb && !(cflags & REG_NEWLINE)) {
            exact_form(an, rl);
        }
        memcpy(rl->lit, an->best, an->best_len);
        rl->len = (unsigned char)an->best_len;
    }
    free(an);
}

static int eq_fold(const unsigned char *s, const unsigned char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fold(s[i]) != lit[i]) {
            return 0;
        }
    }
    return 1;
}

static int eq(int icase, const unsigned char *s, const unsigned char *lit, size_t n)
{
    return icase ? eq_fold(s, lit, n) : memcmp(s, lit, n) == 0;
}

/* the first occurrence of lit[0..n) in s[0..len), or NULL */
static const unsigned char *find(int icase, const unsigned char *s, size_t len,
                                 const unsigned char *lit, size_t n)
{
    if (n == 0) {
        return s;
    }
    if (len < n) {
        return NULL;
    }
    if (!icase) {
        return n == 1 ? memchr(s, lit[0], len) : memmem(s, len, lit, n);
    }
    for (size_t i = 0; i + n <= len; i++) {
        if (fold(s[i]) == lit[0] && eq_fold(s + i + 1, lit + 1, n - 1)) {
            return s + i;
        }
    }
    return NULL;
}

/* the exact verdict: the segments in order, the first at the start when bol, the last at
 * the end when eol, `.*` (anything without NUL) between; leftmost occurrences leave the
 * most room for the rest, so a greedy search decides */
static int verdict(const struct sl_rxlit *rl, const unsigned char *s, size_t len)
{
    size_t pos = 0, a = 0;

    for (size_t i = 0; i < rl->nseg; i++) {
        size_t b = rl->segend[i], n = b - a;
        const unsigned char *lit = rl->xlit + a;
        int last = i + 1 == rl->nseg;
        if (i == 0 && rl->bol) {
            if (len < n || !eq(rl->icase, s, lit, n) || (last && rl->eol && len != n)) {
                return 0;
            }
            pos = n;
        } else if (last && rl->eol) {
            if (len < pos + n || !eq(rl->icase, s + len - n, lit, n)) {
                return 0;
            }
        } else {
            const unsigned char *p = find(rl->icase, s + pos, len - pos, lit, n);
            if (p == NULL) {
                return 0;
            }
            pos = (size_t)(p - s) + n;
        }
        a = b;
    }
    return 1;
}

int sl_rxlit_check(const struct sl_rxlit *rl, const char *s, size_t len, int verdict_ok)
{
    const unsigned char *u = (const unsigned char *)s;

    if (rl->exact && verdict_ok) {
        /* the verdict reads `.*` as any bytes, NUL too: a superset of regexec()'s matches,
         * so its "no" stands; its "yes" only when there is no NUL (`.` skips NUL) */
        if (!verdict(rl, u, len)) {
            return SL_RXLIT_NOMATCH;
        }
        if (memchr(s, '\0', len) == NULL) {
            return SL_RXLIT_MATCH;
        }
    }
    if (rl->len > 0 && find(rl->icase, u, len, rl->lit, rl->len) == NULL) {
        return SL_RXLIT_NOMATCH;
    }
    return SL_RXLIT_UNKNOWN;
}
