/*
 * fuzz_parse.c - fuzz target: the parse driver and its parsers (RFC 5424, RFC 3164, the
 * imuxsock local parser) on one raw message, then every property rendered.
 *
 * Input: byte 0 selects parser options (bit 0 no control-character escaping, 1 keep
 * trailing LF, 2 SpaceLFOnReceive, 3 escape 8-bit, 4 permit slashes/at-signs/square
 * brackets in hostnames, 5 force tag colon + remove first space + detect year, 6 the local
 * (imuxsock) parser instead of the network chain, 7 its IgnoreTimestamp); the rest is the
 * message as received.  A network message (bit 6 clear) first goes through rsyslog's
 * compression extension (parse/uncompress.c: 'z' + zlib, at most 8096 bytes out) as the
 * worker does before parsing.
 *
 * Ownership: the message is freed per input.  Concurrency & locking: none.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "parse/parse.h"
#include "parse/uncompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t f = data[0];
    (void)fuzz_registry();
    struct sl_parse_opts o;
    sl_parse_opts_default(&o);
    o.escape_cc_on_receive = !(f & 1);
    o.drop_trailing_lf = !(f & 2);
    o.space_lf_on_receive = (f & 4) != 0;
    o.escape_8bit = (f & 8) != 0;
    o.permit_slashes = o.permit_atsigns = o.permit_squared_tag = (f & 16) != 0;
    o.force_tag_colon = o.remove_msg_first_space = o.detect_year_after_ts = (f & 32) != 0;
    struct sl_msg *m = sl_msg_new((const char *)data + 1, size - 1);
    if (m == NULL) {
        return 0;
    }
    if (f & 64) {
        struct sl_local_meta lm = { .flags = SL_LOCAL_UXSOCK | ((f & 128) ? SL_LOCAL_IGNORE_TS : 0) };
        sl_msg_set_local(m, &lm);
    }
    if (!(f & 64)) {
        int zrc;
        (void)sl_msg_uncompress(m, 8096, &zrc);
    }
    sl_msg_parse(m, &o);
    fuzz_render_all(m);
    sl_msg_unref(m);
    return 0;
}
