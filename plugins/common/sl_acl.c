/*
 * sl_acl.c - sender ACLs for the network inputs; see sl_acl.h.  Hand-written: the list
 * format is the core's own text form of rsyslog's $AllowedSender entries, and the matching
 * rules are rsyslog's (mask compare, v4-mapped IPv6, fnmatch on names).
 * Concurrency & locking: immutable after construction.
 */
#include "config.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sl_acl.h"

struct acl_entry {
    int fam;                    /* AF_INET, AF_INET6, or 0: name wildcard */
    int bits;
    unsigned char addr[16];     /* masked */
    char *name;
};

struct sl_acl {
    size_t n;
    int has_names;
    struct acl_entry *e;
};

struct sl_acl *sl_acl_new(const char *list)
{
    if (list == NULL) {
        return NULL;
    }
    struct sl_acl *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return NULL;
    }
    const char *p = list;
    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        const char *s = p;
        while (*p != '\0' && *p != ' ') {
            p++;
        }
        if (p == s) {
            break;
        }
        char tok[300];
        size_t l = (size_t)(p - s) < sizeof tok ? (size_t)(p - s) : sizeof tok - 1;
        memcpy(tok, s, l);
        tok[l] = '\0';
        struct acl_entry e;
        memset(&e, 0, sizeof e);
        char *slash = strrchr(tok, '/');
        char *host = tok;
        if (tok[0] == '[') {
            char *rb = strchr(tok, ']');
            if (rb != NULL) {
                *rb = '\0';
            }
            host = tok + 1;
        } else if (slash != NULL) {
            *slash = '\0';
        }
        if (slash != NULL && inet_pton(tok[0] == '[' ? AF_INET6 : AF_INET, host, e.addr) == 1) {
            e.fam = tok[0] == '[' ? AF_INET6 : AF_INET;
            e.bits = atoi(slash + 1);
        } else {
            e.name = strdup(tok);
            if (e.name == NULL) {
                continue;
            }
            a->has_names = 1;
        }
        struct acl_entry *ne = realloc(a->e, (a->n + 1) * sizeof *ne);
        if (ne == NULL) {
            free(e.name);
            break;
        }
        a->e = ne;
        a->e[a->n++] = e;
    }
    if (a->n == 0) {
        free(a->e);
        free(a);
        return NULL;
    }
    return a;
}

void sl_acl_free(struct sl_acl *a)
{
    if (a == NULL) {
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        free(a->e[i].name);
    }
    free(a->e);
    free(a);
}

int sl_acl_has_names(const struct sl_acl *a)
{
    return a != NULL && a->has_names;
}

/* the first `bits` bits of x and of the (masked) entry y are equal */
static int prefix_eq(const unsigned char *x, const unsigned char *y, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(x, y, (size_t)full) != 0) {
        return 0;
    }
    if (rest == 0) {
        return 1;
    }
    unsigned char m = (unsigned char)(0xff << (8 - rest));
    return (x[full] & m) == y[full];
}

int sl_acl_check(const struct sl_acl *a, const struct sockaddr *sa, const char *host)
{
    if (a == NULL) {
        return 1;
    }
    int need_name = 0;
    const unsigned char *v4 = NULL, *v6 = NULL;
    if (sa->sa_family == AF_INET) {
        v4 = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *x = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        v6 = x->s6_addr;
        if (IN6_IS_ADDR_V4MAPPED(x)) {
            v4 = x->s6_addr + 12;   /* an IPv4 entry matches the mapped form, as in rsyslog */
        }
    }
    for (size_t i = 0; i < a->n; i++) {
        const struct acl_entry *e = &a->e[i];
        if (e->name != NULL) {
            if (host == NULL) {
                need_name = 1;
            } else if (fnmatch(e->name, host, FNM_NOESCAPE | FNM_CASEFOLD) == 0) {
                return 1;
            }
        } else if (e->fam == AF_INET && v4 != NULL) {
            if (prefix_eq(v4, e->addr, e->bits)) {
                return 1;
            }
        } else if (e->fam == AF_INET6 && v6 != NULL && sa->sa_family == AF_INET6) {
            if (prefix_eq(v6, e->addr, e->bits)) {
                return 1;
            }
        }
    }
    return need_name ? 2 : 0;
}
