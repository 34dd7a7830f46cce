/*
 * util/sl_regcomp.h - regcomp() with a bound on the size of the compiled pattern.
 *
 * glibc's regcomp() expands every `x+` into `xx*` and every `x{n,m}` into m copies of x,
 * so stacked or nested repetitions grow the parse tree geometrically: `a` followed by 18
 * `+` took 172 MB and 0.2 s, 100 of them exhaust any memory (found by fuzz_template, issue
 * #19); `(a{512}){512}` takes 56 MB.  rsyslog 8.2302 hands its patterns to the same
 * regcomp() and runs out of memory the same way.  The patterns come from the configuration
 * (templates' R,ERE / R,BRE, property filters, re_match()/re_extract(), imfile's
 * startmsg/endmsg.regex, imptcp's framing.delimiter.regex), so this is a bound on what a
 * configuration line may cost, like the bounds on config nesting: sl_regcomp() estimates
 * the number of tree nodes the pattern expands to and refuses a pattern over
 * SL_REGCOMP_MAX_NODES with REG_ESPACE (regerror(): "Memory exhausted"), which every
 * caller already reports as a bad regular expression.  No usable pattern comes near it:
 * `a{32767}` (RE_DUP_MAX) is 32,768 nodes and 8 MB.
 *
 * Two more shapes cost time or memory without many nodes (fuzz_template again): a long
 * run of adjacent nodes that match the empty string (`(a?){2000}`: 320 MB, as glibc keeps
 * an epsilon closure per node, n^2 for a run of n) and repetitions stacked on something
 * that matches the empty string after an anchor (`^a*++++++e`: over a minute in
 * regcomp(); `8$[a-z]++++*+++++e`: 8.8 s).  So a pattern is also refused when such a run
 * exceeds SL_REGCOMP_MAX_RUN epsilon nodes or more than SL_REGCOMP_MAX_NULLDEPTH
 * repetitions stack on a nullable operand (`((a|b)*c?)*` is 2).
 *
 * The estimate walks the pattern once: an atom (character, escape, bracket expression) is
 * 1 node; `*` and `?` add 1; `+` doubles what it applies to; `{n,m}` multiplies it by m (by
 * n+1 for `{n,}`); a group is the sum of its alternatives.  Each element also carries the
 * epsilon nodes at its start and end and whether it is nullable, so runs are counted
 * across concatenation and repetition.  Both syntaxes: ERE (REG_EXTENDED) and GNU BRE
 * (`\(`, `\)`, `\|`, `\+`, `\?`, `\{n,m\}`).  Saturating arithmetic.
 *
 * Ownership: none (header-only, static inline).  Concurrency & locking: none.
 */
#ifndef SL_UTIL_REGCOMP_H
#define SL_UTIL_REGCOMP_H

#include <regex.h>
#include <stddef.h>
#include <string.h>

#define SL_REGCOMP_MAX_NODES 100000.0
#define SL_REGCOMP_MAX_RUN 1000.0
#define SL_REGCOMP_MAX_NULLDEPTH 4
#define SL_REGCOMP_MAX_DEPTH 64

/* One element of a concatenation: its nodes, whether it can match the empty string, and
 * the nodes of its nullable prefix and suffix (all of it when nullable). */
struct sl_re_el {
    double size, lead, trail, depth;
    int nullable;
};

/* A concatenation being read (one per group level): what it holds so far, the alternatives
 * before it, and its state before its last element (a repetition replaces that element). */
struct sl_re_cat {
    struct sl_re_el cat, prev, last, alts;
    int have_last, have_alt;
};

static inline double sl_re_max(double a, double b)
{
    return a > b ? a : b;
}

/* cat followed by e; *run: the longest run of adjacent nullable nodes seen */
static inline struct sl_re_el sl_re_join(struct sl_re_el cat, struct sl_re_el e, double *run)
{
    struct sl_re_el r;
    *run = sl_re_max(*run, cat.trail + e.lead);
    r.size = cat.size + e.size;
    r.nullable = cat.nullable && e.nullable;
    r.lead = cat.nullable ? cat.lead + e.lead : cat.lead;
    r.trail = e.nullable ? cat.trail + e.trail : e.trail;
    r.depth = sl_re_max(cat.depth, e.depth);
    return r;
}

