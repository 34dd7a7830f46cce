/*
 * usm.c - SNMPv3 User-based Security Model (RFC 3414, RFC 3826, RFC 7860) for imsnmptrap.
 *
 * Users: a user is defined once (name, auth protocol + passphrase, priv protocol +
 * passphrase, optional engine-ID pin) and works for every sending engine: its passphrases
 * are turned into master keys (Ku, RFC 3414 A.2: 1 MiB of the repeated passphrase through
 * the auth hash) once at configuration, and localized to the engine ID found in each
 * message (Kul = H(Ku | engineID | Ku)) on first use; localized keys, the HMAC inner/outer
 * states and the cipher key schedules are cached per (user, engine ID) in a fixed table of
 * KEYCACHE entries (a colliding entry is replaced: the cost of a miss is three hash blocks,
 * never the 1 MiB derivation).  Auth: HMAC-MD5-96, HMAC-SHA-96, HMAC-SHA-2 (224/256/384/512
 * with 128/192/256/384-bit MACs).  Priv: DES-CBC, AES-128-CFB, AES-192/256-CFB with the key
 * extended as in draft-blumenthal-aes-usm-04 ("AES-192", "AES-256": Kul | H(Kul) ...) or as
 * Cisco devices do, draft-reeder ("AES-192-C", "AES-256-C": Kul | Kul(Ku(Kul)) ...).  All
 * primitives come from nettle; only the USM composition is here.
 *
 * Engines: for traps the sender is the authoritative engine; its boots/time are learnt per
 * cache entry and a message older than the 150 s window (or from an earlier boot) is
 * refused.  For informs sluice is authoritative: its engine ID (engineID= or made once and
 * kept) and engineBoots (incremented at every start) live in workDirectory in
 * "imsnmptrap-PORT.engine"; a discovery probe (empty engine ID) gets a Report with
 * usmStatsUnknownEngineIDs, a message outside the time window a Report with
 * usmStatsNotInTimeWindows (authenticated), and an inform a Response at the security
 * level it came with.
 *
 * snmptrapd.conf: createUser (as is; -e pins the user to that engine), authUser (minimum
 * level per user; without disableAuthorization only users named in authUser lines are
 * accepted), authCommunity (communities with the "log" type), disableAuthorization yes.
 * Passphrases are never logged: errors name the file and line only.
 *
 * Ownership & concurrency: see usm.h.  Keys are wiped (memset via a volatile pointer) in
 * usm_free().
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/cfb.h>
#include <nettle/des.h>
#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "usm.h"

#define KEYCACHE 1024
#define MAX_KEY 64           /* SHA-512 output; AES-256 needs 32 */
#define TIME_WINDOW 150

enum auth_proto { A_NONE, A_MD5, A_SHA1, A_SHA224, A_SHA256, A_SHA384, A_SHA512 };
enum priv_proto { P_NONE, P_DES, P_AES128, P_AES192, P_AES256, P_AES192C, P_AES256C };
enum { L_NOAUTH = 0, L_AUTH = 1, L_PRIV = 3 };

static const struct nettle_hash *hash_of(int a)
{
    switch (a) {
    case A_MD5: return &nettle_md5;
    case A_SHA1: return &nettle_sha1;
    case A_SHA224: return &nettle_sha224;
    case A_SHA256: return &nettle_sha256;
    case A_SHA384: return &nettle_sha384;
    default: return &nettle_sha512;
    }
}

/* MAC length on the wire (RFC 3414, RFC 7860) */
static size_t mac_len(int a)
{
    static const size_t l[] = { 0, 12, 12, 16, 24, 32, 48 };
    return l[a];
}

union hctx {
    struct md5_ctx md5;
    struct sha1_ctx sha1;
    struct sha256_ctx sha256;
    struct sha512_ctx sha512;
};

struct user {
    char *name;
    size_t name_len;
    int auth, priv;
    int min_level;             /* L_* (authUser or the user's own level) */
    int authorized;
    uint8_t ku_auth[MAX_KEY], ku_priv[MAX_KEY];
    size_t ku_len;
    uint8_t pin[32];
    size_t pin_len;            /* 0: any engine */
};

struct keys {
    int used;
    size_t user;               /* index into users */
    uint8_t engine[32];
    size_t engine_len;
    union hctx inner, outer;   /* HMAC states */
    uint8_t privkey[MAX_KEY];
    union {
        struct des_ctx des;
        struct aes128_ctx a128;
        struct aes192_ctx a192;
        struct aes256_ctx a256;
    } cipher;
    /* the remote engine's clock (traps) */
    uint32_t boots, time;
    time_t seen;
};

struct usm {
    const struct sl_host *h;
    struct user *users;
    size_t nusers;
    char **communities;
    size_t ncommunities;
    int any_community;         /* disableAuthorization yes */
    struct keys cache[KEYCACHE];
    /* sluice's engine */
    uint8_t engine[32];
    size_t engine_len;
    uint32_t boots;
    struct timespec start;
    uint64_t salt;
    /* the security context of the last accepted message (for the Response) */
    const struct keys *last_keys;
    int last_level;
    uint8_t *scratch;          /* 2 x 65536 + slack: HMAC copy, encryption */
};

