/*
 * omfile_zip.h - omfile's gzip writer (zipLevel, veryRobustZip), see omfile_zip.c.
 * Ownership: the caller owns each struct omfile_zip and the file descriptor it writes to.
 * Concurrency & locking: none inside; the caller serialises every call on one object.
 */
#ifndef SLUICE_OMFILE_ZIP_H
#define SLUICE_OMFILE_ZIP_H

#include <stddef.h>

struct omfile_zip;

/* 1 when sluice was built with zlib (configure --enable-zip), else 0. */
int omfile_zip_available(void);
/* A writer with zlib level `level`, veryRobustZip `robust`, an ioBufferSize buffer;
 * NULL when out of memory or built without zlib. */
struct omfile_zip *omfile_zip_new(int level, int robust, size_t iobuf);
/* Buffer len bytes; full buffers are compressed and written to fd.  0 or -errno. */
int omfile_zip_write(struct omfile_zip *z, int fd, const void *data, size_t len);
/* Compress what is buffered with a sync flush (and end the member if robust). */
int omfile_zip_flush(struct omfile_zip *z, int fd);
/* 1 if bytes wait in the buffer. */
int omfile_zip_pending(const struct omfile_zip *z);
/* Write what is buffered, end the gzip member and free z (fd < 0: just free). */
int omfile_zip_close(struct omfile_zip *z, int fd);

#endif
