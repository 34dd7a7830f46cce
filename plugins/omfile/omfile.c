/*
 * omfile.c - the omfile output plugin: writes rendered messages to a static file or to
 * files whose names come from a template (dynaFile), with rsyslog's parameter names,
 * defaults and observable behaviour (same bytes in the same files, modes, owners,
 * directory creation, reopen on HUP).
 *
 * Ownership and lifetime
 *   - Parameter strings and template handles in struct omfile_inst belong to the core.
 *   - The instance owns its open-file cache (names are strdup'ed, descriptors are closed in
 *     hup() and destroy()).  Each worker owns its render buffers (struct omfile_wrk).
 *
 * Concurrency & locking
 *   - Several workers may deliver() to the same instance at once, and hup() may run
 *     concurrently with them.  All open-file state (the cache array, descriptors, LRU
 *     clock) is guarded by inst->lock.  A worker renders its whole batch without the lock,
 *     then takes the lock once and writes every group of records while holding it, so the
 *     records of two batches never interleave inside a file.
 *   - With zipLevel > 0 each open file has a gzip writer (omfile_zip.c) that buffers up to
 *     ioBufferSize bytes between batches, as rsyslog's stream does; it is flushed at the
 *     end of each batch (flushOnTXEnd), by the flusher thread (asyncWriting with
 *     flushInterval, started in create() and joined in destroy(), which takes inst->lock
 *     like a worker), and closed with its file.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_out.h"
#include "omfile_zip.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

#define OMFILE_DYNA_CACHE_MAX 100000   /* upper bound rsyslog also clamps to (approx.) */

/* Module parameters: module(load="builtin:omfile" ...). */
struct omfile_mod {
    const struct sl_template *tpl;
    int64_t file_mode;
    int64_t dir_mode;
    int64_t file_uid, file_gid, dir_uid, dir_gid;
    char *comp_driver;     /* compression.driver: zlib (zstd is not in sluice) */
    int64_t zstd_workers;  /* compression.zstd.workers: no effect without zstd */
};

/* One open file of the cache. */
struct omfile_ent {
    char *name;            /* NULL: slot free */
    int fd;
    int fresh;             /* opened, nothing written yet (rsyslog's stream has no fd yet) */
    uint64_t last_used;    /* LRU tick */
    time_t last_time;      /* wall clock of last write (closeTimeout) */
    struct omfile_zip *zip; /* zipLevel > 0: the file's gzip writer */
    int unflushed;         /* zip: written since the last flush (flusher thread) */
};

/* One action() instance. */
struct omfile_inst {
    /* parameters (filled by the core) */
    char *file;
    const struct sl_template *dynafile;
    const struct sl_template *tpl;
    int64_t file_mode;     /* 0: inherit the module's value */
    int64_t dir_mode;      /* 0: inherit the module's value */
    int64_t file_uid, file_gid, dir_uid, dir_gid;   /* -1: inherit / unset */
    int create_dirs;
    int fail_on_chown;
    int sync;
    int flush_on_txend;
    int async_writing;
    int64_t io_buffer_size;
    int64_t flush_interval;
    int64_t dyna_cache_size;
    int dyna_confine;      /* read by the core, which confines the dynaFile template */
    int64_t close_timeout; /* minutes; -1: rsyslog default (0 static, 10 dynaFile) */
    int64_t zip_level;
    int veryrobust_zip;
    char *sig_provider;
    char *cry_provider;
    int64_t size_limit;    /* rotation.sizeLimit, 0: none */
    char *size_cmd;        /* rotation.sizeLimitCommand */

    /* runtime */
    int disabled;          /* the size limit command did not resolve it: rsyslog's stream
                            * is disabled for good, so is this action's file */
    const struct sl_host *h;
    const struct sl_template *tpl_eff;
    mode_t fmode, dmode;
    int64_t fuid, fgid, duid, dgid;
    int zip;               /* zipLevel in effect (0: plain writes) */
    pthread_mutex_t lock;
    int lock_init;
    pthread_t flusher;     /* asyncWriting + flushInterval with zipLevel */
    pthread_cond_t flusher_cv;
    int flusher_on, flusher_stop;
    struct omfile_ent *ents;
    size_t nents;          /* capacity of ents */
    uint64_t tick;
    const char *who;
};

/* One distinct target file inside a batch (dynaFile grouping). */
struct omfile_group {
    size_t name_off, name_len;   /* into wrk->names */
    size_t first;                /* index of first record in wrk->recs */
    size_t last;                 /* index of last record (for the chain) */
    int failed;
};

struct omfile_rec {
    size_t off, len;             /* into wrk->data */
    size_t next;                 /* next record of the same group, SIZE_MAX = end */
    size_t group;
};

/* Per-worker scratch space, reused across batches. */
struct omfile_wrk {
    struct sl_buf data;
    struct sl_buf names;
    struct sl_buf tmp;
    struct omfile_rec *recs;
    size_t recs_cap;
    struct omfile_group *groups;
    size_t groups_cap;
    struct iovec *iov;
};