#define SCRATCH 70000

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--) {
        *v++ = 0;
    }
}

struct usm *usm_new(const struct sl_host *h)
{
    struct usm *u = calloc(1, sizeof *u);
    if (u == NULL) {
        return NULL;
    }
    u->h = h;
    u->scratch = malloc(2 * SCRATCH);
    if (u->scratch == NULL) {
        free(u);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &u->start);
    return u;
}

void usm_free(struct usm *u)
{
    if (u == NULL) {
        return;
    }
    for (size_t i = 0; i < u->nusers; i++) {
        wipe(u->users[i].ku_auth, sizeof u->users[i].ku_auth);
        wipe(u->users[i].ku_priv, sizeof u->users[i].ku_priv);
        free(u->users[i].name);
    }
    free(u->users);
    for (size_t i = 0; i < u->ncommunities; i++) {
        free(u->communities[i]);
    }
    free(u->communities);
    wipe(u->cache, sizeof u->cache);
    free(u->scratch);
    free(u);
}

/* ---- keys ---- */

/* RFC 3414 A.2.1/A.2.2: Ku from a passphrase (or, for the Reeder extension, a key) */
static void password_to_key(int a, const uint8_t *pw, size_t pwlen, uint8_t *ku)
{
    const struct nettle_hash *hf = hash_of(a);
    union hctx c;
    uint8_t buf[64];
    hf->init(&c);
    size_t idx = 0;
    for (size_t count = 0; count < 1048576; count += 64) {
        for (size_t i = 0; i < 64; i++) {
            buf[i] = pw[idx++ % pwlen];
        }
        hf->update(&c, 64, buf);
    }
    hf->digest(&c, hf->digest_size, ku);
    wipe(buf, sizeof buf);
    wipe(&c, sizeof c);
}

/* Kul = H(Ku | engineID | Ku) */
static void localize(int a, const uint8_t *ku, const uint8_t *eid, size_t elen, uint8_t *kul)
{
    const struct nettle_hash *hf = hash_of(a);
    union hctx c;
    hf->init(&c);
    hf->update(&c, hf->digest_size, ku);
    hf->update(&c, elen, eid);
    hf->update(&c, hf->digest_size, ku);
    hf->digest(&c, hf->digest_size, kul);
    wipe(&c, sizeof c);
}

static size_t priv_key_len(int p)
{
    switch (p) {
    case P_DES: return 16;     /* 8 key + 8 pre-IV */
    case P_AES128: return 16;
    case P_AES192: case P_AES192C: return 24;
    case P_AES256: case P_AES256C: return 32;
    default: return 0;
    }
}

static void make_keys(struct usm *u, struct keys *k, size_t ui, const uint8_t *eid, size_t elen)
{
    const struct user *us = &u->users[ui];
    const struct nettle_hash *hf = hash_of(us->auth);
    uint8_t kul[MAX_KEY * 2];
    k->used = 1;
    k->user = ui;
    memcpy(k->engine, eid, elen);
    k->engine_len = elen;
    k->boots = 0;
    k->time = 0;
    k->seen = 0;
    if (us->auth == A_NONE) {
        return;
    }
    localize(us->auth, us->ku_auth, eid, elen, kul);
    hmac_set_key(&k->outer, &k->inner, u->scratch, hf, hf->digest_size, kul);
    if (us->priv == P_NONE) {
        wipe(kul, sizeof kul);
        return;
    }
    localize(us->auth, us->ku_priv, eid, elen, kul);
    size_t have = hf->digest_size, need = priv_key_len(us->priv);
    while (have < need) {
        uint8_t ext[MAX_KEY];
        if (us->priv == P_AES192C || us->priv == P_AES256C) {
            /* Reeder/Cisco: Kul | Kul'(Ku'(Kul)) */
            uint8_t ku2[MAX_KEY];
            password_to_key(us->auth, kul, have, ku2);
            localize(us->auth, ku2, eid, elen, ext);
            wipe(ku2, sizeof ku2);
        } else {
            /* Blumenthal: Kul | H(Kul) */
            union hctx c;
            hf->init(&c);
            hf->update(&c, have, kul);
            hf->digest(&c, hf->digest_size, ext);
        }
        size_t n = need - have < hf->digest_size ? need - have : hf->digest_size;
        memcpy(kul + have, ext, n);
        have += n;
        wipe(ext, sizeof ext);
    }
    memcpy(k->privkey, kul, need);
    switch (us->priv) {
    case P_DES:
        des_set_key(&k->cipher.des, kul);
        break;
    case P_AES128:
        aes128_set_encrypt_key(&k->cipher.a128, kul);
        break;
    case P_AES192:
    case P_AES192C:
        aes192_set_encrypt_key(&k->cipher.a192, kul);
        break;
    default:
        aes256_set_encrypt_key(&k->cipher.a256, kul);
        break;
    }
    wipe(kul, sizeof kul);
}

