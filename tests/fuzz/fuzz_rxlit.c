/*
 * fuzz_rxlit.c - libFuzzer target for the regex literal prefilter (core/util/sl_rxlit.c),
 * differential against glibc's regexec(): the pattern is analysed as sl_re_exec() does
 * for its per-thread copy and the prefilter's answers are compared with regexec() on
 * subjects taken from the input.
 *
 * Input: byte 0 chooses flags (bit 0 REG_EXTENDED, bit 1 REG_ICASE, bit 2 REG_NEWLINE,
 * bit 3 REG_NOSUB, bit 4 the C.UTF-8 locale for LC_CTYPE instead of C, where installed);
 * then the pattern, ended by a NUL; the rest is the subject (NULs allowed), checked whole,
 * without its first byte and without its last byte.
 * Invariants checked (abort on failure): the prefilter's "no match" implies regexec() finds
 * no match; an exact verdict equals regexec()'s answer.  regexec() gets the subject as
 * sl_re_exec() passes it (REG_STARTEND over the whole length).
 *
 * Patterns whose sl_regcomp_cost2() estimate exceeds 5,000 nodes are skipped: the daemon
 * admits up to 100,000 (util/sl_regcomp.h), but under ASan glibc's regcomp() of such a
 * pattern is glibc's cost, not the prefilter's: a 37-byte ERE of stacked `+`
 * (corpus/rxlit/timeout-regcomp-stacked-plus, `((((((((((abc+)+)...)++++`, 65,519 nodes
 * estimated) takes 0.24 s natively and over 10 s and 1 GB under ASan, which libFuzzer
 * reports as a timeout or OOM.  Patterns over 80 bytes are skipped too: the fuzzer found a
 * 150-byte ERE (corpus/rxlit/timeout-regcomp-anchor-alternatives: a starred group of ~30
 * alternatives, many empty, one a run of 35 `$`, then `++`) that sl_regcomp_cost2()
 * estimates at 603 nodes and glibc's regcomp() takes 8 s to compile natively (its
 * epsilon closures; the estimate then counted an anchor as a consuming atom).  The prefilter's
 * own limits (48 literal bytes, 56 top-level elements) are below 80 bytes.  The same
 * glibc cost in a few bytes: an anchor in a group that can match empty, repeated with
 * stacked `+` (`(|^)++++`: 53 s natively, `(|\b)+++`: 20 s,
 * corpus/rxlit/timeout-regcomp-anchor-in-group: 19 s), which sl_regcomp() admitted
 * (estimated 63, 31 and 207 nodes) until it counted anchors as zero width (it refuses all
 * but stacked-plus of the timeout-regcomp-* patterns now; the skips stay, as glibc
 * under ASan is slower than the daemon's bound assumes).  So patterns with an anchor (`^`,
 * `$`, `\b`, `\B`, `\<`, `\>`, `` \` ``, `\'`) inside parentheses are skipped as well: the
 * prefilter treats a group as one opaque element whatever it holds, so no prefilter path is
 * lost.  Last, glibc's
 * epsilon closures also blow up on many empty alternatives under stacked repetitions
 * (corpus/rxlit/timeout-regcomp-empty-alternatives, 69 bytes, 426 nodes: 1 s natively;
 * `(|||||||||||||||||||||a)+++`: 0.26 s), so a pattern with more than 8 `|` or an
 * epsilon run (sl_regcomp_cost2()'s *run) over 16 is skipped: the prefilter only asks
 * whether there is a top-level alternation.
 *
 * Ownership: the C.UTF-8 locale object is made once and kept; the compiled pattern is
 * freed before returning.  Concurrency & locking: none (one thread; uselocale() is
 * per-thread and restored before returning).
 */
#include "config.h"

#include <locale.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sl_regcomp.h"
#include "util/sl_rxlit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_NODES 5000.0
#define FZ_MAX_PATTERN 80
#define FZ_MAX_RUN 16.0
#define FZ_MAX_ALT 8

static locale_t utf8_loc;
static int utf8_tried;