static const struct sl_param omfile_mod_params[] = {
    { "template", SL_PT_TEMPLATE, 0, offsetof(struct omfile_mod, tpl), NULL, NULL,
      "$ActionFileDefaultTemplate", "default template of omfile actions" },
    { "fileCreateMode", SL_PT_FILEMODE, 0, offsetof(struct omfile_mod, file_mode), "0644",
      NULL, "$FileCreateMode", "mode of new files" },
    { "dirCreateMode", SL_PT_FILEMODE, 0, offsetof(struct omfile_mod, dir_mode), "0700",
      NULL, "$DirCreateMode", "mode of new directories" },
    { "fileOwner", SL_PT_UID, 0, offsetof(struct omfile_mod, file_uid), "-1", NULL,
      "$FileOwner", "owner of new files" },
    { "fileOwnerNum", SL_PT_INT, 0, offsetof(struct omfile_mod, file_uid), "-1", NULL,
      "$FileOwnerNum", "owner of new files (number)" },
    { "fileGroup", SL_PT_GID, 0, offsetof(struct omfile_mod, file_gid), "-1", NULL,
      "$FileGroup", "group of new files" },
    { "fileGroupNum", SL_PT_INT, 0, offsetof(struct omfile_mod, file_gid), "-1", NULL,
      "$FileGroupNum", "group of new files (number)" },
    { "dirOwner", SL_PT_UID, 0, offsetof(struct omfile_mod, dir_uid), "-1", NULL,
      "$DirOwner", "owner of new directories" },
    { "dirOwnerNum", SL_PT_INT, 0, offsetof(struct omfile_mod, dir_uid), "-1", NULL,
      "$DirOwnerNum", "owner of new directories (number)" },
    { "dirGroup", SL_PT_GID, 0, offsetof(struct omfile_mod, dir_gid), "-1", NULL,
      "$DirGroup", "group of new directories" },
    { "dirGroupNum", SL_PT_INT, 0, offsetof(struct omfile_mod, dir_gid), "-1", NULL,
      "$DirGroupNum", "group of new directories (number)" },
    { "compression.driver", SL_PT_WORD, 0, offsetof(struct omfile_mod, comp_driver), NULL,
      NULL, NULL, "zipLevel's compressor: zlib (gzip files); zstd is not in sluice" },
    { "compression.zstd.workers", SL_PT_POSINT, SL_P_IGNORED,
      offsetof(struct omfile_mod, zstd_workers), NULL, NULL, NULL, "zstd only" },
    SL_PARAM_END
};

#define OI(f) offsetof(struct omfile_inst, f)
static const struct sl_param omfile_inst_params[] = {
    { "file", SL_PT_STRING, 0, OI(file), NULL, NULL, NULL, "static file name" },
    { "dynaFile", SL_PT_TEMPLATE, 0, OI(dynafile), NULL, NULL, NULL,
      "template that renders the file name" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, NULL, "record template" },
    { "fileCreateMode", SL_PT_FILEMODE, 0, OI(file_mode), NULL, NULL, NULL,
      "mode of new files (default: module's, 0644)" },
    { "dirCreateMode", SL_PT_FILEMODE, 0, OI(dir_mode), NULL, NULL, NULL,
      "mode of new directories (default: module's, 0700)" },
    { "fileOwner", SL_PT_UID, 0, OI(file_uid), "-1", NULL, NULL, "owner of new files" },
    { "fileOwnerNum", SL_PT_INT, 0, OI(file_uid), "-1", NULL, NULL, "owner (number)" },
    { "fileGroup", SL_PT_GID, 0, OI(file_gid), "-1", NULL, NULL, "group of new files" },
    { "fileGroupNum", SL_PT_INT, 0, OI(file_gid), "-1", NULL, NULL, "group (number)" },
    { "dirOwner", SL_PT_UID, 0, OI(dir_uid), "-1", NULL, NULL, "owner of new dirs" },
    { "dirOwnerNum", SL_PT_INT, 0, OI(dir_uid), "-1", NULL, NULL, "owner (number)" },
    { "dirGroup", SL_PT_GID, 0, OI(dir_gid), "-1", NULL, NULL, "group of new dirs" },
    { "dirGroupNum", SL_PT_INT, 0, OI(dir_gid), "-1", NULL, NULL, "group (number)" },
    { "createDirs", SL_PT_BOOL, 0, OI(create_dirs), "on", NULL, "$CreateDirs",
      "create missing directories" },
    { "failOnChownFailure", SL_PT_BOOL, 0, OI(fail_on_chown), "on", NULL,
      "$FailOnChownFailure", "fail the open when chown fails" },
    { "sync", SL_PT_BOOL, 0, OI(sync), "off", NULL, "$ActionFileEnableSync",
      "fdatasync at the end of each batch" },
    { "flushOnTXEnd", SL_PT_BOOL, 0, OI(flush_on_txend), "on", NULL,
      "$OMFileFlushOnTXEnd", "zipLevel: flush the gzip stream at the end of each batch "
      "(without zipLevel every batch is written at its end)" },
    { "asyncWriting", SL_PT_BOOL, 0, OI(async_writing), "off", NULL,
      "$OMFileASyncWriting", "zipLevel: flush after flushInterval seconds of inactivity" },
    { "ioBufferSize", SL_PT_SIZE, 0, OI(io_buffer_size), "4k", NULL, "$OMFileIOBufferSize",
      "zipLevel: bytes buffered before they are compressed; rotation.sizeLimit's unit" },
    { "flushInterval", SL_PT_INT, 0, OI(flush_interval), "1", NULL,
      "$OMFileFlushInterval", "seconds; with asyncWriting and zipLevel" },
    { "dynaFileCacheSize", SL_PT_INT, 0, OI(dyna_cache_size), "10", NULL,
      "$DynaFileCacheSize", "open dynaFiles kept" },
    { "dynaFileConfine", SL_PT_BOOL, 0, OI(dyna_confine), "on", NULL, NULL,
      "sluice: property values in the dynaFile template cannot leave its directory "
      "(secpath-replace); off: rsyslog 8.2302's unconfined names" },
    { "closeTimeout", SL_PT_POSINT, 0, OI(close_timeout), "-1", NULL, NULL,
      "minutes of inactivity before a file is closed" },
    { "zipLevel", SL_PT_INT, 0, OI(zip_level), "0", NULL, "$OMFileZipLevel",
      "gzip level 1-9 (zlib), 0: no compression" },
    { "veryRobustZip", SL_PT_BOOL, 0, OI(veryrobust_zip), "off", NULL, NULL,
      "end the gzip member at every write, so a crash leaves a readable file" },
    { "sig.provider", SL_PT_WORD, 0, OI(sig_provider), NULL, NULL, NULL, "not supported" },
    { "cry.provider", SL_PT_WORD, 0, OI(cry_provider), NULL, NULL, NULL, "not supported" },
    { "rotation.sizeLimit", SL_PT_SIZE, 0, OI(size_limit), "0", NULL, NULL,
      "bytes after which rotation.sizeLimitCommand runs" },
    { "rotation.sizeLimitCommand", SL_PT_STRING, 0, OI(size_cmd), NULL, NULL, NULL,
      "program (and one argument after the first blank) run at the size limit" },
    SL_PARAM_END
};