static struct keys *get_keys(struct usm *u, size_t ui, const uint8_t *eid, size_t elen)
{
    uint64_t h = 1469598103934665603ULL ^ ui;
    for (size_t i = 0; i < elen; i++) {
        h ^= eid[i];
        h *= 1099511628211ULL;
    }
    struct keys *k = &u->cache[h % KEYCACHE];
    if (!k->used || k->user != ui || k->engine_len != elen || memcmp(k->engine, eid, elen) != 0) {
        make_keys(u, k, ui, eid, elen);
    }
    return k;
}

static void hmac(const struct user *us, const struct keys *k, void *state, const uint8_t *p,
                 size_t n, uint8_t *mac)
{
    const struct nettle_hash *hf = hash_of(us->auth);
    memcpy(state, &k->inner, hf->context_size);
    hf->update(state, n, p);
    uint8_t full[MAX_KEY];
    hmac_digest(&k->outer, &k->inner, state, hf, hf->digest_size, full);
    memcpy(mac, full, mac_len(us->auth));
}

/* ---- configuration ---- */

static int parse_auth(const char *s)
{
    static const struct { const char *n; int a; } t[] = {
        { "MD5", A_MD5 }, { "SHA", A_SHA1 }, { "SHA1", A_SHA1 }, { "SHA-1", A_SHA1 },
        { "SHA-224", A_SHA224 }, { "SHA224", A_SHA224 }, { "SHA-256", A_SHA256 },
        { "SHA256", A_SHA256 }, { "SHA-384", A_SHA384 }, { "SHA384", A_SHA384 },
        { "SHA-512", A_SHA512 }, { "SHA512", A_SHA512 } };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcasecmp(s, t[i].n) == 0) {
            return t[i].a;
        }
    }
    return -1;
}

static int parse_priv(const char *s)
{
    static const struct { const char *n; int p; } t[] = {
        { "DES", P_DES }, { "AES", P_AES128 }, { "AES128", P_AES128 }, { "AES-128", P_AES128 },
        { "AES192", P_AES192 }, { "AES-192", P_AES192 }, { "AES256", P_AES256 },
        { "AES-256", P_AES256 }, { "AES192C", P_AES192C }, { "AES-192-C", P_AES192C },
        { "AES256C", P_AES256C }, { "AES-256-C", P_AES256C } };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcasecmp(s, t[i].n) == 0) {
            return t[i].p;
        }
    }
    return -1;
}

static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
    }
    size_t len = strlen(s);
    if (len == 0 || len % 2 != 0 || len / 2 > cap) {
        return -1;
    }
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
            sscanf(s + 2 * i, "%2x", &v) != 1) {
            return -1;
        }
        out[i] = (uint8_t)v;
    }
    *n = len / 2;
    return 0;
}

/* Split a line into words (in place); quotes group words. */
static size_t split_words(char *s, char **w, size_t max)
{
    size_t n = 0;
    while (*s != '\0' && n < max) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
            s++;
        }
        if (*s == '\0' || *s == '#') {
            break;
        }
        if (*s == '"' || *s == '\'') {
            char q = *s++;
            w[n++] = s;
            while (*s != '\0' && *s != q) {
                s++;
            }
        } else {
            w[n++] = s;
            while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') {
                s++;
            }
        }
        if (*s != '\0') {
            *s++ = '\0';
        }
    }
    return n;
}

static int add_user(struct usm *u, char **w, size_t n, const char *where, int lineno,
                    int from_conf)
{
    const struct sl_host *h = u->h;
    struct user us;
    memset(&us, 0, sizeof us);
    size_t i = 0;
    if (i < n && strcmp(w[i], "-e") == 0) {
        if (i + 1 >= n || parse_hex(w[i + 1], us.pin, sizeof us.pin, &us.pin_len) != 0) {
            h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: %s line %d: bad engine ID after -e",
                   where, lineno);
            return -1;
        }
        i += 2;
    }
    if (i < n && w[i][0] == '-') {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: %s line %d: createUser option %s not "
               "supported (passphrases only)", where, lineno, w[i]);
        return -1;
    }
    if (i >= n) {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: %s line %d: createUser without a user "
               "name", where, lineno);
        return -1;
    }
    const char *name = w[i++];
    const char *apass = NULL, *ppass = NULL;
    us.auth = A_NONE;
    us.priv = P_NONE;
    if (i < n) {
        us.auth = parse_auth(w[i]);
        if (us.auth < 0 || i + 1 >= n) {
            h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: %s line %d: user %s: unknown auth "
                   "protocol or missing passphrase", where, lineno, name);
            return -1;
        }
        apass = w[i + 1];
        i += 2;
    }
    if (i < n) {
        us.priv = parse_priv(w[i]);
        if (us.priv < 0) {
            h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: %s line %d: user %s: unknown privacy "
                   "protocol", where, lineno, name);
            return -1;
        }
        ppass = i + 1 < n ? w[i + 1] : apass;   /* net-snmp: priv passphrase = auth's */
        i += 2;
    }
    if ((apass != NULL && strlen(apass) < 8) || (ppass != NULL && strlen(ppass) < 8)) {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: %s line %d: user %s: passphrases need at "
               "least 8 characters", where, lineno, name);
        return -1;
    }
    if (strlen(name) > 32) {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: %s line %d: user name longer than 32",
               where, lineno);
        return -1;
    }
    us.name = strdup(name);
    us.name_len = strlen(name);
    us.min_level = us.priv != P_NONE ? L_PRIV : us.auth != A_NONE ? L_AUTH : L_NOAUTH;
    us.authorized = !from_conf;
    if (us.auth != A_NONE) {
        password_to_key(us.auth, (const uint8_t *)apass, strlen(apass), us.ku_auth);
        us.ku_len = hash_of(us.auth)->digest_size;
    }
    if (us.priv != P_NONE) {
        password_to_key(us.auth, (const uint8_t *)ppass, strlen(ppass), us.ku_priv);
    }
    struct user *nu = realloc(u->users, (u->nusers + 1) * sizeof *nu);
    if (nu == NULL || us.name == NULL) {
        free(us.name);
        return -1;
    }
    u->users = nu;
    u->users[u->nusers++] = us;
    wipe(&us, sizeof us);
    memset(u->cache, 0, sizeof u->cache);
    return 0;
}

