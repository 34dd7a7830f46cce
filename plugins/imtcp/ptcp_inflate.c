/*
 * ptcp_inflate.c - imptcp's compression.mode="stream:always" (rsyslog 8.2302's
 * plugins/imptcp/imptcp.c, DataRcvdCompressed): every byte a session receives is part of
 * one zlib stream (what omfwd compression.mode="stream:always" sends, rsyslog's or
 * sluice's); it is inflated (Z_SYNC_FLUSH) and the output goes through the framing as
 * plain TCP data would.  zlib inflates; this file only drives it.
 *
 *   - output is produced in chunks of PTCP_INFLATE_CHUNK bytes, each framed before the
 *     next is made: a small input that inflates to gigabytes never sits in memory (the
 *     framing truncates over-long frames as for plain data);
 *   - input that is not a zlib stream (or corrupt) is counted (decompress.failed), logged
 *     once per session and the session is closed: nothing after a corrupt point can be
 *     decoded.  (rsyslog 8.2302 silently decodes nothing more on such a session.)
 * Only imptcp (-DSL_IMPTCP) built with zlib (SL_HAVE_ZIP) has the real code; imtcp and
 * imtls, and a build without zlib, get stubs (imptcp then refuses the mode in create()).
 *
 * Ownership: one struct ptcp_zin per session (struct sess.zin), made by the first data
 * and freed with the session (ptcp_inflate_free).
 * Concurrency & locking: used only by the input's run() thread, like the session.
 */
#include <stdlib.h>
#include <string.h>

#include "imtcp_int.h"

#if defined(SL_IMPTCP) && defined(SL_HAVE_ZIP)
#include <zlib.h>

#define PTCP_INFLATE_CHUNK (64u * 1024)

struct ptcp_zin {
    z_stream zs;
    char out[PTCP_INFLATE_CHUNK];
};

int ptcp_inflate_available(void)
{
    return 1;
}

int ptcp_inflate(struct sess *s, const char *data, size_t n,
                 int (*feed)(struct sess *s, const char *p, size_t len))
{
    if (s->zin == NULL) {
        s->zin = calloc(1, sizeof *s->zin);
        if (s->zin == NULL) {
            return PTCP_ZBAD;
        }
        if (inflateInit(&s->zin->zs) != Z_OK) {
            free(s->zin);
            s->zin = NULL;
            return PTCP_ZBAD;
        }
    }
    z_stream *zs = &s->zin->zs;
    zs->next_in = (Bytef *)(uintptr_t)data;
    zs->avail_in = (uInt)n;
    for (;;) {
        zs->next_out = (Bytef *)s->zin->out;
        zs->avail_out = PTCP_INFLATE_CHUNK;
        int zr = inflate(zs, Z_SYNC_FLUSH);
        size_t have = PTCP_INFLATE_CHUNK - zs->avail_out;
        if (have > 0) {
            int rc = feed(s, s->zin->out, have);
            if (rc != 0) {
                return rc;
            }
        }
        if (zr == Z_STREAM_END) {
            /* the sender finished its stream (before closing): a new one may follow */
            if (inflateReset(zs) != Z_OK) {
                return PTCP_ZBAD;
            }
            if (zs->avail_in == 0) {
                return 0;
            }
            continue;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return PTCP_ZBAD;       /* Z_DATA_ERROR, Z_NEED_DICT, Z_MEM_ERROR */
        }
        if (zs->avail_out != 0 && (zs->avail_in == 0 || zr == Z_BUF_ERROR)) {
            return 0;               /* everything given was used: wait for more */
        }
    }
}

void ptcp_inflate_free(struct sess *s)
{
    if (s->zin != NULL) {
        inflateEnd(&s->zin->zs);
        free(s->zin);
        s->zin = NULL;
    }
}

#else

int ptcp_inflate_available(void)
{
    return 0;
}

int ptcp_inflate(struct sess *s, const char *data, size_t n,
                 int (*feed)(struct sess *s, const char *p, size_t len))
{
    return feed(s, data, n);
}

void ptcp_inflate_free(struct sess *s)
{
    (void)s;
}

#endif
