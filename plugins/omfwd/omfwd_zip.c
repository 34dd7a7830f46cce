/*
 * omfwd_zip.c - omfwd's compression (compression.mode, ziplevel), as rsyslog 8.2302's
 * tools/omfwd.c and runtime/tcpclt.c, with zlib:
 *   - "single": a record longer than 60 bytes (rsyslog's CONF_MIN_SIZE_FOR_COMPRESS) is
 *     compress2()ed at ziplevel (zlib format) and sent as 'z' + the compressed bytes when
 *     that is shorter; over TCP such a record is always octet-counted (LF may occur in the
 *     compressed bytes), whatever tcp_framing says.  rsyslog's receivers (runtime/parser.c)
 *     and sluice's (core/parse/uncompress.c) undo it.
 *   - "stream:always": the whole TCP byte stream of a connection (framed records) is one
 *     zlib stream (deflateInit at ziplevel); each batch ends with Z_SYNC_FLUSH when
 *     compression.stream.flushOnTXEnd is on (else zlib keeps what it buffers until the
 *     connection closes), and the stream is finished (Z_FINISH) before an orderly close.
 *     rsyslog's imptcp compression.mode="stream:always" reads it.
 * Only the format is sluice's own code; zlib does the compression.
 *
 * Ownership: the z_stream and the output buffer belong to one omfwd worker (struct
 * omfwd_wrk, freed by omfwd_zip_free()).  Concurrency & locking: used only by the worker's
 * deliver() thread (the confirmation thread is not started in stream mode), no lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "omfwd_int.h"

#ifdef SL_HAVE_ZIP
#include <zlib.h>

#define OMFWD_ZIP_MIN 60        /* rsyslog's CONF_MIN_SIZE_FOR_COMPRESS */

struct omfwd_zip {
    z_stream zs;
    int zs_init;
    unsigned char *out;
    size_t out_len, out_cap;
};

static struct omfwd_zip *zip_get(struct omfwd_wrk *w)
{
    if (w->zip == NULL) {
        w->zip = calloc(1, sizeof *w->zip);
    }
    return w->zip;
}

static int zip_reserve(struct omfwd_zip *z, size_t more)
{
    if (z->out_cap - z->out_len >= more) {
        return 0;
    }
    size_t cap = z->out_cap > 0 ? z->out_cap : 4096;
    while (cap - z->out_len < more) {
        cap *= 2;
    }
    unsigned char *p = realloc(z->out, cap);
    if (p == NULL) {
        return -ENOMEM;
    }
    z->out = p;
    z->out_cap = cap;
    return 0;
}

int omfwd_zip_single(struct omfwd_wrk *w, int level, const char *rec, size_t len,
                     const char **out, size_t *outlen)
{
    if (len <= OMFWD_ZIP_MIN) {
        return 0;
    }
    struct omfwd_zip *z = zip_get(w);
    uLongf dlen = compressBound((uLong)len);
    if (z == NULL || zip_reserve(z, (size_t)dlen + 1) != 0) {
        return 0;   /* rsyslog too sends the record as it is when compression fails */
    }
    z->out[0] = 'z';
    if (compress2(z->out + 1, &dlen, (const Bytef *)rec, (uLong)len, level) != Z_OK
        || (size_t)dlen + 1 >= len) {
        return 0;   /* no gain: sent as it is */
    }
    *out = (const char *)z->out;
    *outlen = (size_t)dlen + 1;
    return 1;
}

/* Run deflate(mode) on the input set in z->zs, appending everything it hands out.
 * omfile_zip.c's zip_run shares only the zlib idiom: it writes a fixed window to the
 * file after each round instead, so each keeps its own loop. */
static int zip_run(struct omfwd_zip *z, int mode)
{
    for (int guard = 0; guard < 1000000; guard++) {
        if (zip_reserve(z, 16384) != 0) {
            return -ENOMEM;
        }
        z->zs.next_out = z->out + z->out_len;
        z->zs.avail_out = (uInt)(z->out_cap - z->out_len);
        uInt before = z->zs.avail_out;
        int zr = deflate(&z->zs, mode);
        z->out_len += before - z->zs.avail_out;
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
            return -EPROTO;
        }
        if (z->zs.avail_out != 0) {
            return 0;
        }
    }
    return -EPROTO;
}

int omfwd_zip_stream(struct omfwd_wrk *w, int level, const char *buf, size_t len, int flush,
                     const char **out, size_t *outlen)
{
    struct omfwd_zip *z = zip_get(w);
    if (z == NULL) {
        return -ENOMEM;
    }
    if (!z->zs_init) {
        memset(&z->zs, 0, sizeof z->zs);
        if (deflateInit(&z->zs, level) != Z_OK) {
            return -EPROTO;
        }
        z->zs_init = 1;
    }
    z->out_len = 0;
    z->zs.next_in = (Bytef *)(uintptr_t)buf;
    z->zs.avail_in = (uInt)len;
    int rc = zip_run(z, flush ? Z_SYNC_FLUSH : Z_NO_FLUSH);
    *out = (const char *)z->out;
    *outlen = z->out_len;
    return rc;
}

int omfwd_zip_stream_end(struct omfwd_wrk *w, const char **out, size_t *outlen)
{
    struct omfwd_zip *z = w->zip;
    *outlen = 0;
    if (z == NULL || !z->zs_init) {
        return 0;
    }
    z->out_len = 0;
    z->zs.next_in = NULL;
    z->zs.avail_in = 0;
    int rc = zip_run(z, Z_FINISH);
    deflateEnd(&z->zs);
    z->zs_init = 0;
    *out = (const char *)z->out;
    *outlen = z->out_len;
    return rc;
}

void omfwd_zip_free(struct omfwd_wrk *w)
{
    if (w->zip == NULL) {
        return;
    }
    if (w->zip->zs_init) {
        deflateEnd(&w->zip->zs);
    }
    free(w->zip->out);
    free(w->zip);
    w->zip = NULL;
}

int omfwd_zip_available(void)
{
    return 1;
}

#else /* !SL_HAVE_ZIP */

int omfwd_zip_single(struct omfwd_wrk *w, int level, const char *rec, size_t len,
                     const char **out, size_t *outlen)
{
    (void)w; (void)level; (void)rec; (void)len; (void)out; (void)outlen;
    return 0;
}

int omfwd_zip_stream(struct omfwd_wrk *w, int level, const char *buf, size_t len, int flush,
                     const char **out, size_t *outlen)
{
    (void)w; (void)level; (void)flush;
    *out = buf;
    *outlen = len;
    return 0;
}

int omfwd_zip_stream_end(struct omfwd_wrk *w, const char **out, size_t *outlen)
{
    (void)w; (void)out;
    *outlen = 0;
    return 0;
}

void omfwd_zip_free(struct omfwd_wrk *w)
{
    (void)w;
}

int omfwd_zip_available(void)
{
    return 0;
}

#endif