int usm_add_user_line(struct usm *u, const char *line, const char *where, int lineno)
{
    char *copy = strdup(line);
    char *w[16];
    if (copy == NULL) {
        return -1;
    }
    size_t n = split_words(copy, w, 16);
    size_t off = (n > 0 && strcasecmp(w[0], "createUser") == 0) ? 1 : 0;
    int rc = add_user(u, w + off, n - off, where, lineno, 0);
    wipe(copy, strlen(line));
    free(copy);
    return rc;
}

int usm_read_snmptrapd_conf(struct usm *u, const char *path)
{
    const struct sl_host *h = u->h;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: cannot open snmptrapdConf %s: %s", path,
               strerror(errno));
        return -1;
    }
    char line[2048];
    int lineno = 0, rc = 0, disable = 0;
    struct { char name[40]; int level; } authz[256];
    size_t nauthz = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *w[16];
        size_t n = split_words(line, w, 16);
        if (n == 0) {
            continue;
        }
        if (strcasecmp(w[0], "createUser") == 0) {
            if (add_user(u, w + 1, n - 1, path, lineno, 1) != 0) {
                rc = -1;
            }
        } else if (strcasecmp(w[0], "authCommunity") == 0 && n >= 3) {
            if (strstr(w[1], "log") != NULL) {
                char **nc = realloc(u->communities, (u->ncommunities + 1) * sizeof *nc);
                if (nc == NULL) {
                    rc = -1;
                    break;
                }
                u->communities = nc;
                u->communities[u->ncommunities++] = strdup(w[2]);
            }
        } else if (strcasecmp(w[0], "authUser") == 0 && n >= 3) {
            size_t i = 2;
            if (strcmp(w[i], "-s") == 0 && i + 2 < n) {
                i += 2;
            }
            if (strstr(w[1], "log") != NULL && nauthz < 256 && strlen(w[i]) < 40) {
                int level = -1;    /* the user's own level */
                if (i + 1 < n) {
                    level = strcasecmp(w[i + 1], "noauth") == 0 ? L_NOAUTH :
                            strcasecmp(w[i + 1], "auth") == 0 ? L_AUTH :
                            strcasecmp(w[i + 1], "priv") == 0 ? L_PRIV : -1;
                }
                snprintf(authz[nauthz].name, sizeof authz[nauthz].name, "%s", w[i]);
                authz[nauthz++].level = level;
            }
        } else if (strcasecmp(w[0], "disableAuthorization") == 0 && n >= 2) {
            disable = strcasecmp(w[1], "yes") == 0 || strcmp(w[1], "1") == 0 ||
                      strcasecmp(w[1], "true") == 0;
        }
        /* other snmptrapd.conf lines (traphandle, format, engineID, ...) are not ours */
    }
    fclose(f);
    wipe(line, sizeof line);
    if (disable) {
        u->any_community = 1;
    }
    for (size_t i = 0; i < u->nusers; i++) {
        if (u->users[i].authorized) {
            continue;
        }
        if (disable) {
            u->users[i].authorized = 1;
        }
        for (size_t k = 0; k < nauthz; k++) {
            if (strcmp(authz[k].name, u->users[i].name) == 0) {
                u->users[i].authorized = 1;
                if (authz[k].level >= 0) {
                    u->users[i].min_level = authz[k].level;
                } else {
                    /* snmptrapd's default minimum for authUser is authNoPriv */
                    u->users[i].min_level = L_AUTH;
                }
            }
        }
    }
    return rc;
}

int usm_any_community(const struct usm *u)
{
    return u->any_community;
}

void usm_adopt_engine(struct usm *u, const struct usm *old)
{
    memcpy(u->engine, old->engine, sizeof u->engine);
    u->engine_len = old->engine_len;
    u->boots = old->boots;
    u->start = old->start;
    u->salt = old->salt;
}

