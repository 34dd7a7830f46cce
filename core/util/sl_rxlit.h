/*
 * util/sl_rxlit.h - required-literal prefilter for POSIX regular expressions (issue #20).
 *
 * sl_rxlit_analyse() reads a pattern as glibc's regcomp() does (BRE or ERE, REG_ICASE,
 * REG_NEWLINE) and derives a byte string every match must contain, and for patterns that
 * are only literals joined by `.*`, with optional `^`, `$` and leading/trailing `.*`
 * (`error`, `^sshd`, `.*fail.*`, `timeout$`, `{.*}`), an exact verdict.
 * sl_rxlit_check() then answers "no match", "match" or "ask regexec" for one subject.  See
 * sl_rxlit.c for the rules and why the answers agree with regexec().
 *
 * Ownership: struct sl_rxlit is plain data owned by whoever embeds it (no heap).
 * Concurrency & locking: none; analyse once, then check from the owning thread (the
 * result of the analysis depends on the calling thread's locale at analysis time, as
 * regcomp()'s does).
 */
#ifndef SL_UTIL_RXLIT_H
#define SL_UTIL_RXLIT_H

#include <stddef.h>

#define SL_RXLIT_MAX 48          /* bytes of required literal kept */
#define SL_RXLIT_MAXSEG 4        /* literals joined by .* in an exact pattern */

struct sl_rxlit {
    unsigned char lit[SL_RXLIT_MAX];  /* required literal (REG_ICASE: ASCII lower case) */
    unsigned char len;          /* its length; 0: no prefilter */
    unsigned char icase;        /* compare with ASCII case folding */
    unsigned char exact;        /* the segments decide the match on their own */
    unsigned char bol;          /* exact: the subject starts with the first segment */
    unsigned char eol;          /* exact: the subject ends with the last segment */
    unsigned char nseg;         /* exact: segments in xlit, in order, `.*` between */
    unsigned char segend[SL_RXLIT_MAXSEG];  /* exact: end of each segment in xlit */
    unsigned char xlit[SL_RXLIT_MAX];       /* exact: the segments back to back (folded) */
};

/* Results of sl_rxlit_check() */
#define SL_RXLIT_NOMATCH 0
#define SL_RXLIT_MATCH 1
#define SL_RXLIT_UNKNOWN (-1)

/* Analyse pattern `pat` compiled with regcomp flags `cflags` in the calling thread's
 * current locale.  Always succeeds: a pattern it is unsure about gets no prefilter
 * (len 0, exact 0). */
void sl_rxlit_analyse(struct sl_rxlit *rl, const char *pat, int cflags);

/* s[0..len) (the bytes regexec() gets with REG_STARTEND): SL_RXLIT_NOMATCH when the
 * required literal is absent; when verdict_ok (no submatch positions wanted) and the
 * pattern is an exact one, SL_RXLIT_MATCH or SL_RXLIT_NOMATCH; else SL_RXLIT_UNKNOWN. */
int sl_rxlit_check(const struct sl_rxlit *rl, const char *s, size_t len, int verdict_ok);

#endif