/* x repeated: k copies, of which the first n are required (n == k: x{n}); star: x* or x?.
 * lead/trail count epsilon nodes (reachable without consuming a character): a nullable x
 * repeated k times chains k copies of its epsilon path, a non-nullable one adds the loop
 * back to its start.  depth: how many repetitions are stacked on something nullable. */
static inline struct sl_re_el sl_re_repeat(struct sl_re_el x, double n, double k, int star,
                                           double *run)
{
    struct sl_re_el r;
    r.size = x.size * (star ? 1 : k) + 1;
    r.nullable = x.nullable || star || n == 0;
    r.depth = x.nullable ? x.depth + 1 : r.nullable ? sl_re_max(x.depth, 1) : x.depth;
    if (x.nullable) {
        r.lead = r.trail = (star ? 1 : k) * x.lead + 1;
    } else if (r.nullable) {
        r.lead = r.trail = x.lead + x.trail + 1 + (star ? 0 : k);
    } else {
        r.lead = x.lead;
        r.trail = k > n ? x.trail + x.lead + 1 + (k - n) : x.trail;
        *run = sl_re_max(*run, x.trail + x.lead + 1);
    }
    *run = sl_re_max(*run, r.trail);
    return r;
}

/* Nodes `pat` expands to in glibc's regcomp() (capped just above the limit), and in *run
 * the longest run of adjacent nodes that match the empty string (x?, x*, (a?){n}): glibc
 * keeps an epsilon closure per node, so a run of n costs about n^2 (`(a?){2000}`: 320 MB;
 * `[a-z]` with 6 `+`, `*`, 5 `+` between other atoms: 8.8 s). */
