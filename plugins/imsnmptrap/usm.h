/*
 * usm.h - SNMPv3 User-based Security Model for imsnmptrap: users, localized keys per
 * engine ID (cached), authentication, decryption, sluice's own engine (for informs) and
 * snmptrapd.conf reading.  See usm.c.
 *
 * Ownership: struct usm is owned by one imsnmptrap instance (usm_new/usm_free).
 * Concurrency & locking: configuration calls on the main thread before the input thread
 * starts; usm_process/usm_encode_response only from the input thread.
 */
#ifndef SLUICE_IMSNMPTRAP_USM_H
#define SLUICE_IMSNMPTRAP_USM_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/sl_plugin.h"
#include "ber.h"

enum usm_result {
    USM_OK = 0,
    USM_UNKNOWN_USER,
    USM_WRONG_LEVEL,
    USM_AUTH_FAILURE,
    USM_DECRYPT_FAILURE,
    USM_TIME_WINDOW,
    USM_UNKNOWN_ENGINE,    /* discovery probe or an inform to another engine: Report sent */
    USM_MALFORMED_PDU,     /* the (decrypted) scoped PDU does not decode */
    USM_BAD_PDU            /* not a notification */
};

struct usm;

struct usm *usm_new(const struct sl_host *h);
void usm_free(struct usm *u);
/* A createUser line (snmptrapd.conf syntax without the keyword):
 *   [-e ENGINEID] NAME [MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512 AUTHPASS
 *                       [DES|AES|AES-128|AES-192|AES-256|AES-192-C|AES-256-C PRIVPASS]]
 * (also -a/-A/-x/-X style is not needed: snmptrapd's own syntax).  `where`/`lineno` for
 * errors, which never show the passphrases.  0 or -1 (logged). */
int usm_add_user_line(struct usm *u, const char *line, const char *where, int lineno);
/* Read createUser, authUser, authCommunity and disableAuthorization from an snmptrapd.conf.
 * 0 or -1 (logged). */
int usm_read_snmptrapd_conf(struct usm *u, const char *path);
/* "disableAuthorization yes" was read: any community is accepted. */
int usm_any_community(const struct usm *u);
/* Take over old's engine (ID, boots, clock, salt): a reload keeps sluice's identity. */
void usm_adopt_engine(struct usm *u, const struct usm *old);
/* A community from authCommunity lines? */
int usm_community_ok(const struct usm *u, const uint8_t *c, size_t len);
/* Before the first message: sluice's engine ID (hex "0x80..." or NULL: made once and kept
 * in workDirectory) and engineBoots (persisted there, incremented at each start). */
int usm_start(struct usm *u, const char *workdir, const char *engine_id_hex,
              const char *label);

/* Authenticate and decrypt a v3 message decoded with snmp_decode(..., header_only=1) from
 * dgram; on USM_OK the scoped PDU is decoded into m (using plain as scratch).  A Report to
 * send back may be written to out (*outlen > 0) whatever the result. */
int usm_process(struct usm *u, struct snmp_msg *m, const uint8_t *dgram, size_t len,
                uint8_t *plain, size_t plaincap, struct snmp_arena *a, uint8_t *out,
                size_t outcap, size_t *outlen);
/* The Response to a v3 inform accepted by usm_process; 0 on failure. */
size_t usm_encode_response(struct usm *u, const struct snmp_msg *m, uint8_t *out, size_t cap);

#endif
