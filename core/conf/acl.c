/*
 * acl.c - the legacy $AllowedSender directive (rsyslog's sender ACLs for UDP and TCP), read
 * as rsyslog 8.2302 reads it (runtime/net.c, parse.c; behaviour checked against rsyslogd):
 *
 *   $AllowedSender PROTO, ENTRY[, ENTRY ...]     PROTO: UDP, TCP or GSS
 *   ENTRY: 192.0.2.0/24 (IPv4; no /bits: /32), [2001:db8::]/32 (IPv6; no /bits: /128),
 *          a host name (resolved now; every address it has becomes a /32 or /128 entry),
 *          or a wildcard host name (*.example.com, host?.example.net) matched against the
 *          sender's resolved name.  Entries are separated by commas and/or blanks; '#'
 *          at the start of an entry ends the line.
 * rsyslog's complaints are given with the same words and FILE:LINE, as errors it runs past
 * (sluiced starts, -N1 exits non-zero): 0 bits ("would match ALL systems", then adjusted to
 * 32), too many bits (adjusted to 32 / 128), an unknown protocol (line ignored), a name that
 * does not resolve (not added), an address that does not parse (the rest of the line
 * ignored; rsyslog 8.2302 crashes on "/x" where sluice reports it).
 *
 * Each line's entries are appended, in rsyslog's order, to the list of its protocol, kept
 * as a normalised text in the implicit global() settings "$AllowedSender.UDP" and
 * "$AllowedSender.TCP" (names no global() statement can write): blank-separated
 * "ADDR/BITS" (address already masked), "[ADDR6]/BITS" or "NAME-WILDCARD".  imudp and imtcp
 * read them with host->global_str() and match with plugins/common/sl_acl.c.  GSS entries
 * are accepted and kept nowhere (sluice has no GSS-API input).
 *
 * Hand-written: rsyslog's ACL syntax and its error semantics are its own; no library parses
 * them.  Ownership: the texts belong to the global() object's kv list.
 * Concurrency & locking: none (main thread, config load only).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conf/conf_int.h"
#include "log.h"
#include "util/buf.h"

/* appends one normalised entry to the protocol's list */
static void acl_add(struct sl_pstate *ps, const char *gname, const char *entry, struct sl_loc loc)
{
    struct sl_obj *g = sl_legacy_global_obj(ps, loc);
    struct sl_kv *k = sl_kv_find(g->kv, gname);
    if (k == NULL || k->str == NULL) {
        sl_kv_set_implicit(&g->kv, gname, entry, loc);
        return;
    }
    size_t a = strlen(k->str), b = strlen(entry);
    char *s = sl_xmalloc(a + b + 2);
    memcpy(s, k->str, a);
    s[a] = ' ';
    memcpy(s + a + 1, entry, b + 1);
    free(k->str);
    k->str = s;
}

static void mask4(struct in_addr *a, int bits)
{
    uint32_t m = bits >= 32 ? 0xffffffffu : (bits <= 0 ? 0 : 0xffffffffu << (32 - bits));
    a->s_addr &= htonl(m);
}