/* ------------------------------------------------------------------------------------- */

static void omfile_close_ent(struct omfile_ent *e)
{
    if (e->zip != NULL) {
        (void)omfile_zip_close(e->zip, e->fd);
        e->zip = NULL;
    }
    if (e->fd >= 0) {
        close(e->fd);
    }
    e->fd = -1;
    free(e->name);
    e->name = NULL;
}

/* Create every missing directory of path's parent, like "mkdir -p".  0 or -errno. */
static int omfile_mkdirs(struct omfile_inst *in, const char *path)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof buf) {
        return -ENAMETOOLONG;
    }
    memcpy(buf, path, len + 1);
    char *slash = strrchr(buf, '/');
    if (slash == NULL || slash == buf) {
        return 0;
    }
    *slash = '\0';
    for (char *p = buf + 1; ; p++) {
        int end = (*p == '\0');
        if (*p == '/' || end) {
            char save = *p;
            *p = '\0';
            if (mkdir(buf, in->dmode) == 0) {
                if ((in->duid >= 0 || in->dgid >= 0)
                    && chown(buf, (uid_t)in->duid, (gid_t)in->dgid) != 0) {
                    in->h->log(SL_LOG_ERR, in->who, "chown of directory '%s' failed: %s",
                               buf, strerror(errno));
                    if (in->fail_on_chown) {
                        return -EPERM;
                    }
                }
            } else if (errno != EEXIST) {
                return -errno;
            }
            *p = save;
        }
        if (end) {
            break;
        }
    }
    return 0;
}

/* Open (creating as configured) one output file.  Returns the fd or -errno. */
static int omfile_open(struct omfile_inst *in, const char *name)
{
    int flags = O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC;
    int fd = open(name, flags);
    if (fd >= 0) {
        return fd;
    }
    if (errno != ENOENT) {
        return -errno;
    }
    fd = open(name, flags | O_CREAT | O_EXCL, in->fmode);
    if (fd < 0 && errno == ENOENT && in->create_dirs) {
        int r = omfile_mkdirs(in, name);
        if (r != 0) {
            return r;
        }
        fd = open(name, flags | O_CREAT | O_EXCL, in->fmode);
    }
    if (fd < 0 && errno == EEXIST) {
        /* another process created it between our two opens */
        fd = open(name, flags);
        return fd >= 0 ? fd : -errno;
    }
    if (fd < 0) {
        return -errno;
    }
    if ((in->fuid >= 0 || in->fgid >= 0)
        && fchown(fd, (uid_t)in->fuid, (gid_t)in->fgid) != 0) {
        int e = errno;
        in->h->log(SL_LOG_ERR, in->who, "chown of file '%s' failed: %s", name, strerror(e));
        if (in->fail_on_chown) {
            close(fd);
            return -e;
        }
    }
    return fd;
}

/* An open failure (-errno) that can pass without the name changing: the file system is
 * read-only or full, permissions or ownership are being fixed, descriptors or memory are
 * short.  The action suspends and retries.  Anything else (ENAMETOOLONG, EISDIR, ENOTDIR,
 * ELOOP, EINVAL, ENOENT with createDirs off) depends on the name alone: dropped. */
static int omfile_open_transient(int err)
{
    switch (-err) {
    case EROFS: case ENOSPC: case EDQUOT: case EACCES: case EPERM: case EMFILE: case ENFILE:
    case EIO: case ENOMEM: case EAGAIN: case EBUSY: case ETXTBSY: case EINTR:
        return 1;
    default:
        return 0;
    }
}

/* Find name in the cache or open it, evicting the least recently used entry.  Caller
 * holds in->lock.  Returns the entry or NULL with *err = -errno. */
