/*
 * render.h - what a decoded notification becomes: net-snmp snmptrapd's default text and
 * the $!snmp JSON tree.  Used by imsnmptrap.c and the fuzz target.
 *
 * Ownership: the text goes into a caller-owned struct sl_buf grown with realloc (freed by
 * the caller with free(b->p)); the JSON tree is a new libfastjson object owned by the caller.
 *
 * Concurrency & locking: none (pure functions of their arguments).
 */
#ifndef SLUICE_IMSNMPTRAP_RENDER_H
#define SLUICE_IMSNMPTRAP_RENDER_H

#include <sys/socket.h>
#include <time.h>

#include "sluice/sl_plugin.h"
#include "ber.h"

/* "UDP: [src]:port->[dst]:port" (IPv4) or "UDP/IPv6: [src]:port" as net-snmp prints the
 * transport (snmptrapd's %b).  dst may be NULL (IPv4 then prints only the source). */
void snmp_transport_str(char *out, size_t cap, const struct sockaddr *src,
                        const struct sockaddr *dst);

/* snmptrapd's default log text for m (print_handler without -F, with -n -On): v1
 * "DATE AGENT [AGENT] (via TRANSPORT) TRAP, SNMP v1, community C\n\tENT DESCR Trap (S)
 * Uptime: T\n\tVB\tVB...\n", v2c/v3 "DATE TRANSPORT [TRANSPORT]:\nVB\tVB...\n".  `now` is
 * shown in local time.  Appends to b; 0 or -1 (out of memory). */
int snmp_render_text(struct sl_buf *b, const struct snmp_msg *m, const char *transport,
                     time_t now);

/* The local time zone's offset from UTC in minutes at `now` (cached per second). */
int16_t snmp_tz_offset(time_t now);

/* One varbind value as net-snmp prints it ("INTEGER: 5", "STRING: \"x\"", ...). */
int snmp_render_value(struct sl_buf *b, const struct snmp_vb *vb);
/* ".1.3.6..." */
int snmp_render_oid(struct sl_buf *b, const uint32_t *oid, size_t n);

/* MIB names (trapmib_name's signature): "MODULE::name.suffix" into out, its length or 0;
 * the enum label of an INTEGER value into lab. */
typedef size_t (*snmp_namer)(const uint32_t *sub, size_t n, char *out, size_t cap,
                             int has_int, int64_t ival, char *lab, size_t labcap);

/* The $!snmp tree (a struct json_object *).  With a namer, OIDs a MIB names get "name"
 * (and "label" for enumerated INTEGERs), the trap OID "trap_name".  NULL on out of
 * memory. */
void *snmp_json(const struct snmp_msg *m, snmp_namer namer);

#endif
