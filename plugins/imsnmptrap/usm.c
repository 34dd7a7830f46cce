/*
 * usm.c - SNMPv3 USM for imsnmptrap (stub: v3 not yet accepted; every v3 message is
 * counted as an unknown user).
 *
 * Ownership & concurrency: see usm.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "usm.h"

struct usm {
    const struct sl_host *h;
};

struct usm *usm_new(const struct sl_host *h)
{
    struct usm *u = calloc(1, sizeof *u);
    if (u != NULL) {
        u->h = h;
    }
    return u;
}

void usm_free(struct usm *u)
{
    free(u);
}

int usm_add_user_line(struct usm *u, const char *line, const char *where, int lineno)
{
    (void)line;
    u->h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: %s %d: SNMPv3 users not supported yet",
              where, lineno);
    return -1;
}

int usm_read_snmptrapd_conf(struct usm *u, const char *path, int *any_community)
{
    (void)path;
    (void)any_community;
    (void)u;
    return -1;
}

int usm_community_ok(const struct usm *u, const uint8_t *c, size_t len)
{
    (void)u;
    (void)c;
    (void)len;
    return 0;
}

int usm_start(struct usm *u, const char *workdir, const char *engine_id_hex,
              const char *label)
{
    (void)u;
    (void)workdir;
    (void)engine_id_hex;
    (void)label;
    return 0;
}

int usm_process(struct usm *u, struct snmp_msg *m, const uint8_t *dgram, size_t len,
                uint8_t *plain, size_t plaincap, struct snmp_arena *a, uint8_t *out,
                size_t outcap, size_t *outlen)
{
    (void)u, (void)m, (void)dgram, (void)len, (void)plain, (void)plaincap, (void)a, (void)out;
    (void)outcap;
    *outlen = 0;
    return USM_UNKNOWN_USER;
}

size_t usm_encode_response(struct usm *u, const struct snmp_msg *m, uint8_t *out, size_t cap)
{
    (void)u, (void)m, (void)out, (void)cap;
    return 0;
}
