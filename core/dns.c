/*
 * dns.c - who this host and its peers are: the local host name ($myhostname, the host of
 * internal messages), the local domain, and reverse DNS for fromhost with a small cache, as
 * rsyslog does it (getnameinfo() with NI_NAMEREQD, lower-cased, local domain cut off unless
 * preserveFQDN).
 *
 * Ownership: sl_dns_fromhost() returns a malloc'd string the caller owns; cached names are
 * the cache's.
 *
 * Concurrency & locking: the cache is one fixed table under one mutex (256 entries, the
 * oldest replaced first); entries live for ever unless global(reverseLookup.cache.ttl.enable
 * ="on"), then reverseLookup.cache.ttl.default seconds (24 h), as in rsyslog's dnscache.c;
 * both settings are atomics.  The lookup itself runs outside the lock.  The DNS switch (global net.enableDNS,
 * sl_msg_set_dns) is atomic.  The local host name is set before threads start
 * (sl_set_local_hostname) or computed once under pthread_once, the local domain likewise.
 */
#include "config.h"

#include <ctype.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "msg_int.h"
#include "util/buf.h"

/* ---------------------------------------------------------------------------------------
 * Local host name
 * ------------------------------------------------------------------------------------- */
static char local_hostname[256];
static int local_hostname_set;
static pthread_once_t local_hostname_once = PTHREAD_ONCE_INIT;

static void local_hostname_init(void)
{
    if (local_hostname_set) {
        return;
    }
    char buf[256];
    if (gethostname(buf, sizeof(buf)) != 0) {
        strcpy(buf, "localhost");
    }
    buf[sizeof(buf) - 1] = '\0';
    char *dot = strchr(buf, '.');
    if (dot != NULL) {
        *dot = '\0';  /* rsyslog drops the domain unless preserveFQDN is on */
    }
    snprintf(local_hostname, sizeof(local_hostname), "%s", buf);
}

const char *sl_local_hostname(void)
{
    pthread_once(&local_hostname_once, local_hostname_init);
    return local_hostname;
}

void sl_set_local_hostname(const char *name)
{
    snprintf(local_hostname, sizeof(local_hostname), "%s", name ? name : "");
    local_hostname_set = 1;
}

void sl_msg_set_dns(int on)
{
    sl_dns_set_enabled(on);
}

/* ---------------------------------------------------------------------------------------
 * Reverse DNS for fromhost, as rsyslog: getnameinfo() with NI_NAMEREQD; on failure (or with
 * DNS off: global(net.enableDNS="off"), or when the PTR name is itself a numeric address)
 * the numeric address.  A resolved name is lower-cased and, if what follows its first dot is
 * the local domain, cut there (rsyslog's default preserveFQDN="off").
 * ------------------------------------------------------------------------------------- */
#define DNS_CACHE_SLOTS 256

struct dns_entry {
    struct sockaddr_storage addr;
    socklen_t len;
    char *name;
    time_t added;
};

static atomic_int dns_on = 1;
static atomic_int ttl_enabled;                        /* rsyslog's default: off */
static _Atomic int64_t ttl_seconds = 24 * 3600;
static atomic_ulong n_resolved;                       /* resolve() calls (tests) */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dns_entry cache[DNS_CACHE_SLOTS];
static unsigned cache_next;

static char local_domain[256];
static pthread_once_t domain_once = PTHREAD_ONCE_INIT;

static void domain_init(void)
{
    char host[256];
    if (gethostname(host, sizeof(host)) != 0) {
        return;
    }
    host[sizeof(host) - 1] = '\0';
    const char *fqdn = host;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_CANONNAME;
    if (strchr(host, '.') == NULL && getaddrinfo(host, NULL, &hints, &res) == 0 &&
        res != NULL && res->ai_canonname != NULL) {
        fqdn = res->ai_canonname;
    }
    const char *dot = strchr(fqdn, '.');
    if (dot != NULL) {
        snprintf(local_domain, sizeof(local_domain), "%s", dot + 1);
    }
    if (res != NULL) {
        freeaddrinfo(res);
    }
}

const char *sl_local_domain(void)
{
    pthread_once(&domain_once, domain_init);
    return local_domain;
}

void sl_dns_set_enabled(int on)
{
    atomic_store(&dns_on, on ? 1 : 0);
}

int sl_dns_enabled(void)
{
    return atomic_load(&dns_on);
}

void sl_dns_set_cache_ttl(int enable, int64_t seconds)
{
    atomic_store(&ttl_enabled, enable ? 1 : 0);
    atomic_store(&ttl_seconds, seconds < 0 ? 0 : seconds);
}

unsigned long sl_dns_lookup_count(void)
{
    return atomic_load(&n_resolved);
}

static char *numeric(const struct sockaddr *sa, socklen_t len)
{
    char host[NI_MAXHOST];
    if (getnameinfo(sa, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0) {
        host[0] = '\0';
    }
    return sl_xstrdup(host);
}

/* Compare only family + address (not the port). */
static int same_addr(const struct sockaddr_storage *a, socklen_t alen,
                     const struct sockaddr *b, socklen_t blen)
{
    if (alen != blen || a->ss_family != b->sa_family) {
        return 0;
    }
    if (b->sa_family == AF_INET) {
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr)) == 0;
    }
    if (b->sa_family == AF_INET6) {
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
    }
    return memcmp(a, b, blen) == 0;
}

static char *resolve(const struct sockaddr *sa, socklen_t len)
{
    atomic_fetch_add(&n_resolved, 1);
    char host[NI_MAXHOST];
    if (getnameinfo(sa, len, host, sizeof(host), NULL, 0, NI_NAMEREQD) != 0) {
        return numeric(sa, len);
    }
    /* a PTR record that is itself a numeric address is not trusted: use the IP */
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_NUMERICHOST;
    if (getaddrinfo(host, NULL, &hints, &res) == 0) {
        freeaddrinfo(res);
        return numeric(sa, len);
    }
    for (char *p = host; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    /* strip the domain if it is exactly the local domain */
    char *dot = strchr(host, '.');
    const char *dom = sl_local_domain();
    if (dot != NULL && dom[0] != '\0' && strcmp(dot + 1, dom) == 0) {
        *dot = '\0';
    }
    return sl_xstrdup(host);
}

char *sl_dns_fromhost(const struct sockaddr *sa, socklen_t len)
{
    if (!atomic_load(&dns_on)) {
        return numeric(sa, len);
    }
    time_t now = time(NULL);
    const int ttl_on = atomic_load(&ttl_enabled);
    const int64_t ttl = atomic_load(&ttl_seconds);
    pthread_mutex_lock(&cache_lock);
    for (unsigned i = 0; i < DNS_CACHE_SLOTS; i++) {
        struct dns_entry *e = &cache[i];
        /* rsyslog: valid until added + ttl, and only when the TTL is enabled */
        if (e->name != NULL && same_addr(&e->addr, e->len, sa, len) &&
            (!ttl_on || (int64_t)(now - e->added) < ttl)) {
            char *r = sl_xstrdup(e->name);
            pthread_mutex_unlock(&cache_lock);
            return r;
        }
    }
    pthread_mutex_unlock(&cache_lock);

    char *name = resolve(sa, len);

    pthread_mutex_lock(&cache_lock);
    struct dns_entry *e = &cache[cache_next];
    cache_next = (cache_next + 1) % DNS_CACHE_SLOTS;
    free(e->name);
    memcpy(&e->addr, sa, len);
    e->len = len;
    e->name = sl_xstrdup(name);
    e->added = now;
    pthread_mutex_unlock(&cache_lock);
    return name;
}
