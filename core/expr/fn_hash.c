/*
 * expr/fn_hash.c - the functions of rsyslog's fmhash module: hash32(s[, seed]),
 * hash32mod(s, mod[, seed]), hash64(s[, seed]), hash64mod(s, mod[, seed]).  They exist
 * only after module(load="fmhash") (or $ModLoad fmhash), as in rsyslog: sluice has no
 * function-module ABI, so the core provides them and the module load only unlocks them.
 *
 * The algorithms are those of Debian's rsyslog 8.2302, which is built without libxxhash
 * (checked: hash32("") is 0 and hash64("") 5381 there, XXH32/XXH64 give other values):
 *   - hash32: FNV-1 over the bytes with the seed (0 by default) as the start value, 32 bit;
 *   - hash64: h = 5381, h = h * 33 ^ c for every byte c taken as a *signed* char (bytes
 *     >= 0x80 are sign-extended), 64 bit, plus the seed at the end.
 * Hand-written because no Debian library has these exact variants (libfnv does not exist,
 * and the seeded FNV start / signed-char Bernstein are rsyslog's own).
 * The seed is truncated to 32 bits; the modulus is taken as an unsigned 64-bit number
 * (so a negative one is huge); the result is the unsigned hash read as a signed 64-bit
 * number, as rsyslog stores it.  A seed or modulus that is not a number, or a modulus of
 * 0, gives 0.
 *
 * Ownership: no state besides the parse-time "fmhash loaded" flag.
 * Concurrency & locking: the flag is written and read by the config parser (main thread)
 * only; evaluation is pure.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "expr/eval_int.h"

static int fmhash_loaded;

void sl_expr_fmods_reset(void)
{
    fmhash_loaded = 0;
}

int sl_expr_is_fmod(const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;
    if (n > 3 && strcasecmp(name + n - 3, ".so") == 0) {
        n -= 3;
    }
    return n == 6 && strncasecmp(name, "fmhash", 6) == 0;
}

void sl_expr_fmod_load(const char *name)
{
    if (sl_expr_is_fmod(name)) {
        fmhash_loaded = 1;
    }
}

int init_fmhash(struct sl_expr *e)
{
    if (!fmhash_loaded) {
        /* as rsyslog: the functions are unknown until the module is loaded */
        sl_cfg_error(&e->loc, "function '%s' not found (load it with module(load=\"fmhash\"))",
                     e->fname);
        return 1;
    }
    return 0;
}

static uint64_t fnv1_32(const unsigned char *p, size_t len, uint32_t h)
{
    for (size_t i = 0; i < len; i++) {
        h *= 16777619u;   /* the 32-bit FNV prime */
        h ^= p[i];
    }
    return h;
}

static uint64_t bernstein_64(const unsigned char *p, size_t len, uint32_t seed)
{
    uint64_t h = 5381;
    for (size_t i = 0; i < len; i++) {
        int64_t c = (signed char)p[i];
        h = (h * 33) ^ (uint64_t)c;
    }
    return h + seed;
}

/* args: s [, mod] [, seed]; has_mod says whether args[1] is the modulus. */
static void fmhash(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out, int bits,
                   int has_mod)
{
    struct sl_val a, b;
    uint64_t mod = 0, h = 0;
    uint32_t seed = 0;
    int ok = 1;
    size_t seed_arg = has_mod ? 2 : 1;

    if (has_mod) {
        fn_arg(e, 1, m, &b);
        mod = (uint64_t)val_to_num(&b, &ok);
        val_free(&b);
        if (!ok || mod == 0) {
            val_num(out, 0);
            return;
        }
    }
    if (e->nargs > seed_arg) {
        fn_arg(e, seed_arg, m, &b);
        seed = (uint32_t)val_to_num(&b, &ok);
        val_free(&b);
        if (!ok) {
            val_num(out, 0);
            return;
        }
    }
    fn_arg(e, 0, m, &a);
    size_t len;
    const char *s = val_to_str(&a, &len);
    const char *nul = memchr(s, '\0', len);   /* rsyslog hashes the C string */
    if (nul != NULL) {
        len = (size_t)(nul - s);
    }
    h = bits == 32 ? fnv1_32((const unsigned char *)s, len, seed)
                   : bernstein_64((const unsigned char *)s, len, seed);
    val_free(&a);
    if (has_mod) {
        h %= mod;
    }
    val_num(out, (int64_t)h);
}

void f_hash32(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    fmhash(e, m, out, 32, 0);
}

void f_hash32mod(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    fmhash(e, m, out, 32, 1);
}

void f_hash64(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    fmhash(e, m, out, 64, 0);
}

void f_hash64mod(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    fmhash(e, m, out, 64, 1);
}