static void check(regex_t *re, const struct sl_rxlit *rl, const char *pat, const char *s,
                  size_t len)
{
    regmatch_t pm[1];
    int rc, pre, ex;

    pm[0].rm_so = 0;
    pm[0].rm_eo = (regoff_t)len;
    rc = regexec(re, s, 1, pm, REG_STARTEND);
    if (rc != 0 && rc != REG_NOMATCH) {
        return;                             /* REG_ESPACE: nothing to compare */
    }
    pre = sl_rxlit_check(rl, s, len, 0);
    ex = sl_rxlit_check(rl, s, len, 1);
    if (pre == SL_RXLIT_NOMATCH && rc == 0) {
        fprintf(stderr, "fuzz_rxlit: prefilter rejects a match of '%s'\n", pat);
        abort();
    }
    if (pre == SL_RXLIT_MATCH) {
        fprintf(stderr, "fuzz_rxlit: a verdict without verdict_ok for '%s'\n", pat);
        abort();
    }
    if (ex != SL_RXLIT_UNKNOWN && ex != (rc == 0)) {
        fprintf(stderr, "fuzz_rxlit: exact verdict %d, regexec %d for '%s'\n", ex, rc == 0,
                pat);
        abort();
    }
}

/* an anchor inside parentheses (either syntax; over-approximate: brackets not skipped),
 * or more than FZ_MAX_ALT `|` */
static int glibc_slow(const char *p)
{
    int depth = 0, alts = 0;

    for (; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0') {
            p++;
            if (strchr("bB<>`'", *p) != NULL && depth > 0) {
                return 1;
            }
        }
        if (*p == '|' && ++alts > FZ_MAX_ALT) {
            return 1;
        }
        if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            depth -= depth > 0;
        } else if ((*p == '^' || *p == '$') && depth > 0) {
            return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul;
    char *pat, *subj;
    size_t plen, slen;
    int opt, cflags = 0;
    double run;
    locale_t old = (locale_t)0;
    regex_t re;
    struct sl_rxlit rl;

    if (size < 2) {
        return 0;
    }
    opt = data[0];
    nul = memchr(data + 1, '\0', size - 1);
    if (nul == NULL) {
        return 0;
    }
    plen = (size_t)(nul - (data + 1));
    cflags |= (opt & 1) ? REG_EXTENDED : 0;
    cflags |= (opt & 2) ? REG_ICASE : 0;
    cflags |= (opt & 4) ? REG_NEWLINE : 0;
    cflags |= (opt & 8) ? REG_NOSUB : 0;
    if (plen > FZ_MAX_PATTERN || glibc_slow((const char *)data + 1)
        || sl_regcomp_cost2((const char *)data + 1, (cflags & REG_EXTENDED) != 0, &run)
            > FZ_MAX_NODES || run > FZ_MAX_RUN) {
        return 0;
    }
    pat = malloc(plen + 1);
    slen = size - 1 - plen - 1;
    subj = malloc(slen + 1);                /* + NUL: ASan's regexec() interceptor reads
                                             * the subject up to a NUL, REG_STARTEND or not */
    if (pat == NULL || subj == NULL) {
        free(pat);
        free(subj);
        return 0;
    }
    memcpy(pat, data + 1, plen + 1);
    memcpy(subj, nul + 1, slen);
    subj[slen] = '\0';
    if (opt & 16) {
        if (!utf8_tried) {
            utf8_tried = 1;
            utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        }
        if (utf8_loc != (locale_t)0) {
            old = uselocale(utf8_loc);
        }
    }
    if (sl_regcomp(&re, pat, cflags) == 0) {
        sl_rxlit_analyse(&rl, pat, cflags);
        check(&re, &rl, pat, subj, slen);
        if (slen > 0) {
            check(&re, &rl, pat, subj + 1, slen - 1);
            check(&re, &rl, pat, subj, slen - 1);
        }
        regfree(&re);
    }
    if (old != (locale_t)0) {
        uselocale(old);
    }
    free(pat);
    free(subj);
    return 0;
}
