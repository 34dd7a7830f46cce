/*
 * tests/unit/corpus_text.h - what the unit tests that read the parser corpus files
 * (tests/data/...) share: the source directory (automake's $srcdir, so the tests run from
 * a separate build directory too) and the corpus escapes.  Header-only: each test is its
 * own program.
 */
#ifndef SL_TEST_CORPUS_TEXT_H
#define SL_TEST_CORPUS_TEXT_H

#include <stdlib.h>

static inline const char *srcdir(void)
{
    const char *s = getenv("srcdir");
    return (s != NULL && *s != '\0') ? s : ".";
}

/* Decodes the corpus escapes (\\ \n \r \t \xHH) in place; returns the length. */
static inline size_t unescape(char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] == '\\' && s[i + 1] != '\0') {
            char n = s[i + 1];
            if (n == 'n' || n == 'r' || n == 't' || n == '\\') {
                s[o++] = n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : '\\';
                i++;
                continue;
            }
            if (n == 'x' && s[i + 2] != '\0' && s[i + 3] != '\0') {
                char hex[3] = { s[i + 2], s[i + 3], 0 };
                s[o++] = (char)strtol(hex, NULL, 16);
                i += 3;
                continue;
            }
        }
        s[o++] = s[i];
    }
    s[o] = '\0';
    return o;
}

#endif