int usm_community_ok(const struct usm *u, const uint8_t *c, size_t len)
{
    for (size_t i = 0; i < u->ncommunities; i++) {
        if (u->communities[i] != NULL && strlen(u->communities[i]) == len &&
            memcmp(u->communities[i], c, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- sluice's engine ---- */

static void random_bytes(uint8_t *p, size_t n)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, p, n) : -1;
    if (fd >= 0) {
        close(fd);
    }
    if (got != (ssize_t)n) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            p[i] = (uint8_t)(x >> 56);
        }
    }
}

int usm_start(struct usm *u, const char *workdir, const char *engine_id_hex,
              const char *label)
{
    const struct sl_host *h = u->h;
    uint8_t file_eid[32];
    size_t file_eid_len = 0;
    long boots = 0;
    char path[4096] = "";
    if (workdir != NULL && workdir[0] != '\0') {
        char port[32] = "";
        const char *p = strchr(label, '(');
        snprintf(port, sizeof port, "%s", p ? p + 1 : label);
        char *e = strchr(port, ')');
        if (e) {
            *e = '\0';
        }
        snprintf(path, sizeof path, "%s/imsnmptrap-%s.engine", workdir, port);
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            char line[256], val[200];
            while (fgets(line, sizeof line, f) != NULL) {
                if (sscanf(line, "engineID %199s", val) == 1) {
                    if (parse_hex(val, file_eid, sizeof file_eid, &file_eid_len) != 0) {
                        file_eid_len = 0;
                    }
                } else if (sscanf(line, "engineBoots %ld", &boots) == 1) {
                    if (boots < 0 || boots >= 2147483647) {
                        boots = 0;
                    }
                }
            }
            fclose(f);
        }
    }
    if (engine_id_hex != NULL && engine_id_hex[0] != '\0') {
        if (parse_hex(engine_id_hex, u->engine, sizeof u->engine, &u->engine_len) != 0 ||
            u->engine_len < 5) {
            h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: engineID must be 5 to 32 bytes in "
                   "hex");
            return -1;
        }
        if (file_eid_len != u->engine_len || memcmp(file_eid, u->engine, u->engine_len) != 0) {
            boots = 0;
        }
    } else if (file_eid_len >= 5) {
        memcpy(u->engine, file_eid, file_eid_len);
        u->engine_len = file_eid_len;
    } else {
        /* RFC 3411 format: enterprise 8072 (net-snmp's scheme), 0x80 = random octets */
        static const uint8_t pre[] = { 0x80, 0x00, 0x1f, 0x88, 0x80 };
        memcpy(u->engine, pre, sizeof pre);
        random_bytes(u->engine + sizeof pre, 8);
        u->engine_len = sizeof pre + 8;
        boots = 0;
    }
    u->boots = (uint32_t)boots + 1;
    if (path[0] != '\0') {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (f != NULL) {
            fprintf(f, "engineID 0x");
            for (size_t i = 0; i < u->engine_len; i++) {
                fprintf(f, "%02x", u->engine[i]);
            }
            fprintf(f, "\nengineBoots %u\n", u->boots);
            if (fclose(f) != 0 || rename(tmp, path) != 0) {
                h->log(SL_LOG_WARNING, "imsnmptrap", "imsnmptrap: cannot save %s: %s", path,
                       strerror(errno));
            }
        } else {
            h->log(SL_LOG_WARNING, "imsnmptrap", "imsnmptrap: cannot save %s: %s", path,
                   strerror(errno));
        }
    }
    random_bytes((uint8_t *)&u->salt, sizeof u->salt);
    clock_gettime(CLOCK_MONOTONIC, &u->start);
    return 0;
}

static uint32_t engine_time(const struct usm *u)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint32_t)(now.tv_sec - u->start.tv_sec);
}

/* ---- encoding of v3 messages (Reports, Responses) ---- */

static uint8_t *put_octets(uint8_t *p, const uint8_t *s, size_t n)
{
    p = ber_put_hdr(p, BER_OCTETSTRING, n);
    if (n > 0) {
        memcpy(p, s, n);
    }
    return p + n;
}

