/*
 * omfile_zip.c - omfile's zipLevel writer: one gzip stream per open file, made with zlib,
 * with rsyslog 8.2302's buffering and flush points (runtime/stream.c + runtime/zlibw.c):
 *
 *   - records go into an ioBufferSize buffer; a full buffer is deflated with Z_NO_FLUSH and
 *     what zlib hands out is written;
 *   - a flush (end of a batch with flushOnTXEnd, asyncWriting's flushInterval timer)
 *     deflates the buffer with Z_SYNC_FLUSH: everything written so far can be read back
 *     ("gzip -dc" then reports an unexpected end of file, as for rsyslog's files);
 *   - veryRobustZip="on" ends the gzip member after every such write (Z_FINISH, a new
 *     member starts with the next write), so a file cut by a crash holds only complete
 *     members - rsyslog does the same in zlibw's doStrmWrite;
 *   - closing the file (HUP, eviction from the dynaFile cache, closeTimeout, shutdown)
 *     deflates what is buffered and ends the member.
 * deflateInit2(level, Z_DEFLATED, 31 = gzip wrapper, memLevel 9) as rsyslog.  The
 * compressed bytes are not rsyslog's bit for bit (the batches, hence the flush points,
 * differ); what "zcat" gives is.  zlib does the compression; only this buffering is
 * written by hand, because it is what decides where a crashed file stops being readable.
 *
 * Ownership: a struct omfile_zip belongs to one cache entry of an omfile instance
 * (plugins/omfile/omfile.c) and is freed by omfile_zip_close().
 * Concurrency & locking: no lock of its own; every call is made with the instance lock
 * held (omfile.c's inst->lock), like every other use of the cache entry.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "omfile_zip.h"

#ifdef SL_HAVE_ZIP
#include <zlib.h>

struct omfile_zip {
    z_stream zs;
    int zs_init;           /* a gzip member is open (deflateInit2 done) */
    int level;
    int robust;
    unsigned char *buf;    /* ioBufferSize bytes of uncompressed records */
    size_t fill, cap;
    unsigned char *out;    /* deflate output, cap + 128 as rsyslog's pZipBuf */
    size_t out_cap;
};

/* write() all of p, retrying after short writes and EINTR.  0 or -errno. */
static int zip_write_all(int fd, const unsigned char *p, size_t n)
{
    int guard = 0;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR && guard++ < 100) {
                continue;
            }
            return -errno;
        }
        if (w == 0 && guard++ >= 100) {
            return -EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Run deflate(mode) on the input set in zs until zlib has nothing more to hand out,
 * writing its output.  0, -errno, or -EPROTO on a zlib error.  omfwd_zip.c's zip_run
 * shares only the zlib idiom (deflate, its error check, stop when the window is not
 * filled): it appends to a growing buffer instead, so each keeps its own loop. */
static int zip_run(struct omfile_zip *z, int fd, int mode)
{
    do {
        z->zs.next_out = z->out;
        z->zs.avail_out = (uInt)z->out_cap;
        int zr = deflate(&z->zs, mode);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
            return -EPROTO;
        }
        size_t have = z->out_cap - z->zs.avail_out;
        if (have > 0) {
            int rc = zip_write_all(fd, z->out, have);
            if (rc != 0) {
                return rc;
            }
        }
    } while (z->zs.avail_out == 0);
    return 0;
}

/* End the open gzip member (trailer written), as zlibw's doCompressFinish. */
static int zip_finish(struct omfile_zip *z, int fd)
{
    if (!z->zs_init) {
        return 0;
    }
    z->zs.next_in = NULL;
    z->zs.avail_in = 0;
    int rc = zip_run(z, fd, Z_FINISH);
    deflateEnd(&z->zs);
    z->zs_init = 0;
    return rc;
}

/* Deflate the buffer (sync: Z_SYNC_FLUSH, else Z_NO_FLUSH), as zlibw's doStrmWrite. */
static int zip_push(struct omfile_zip *z, int fd, int sync)
{
    if (z->fill == 0 && !sync) {
        return 0;
    }
    if (z->fill == 0 && !z->zs_init) {
        return 0;   /* nothing written since the last member ended: nothing to flush */
    }
    if (!z->zs_init) {
        memset(&z->zs, 0, sizeof z->zs);
        if (deflateInit2(&z->zs, z->level, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
            return -EPROTO;
        }
        z->zs_init = 1;
    }
    z->zs.next_in = z->buf;
    z->zs.avail_in = (uInt)z->fill;
    int rc = zip_run(z, fd, sync ? Z_SYNC_FLUSH : Z_NO_FLUSH);
    z->fill = 0;
    if (z->robust) {
        int rc2 = zip_finish(z, fd);
        if (rc == 0) {
            rc = rc2;
        }
    }
    return rc;
}

struct omfile_zip *omfile_zip_new(int level, int robust, size_t iobuf)
{
    struct omfile_zip *z = calloc(1, sizeof *z);
    if (z == NULL) {
        return NULL;
    }
    z->level = level;
    z->robust = robust;
    z->cap = iobuf > 0 ? iobuf : 4096;
    z->out_cap = z->cap + 128;
    z->buf = malloc(z->cap);
    z->out = malloc(z->out_cap);
    if (z->buf == NULL || z->out == NULL) {
        free(z->buf);
        free(z->out);
        free(z);
        return NULL;
    }
    return z;
}

int omfile_zip_write(struct omfile_zip *z, int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        size_t room = z->cap - z->fill;
        size_t n = len < room ? len : room;
        memcpy(z->buf + z->fill, p, n);
        z->fill += n;
        p += n;
        len -= n;
        if (z->fill == z->cap) {
            int rc = zip_push(z, fd, 0);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

int omfile_zip_flush(struct omfile_zip *z, int fd)
{
    return zip_push(z, fd, 1);
}

int omfile_zip_pending(const struct omfile_zip *z)
{
    return z->fill > 0;
}

int omfile_zip_close(struct omfile_zip *z, int fd)
{
    if (z == NULL) {
        return 0;
    }
    int rc = fd >= 0 ? zip_push(z, fd, 0) : 0;
    int rc2 = fd >= 0 ? zip_finish(z, fd) : 0;
    if (z->zs_init) {
        deflateEnd(&z->zs);
    }
    free(z->buf);
    free(z->out);
    free(z);
    return rc != 0 ? rc : rc2;
}

int omfile_zip_available(void)
{
    return 1;
}

#else /* !SL_HAVE_ZIP: built without zlib (configure --enable-zip=no) */

struct omfile_zip *omfile_zip_new(int level, int robust, size_t iobuf)
{
    (void)level; (void)robust; (void)iobuf;
    return NULL;
}

int omfile_zip_write(struct omfile_zip *z, int fd, const void *data, size_t len)
{
    (void)z; (void)fd; (void)data; (void)len;
    return -ENOSYS;
}

int omfile_zip_flush(struct omfile_zip *z, int fd)
{
    (void)z; (void)fd;
    return 0;
}

int omfile_zip_pending(const struct omfile_zip *z)
{
    (void)z;
    return 0;
}

int omfile_zip_close(struct omfile_zip *z, int fd)
{
    (void)z; (void)fd;
    return 0;
}

int omfile_zip_available(void)
{
    return 0;
}

#endif
