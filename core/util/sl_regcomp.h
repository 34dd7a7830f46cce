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
 * Anchors (`^`, `$`, `\b`, `\B`, `\<`, `\>`, `` \` ``, `\'`) cost most.  They match the
 * empty string, and glibc copies the epsilon closure behind each one per combination of
 * constraints a path can collect (the union of the anchors it passes), so a loop over
 * something nullable that holds anchors compiles in time exponential in the anchors, their
 * kinds and the loops nested round them.  Until December 2026 the estimate counted an
 * anchor as a consuming atom and admitted `(|^)++++` (53 s) and `(|\b)+++` (20 s).  Measured
 * (glibc 2.36, regcomp() alone in a child under RLIMIT_CPU, CPU time; W: anchors in the
 * epsilon run, copies and alternatives added up, `\b` two; K: kinds inside loops; L: loops
 * nested round them; C = (2^K - 1) * L):
 *   (|^)+ ++ +++ ++++          W 2 4 8 16, L 1-4         0.3, 0.8, 16 ms, 53 s
 *   (|\b)+ ++ +++, (|^|$)      W 4 8 16, C 3 6 9         0.3, 4-6 ms, 20 s/over 2 s
 *   (|^)+ five, six, eight times W 10 12 16              28 ms, 113 ms, 4.4 s
 *   ((\b)*){4} {5} {6} {8} {16}  W 8 10 12 16 32          4, 15, 32, 283 ms, over 2 s
 *   (\b\w*\b)* + ++ +++        W 4 8 16 32              0.6, 0.5, 18 ms, over 2 s
 *   (|^|$|\<)* (|\b|^)*         K 3, C 7                 2 ms
 *   (|^|$|\<|\>)*, (|^|$|\`|\')* K 4, C 15               300-350 ms; K 5: over 10 s
 *   ((|^|$|\<)*)* (((...)*)*)*   C 14, 21                 70 ms, 1 s
 *   ((|^|$|\<)+)*, (|^)+++(|$|\<)*  C 14, 21             over 2 s, 248 ms
 *   ((|^|$)*)* ... four deep     C 6, 9, 12               1, 3, 12 ms
 *   (|^){32} {64}, (\b){16} {32} one path, no loop        28 ms/17 MB, 0.4 s/204 MB,
 *                                                         12 ms/11 MB, 0.5 s/304 MB
 *   $(){3,}{3,} {3,}{3,}{3,}     anchor by stacked loops  0.5 ms, over 10 s
 * So an anchor is zero width (nullable, epsilon nodes; `\b` and `\B` are two anchors in an
 * alternation, as glibc builds them; a BRE `^`/`$` only where glibc makes it an anchor),
 * the alternatives of a group add their epsilon nodes and anchors up (an empty or nullable
 * alternative is one node more), and a pattern is refused when a run with an epsilon cycle
 * has W over SL_REGCOMP_MAX_RUN_ANCHORS (10) or C over SL_REGCOMP_MAX_LOOP_COMBOS (7), more
 * than SL_REGCOMP_MAX_ANCHOR_DEPTH (2) repetitions stack on something nullable next to an
 * anchor, a run holds more than SL_REGCOMP_MAX_LOOP_RUN epsilon nodes, or one path meets
 * more than SL_REGCOMP_MAX_ANCHORS (32) anchors in a row.  The slowest patterns admitted
 * that were measured take 133 ms (`(|^|$|\<|^|$|\<|^|$|\<|^)*`); some fast but contrived
 * ones are refused (`(|^^)+++` 20 ms, `(|\b|\B)*` 7 ms, `(((|^|$)*)*)*` 3 ms).  Anchors as
 * configurations write them stay far below: `^\s*$`, `^ *(#.*)?$`, `\b(error|warn)\b`,
 * `(^|[ ,])x($|[ ,])`, `^(\b\w*\b\s*)+$`, `(\b\w*\b)*`, `((\b)*){4}`, `(|^)+++`.
 * Many empty alternatives under stacked `+` are slow as well, being epsilon nodes in a
 * loop: `(|||...a)++++` with 20 `|` 4.4 s, with 40 and `+++` 2.8 s.  Not bounded yet (a
 * random search found them; admitted before the anchor bound too): copies of an optional
 * empty group in a loop, `()?{8}{3,}` and `(){0,4}{3,}{3,}` over 2 s, `()?{4}{3,}` 29 ms.
 *
 * Back-references.  glibc's regexec() recurses without bound (sift_states_bkref and
 * sift_states_backward, glibc bug 11053, CVE-2018-20796) or loops on a back-reference to a
 * group that can match the empty string when that back-reference is repeated: `^()+\1++`
 * and `()\1{2,}+` crash with SIGSEGV (stack exhausted) on any subject, `()(\1+)+` and
 * `(a*)\1++` on "" do not return in 10 s, `(|)(\1\1)*` is the CVE's (fuzz_rxlit found the
 * first).  rsyslog 8.2302 calls the same regexec(): with `re_match($msg, "^()+\\1++")` its
 * main queue worker spins from the first message on, memory growing (310 MB in 4 s), and
 * nothing more is processed.  A pattern is refused when a back-reference to a
 * group that can match empty (or is still open) lies under a repetition other than `?` /
 * `{0,1}`, however deep.  That also refuses some that glibc happens to survive (`()\1*`,
 * `(a*)\1+`); a back-reference to a group that cannot match empty is left alone
 * (`(a)\1++`, `(ab+)\1*`).
 *
 * The estimate walks the pattern once: an atom (character, escape, bracket expression) is
 * 1 node; `*` and `?` add 1; `+` doubles what it applies to; `{n,m}` multiplies it by m (by
 * n+1 for `{n,}`); a group is the sum of its alternatives.  Each element also carries the
 * epsilon nodes and anchors at its start and end, whether it is nullable and whether a
 * loop over something nullable is among them, so runs are counted across concatenation and
 * repetition.  Both syntaxes: ERE (REG_EXTENDED) and GNU BRE (`\(`, `\)`, `\|`, `\+`,
 * `\?`, `\{n,m\}`).  Saturating arithmetic.
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
#define SL_REGCOMP_MAX_LOOP_RUN 128.0
#define SL_REGCOMP_MAX_ANCHORS 32.0
#define SL_REGCOMP_MAX_RUN_ANCHORS 10.0
#define SL_REGCOMP_MAX_LOOP_COMBOS 7.0
#define SL_REGCOMP_MAX_ANCHOR_DEPTH 2.0

/* glibc's anchor kinds (its constraints), one bit each; `\b` is `\<` or `\>`, `\B` inside a
 * word or outside words */
#define SL_RE_K_LINE_FIRST 0x01u
#define SL_RE_K_LINE_LAST 0x02u
#define SL_RE_K_BUF_FIRST 0x04u
#define SL_RE_K_BUF_LAST 0x08u
#define SL_RE_K_WORD_FIRST 0x10u
#define SL_RE_K_WORD_LAST 0x20u
#define SL_RE_K_INSIDE_WORD 0x40u
#define SL_RE_K_INSIDE_NOTWORD 0x80u

/* One element of a concatenation: its nodes, whether it can match the empty string, the
 * nodes of its nullable prefix and suffix (all of it when nullable), the anchors among them
 * (alead/atrail: all alternatives' and copies' added up; slead/strail: the most on one path;
 * klead/ktrail: their kinds, SL_RE_K_*; clead/ctrail: the kinds of those inside a loop over
 * something nullable; dlead/dtrail: how many such loops holding anchors are nested there at
 * most), and whether a loop over something nullable (an
 * epsilon cycle) is among them. */
struct sl_re_el {
    double size, lead, trail, depth;
    int nullable;
    double alead, atrail, slead, strail, dlead, dtrail;
    unsigned klead, ktrail, clead, ctrail;
    int lloop, tloop;
    int nbref;                  /* holds a back-reference to a group that can match empty */
};

/* The longest epsilon runs seen so far: nodes (eps), anchors on one path (anch), and of a
 * run with an epsilon cycle in it: its nodes (loopeps), anchors (loopanch; set over its
 * bound when an anchor next to stacked loops refuses the pattern) and the constraint
 * combinations of its anchors times the loops nested round them (loopcombo). */
struct sl_re_runs {
    double eps, anch, loopeps, loopanch, loopcombo;
    int bref;                   /* a repeated back-reference to a nullable group: refused */
};

static inline double sl_re_max(double a, double b)
{
    return a > b ? a : b;
}

/* a run with an epsilon cycle: `eps` nodes, `anchors` anchors of kinds `k` under `nest`
 * nested loops.  glibc gives a path the union of the constraints of the anchors it
 * passes, so one with n kinds can carry 2^n - 1 combinations, and it duplicates a loop's
 * closure once per combination at every level of nesting. */
static inline void sl_re_loop_run(struct sl_re_runs *rs, double eps, double anchors, unsigned k,
                                  double nest)
{
    double combos = 1;
    for (; k != 0; k &= k - 1) {
        combos *= 2;
    }
    rs->loopeps = sl_re_max(rs->loopeps, eps);
    rs->loopanch = sl_re_max(rs->loopanch, anchors);
    rs->loopcombo = sl_re_max(rs->loopcombo, (combos - 1) * nest);
}

/* A concatenation being read (one per group level): what it holds so far, the alternatives
 * before it, and its state before its last element (a repetition replaces that element). */
struct sl_re_cat {
    struct sl_re_el cat, prev, last, alts;
    int have_last, have_alt;
    int group;                  /* the number of the group this level is (0: none, or past 9) */
};


/* cat followed by e, noting the runs that meet at the join */
static inline struct sl_re_el sl_re_join(struct sl_re_el cat, struct sl_re_el e,
                                         struct sl_re_runs *rs)
{
    struct sl_re_el r;
    rs->eps = sl_re_max(rs->eps, cat.trail + e.lead);
    rs->anch = sl_re_max(rs->anch, cat.strail + e.slead);
    if (cat.tloop || e.lloop) {
        sl_re_loop_run(rs, cat.trail + e.lead, cat.atrail + e.alead, cat.ctrail | e.clead,
                       sl_re_max(cat.dtrail, e.dlead));
    }
    /* an anchor next to deeply stacked loops: `$(){3,}{3,}{3,}` over 10 s, `^(x)**{3,}{3,}` 1 s */
    if ((cat.atrail > 0 && e.lloop && e.depth > SL_REGCOMP_MAX_ANCHOR_DEPTH)
        || (e.alead > 0 && cat.tloop && cat.depth > SL_REGCOMP_MAX_ANCHOR_DEPTH)) {
        rs->loopanch = SL_REGCOMP_MAX_RUN_ANCHORS + 1;
    }
    r.size = cat.size + e.size;
    r.nullable = cat.nullable && e.nullable;
    r.lead = cat.nullable ? cat.lead + e.lead : cat.lead;
    r.trail = e.nullable ? cat.trail + e.trail : e.trail;
    r.depth = sl_re_max(cat.depth, e.depth);
    r.alead = cat.nullable ? cat.alead + e.alead : cat.alead;
    r.atrail = e.nullable ? cat.atrail + e.atrail : e.atrail;
    r.slead = cat.nullable ? cat.slead + e.slead : cat.slead;
    r.strail = e.nullable ? cat.strail + e.strail : e.strail;
    r.klead = cat.nullable ? cat.klead | e.klead : cat.klead;
    r.ktrail = e.nullable ? cat.ktrail | e.ktrail : e.ktrail;
    r.clead = cat.nullable ? cat.clead | e.clead : cat.clead;
    r.ctrail = e.nullable ? cat.ctrail | e.ctrail : e.ctrail;
    r.dlead = cat.nullable ? sl_re_max(cat.dlead, e.dlead) : cat.dlead;
    r.dtrail = e.nullable ? sl_re_max(cat.dtrail, e.dtrail) : e.dtrail;
    r.lloop = cat.nullable ? cat.lloop || e.lloop : cat.lloop;
    r.tloop = e.nullable ? cat.tloop || e.tloop : e.tloop;
    r.nbref = cat.nbref || e.nbref;
    return r;
}

/* alternatives a|b (a: the alternatives so far, see sl_re_first_alt()): glibc's closure of
 * the alternation holds the epsilon paths of all of them, so their epsilon nodes and
 * anchors add up, and an empty or nullable alternative is one more epsilon node (its
 * branch); one path meets the anchors of one alternative only (slead). */
static inline struct sl_re_el sl_re_alt(struct sl_re_el a, struct sl_re_el b)
{
    struct sl_re_el r;
    r.size = a.size + b.size + 1;
    r.nullable = a.nullable || b.nullable;
    r.lead = a.lead + b.lead + b.nullable;
    r.trail = a.trail + b.trail + b.nullable;
    r.depth = sl_re_max(a.depth, b.depth);
    r.alead = a.alead + b.alead;
    r.atrail = a.atrail + b.atrail;
    r.slead = sl_re_max(a.slead, b.slead);
    r.strail = sl_re_max(a.strail, b.strail);
    r.klead = a.klead | b.klead;
    r.ktrail = a.ktrail | b.ktrail;
    r.clead = a.clead | b.clead;
    r.ctrail = a.ctrail | b.ctrail;
    r.dlead = sl_re_max(a.dlead, b.dlead);
    r.dtrail = sl_re_max(a.dtrail, b.dtrail);
    r.lloop = a.lloop || b.lloop;
    r.tloop = a.tloop || b.tloop;
    r.nbref = a.nbref || b.nbref;
    return r;
}

/* the first alternative of a group, once a `|` follows it */
static inline struct sl_re_el sl_re_first_alt(struct sl_re_el a)
{
    a.lead += a.nullable;
    a.trail += a.nullable;
    return a;
}

/* x repeated: k copies, of which the first n are required (n == k: x{n}); star: x* or x?;
 * loop: x*, x+ or x{n,} (a loop back, not only copies).
 * lead/trail count epsilon nodes (reachable without consuming a character): a nullable x
 * repeated k times chains k copies of its epsilon path, a non-nullable one adds the loop
 * back to its start; the anchors of a nullable x count once per copy.  depth: how many
 * repetitions are stacked on something nullable. */
static inline struct sl_re_el sl_re_repeat(struct sl_re_el x, double n, double k, int star,
                                           int loop, struct sl_re_runs *rs)
{
    struct sl_re_el r;
    double copies = star ? 1 : k;
    r.size = x.size * copies + 1;
    r.nullable = x.nullable || star || n == 0;
    r.depth = x.nullable ? x.depth + 1 : r.nullable ? sl_re_max(x.depth, 1) : x.depth;
    r.nbref = x.nbref;
    if (x.nbref && (loop || k > 1)) {
        rs->bref = 1;                   /* see "Back-references" above */
    }
    if (x.nullable) {
        r.lead = r.trail = copies * x.lead + 1;
        r.alead = r.atrail = copies * x.alead;
        r.slead = r.strail = copies * x.slead;
        r.klead = r.ktrail = x.klead;
        r.clead = r.ctrail = loop ? x.klead : x.clead | x.ctrail;
        r.dlead = r.dtrail = x.dlead + (loop && x.alead > 0);
        r.lloop = r.tloop = x.lloop || loop;
    } else if (r.nullable) {
        r.lead = r.trail = x.lead + x.trail + 1 + (star ? 0 : k);
        r.alead = r.atrail = x.alead + x.atrail;
        r.slead = r.strail = x.slead + x.strail;
        r.klead = r.ktrail = x.klead | x.ktrail;
        r.clead = r.ctrail = x.clead | x.ctrail;
        r.dlead = r.dtrail = sl_re_max(x.dlead, x.dtrail);
        r.lloop = r.tloop = x.lloop || x.tloop;
    } else {
        r.lead = x.lead;
        r.trail = k > n ? x.trail + x.lead + 1 + (k - n) : x.trail;
        r.alead = x.alead;
        r.atrail = k > n ? x.atrail + x.alead : x.atrail;
        r.slead = x.slead;
        r.strail = k > n ? x.strail + x.slead : x.strail;
        r.klead = x.klead;
        r.ktrail = k > n ? x.ktrail | x.klead : x.ktrail;
        r.clead = x.clead;
        r.ctrail = k > n ? x.ctrail | x.clead : x.ctrail;
        r.dlead = x.dlead;
        r.dtrail = k > n ? sl_re_max(x.dtrail, x.dlead) : x.dtrail;
        r.lloop = x.lloop;
        r.tloop = k > n ? x.tloop || x.lloop : x.tloop;
        rs->eps = sl_re_max(rs->eps, x.trail + x.lead + 1);
        rs->anch = sl_re_max(rs->anch, x.strail + x.slead);
        if (x.tloop || x.lloop) {
            sl_re_loop_run(rs, x.trail + x.lead + 1, x.atrail + x.alead, x.ctrail | x.clead,
                           sl_re_max(x.dtrail, x.dlead));
        }
    }
    rs->eps = sl_re_max(rs->eps, r.trail);
    rs->anch = sl_re_max(rs->anch, r.strail);
    if (r.tloop) {
        sl_re_loop_run(rs, r.trail, r.atrail, r.ctrail, r.dtrail);
    }
    return r;
}

/* Nodes `pat` expands to in glibc's regcomp() (capped just above the limit), and in *run
 * the longest run of adjacent nodes that match the empty string (x?, x*, (a?){n}): glibc
 * keeps an epsilon closure per node, so a run of n costs about n^2 (`(a?){2000}`: 320 MB;
 * `[a-z]` with 6 `+`, `*`, 5 `+` between other atoms: 8.8 s). */
static inline double sl_regcomp_cost2(const char *pat, int extended, double *run)
{
    struct sl_re_cat f[SL_REGCOMP_MAX_DEPTH];
    static const struct sl_re_el empty = { .nullable = 1 };
    int d = 0, caret = 1;                           /* caret: a BRE `^` here is an anchor */
    int ngroups = 0;
    signed char gnull[10] = { 0 };                  /* group 1..9: 1 nullable or still open */
    struct sl_re_runs rs = { 0, 0, 0, 0, 0, 0 };
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
        struct sl_re_el atom = { .size = 1 };
        double n = 0, k = 0;
        int rep = 0, star = 0, loop = 0, anchor = 0, after = caret;
        unsigned kind = 0;
        caret = 0;
        if (esc && (c == 'b' || c == 'B')) {
            anchor = 2;                             /* glibc: two anchors in an alternation */
            kind = c == 'b' ? SL_RE_K_WORD_FIRST | SL_RE_K_WORD_LAST
                            : SL_RE_K_INSIDE_WORD | SL_RE_K_INSIDE_NOTWORD;
        } else if (esc && (c == '<' || c == '>' || c == '`' || c == '\'')) {
            anchor = 1;
            kind = c == '<' ? SL_RE_K_WORD_FIRST : c == '>' ? SL_RE_K_WORD_LAST
                 : c == '`' ? SL_RE_K_BUF_FIRST : SL_RE_K_BUF_LAST;
        } else if (!esc && c == '^') {
            anchor = extended || after;
            kind = SL_RE_K_LINE_FIRST;
        } else if (!esc && c == '$') {
            anchor = extended || p[1] == '\0'
                     || (p[1] == '\\' && (p[2] == ')' || p[2] == '|'));
            kind = SL_RE_K_LINE_LAST;
        }
        if (esc && c >= '1' && c <= '9') {          /* a back-reference: one atom */
            atom.nbref = c - '0' <= ngroups && gnull[c - '0'] != 0;
        } else if (anchor) {                        /* zero width: nullable, epsilon nodes */
            atom.size = atom.lead = atom.trail = anchor == 2 ? 3 : 1;
            atom.alead = atom.atrail = atom.slead = atom.strail = anchor;
            atom.klead = atom.ktrail = kind;
            atom.nullable = 1;
            caret = 1;
        } else if (op && c == '(') {
            caret = 1;
            if (++d >= SL_REGCOMP_MAX_DEPTH) {
                return SL_REGCOMP_MAX_NODES + 1;
            }
            memset(&f[d], 0, sizeof f[d]);
            f[d].cat = empty;
            if (++ngroups <= 9) {
                f[d].group = ngroups;
                gnull[ngroups] = 1;                 /* open: counted as nullable */
            }
            continue;
        } else if (op && c == ')' && d > 0) {
            struct sl_re_el g = t->have_alt ? sl_re_alt(t->alts, t->cat) : t->cat;
            g.size += 1;
            g.lead += 1;                            /* subexpression open/close nodes */
            g.trail += 1;
            if (g.nullable) {
                g.lead = g.trail = sl_re_max(g.lead, g.trail);
                g.alead = g.atrail = sl_re_max(g.alead, g.atrail);
                g.slead = g.strail = sl_re_max(g.slead, g.strail);
                g.klead = g.ktrail = g.klead | g.ktrail;
                g.clead = g.ctrail = g.clead | g.ctrail;
                g.dlead = g.dtrail = sl_re_max(g.dlead, g.dtrail);
                g.lloop = g.tloop = g.lloop || g.tloop;
            }
            if (t->group > 0) {
                gnull[t->group] = (signed char)g.nullable;
            }
            atom = g;
            t = &f[--d];
        } else if (op && c == '|') {
            t->alts = t->have_alt ? sl_re_alt(t->alts, t->cat) : sl_re_first_alt(t->cat);
            t->have_alt = 1;
            caret = 1;
            t->cat = empty;
            t->have_last = 0;
            continue;
        } else if (op && (c == '*' || c == '?')) {
            rep = 1;
            star = 1;
            loop = c == '*';
        } else if (op && c == '+') {
            rep = 1;
            loop = 1;
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
                loop = comma && !have_hi;
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
            atom = sl_re_repeat(t->last, n, k, star, loop, &rs);
            t->cat = t->prev;
        }
        t->prev = t->cat;
        t->last = atom;
        t->have_last = !anchor;                     /* glibc: `^*` is no repetition */
        t->cat = sl_re_join(t->cat, atom, &rs);
        *run = rs.eps;
        if (t->cat.depth > SL_REGCOMP_MAX_NULLDEPTH || rs.anch > SL_REGCOMP_MAX_ANCHORS
            || rs.loopeps > SL_REGCOMP_MAX_LOOP_RUN || rs.loopanch > SL_REGCOMP_MAX_RUN_ANCHORS
            || rs.loopcombo > SL_REGCOMP_MAX_LOOP_COMBOS || rs.bref) {
            *run = sl_re_max(*run, SL_REGCOMP_MAX_RUN + 1);
        }
        if (t->cat.size > SL_REGCOMP_MAX_NODES || *run > SL_REGCOMP_MAX_RUN) {
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
