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
 * The estimate walks the pattern once: an atom (character, escape, bracket expression) is
 * 1; `*` and `?` add 1; `+` doubles what it applies to; `{n,m}` multiplies it by m (by n+1
 * for `{n,}`); a group is the sum of its alternatives.  Both syntaxes: ERE (REG_EXTENDED)
 * and GNU BRE (`\(`, `\)`, `\|`, `\+`, `\?`, `\{n,m\}`).  Saturating arithmetic.
 *
 * Ownership: none (header-only, static inline).  Concurrency & locking: none.
 */
#ifndef SL_UTIL_REGCOMP_H
#define SL_UTIL_REGCOMP_H

#include <regex.h>
#include <stddef.h>
#include <string.h>

#define SL_REGCOMP_MAX_NODES 100000.0
#define SL_REGCOMP_MAX_DEPTH 64

/* Nodes `pat` expands to in glibc's regcomp() (an estimate, capped just above the limit). */
static inline double sl_regcomp_cost(const char *pat, int extended)
{
    double total[SL_REGCOMP_MAX_DEPTH], cur[SL_REGCOMP_MAX_DEPTH];
    double last = 0;
    int d = 0;
    total[0] = cur[0] = 0;
    for (const char *p = pat; *p != '\0'; p++) {
        int esc = 0;
        char c = *p;
        if (c == '\\' && p[1] != '\0') {
            esc = 1;
            c = *++p;
        }
        /* operators: ERE spells them bare, GNU BRE with a backslash (but `*` bare) */
        int op = c == '*' ? !esc : (extended ? !esc : esc);
        double k = -1;                          /* copies a repetition makes, or -1 */
        if (op && c == '(') {
            if (++d >= SL_REGCOMP_MAX_DEPTH) {
                return SL_REGCOMP_MAX_NODES + 1;
            }
            total[d] = cur[d] = 0;
            last = 0;
            continue;
        } else if (op && c == ')' && d > 0) {
            last = total[d] + cur[d] + 1;
            d--;
            cur[d] += last;
        } else if (op && c == '|') {
            total[d] += cur[d] + 1;
            cur[d] = last = 0;
        } else if (op && (c == '*' || c == '?')) {
            cur[d] += 1;
            last += 1;
        } else if (op && c == '+') {
            k = 2;
        } else if (op && c == '{') {
            unsigned long n = 0, m = 0;
            int comma = 0, have_m = 0;
            const char *q = p + 1;
            for (; *q >= '0' && *q <= '9'; q++) {
                n = n < 100000 ? n * 10 + (unsigned long)(*q - '0') : n;
            }
            if (*q == ',') {
                comma = 1;
                for (q++; *q >= '0' && *q <= '9'; q++) {
                    m = m < 100000 ? m * 10 + (unsigned long)(*q - '0') : m;
                    have_m = 1;
                }
            }
            if (!extended && *q == '\\') {
                q++;
            }
            if (*q == '}') {
                p = q;
                k = (double)(!comma ? n : have_m ? (m > n ? m : n) : n + 1);
                k = k < 1 ? 1 : k;
            } else {                            /* not an interval: a literal '{' */
                cur[d] += 1;
                last = 1;
            }
        } else if (c == '[' && !esc) {         /* bracket expression: one atom */
            const char *q = p + 1;
            q += *q == '^';
            q += *q == ']';
            while (*q != '\0' && *q != ']') {
                if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
                    char t = q[1];
                    for (q += 2; *q != '\0' && !(q[0] == t && q[1] == ']'); q++) {
                    }
                    if (*q == '\0') {
                        break;
                    }
                    q++;
                }
                q++;
            }
            if (*q == '\0') {
                break;                          /* unterminated: regcomp refuses it */
            }
            p = q;
            cur[d] += 1;
            last = 1;
        } else {
            cur[d] += 1;
            last = 1;
        }
        if (k > 0) {                            /* last becomes k copies of itself + 1 */
            double grown = last * k + 1;
            cur[d] += grown - last;
            last = grown;
        }
        if (cur[d] > SL_REGCOMP_MAX_NODES || last > SL_REGCOMP_MAX_NODES) {
            return SL_REGCOMP_MAX_NODES + 1;
        }
    }
    double sum = 0;
    for (int i = 0; i <= d; i++) {
        sum += total[i] + cur[i];
    }
    return sum;
}

/* regcomp(), or REG_ESPACE without calling it when the pattern would expand past the bound
 * (re is then zeroed, so a regfree() after the failure, which glibc allows, frees nothing). */
static inline int sl_regcomp(regex_t *re, const char *pat, int cflags)
{
    if (sl_regcomp_cost(pat, (cflags & REG_EXTENDED) != 0) > SL_REGCOMP_MAX_NODES) {
        memset(re, 0, sizeof *re);
        return REG_ESPACE;
    }
    return regcomp(re, pat, cflags);
}

#endif
