/*
 * fuzz_snmp.c - libFuzzer target for imsnmptrap's decoders: the BER/SNMP decoder (ber.c),
 * the USM path (usm.c: user lookup, HMAC check, decryption, Reports) and both renderers
 * (render.c: snmptrapd text and the JSON tree).  The seed corpus (tests/fuzz/snmp-corpus)
 * is real PDUs captured from net-snmp's snmptrap/snmpinform; the users below are the ones
 * those seeds were sent with, so authenticated and encrypted seeds reach the scoped PDU.
 *
 * Build (tests/plugins/imsnmptrap-fuzz.sh does it):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -include config.h \
 *     plugins/imsnmptrap/{fuzz_snmp,ber,render,usm}.c -lnettle -lfastjson
 *
 * Ownership & concurrency: one process-wide USM state made on the first input; libFuzzer
 * calls the target from one thread.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <json.h>

#include "ber.h"
#include "render.h"
#include "usm.h"

static void quiet_log(int severity, const char *who, const char *fmt, ...)
{
    (void)severity;
    (void)who;
    (void)fmt;
}

static struct sl_host host = { .version = SL_HOST_VERSION, .log = quiet_log };
static struct usm *usm;
static struct snmp_arena arena;
static uint8_t plain[65536], out[66560];

static void init(void)
{
    static const char *const users[] = {
        "-e 0x80001f8880c0ffee0001 trapuser SHA authpass123 AES privpass123",
        "trap256 SHA-256 authpass123 AES-256 privpass123",
        "md5des MD5 authpass123 DES privpass123",
        "authonly SHA-512 authpass123",
        "nobody",
        "aesc SHA authpass123 AES-256-C privpass123",
        "informuser SHA authpass123 AES privpass123",
    };
    host.struct_size = sizeof host;
    usm = usm_new(&host);
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        if (usm_add_user_line(usm, users[i], "fuzz", (int)i) != 0) {
            abort();
        }
    }
    if (usm_start(usm, NULL, "0x80001f8880feed0001", "imsnmptrap(0)") != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (usm == NULL) {
        init();
    }
    struct snmp_msg m;
    int rc = snmp_decode(data, size, &m, &arena, 1);
    if (rc != SNMP_OK) {
        return 0;
    }
    if (m.version == SNMP_V3) {
        size_t outlen = 0;
        rc = usm_process(usm, &m, data, size, plain, sizeof plain, &arena, out, sizeof out,
                         &outlen);
        if (outlen > 0) {   /* what we would send back must decode */
            struct snmp_msg r;
            static struct snmp_arena ra;
            if (snmp_decode(out, outlen, &r, &ra, 1) != SNMP_OK) {
                abort();
            }
        }
        if (rc != USM_OK) {
            return 0;
        }
        if (m.pdu.type == SNMP_PDU_INFORM) {
            (void)usm_encode_response(usm, &m, out, sizeof out);
        }
    } else if (m.pdu.type == SNMP_PDU_INFORM) {
        size_t pl = snmp_encode_pdu(plain, sizeof plain, SNMP_PDU_RESPONSE, m.pdu.request_id, 0,
                                    0, m.pdu.vbl_raw, m.pdu.vbl_raw_len);
        size_t ol = pl ? snmp_encode_community_msg(out, sizeof out, m.version, m.community,
                                                   m.community_len, plain, pl)
                       : 0;
        struct snmp_msg r;
        static struct snmp_arena ra;
        /* our Response must decode (as a PDU that is not a notification) */
        if (ol == 0 || snmp_decode(out, ol, &r, &ra, 1) != SNMP_E_PDUTYPE ||
            r.pdu.type != SNMP_PDU_RESPONSE || r.pdu.nvb != m.pdu.nvb) {
            abort();
        }
    }
    struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(40000) };
    src.sin_addr.s_addr = htonl(0x7f000001);
    char transport[160];
    snmp_transport_str(transport, sizeof transport, (struct sockaddr *)&src,
                       (struct sockaddr *)&src);
    struct sl_buf b = { 0 };
    if (snmp_render_text(&b, &m, transport, 0) != 0) {
        abort();
    }
    free(b.p);
    struct json_object *j = snmp_json(&m, NULL);
    if (j == NULL) {
        abort();
    }
    (void)json_object_to_json_string(j);
    json_object_put(j);
    return 0;
}
