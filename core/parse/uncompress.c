/*
 * parse/uncompress.c - rsyslog's compression extension on receive (runtime/parser.c,
 * uncompressMessage): a received message whose raw bytes start with 'z' is the rest
 * compressed with zlib (omfwd compression.mode="single" / ziplevel, rsyslog's and
 * sluice's).  With global(parser.supportCompressionExtension="on") (the default) the worker
 * calls this before the parse driver (core/worker.c), for network and file input alike
 * (not the local socket or the kernel log, which rsyslog parses on their own path).
 *
 *   - the decompressed message is bounded by maxMessageSize: zlib's uncompress() into a
 *     buffer of that size fails (Z_BUF_ERROR) on anything larger - no decompression bomb;
 *   - a message that does not decompress (not zlib, truncated, too large) is kept as it
 *     was received, as rsyslog 8.2302 does (its "Message ignored." notwithstanding, the
 *     bytes go on through the parser: a plain "zabbix: ..." line without PRI must not be
 *     lost); the caller counts it by reason and logs it.
 * Only zlib decompresses; the code here is the framing rsyslog defines ('z' + zlib data).
 *
 * Ownership: the message is the caller's; the decompressed copy replaces m->raw (the
 * message frees it, as after sanitizing in parse.c).
 * Concurrency & locking: runs on the one ruleset worker that owns the message, before the
 * message is shared; no shared state.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msg_int.h"
#include "parse/uncompress.h"
#include "util/buf.h"

#ifdef SL_HAVE_ZIP
#include <zlib.h>

int sl_msg_uncompress(struct sl_msg *m, size_t max, int *zrc)
{
    *zrc = 0;
    if (m->raw_len < 1 || m->raw[0] != 'z') {
        return SL_UNZIP_NONE;
    }
    if (max < 1) {
        max = 1;
    }
    uLongf outlen = (uLongf)max;
    char *out = malloc((size_t)max + 1);
    if (out == NULL) {
        *zrc = Z_MEM_ERROR;
        return SL_UNZIP_MEMORY;
    }
    int zr = uncompress((Bytef *)out, &outlen, (const Bytef *)m->raw + 1,
                        (uLong)(m->raw_len - 1));
    if (zr != Z_OK) {
        *zrc = zr;
        free(out);
        return zr == Z_BUF_ERROR ? SL_UNZIP_TOO_LARGE
             : zr == Z_MEM_ERROR ? SL_UNZIP_MEMORY : SL_UNZIP_BAD_DATA;
    }
    out[outlen] = '\0';
    if (!(m->flags & MSGF_RAW_INLINE)) {
        free(m->raw);
    }
    m->flags &= ~(uint32_t)(MSGF_RAW_INLINE | SL_MSGF_RAW_NO_NUL);
    m->raw = out;
    m->raw_len = (size_t)outlen;
    return SL_UNZIP_DONE;
}

#else /* built without zlib: compressed messages stay as they are */

int sl_msg_uncompress(struct sl_msg *m, size_t max, int *zrc)
{
    (void)max;
    *zrc = -6;   /* zlib's Z_VERSION_ERROR: no zlib at all */
    return m->raw_len >= 1 && m->raw[0] == 'z' ? SL_UNZIP_UNSUPPORTED : SL_UNZIP_NONE;
}

#endif