static inline double sl_regcomp_cost2(const char *pat, int extended, double *run)
{
    struct sl_re_cat f[SL_REGCOMP_MAX_DEPTH];
    static const struct sl_re_el empty = { 0, 0, 0, 0, 1 };
    int d = 0;
    *run = 0;
    memset(&f[0], 0, sizeof f[0]);
    f[0].cat = empty;
    for (const char *p = pat; *p != '\0'; p++) {
        int esc = 0;
        char c = *p;
        if (c == '\\' && p[1] != '\0') {
            esc = 1;
            c = *++p;
        }
        /* operators: ERE spells them bare, GNU BRE with a backslash (but `*` bare) */
        int op = c == '*' ? !esc : (extended ? !esc : esc);
        struct sl_re_cat *t = &f[d];
        struct sl_re_el atom = { 1, 0, 0, 0, 0 };
        double n = 0, k = 0;
        int rep = 0, star = 0;
        if (op && c == '(') {
            if (++d >= SL_REGCOMP_MAX_DEPTH) {
                return SL_REGCOMP_MAX_NODES + 1;
            }
            memset(&f[d], 0, sizeof f[d]);
            f[d].cat = empty;
            continue;
        } else if (op && c == ')' && d > 0) {
            struct sl_re_el g = t->cat;
            if (t->have_alt) {
                g.size += t->alts.size + 1;
                g.nullable = g.nullable || t->alts.nullable;
                g.lead = sl_re_max(g.lead, t->alts.lead);
                g.trail = sl_re_max(g.trail, t->alts.trail);
                g.depth = sl_re_max(g.depth, t->alts.depth);
            }
            g.size += 1;
            g.lead += 1;                            /* subexpression open/close nodes */
            g.trail += 1;
            if (g.nullable) {
                g.lead = g.trail = sl_re_max(g.lead, g.trail);
            }
            atom = g;
            t = &f[--d];
        } else if (op && c == '|') {
            struct sl_re_el a = t->cat;
            if (t->have_alt) {
                a.size += t->alts.size + 1;
                a.nullable = a.nullable || t->alts.nullable;
                a.lead = sl_re_max(a.lead, t->alts.lead);
                a.trail = sl_re_max(a.trail, t->alts.trail);
                a.depth = sl_re_max(a.depth, t->alts.depth);
            }
            t->alts = a;
            t->have_alt = 1;
            t->cat = empty;
            t->have_last = 0;
            continue;
        } else if (op && (c == '*' || c == '?')) {
            rep = 1;
            star = 1;
        } else if (op && c == '+') {
            rep = 1;
            n = 1;
            k = 2;                                  /* x+ is x x* */
        } else if (op && c == '{') {
            unsigned long lo = 0, hi = 0;
            int comma = 0, have_hi = 0;
            const char *q = p + 1;
            for (; *q >= '0' && *q <= '9'; q++) {
                lo = lo < 100000 ? lo * 10 + (unsigned long)(*q - '0') : lo;
            }
            if (*q == ',') {
                comma = 1;
                for (q++; *q >= '0' && *q <= '9'; q++) {
                    hi = hi < 100000 ? hi * 10 + (unsigned long)(*q - '0') : hi;
                    have_hi = 1;
                }
            }
            if (!extended && *q == '\\') {
                q++;
            }
            if (*q == '}') {                        /* else: a literal '{' (an atom) */
                p = q;
                rep = 1;
                n = (double)lo;
                k = (double)(!comma ? lo : have_hi ? (hi > lo ? hi : lo) : lo + 1);
                k = k < 1 ? 1 : k;
            }
        } else if (c == '[' && !esc) {             /* bracket expression: one atom */
            const char *q = p + 1;
            q += *q == '^';
            q += *q == ']';
            while (*q != '\0' && *q != ']') {
                if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
                    char ty = q[1];
                    for (q += 2; *q != '\0' && !(q[0] == ty && q[1] == ']'); q++) {
                    }
                    if (*q == '\0') {
                        break;
                    }
                    q++;
                }
                q++;
            }
            if (*q == '\0') {
                break;                              /* unterminated: regcomp refuses it */
            }
            p = q;
        }
        if (rep) {
            if (!t->have_last) {
                continue;                           /* nothing to repeat: a literal */
            }
            atom = sl_re_repeat(t->last, n, k, star, run);
            t->cat = t->prev;
        }
        t->prev = t->cat;
        t->last = atom;
        t->have_last = 1;
        t->cat = sl_re_join(t->cat, atom, run);
        if (t->cat.size > SL_REGCOMP_MAX_NODES || *run > SL_REGCOMP_MAX_RUN
            || t->cat.depth > SL_REGCOMP_MAX_NULLDEPTH) {
            *run = sl_re_max(*run, t->cat.depth > SL_REGCOMP_MAX_NULLDEPTH ? SL_REGCOMP_MAX_RUN + 1
                                                                        : *run);
            return t->cat.size > SL_REGCOMP_MAX_NODES ? SL_REGCOMP_MAX_NODES + 1 : t->cat.size;
        }
    }
    double sum = 0;
    for (int i = 0; i <= d; i++) {
        sum += f[i].cat.size + (f[i].have_alt ? f[i].alts.size + 1 : 0);
    }
    return sum;
}

/* Nodes `pat` expands to in glibc's regcomp() (an estimate, capped just above the limit). */
static inline double sl_regcomp_cost(const char *pat, int extended)
{
    double run;
    return sl_regcomp_cost2(pat, extended, &run);
}

/* regcomp(), or REG_ESPACE without calling it when the pattern would expand past the bound
 * (re is then zeroed, so a regfree() after the failure, which glibc allows, frees nothing). */
static inline int sl_regcomp(regex_t *re, const char *pat, int cflags)
{
    double run;
    if (sl_regcomp_cost2(pat, (cflags & REG_EXTENDED) != 0, &run) > SL_REGCOMP_MAX_NODES
        || run > SL_REGCOMP_MAX_RUN) {
        memset(re, 0, sizeof *re);
        return REG_ESPACE;
    }
    return regcomp(re, pat, cflags);
}

#endif