/* Encrypt plain[0..n) for user/keys into out; sets the 8-byte salt.  Returns length. */
static size_t encrypt_scoped(struct usm *u, const struct user *us, const struct keys *k,
                             const uint8_t *plain, size_t n, uint8_t *out, uint8_t salt[8])
{
    uint8_t iv[16];
    u->salt++;
    if (us->priv == P_DES) {
        uint32_t b = u->boots;
        uint32_t c = (uint32_t)u->salt;
        uint8_t s[8] = { (uint8_t)(b >> 24), (uint8_t)(b >> 16), (uint8_t)(b >> 8), (uint8_t)b,
                         (uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c };
        memcpy(salt, s, 8);
        for (int i = 0; i < 8; i++) {
            iv[i] = k->privkey[8 + i] ^ s[i];
        }
        size_t padded = (n + 7) / 8 * 8;
        memcpy(out, plain, n);
        memset(out + n, 0, padded - n);
        cbc_encrypt(&k->cipher.des, (nettle_cipher_func *)des_encrypt, 8, iv, padded, out, out);
        return padded;
    }
    for (int i = 0; i < 8; i++) {
        salt[i] = (uint8_t)(u->salt >> (56 - 8 * i));
    }
    uint32_t b = u->boots, t = engine_time(u);
    uint8_t pre[8] = { (uint8_t)(b >> 24), (uint8_t)(b >> 16), (uint8_t)(b >> 8), (uint8_t)b,
                       (uint8_t)(t >> 24), (uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)t };
    memcpy(iv, pre, 8);
    memcpy(iv + 8, salt, 8);
    nettle_cipher_func *f = us->priv == P_AES128 ? (nettle_cipher_func *)aes128_encrypt :
                            (us->priv == P_AES192 || us->priv == P_AES192C)
                                ? (nettle_cipher_func *)aes192_encrypt
                                : (nettle_cipher_func *)aes256_encrypt;
    cfb_encrypt(&k->cipher, f, 16, iv, n, out, plain);
    return n;
}

/* A whole v3 message around a plaintext scopedPDU.  level: L_NOAUTH/L_AUTH/L_PRIV (us/k
 * must be given for auth).  The USM engine ID/boots/time are sluice's. */
static size_t encode_v3(struct usm *u, uint8_t *out, size_t cap, int32_t msgid, int level,
                        const uint8_t *user, size_t ulen, const struct user *us,
                        const struct keys *k, const uint8_t *scoped, size_t slen)
{
    uint8_t *enc = u->scratch + SCRATCH;
    uint8_t salt[8];
    const uint8_t *data = scoped;
    size_t dlen = slen;
    int encrypted = 0;
    if (level == L_PRIV) {
        if (slen > SCRATCH - 16) {
            return 0;
        }
        dlen = encrypt_scoped(u, us, k, scoped, slen, enc, salt);
        data = enc;
        encrypted = 1;
    }
    size_t maclen = level != L_NOAUTH ? mac_len(us->auth) : 0;
    size_t privlen = encrypted ? 8 : 0;
    uint32_t etime = engine_time(u);
    size_t usm_body = ber_hdr_size(u->engine_len) + u->engine_len + ber_int_size(u->boots) +
                      ber_int_size(etime) + ber_hdr_size(ulen) + ulen +
                      ber_hdr_size(maclen) + maclen + ber_hdr_size(privlen) + privlen;
    size_t usm_seq = ber_hdr_size(usm_body) + usm_body;
    size_t glob_body = ber_int_size(msgid) + ber_int_size(65507) + 3 + ber_int_size(3);
    size_t msgdata = encrypted ? ber_hdr_size(dlen) + dlen : dlen;
    size_t body = ber_int_size(3) + ber_hdr_size(glob_body) + glob_body +
                  ber_hdr_size(usm_seq) + usm_seq + msgdata;
    size_t total = ber_hdr_size(body) + body;
    if (total > cap) {
        return 0;
    }
    uint8_t *p = ber_put_hdr(out, BER_SEQUENCE, body);
    p = ber_put_int(p, 3);
    p = ber_put_hdr(p, BER_SEQUENCE, glob_body);
    p = ber_put_int(p, msgid);
    p = ber_put_int(p, 65507);
    uint8_t flags = (uint8_t)(level == L_PRIV ? 3 : level == L_AUTH ? 1 : 0);
    p = put_octets(p, &flags, 1);
    p = ber_put_int(p, 3);
    p = ber_put_hdr(p, BER_OCTETSTRING, usm_seq);
    p = ber_put_hdr(p, BER_SEQUENCE, usm_body);
    p = put_octets(p, u->engine, u->engine_len);
    p = ber_put_int(p, u->boots);
    p = ber_put_int(p, etime);
    p = put_octets(p, user, ulen);
    p = ber_put_hdr(p, BER_OCTETSTRING, maclen);
    uint8_t *macp = p;
    memset(p, 0, maclen);
    p += maclen;
    p = put_octets(p, salt, privlen);
    if (encrypted) {
        p = put_octets(p, data, dlen);
    } else {
        memcpy(p, data, dlen);
        p += dlen;
    }
    if (maclen > 0) {
        union hctx state;
        hmac(us, k, &state, out, total, macp);
    }
    return total;
}

/* scopedPDU { ctxEngine, ctxName, PDU } into out */
static size_t encode_scoped(uint8_t *out, size_t cap, const uint8_t *ce, size_t celen,
                            const uint8_t *cn, size_t cnlen, const uint8_t *pdu, size_t plen)
{
    size_t body = ber_hdr_size(celen) + celen + ber_hdr_size(cnlen) + cnlen + plen;
    size_t total = ber_hdr_size(body) + body;
    if (total > cap) {
        return 0;
    }
    uint8_t *p = ber_put_hdr(out, BER_SEQUENCE, body);
    p = put_octets(p, ce, celen);
    p = put_octets(p, cn, cnlen);
    memcpy(p, pdu, plen);
    return total;
}

/* A Report with one usmStats counter (1.3.6.1.6.3.15.1.1.<which>.0 = Counter32 1). */
static size_t encode_report(struct usm *u, const struct snmp_msg *m, int which, int32_t reqid,
                            int level, const struct user *us, const struct keys *k,
                            uint8_t *out, size_t cap)
{
    uint8_t vbl[32], pdu[64], scoped[160];
    static const uint8_t oid[] = { 0x2b, 6, 1, 6, 3, 15, 1, 1, 0, 0 };
    uint8_t o[sizeof oid];
    memcpy(o, oid, sizeof oid);
    o[8] = (uint8_t)which;
    size_t vb = 2 + sizeof o + 3;                 /* OID TLV + Counter32 TLV */
    uint8_t *p = ber_put_hdr(vbl, BER_SEQUENCE, 2 + vb);
    p = ber_put_hdr(p, BER_SEQUENCE, vb);
    p = ber_put_hdr(p, BER_OID, sizeof o);
    memcpy(p, o, sizeof o);
    p += sizeof o;
    *p++ = SNMP_COUNTER32;
    *p++ = 1;
    *p++ = 1;
    size_t vlen = (size_t)(p - vbl);
    size_t plen = snmp_encode_pdu(pdu, sizeof pdu, SNMP_PDU_REPORT, reqid, 0, 0, vbl, vlen);
    size_t slen = encode_scoped(scoped, sizeof scoped, u->engine, u->engine_len, NULL, 0, pdu,
                                plen);
    if (plen == 0 || slen == 0) {
        return 0;
    }
    return encode_v3(u, out, cap, m->msg_id, level, m->user, m->user_len, us, k, scoped, slen);
}

/* ---- receiving ---- */

static int find_user(const struct usm *u, const struct snmp_msg *m)
{
    int any = -1;
    for (size_t i = 0; i < u->nusers; i++) {
        const struct user *us = &u->users[i];
        if (us->name_len != m->user_len || memcmp(us->name, m->user, m->user_len) != 0 ||
            !us->authorized) {
            continue;
        }
        if (us->pin_len == 0) {
            if (any < 0) {
                any = (int)i;
            }
        } else if (us->pin_len == m->engine_id_len &&
                   memcmp(us->pin, m->engine_id, us->pin_len) == 0) {
            return (int)i;     /* a pinned user wins over an unpinned one */
        }
    }
    return any;
}

static int decrypt_scoped(const struct user *us, const struct keys *k, const struct snmp_msg *m,
                          uint8_t *plain, size_t cap)
{
    size_t n = m->scoped_len;
    if (m->priv_params_len != 8 || n > cap || n == 0) {
        return -1;
    }
    uint8_t iv[16];
    if (us->priv == P_DES) {
        if (n % 8 != 0) {
            return -1;
        }
        for (int i = 0; i < 8; i++) {
            iv[i] = k->privkey[8 + i] ^ m->priv_params[i];
        }
        cbc_decrypt(&k->cipher.des, (nettle_cipher_func *)des_decrypt, 8, iv, n, plain,
                    m->scoped);
        return 0;
    }
    uint32_t b = m->boots, t = m->time;
    uint8_t pre[8] = { (uint8_t)(b >> 24), (uint8_t)(b >> 16), (uint8_t)(b >> 8), (uint8_t)b,
                       (uint8_t)(t >> 24), (uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)t };
    memcpy(iv, pre, 8);
    memcpy(iv + 8, m->priv_params, 8);
    nettle_cipher_func *f = us->priv == P_AES128 ? (nettle_cipher_func *)aes128_encrypt :
                            (us->priv == P_AES192 || us->priv == P_AES192C)
                                ? (nettle_cipher_func *)aes192_encrypt
                                : (nettle_cipher_func *)aes256_encrypt;
    cfb_decrypt(&k->cipher, f, 16, iv, n, plain, m->scoped);
    return 0;
}

/* RFC 3414 3.2: errors on messages to our engine (informs) are reported to the sender,
 * unauthenticated, so snmpinform fails at once instead of timing out:
 * 1 unsupportedSecLevels, 3 unknownUserNames, 5 wrongDigests, 6 decryptionErrors. */
static int fail_report(struct usm *u, struct snmp_msg *m, int ours, int reportable, int which,
                       int result, uint8_t *out, size_t outcap, size_t *outlen)
{
    if (ours && reportable) {
        *outlen = encode_report(u, m, which, 0, L_NOAUTH, NULL, NULL, out, outcap);
    }
    return result;
}

int usm_process(struct usm *u, struct snmp_msg *m, const uint8_t *dgram, size_t len,
                uint8_t *plain, size_t plaincap, struct snmp_arena *a, uint8_t *out,
                size_t outcap, size_t *outlen)
{
    *outlen = 0;
    u->last_keys = NULL;
    int level = m->flags & 3;
    int reportable = (m->flags & 4) != 0;
    if (m->sec_model != 3 || level == 2) {
        return USM_MALFORMED_PDU;
    }
    int ours = m->engine_id_len == u->engine_len &&
               memcmp(m->engine_id, u->engine, u->engine_len) == 0;
    if (m->engine_id_len == 0) {
        /* discovery (RFC 3414 4): answer with our engine ID, boots and time */
        int32_t reqid = 0;
        if (!m->encrypted) {
            (void)snmp_decode_scoped(m->scoped, m->scoped_len, m, a);
            reqid = m->pdu.request_id;   /* set as soon as the PDU header decoded */
        }
        if (reportable) {
            *outlen = encode_report(u, m, 4, reqid, L_NOAUTH, NULL, NULL, out, outcap);
        }
        return USM_UNKNOWN_ENGINE;
    }
    int ui = find_user(u, m);
    if (ui < 0) {
        return fail_report(u, m, ours, reportable, 3, USM_UNKNOWN_USER, out, outcap, outlen);
    }
    const struct user *us = &u->users[ui];
    if (level < us->min_level || (level >= L_AUTH && us->auth == A_NONE) ||
        (level == L_PRIV && us->priv == P_NONE)) {
        return fail_report(u, m, ours, reportable, 1, USM_WRONG_LEVEL, out, outcap, outlen);
    }
    struct keys *k = NULL;
    if (level >= L_AUTH) {
        k = get_keys(u, (size_t)ui, m->engine_id, m->engine_id_len);
        size_t ml = mac_len(us->auth);
        if (m->auth_params_len != ml || len > SCRATCH) {
            return fail_report(u, m, ours, reportable, 5, USM_AUTH_FAILURE, out, outcap, outlen);
        }
        uint8_t *copy = u->scratch;
        memcpy(copy, dgram, len);
        memset(copy + (m->auth_params - dgram), 0, ml);
        uint8_t mac[MAX_KEY];
        union hctx state;
        hmac(us, k, &state, copy, len, mac);
        if (!memeql_sec(mac, m->auth_params, ml)) {
            return fail_report(u, m, ours, reportable, 5, USM_AUTH_FAILURE, out, outcap, outlen);
        }
        /* timeliness (RFC 3414 3.2 step 7) */
        if (ours) {
            uint32_t now = engine_time(u);
            if (m->boots != u->boots || m->boots == 2147483647 ||
                (m->time > now ? m->time - now : now - m->time) > TIME_WINDOW) {
                if (reportable) {
                    *outlen = encode_report(u, m, 2, 0, L_AUTH, us, k, out, outcap);
                }
                return USM_TIME_WINDOW;
            }
        } else {
            time_t wall = time(NULL);
            if (k->seen != 0) {
                uint64_t est = (uint64_t)k->time + (uint64_t)(wall - k->seen);
                if (m->boots < k->boots ||
                    (m->boots == k->boots && (uint64_t)m->time + TIME_WINDOW < est)) {
                    return USM_TIME_WINDOW;
                }
            }
            if (k->seen == 0 || m->boots > k->boots ||
                (m->boots == k->boots && m->time >= k->time)) {
                k->boots = m->boots;
                k->time = m->time;
                k->seen = wall;
            }
        }
    }
    int rc;
    if (level == L_PRIV) {
        if (!m->encrypted || decrypt_scoped(us, k, m, plain, plaincap) != 0) {
            return fail_report(u, m, ours, reportable, 6, USM_DECRYPT_FAILURE, out, outcap,
                               outlen);
        }
        rc = snmp_decode_scoped(plain, m->scoped_len, m, a);
        if (rc == SNMP_E_MALFORMED) {      /* garbage: the wrong privacy key */
            return fail_report(u, m, ours, reportable, 6, USM_DECRYPT_FAILURE, out, outcap,
                               outlen);
        }
    } else {
        if (m->encrypted) {
            return USM_WRONG_LEVEL;
        }
        rc = snmp_decode_scoped(m->scoped, m->scoped_len, m, a);
    }
    if (rc == SNMP_E_PDUTYPE) {
        return USM_BAD_PDU;
    }
    if (rc != SNMP_OK) {
        return USM_MALFORMED_PDU;
    }
    if (m->pdu.type == SNMP_PDU_INFORM && !ours) {
        /* an inform must be sent to us as the authoritative engine */
        if (reportable) {
            *outlen = encode_report(u, m, 4, m->pdu.request_id, L_NOAUTH, NULL, NULL, out,
                                    outcap);
        }
        return USM_UNKNOWN_ENGINE;
    }
    u->last_keys = k;
    u->last_level = level;
    return USM_OK;
}

size_t usm_encode_response(struct usm *u, const struct snmp_msg *m, uint8_t *out, size_t cap)
{
    uint8_t *pdu = u->scratch, *scoped;
    size_t plen = snmp_encode_pdu(pdu, SCRATCH / 2, SNMP_PDU_RESPONSE, m->pdu.request_id, 0,
                                  0, m->pdu.vbl_raw, m->pdu.vbl_raw_len);
    if (plen == 0) {
        return 0;
    }
    scoped = u->scratch + SCRATCH / 2;
    size_t slen = encode_scoped(scoped, SCRATCH / 2, m->ctx_engine, m->ctx_engine_len,
                                m->ctx_name, m->ctx_name_len, pdu, plen);
    if (slen == 0) {
        return 0;
    }
    const struct user *us = u->last_keys != NULL ? &u->users[u->last_keys->user] : NULL;
    int level = u->last_level;
    if (level != L_NOAUTH && us == NULL) {
        return 0;
    }
    return encode_v3(u, out, cap, m->msg_id, level, m->user, m->user_len, us, u->last_keys,
                     scoped, slen);
}