static struct omfile_ent *omfile_get(struct omfile_inst *in, const char *name, int *err)
{
    struct omfile_ent *lru = NULL;
    struct omfile_ent *freeslot = NULL;
    for (size_t i = 0; i < in->nents; i++) {
        struct omfile_ent *e = &in->ents[i];
        if (e->name == NULL) {
            if (freeslot == NULL) {
                freeslot = e;
            }
            continue;
        }
        if (strcmp(e->name, name) == 0) {
            e->last_used = ++in->tick;
            return e;
        }
        if (lru == NULL || e->last_used < lru->last_used) {
            lru = e;
        }
    }
    struct omfile_ent *slot = freeslot != NULL ? freeslot : lru;
    if (slot == NULL) {
        *err = -EINVAL;
        return NULL;
    }
    char *copy = strdup(name);
    if (copy == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    struct omfile_zip *zip = NULL;
    if (in->zip != 0) {
        zip = omfile_zip_new(in->zip, in->veryrobust_zip, (size_t)in->io_buffer_size);
        if (zip == NULL) {
            free(copy);
            *err = -ENOMEM;
            return NULL;
        }
    }
    int fd = omfile_open(in, name);
    if (fd < 0) {
        (void)omfile_zip_close(zip, -1);
        free(copy);
        *err = fd;
        return NULL;
    }
    if (slot->name != NULL) {
        omfile_close_ent(slot);
    }
    slot->zip = zip;
    slot->unflushed = 0;
    slot->name = copy;
    slot->fd = fd;
    slot->fresh = 1;
    slot->last_used = ++in->tick;
    slot->last_time = time(NULL);
    return slot;
}

/* Close dynaFiles idle for longer than closeTimeout minutes.  Caller holds in->lock. */
static void omfile_expire(struct omfile_inst *in, time_t now)
{
    if (in->close_timeout <= 0) {
        return;
    }
    for (size_t i = 0; i < in->nents; i++) {
        struct omfile_ent *e = &in->ents[i];
        if (e->name != NULL && now - e->last_time >= (time_t)in->close_timeout * 60) {
            omfile_close_ent(e);
        }
    }
}

/* writev() all iovecs, continuing after short writes.  0 or -errno. */
static int omfile_writev_all(int fd, struct iovec *iov, int n)
{
    int guard = 0;
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0) {
            if (errno == EINTR && guard++ < 100) {
                continue;
            }
            return -errno;
        }
        if (w == 0) {
            if (guard++ >= 100) {
                return -EIO;
            }
            continue;
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0 && left > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------- */

/* Asynchronous flushes (asyncWriting="on", flushInterval > 0, zipLevel): rsyslog's
 * stream writer thread flushes what waits once no write came for flushInterval seconds;
 * this thread looks once a second under inst->lock. */
static void *omfile_flusher(void *arg)
{
    struct omfile_inst *in = arg;
    pthread_mutex_lock(&in->lock);
    while (!in->flusher_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        (void)pthread_cond_timedwait(&in->flusher_cv, &in->lock, &ts);
        time_t now = time(NULL);
        for (size_t i = 0; i < in->nents && !in->flusher_stop; i++) {
            struct omfile_ent *e = &in->ents[i];
            if (e->name != NULL && e->zip != NULL && e->unflushed
                && now - e->last_time >= (time_t)in->flush_interval) {
                if (omfile_zip_flush(e->zip, e->fd) != 0) {
                    in->h->log(SL_LOG_ERR, in->who, "flush of '%s' failed; file closed",
                               e->name);
                    omfile_close_ent(e);
                    continue;
                }
                e->unflushed = 0;
            }
        }
    }
    pthread_mutex_unlock(&in->lock);
    return NULL;
}

/* zipLevel and the parameters that act on it, checked as rsyslog reads them.  0, or
 * SL_ECONFIG after logging. */
static int omfile_zip_setup(struct omfile_inst *in)
{
    const struct sl_host *h = in->h;
    if (in->zip_level < -1 || in->zip_level > 9) {
        /* rsyslog hands any integer to deflateInit2(), which refuses it: every write of
         * the action fails */
        h->log(SL_LOG_ERR, in->who, "omfile: zipLevel %lld is not a zlib level (-1..9): "
               "rsyslog 8.2302 fails every write of this action; it is disabled",
               (long long)in->zip_level);
        return SL_ECONFIG;
    }
    if (in->io_buffer_size <= 0 || in->io_buffer_size > (int64_t)1 << 30) {
        h->log(SL_LOG_ERR, in->who, "omfile: ioBufferSize %lld out of range, using 4096",
               (long long)in->io_buffer_size);
        in->io_buffer_size = 4096;
    }
    if (in->zip_level != 0 && !omfile_zip_available()) {
        h->log(SL_LOG_ERR, in->who, "stream was requested with zip mode, but sluice was "
               "built without zlib (configure --enable-zip) - using without zip");
        in->zip_level = 0;
    }
    in->zip = (int)in->zip_level;
    if (in->zip == 0) {
        if (!in->flush_on_txend || in->async_writing) {
            h->log(SL_LOG_WARNING, in->who, "omfile: flushOnTXEnd=\"off\" and asyncWriting "
                   "act only with zipLevel in sluice: each batch is written at its end");
        }
        return 0;
    }
    if (in->size_limit > 0) {
        h->log(SL_LOG_WARNING, in->who, "omfile: rotation.sizeLimit is not applied to "
               "zipLevel files by sluice; ignored");
        in->size_limit = 0;
    }
    return 0;
}

static int omfile_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct omfile_inst *in = inst;
    const struct omfile_mod *mod = modconf;
    in->h = h;
    in->who = "omfile";

    if (in->file == NULL && in->dynafile == NULL) {
        h->log(SL_LOG_ERR, in->who,
               "omfile: either the \"file\" or \"dynafile\" parameter must be given");
        return SL_ECONFIG;
    }
    if (in->file != NULL && in->dynafile != NULL) {
        h->log(SL_LOG_ERR, in->who, "omfile: both \"file\" and \"dynafile\" set, will use dynafile");
        in->file = NULL;
    }
    if (in->file != NULL && in->file[0] == '\0') {
        h->log(SL_LOG_ERR, in->who, "omfile: \"file\" must not be empty");
        return SL_ECONFIG;
    }
    if (in->sig_provider != NULL || in->cry_provider != NULL) {
        h->log(SL_LOG_ERR, in->who,
               "omfile: sig.provider and cry.provider are not yet supported");
        return SL_ECONFIG;
    }
    if (omfile_zip_setup(in) != 0) {
        return SL_ECONFIG;
    }
    const char *drv = mod != NULL ? mod->comp_driver : NULL;
    if (drv != NULL && strncasecmp(drv, "zlib", 4) != 0) {
        if (strncasecmp(drv, "zstd", 4) == 0) {
            h->log(SL_LOG_ERR, in->who, "omfile: compression.driver \"zstd\" is not "
                   "supported by sluice: zipLevel files are written with zlib (gzip)");
        } else {
            /* rsyslog's parser_errmsg: the setting is not applied (zlib stays) */
            h->log(SL_LOG_ERR, in->who, "omfile: error: invalid compression.driver driver "
                   "name - not applying setting. Valid drivers: 'zlib' and 'zstd'.");
        }
    }

    in->tpl_eff = sl_out_template(h, in->tpl, mod != NULL ? mod->tpl : NULL, in->who);
    if (in->tpl_eff == NULL) {
        return SL_ECONFIG;
    }

    in->fmode = (mode_t)(in->file_mode != 0 ? in->file_mode
                         : (mod != NULL && mod->file_mode != 0 ? mod->file_mode : 0644));
    in->dmode = (mode_t)(in->dir_mode != 0 ? in->dir_mode
                         : (mod != NULL && mod->dir_mode != 0 ? mod->dir_mode : 0700));
    in->fuid = in->file_uid >= 0 ? in->file_uid : (mod != NULL ? mod->file_uid : -1);
    in->fgid = in->file_gid >= 0 ? in->file_gid : (mod != NULL ? mod->file_gid : -1);
    in->duid = in->dir_uid >= 0 ? in->dir_uid : (mod != NULL ? mod->dir_uid : -1);
    in->dgid = in->dir_gid >= 0 ? in->dir_gid : (mod != NULL ? mod->dir_gid : -1);
    if (in->close_timeout < 0) {
        in->close_timeout = in->dynafile != NULL ? 10 : 0;
    }

    size_t n = 1;
    if (in->dynafile != NULL) {
        /* any integer, as rsyslog's action() reads it: a negative size is a cache rsyslog
         * 8.2302 cannot allocate (the action is disabled); with 0 it writes past its
         * empty cache at the first file (undefined): sluice keeps one file open */
        int64_t c = in->dyna_cache_size;
        if (c < 0) {
            h->log(SL_LOG_ERR, in->who, "omfile: dynaFileCacheSize %lld: no cache can be "
                   "allocated (rsyslog 8.2302 disables the action too)", (long long)c);
            return SL_ECONFIG;
        }
        if (c == 0) {
            h->log(SL_LOG_WARNING, in->who, "omfile: dynaFileCacheSize 0: rsyslog 8.2302 "
                   "writes past its empty cache; sluice uses 1");
            c = 1;
        }
        if (c > OMFILE_DYNA_CACHE_MAX) {
            h->log(SL_LOG_WARNING, in->who, "dynaFileCacheSize %lld too large, using %d",
                   (long long)c, OMFILE_DYNA_CACHE_MAX);
            c = OMFILE_DYNA_CACHE_MAX;
        }
        n = (size_t)c;
    }
    in->ents = calloc(n, sizeof *in->ents);
    if (in->ents == NULL) {
        return SL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        in->ents[i].fd = -1;
    }
    in->nents = n;
    if (pthread_mutex_init(&in->lock, NULL) != 0) {
        free(in->ents);
        in->ents = NULL;
        return SL_ENOMEM;
    }
    in->lock_init = 1;
    if (in->zip != 0 && in->async_writing && in->flush_interval > 0) {
        if (pthread_cond_init(&in->flusher_cv, NULL) != 0) {
            return SL_ENOMEM;
        }
        if (pthread_create(&in->flusher, NULL, omfile_flusher, in) != 0) {
            pthread_cond_destroy(&in->flusher_cv);
            return SL_ENOMEM;
        }
        in->flusher_on = 1;
    }
    return 0;
}

static void omfile_destroy(void *inst)
{
    struct omfile_inst *in = inst;
    if (in->flusher_on) {
        pthread_mutex_lock(&in->lock);
        in->flusher_stop = 1;
        pthread_cond_signal(&in->flusher_cv);
        pthread_mutex_unlock(&in->lock);
        pthread_join(in->flusher, NULL);
        pthread_cond_destroy(&in->flusher_cv);
        in->flusher_on = 0;
    }
    for (size_t i = 0; i < in->nents; i++) {
        if (in->ents[i].name != NULL) {
            omfile_close_ent(&in->ents[i]);
        }
    }
    free(in->ents);
    in->ents = NULL;
    in->nents = 0;
    if (in->lock_init) {
        pthread_mutex_destroy(&in->lock);
        in->lock_init = 0;
    }
}

static int omfile_worker_create(void *inst, void *wrk)
{
    (void)inst;
    struct omfile_wrk *w = wrk;
    w->iov = calloc(IOV_MAX, sizeof *w->iov);
    return w->iov != NULL ? 0 : SL_ENOMEM;
}

static void omfile_worker_destroy(void *inst, void *wrk)
{
    struct omfile_inst *in = inst;
    struct omfile_wrk *w = wrk;
    in->h->buf_free(&w->data);
    in->h->buf_free(&w->names);
    in->h->buf_free(&w->tmp);
    free(w->recs);
    free(w->groups);
    free(w->iov);
    memset(w, 0, sizeof *w);
}

static void omfile_hup(void *inst)
{
    struct omfile_inst *in = inst;
    pthread_mutex_lock(&in->lock);
    for (size_t i = 0; i < in->nents; i++) {
        if (in->ents[i].name != NULL) {
            omfile_close_ent(&in->ents[i]);
        }
    }
    pthread_mutex_unlock(&in->lock);
}

/* Make room for n records and n groups in the worker. */
static int omfile_wrk_reserve(struct omfile_wrk *w, size_t n)
{
    if (w->recs_cap < n) {
        struct omfile_rec *r = realloc(w->recs, n * sizeof *r);
        if (r == NULL) {
            return SL_ENOMEM;
        }
        w->recs = r;
        w->recs_cap = n;
    }
    if (w->groups_cap < n) {
        struct omfile_group *g = realloc(w->groups, n * sizeof *g);
        if (g == NULL) {
            return SL_ENOMEM;
        }
        w->groups = g;
        w->groups_cap = n;
    }
    return 0;
}

/* Find or add the group for the file name in w->tmp; returns its index. */
static int omfile_group_of(const struct sl_host *h, struct omfile_wrk *w, size_t *ngroups,
                           size_t *out)
{
    const char *name = w->tmp.p;
    size_t len = w->tmp.len;
    for (size_t g = *ngroups; g-- > 0;) {
        if (w->groups[g].name_len == len
            && memcmp(w->names.p + w->groups[g].name_off, name, len) == 0) {
            *out = g;
            return 0;
        }
    }
    if (h->buf_reserve(&w->names, len + 1) != 0) {
        return SL_ENOMEM;
    }
    struct omfile_group *gr = &w->groups[*ngroups];
    gr->name_off = w->names.len;
    gr->name_len = len;
    gr->first = SIZE_MAX;
    gr->last = SIZE_MAX;
    gr->failed = 0;
    memcpy(w->names.p + w->names.len, name, len);
    w->names.len += len;
    w->names.p[w->names.len++] = '\0';
    *out = (*ngroups)++;
    return 0;
}

/* Write the records of one group to its file.  Caller holds in->lock.  Returns 0,
 * -errno of the open (file could not be opened) or SL_EIO (write failed, file closed). */
/* rsyslog's execProg(): PROGRAM [ARG], ARG being everything after the first blank, run
 * through PATH with default signal handling, waited for.  0, or -1 if it could not start. */
static int omfile_run_cmd(const char *cmdline)
{
    char *cmd = strdup(cmdline);
    if (cmd == NULL) {
        return -1;
    }
    char *arg = strchr(cmd, ' ');
    if (arg != NULL) {
        *arg++ = '\0';
    }
    pid_t pid = fork();
    if (pid < 0) {
        free(cmd);
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; sig++) {
            (void)sigaction(sig, &sa, NULL);
        }
        execlp(cmd, cmd, arg, (char *)NULL);
        _exit(1);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    free(cmd);
    return 0;
}

/* A write to an open file failed (rc = -errno): logged, the file closed, SL_EIO. */
static int omfile_write_failed(struct omfile_inst *in, struct omfile_ent *e, const char *name,
                               int rc)
{
    in->h->log(SL_LOG_ERR, in->who, "write to '%s' failed: %s; file closed", name,
               strerror(-rc));
    omfile_close_ent(e);
    return SL_EIO;
}

/* Write records from..to (inclusive, following the chain).  0 or -errno. */
static int omfile_write_chain(struct omfile_wrk *w, int fd, size_t from, size_t to)
{
    size_t r = from;
    while (r != SIZE_MAX) {
        int n = 0;
        while (r != SIZE_MAX && n < IOV_MAX) {
            if (w->recs[r].len > 0) {
                w->iov[n].iov_base = w->data.p + w->recs[r].off;
                w->iov[n].iov_len = w->recs[r].len;
                n++;
            }
            r = r == to ? SIZE_MAX : w->recs[r].next;
        }
        int rc = omfile_writev_all(fd, w->iov, n);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* A group with rotation.sizeLimit, as rsyslog's stream layer: after each record is added,
 * if the file was already open and what has reached the file (its size when the batch
 * began plus the full ioBufferSize chunks written since) is at the limit, the file is
 * closed (the record included), the command runs and is waited for, and the next record
 * reopens the file; if the command left it at the limit or there is none, the error is
 * rsyslog's and the file is written no more.  Caller holds in->lock. */
static int omfile_write_limited(struct omfile_inst *in, struct omfile_wrk *w,
                                const struct omfile_group *g, const char *name)
{
    const int64_t chunk = in->io_buffer_size > 0 ? in->io_buffer_size : 4096;
    size_t r = g->first, from = g->first;
    struct omfile_ent *e = NULL;
    int64_t base = 0, acc = 0;
    while (r != SIZE_MAX) {
        if (in->disabled) {
            return 0;
        }
        if (e == NULL) {
            int err = 0;
            e = omfile_get(in, name, &err);
            if (e == NULL) {
                return err;
            }
            struct stat st;
            base = fstat(e->fd, &st) == 0 ? (int64_t)st.st_size : 0;
            acc = 0;
            from = r;
        }
        int check = !e->fresh;   /* rsyslog opens its stream on the first write */
        e->fresh = 0;
        acc += (int64_t)w->recs[r].len;
        size_t next = w->recs[r].next;
        if (check && base + (acc / chunk) * chunk >= in->size_limit) {
            int rc = omfile_write_chain(w, e->fd, from, r);
            omfile_close_ent(e);
            e = NULL;
            if (rc != 0) {
                in->h->log(SL_LOG_ERR, in->who, "write to '%s' failed: %s; file closed", name,
                           strerror(-rc));
                return SL_EIO;
            }
            struct stat st;
            if (in->size_cmd == NULL) {
                in->h->log(SL_LOG_ERR, in->who, "file size limit cmd for file '%s' failed "
                           "with code -2125.", name);
                in->disabled = 1;
            } else if (omfile_run_cmd(in->size_cmd) == 0 && stat(name, &st) == 0 &&
                       (int64_t)st.st_size >= in->size_limit) {
                in->h->log(SL_LOG_ERR, in->who, "file size limit cmd for file '%s' did no "
                           "resolve situation", name);
                in->disabled = 1;
            }
        }
        r = next;
    }
    if (e != NULL) {
        int rc = omfile_write_chain(w, e->fd, from, g->last);
        if (rc != 0) {
            return omfile_write_failed(in, e, name, rc);
        }
        e->last_time = time(NULL);
    }
    return 0;
}

/* A group of a zipLevel file: every record into its gzip writer, then the flush at the
 * end of the batch (flushOnTXEnd) and the sync.  Caller holds in->lock. */
static int omfile_write_zip(struct omfile_inst *in, struct omfile_wrk *w,
                            const struct omfile_group *g, struct omfile_ent *e,
                            const char *name)
{
    int rc = 0;
    for (size_t r = g->first; r != SIZE_MAX && rc == 0; r = w->recs[r].next) {
        rc = omfile_zip_write(e->zip, e->fd, w->data.p + w->recs[r].off, w->recs[r].len);
    }
    e->unflushed = 1;
    if (rc == 0 && in->flush_on_txend) {
        rc = omfile_zip_flush(e->zip, e->fd);
        e->unflushed = 0;
    }
    if (rc == 0 && in->sync && fdatasync(e->fd) != 0 && errno != EINVAL && errno != EROFS) {
        rc = -errno;
    }
    if (rc != 0) {
        return omfile_write_failed(in, e, name, rc);
    }
    e->last_time = time(NULL);
    return 0;
}

static int omfile_write_group(struct omfile_inst *in, struct omfile_wrk *w,
                              const struct omfile_group *g)
{
    const char *name = w->names.p + g->name_off;
    int err = 0;
    if (in->size_limit > 0) {
        return omfile_write_limited(in, w, g, name);
    }
    struct omfile_ent *e = omfile_get(in, name, &err);
    if (e == NULL) {
        return err;
    }
    e->fresh = 0;
    if (e->zip != NULL) {
        return omfile_write_zip(in, w, g, e, name);
    }
    size_t r = g->first;
    while (r != SIZE_MAX) {
        int n = 0;
        while (r != SIZE_MAX && n < IOV_MAX) {
            if (w->recs[r].len > 0) {
                w->iov[n].iov_base = w->data.p + w->recs[r].off;
                w->iov[n].iov_len = w->recs[r].len;
                n++;
            }
            r = w->recs[r].next;
        }
        int rc = omfile_writev_all(e->fd, w->iov, n);
        if (rc != 0) {
            return omfile_write_failed(in, e, name, rc);
        }
    }
    if (in->sync && fdatasync(e->fd) != 0 && errno != EINVAL && errno != EROFS) {
        in->h->log(SL_LOG_ERR, in->who, "fdatasync of '%s' failed: %s; file closed", name,
                   strerror(errno));
        omfile_close_ent(e);
        return SL_EIO;
    }
    e->last_time = time(NULL);
    return 0;
}

static int omfile_deliver(void *inst, void *wrk, const struct sl_batch *b,
                          struct sl_verdict *v)
{
    struct omfile_inst *in = inst;
    struct omfile_wrk *w = wrk;
    const struct sl_host *h = in->h;
    size_t ngroups = 0;

    if (b->n == 0) {
        return SL_OK;
    }
    if (omfile_wrk_reserve(w, b->n) != 0) {
        return SL_RETRY;
    }
    w->data.len = 0;
    w->names.len = 0;

    /* 1. render everything (no lock held) */
    int any_bad = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct omfile_rec *rec = &w->recs[i];
        size_t start = w->data.len;
        if (h->render(in->tpl_eff, b->msgs[i], &w->data) != 0) {
            return SL_RETRY;
        }
        rec->off = start;
        rec->len = w->data.len - start;
        rec->next = SIZE_MAX;
        if (in->dynafile != NULL) {
            w->tmp.len = 0;
            if (h->render(in->dynafile, b->msgs[i], &w->tmp) != 0) {
                return SL_RETRY;
            }
            /* a name stops at the first NUL, as a C string would */
            void *nul = w->tmp.len > 0 ? memchr(w->tmp.p, '\0', w->tmp.len) : NULL;
            if (nul != NULL) {
                w->tmp.len = (size_t)((char *)nul - w->tmp.p);
            }
            if (w->tmp.len == 0) {
                if (!any_bad) {
                    h->log(SL_LOG_ERR, in->who, "dynaFile name is empty; record dropped");
                }
                rec->group = SIZE_MAX;
                any_bad = 1;
                continue;
            }
        } else if (ngroups == 0) {
            /* static file: one group, named once per batch */
            size_t fl = strlen(in->file);
            w->tmp.len = 0;
            if (h->buf_reserve(&w->tmp, fl + 1) != 0) {
                return SL_RETRY;
            }
            memcpy(w->tmp.p, in->file, fl);
            w->tmp.len = fl;
        }
        size_t g;
        if (omfile_group_of(h, w, &ngroups, &g) != 0) {
            return SL_RETRY;
        }
        rec->group = g;
        if (w->groups[g].first == SIZE_MAX) {
            w->groups[g].first = i;
        } else {
            w->recs[w->groups[g].last].next = i;
        }
        w->groups[g].last = i;
    }

    /* 2. write each group under the lock */
    int verdict = SL_OK;
    pthread_mutex_lock(&in->lock);
    if (in->dynafile != NULL) {
        omfile_expire(in, time(NULL));
        /* 2a. open every dynaFile of the batch before writing any: when one cannot be
         * opened for a reason that can pass (read-only or full file system, permissions,
         * descriptors), the action suspends and the whole batch is retried later, as for a
         * static file, with nothing of it written yet (no loss, no duplicates).  A name
         * that can never be opened (too long, a directory, ...) drops its records. */
        for (size_t g = 0; g < ngroups && ngroups > 1; g++) {
            int err = 0;
            if (omfile_get(in, w->names.p + w->groups[g].name_off, &err) == NULL
                && omfile_open_transient(err)) {
                h->log(SL_LOG_ERR, in->who, "cannot open '%s': %s; action suspended, the "
                       "batch is retried", w->names.p + w->groups[g].name_off, strerror(-err));
                pthread_mutex_unlock(&in->lock);
                return SL_SUSPEND;
            }
        }
    }
    for (size_t g = 0; g < ngroups; g++) {
        int rc = omfile_write_group(in, w, &w->groups[g]);
        if (rc == SL_EIO) {
            verdict = SL_SUSPEND;
            break;
        }
        if (rc != 0) {
            const char *name = w->names.p + w->groups[g].name_off;
            if (in->dynafile == NULL || omfile_open_transient(rc)) {
                h->log(SL_LOG_ERR, in->who, "cannot open '%s': %s; action suspended, the "
                       "batch is retried", name, strerror(-rc));
                verdict = SL_SUSPEND;
                break;
            }
            h->log(SL_LOG_ERR, in->who, "cannot open '%s': %s; its records are dropped", name,
                   strerror(-rc));
            /* a dynaFile name that can never be opened: its records are dropped */
            w->groups[g].failed = 1;
            any_bad = 1;
        }
    }
    pthread_mutex_unlock(&in->lock);

    if (verdict != SL_OK) {
        return verdict;
    }
    if (any_bad && v != NULL && v->bad != NULL) {
        for (size_t i = 0; i < b->n; i++) {
            size_t g = w->recs[i].group;
            if (g == SIZE_MAX || w->groups[g].failed) {
                v->bad[i] = 1;
            }
        }
        return SL_BAD_DATA;
    }
    return SL_OK;
}

static const struct sl_output_ops omfile_ops = {
    .create = omfile_create,
    .destroy = omfile_destroy,
    .worker_create = omfile_worker_create,
    .worker_destroy = omfile_worker_destroy,
    .deliver = omfile_deliver,
    .hup = omfile_hup,
};

SL_PLUGIN_DEFINE(omfile) = {
    SL_PLUGIN_HEADER(omfile),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,
    .module_params = omfile_mod_params,
    .inst_params = omfile_inst_params,
    .mod_size = sizeof(struct omfile_mod),
    .inst_size = sizeof(struct omfile_inst),
    .wrk_size = sizeof(struct omfile_wrk),
    .mod_init = NULL,
    .mod_fini = NULL,
    .in = NULL,
    .out = &omfile_ops,
    .default_template = "RSYSLOG_FileFormat",
    .path_param = "file",
};