static void mask6(struct in6_addr *a, int bits)
{
    for (int i = 0; i < 16; i++) {
        int keep = bits - i * 8;
        if (keep >= 8) {
            continue;
        }
        a->s6_addr[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
}

/* a numeric address with its bits, after rsyslog's checks */
static void add_numeric(struct sl_pstate *ps, const char *gname, int fam, void *addr, int bits,
                        struct sl_loc loc)
{
    char txt[INET6_ADDRSTRLEN + 8], ent[INET6_ADDRSTRLEN + 16];
    if (bits == 0) {
        sl_perr_soft(ps, &loc, "You can not specify 0 bits of the netmask, this would match ALL "
                     "systems. If you really intend to do that, remove all $AllowedSender "
                     "directives.");
    }
    if (fam == AF_INET) {
        if (bits < 1 || bits > 32) {
            sl_perr_soft(ps, &loc, "Invalid number of bits (%d) in IPv4 address - adjusted to 32",
                         bits);
            bits = 32;
        }
        mask4(addr, bits);
        inet_ntop(AF_INET, addr, txt, sizeof txt);
        snprintf(ent, sizeof ent, "%s/%d", txt, bits);
    } else {
        if (bits < 1 || bits > 128) {
            sl_perr_soft(ps, &loc,
                         "Invalid number of bits (%d) in IPv6 address - adjusted to 128", bits);
            bits = 128;
        }
        mask6(addr, bits);
        inet_ntop(AF_INET6, addr, txt, sizeof txt);
        snprintf(ent, sizeof ent, "[%s]/%d", txt, bits);
    }
    acl_add(ps, gname, ent, loc);
}

/* a host name without wildcards: its addresses now, as rsyslog does */
static void add_resolved(struct sl_pstate *ps, const char *gname, const char *name,
                         struct sl_loc loc)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_ADDRCONFIG;
    if (getaddrinfo(name, NULL, &hints, &res) != 0) {
        sl_perr_soft(ps, &loc, "DNS error: Can't resolve \"%s\"", name);
        sl_perr_soft(ps, &loc, "Hostname \"%s\" WON'T be added to ACL.", name);
        sl_perr_soft(ps, &loc, "Error adding allowed sender entry - ignoring.");
        return;
    }
    for (struct addrinfo *r = res; r != NULL; r = r->ai_next) {
        if (r->ai_family == AF_INET) {
            struct in_addr a = ((struct sockaddr_in *)(void *)r->ai_addr)->sin_addr;
            add_numeric(ps, gname, AF_INET, &a, 32, loc);
        } else if (r->ai_family == AF_INET6) {
            struct in6_addr a6 = ((struct sockaddr_in6 *)(void *)r->ai_addr)->sin6_addr;
            if (IN6_IS_ADDR_V4MAPPED(&a6)) {
                struct in_addr a;
                memcpy(&a, &a6.s6_addr[12], 4);
                add_numeric(ps, gname, AF_INET, &a, 32, loc);
            } else {
                add_numeric(ps, gname, AF_INET6, &a6, 128, loc);
            }
        }
    }
    freeaddrinfo(res);
}

void sl_legacy_allowed_sender(struct sl_pstate *ps, const char *args, struct sl_loc loc)
{
    const char *p = args;
    const char *comma = strchr(p, ',');
    size_t nlen = comma != NULL ? (size_t)(comma - p) : strlen(p);
    char proto[32];
    while (nlen > 0 && isspace((unsigned char)p[nlen - 1])) {
        nlen--;
    }
    while (nlen > 0 && isspace((unsigned char)*p)) {
        p++;
        nlen--;
    }
    snprintf(proto, sizeof proto, "%.*s", (int)(nlen < sizeof proto ? nlen : sizeof proto - 1), p);
    const char *gname;
    if (strcasecmp(proto, "udp") == 0) {
        gname = "$AllowedSender.UDP";
    } else if (strcasecmp(proto, "tcp") == 0) {
        gname = "$AllowedSender.TCP";
    } else if (strcasecmp(proto, "gss") == 0) {
        gname = NULL;
    } else {
        sl_perr_soft(ps, &loc, "Invalid protocol '%s' in allowed sender list, line ignored",
                     proto);
        return;
    }
    p = comma != NULL ? comma + 1 : p + nlen;
    for (;;) {
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (*p == '\0' || *p == '#') {
            break;
        }
        const char *s = p;
        while (*p != '\0' && *p != '/' && *p != ',' && !isspace((unsigned char)*p)) {
            p++;
        }
        char tok[300];
        snprintf(tok, sizeof tok, "%.*s", (int)((size_t)(p - s) < sizeof tok ? (size_t)(p - s)
                                                                             : sizeof tok - 1), s);
        int v6 = tok[0] == '[';
        char *host = tok;
        if (v6) {
            char *rb = strchr(tok, ']');
            if (rb == NULL) {
                sl_perr_soft(ps, &loc, "error parsing address '%s' in allowed sender list - "
                             "ignoring the rest of the line", tok);
                return;
            }
            *rb = '\0';
            host = tok + 1;
        }
        int bits = v6 ? 128 : 32;
        if (*p == '/') {
            p++;
            if (!isdigit((unsigned char)*p)) {
                sl_perr_soft(ps, &loc, "error parsing the mask bits of '%s' in allowed sender "
                             "list - ignoring the rest of the line", tok);
                return;
            }
            bits = 0;
            while (isdigit((unsigned char)*p)) {
                bits = bits < 100000 ? bits * 10 + (*p - '0') : bits;
                p++;
            }
        }
        while (*p == ',' || isspace((unsigned char)*p)) {
            p++;
        }
        if (gname == NULL) {
            continue;
        }
        /* numeric as getaddrinfo(AI_NUMERICHOST) reads it ("10.1" included), as rsyslog */
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = v6 ? AF_INET6 : AF_INET;
        hints.ai_flags = AI_NUMERICHOST;
        if (*host != '\0' && getaddrinfo(host, NULL, &hints, &res) == 0) {
            if (v6) {
                struct in6_addr a6 = ((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr;
                add_numeric(ps, gname, AF_INET6, &a6, bits, loc);
            } else {
                struct in_addr a4 = ((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr;
                add_numeric(ps, gname, AF_INET, &a4, bits, loc);
            }
            freeaddrinfo(res);
        } else if (strchr(host, '*') != NULL || strchr(host, '?') != NULL) {
            acl_add(ps, gname, host, loc);
        } else if (*host != '\0') {
            add_resolved(ps, gname, host, loc);
        }
    }
}
