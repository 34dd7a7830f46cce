/*
 * spool_int.h - the spool's internals shared by spool.c (append, peek, ack, open, close) and
 * spool_recover.c (scanning, salvage and recovery at open).  Not for use outside
 * core/spool*.c; the contract is spool.h, the on-disk layout is described in spool.c.
 *
 * Ownership and concurrency: see spool.c (one thread at a time per spool).
 */
#ifndef SLUICE_CORE_SPOOL_INT_H
#define SLUICE_CORE_SPOOL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "spool.h"
#include "util/buf.h"

#define SEG_HDR_LEN 32u
#define SEG_VERSION 2u             /* 1: no salt (record CRCs seeded with 0), still read */
#define REC_HDR_LEN 8u
#define FOOTER_LEN 24u
#define FOOTER_MARK 0xffffffffu
#define FOOTER_MAGIC 0x54464c53u    /* "SLFT" */
#define MAX_REC_LEN (1u << 30)
#define STATE_MAGIC 0x54534c53u     /* "SLST" */
#define STATE_VERSION 1u
#define STATE_FILE_LEN 1024u
#define STATE_SLOT_LEN 64u
#define STATE_SLOT_B 512u
#define DEFAULT_SEG_BYTES (1u << 20)
#define STAGE_CAP (256u * 1024u)
#define SMALL_REC 4096u              /* payloads up to this are copied into the staging buffer */
#define MAX_IOV 512
#define WINDOW_CAP (256u * 1024u)
#define WHO "spool"

/* ---------------------------------------------------------------- structures */

struct seg {
    uint64_t seq;
    uint64_t data_end;   /* end of the last record (footer offset when sealed) */
    uint64_t size;       /* file size */
    uint64_t nrec;       /* records in the segment */
    uint64_t payload;    /* their payload bytes */
    uint32_t salt;       /* seeds its record CRCs (header bytes 24..27; 0 in version 1) */
    int sealed;
};

struct pos {
    uint64_t seq;
    uint64_t off;
    uint64_t idx;        /* records before off in this segment */
};

struct inflight {
    struct pos end;      /* position after the record */
    uint64_t len;
};

struct sl_spool {
    struct sl_spool_opts o;
    char *dir;
    char *name;
    int dirfd;
    int statefd;
    uint64_t state_gen;
    int state_slot_next;         /* 0: A, 1: B */
    uint64_t total_acked;

    struct seg *segs;            /* live segments, ascending seq; the last is the active one */
    size_t nsegs, capsegs;
    uint64_t next_seq;

    int wfd;                     /* active segment */
    int wdirty;                  /* written since the last fdatasync */
    int dir_dirty;               /* segments created/removed since the last directory fsync */
    unsigned char *stage;
    size_t stage_len;
    struct iovec iov[MAX_IOV];
    int niov;
    size_t stage_mark;           /* start of the staging bytes not yet in iov[] */
    uint64_t pend_bytes;         /* bytes queued for the next write */
    uint64_t pend_nrec, pend_payload;

    struct pos apos;             /* ack frontier */
    struct pos rpos;             /* peek position */
    struct inflight *fl;
    size_t fl_head, fl_n, fl_cap;

    int rfd;
    uint64_t rfd_seq;
    unsigned char *win;          /* read window */
    size_t win_cap, wstart, win_len;
    uint64_t win_seq, win_off;

    uint64_t count, payload;     /* unacked records and their payload bytes */
    uint64_t disk;               /* bytes in live segment files */
    uint64_t acks_since_ckpt;
    uint32_t set_aside;
    uint64_t lost;
};

/* spool.c <-> spool_recover.c */
extern const char seg_magic[8];
uint32_t get32(const unsigned char *p);
uint64_t get64(const unsigned char *p);
uint32_t rec_crc(uint32_t salt, const unsigned char *lenfield, const void *payload, size_t len);
void seg_name(const struct sl_spool *s, uint64_t seq, const char *suffix, char *out, size_t cap);
struct seg *seg_push(struct sl_spool *s);
int full_pwrite(int fd, const void *p, size_t len, uint64_t off);
ssize_t full_pread(int fd, void *p, size_t len, uint64_t off);
int state_decode(const unsigned char *b, uint64_t *gen, struct pos *p, uint64_t *acked);
int state_write(struct sl_spool *s);
int parse_seg_name(const struct sl_spool *s, const char *fn, const char *suffix, uint64_t *seq);
int cmp_u64(const void *a, const void *b);
int seg_create(struct sl_spool *s);
void frontier_normalise(struct sl_spool *s);
int salvage(struct sl_spool *s, uint64_t seq, uint64_t keep, uint64_t tail_off,
            uint64_t tail_len);
int recover(struct sl_spool *s, struct sl_spool_report *rep);

#endif
