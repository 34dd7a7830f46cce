/*
 * spool.h - the disk spool behind Disk and disk-assisted queues: a segmented, checksummed,
 * append-only log of opaque records with a crash-safe read frontier.
 *
 * On disk (in `dir`, all names starting with `name`):
 *   NAME.SEQ.seg   segment files: a header (magic, format version, segment sequence number),
 *                  then records (length, CRC32C of the payload, payload), sealed by a footer
 *                  when the segment is full.  Segment sequence numbers only grow.
 *   NAME.state     fixed-size state file with two slots (A/B), each carrying a generation
 *                  number, the durable read frontier (segment sequence, byte offset, records
 *                  consumed) and a CRC of the slot.  A write goes to the older slot; start-up
 *                  takes the newest valid slot, so a torn state write never loses the last
 *                  good state.
 * Guarantees: a record whose append was followed by sl_spool_sync() returning 0 survives a
 * crash (kill -9, power loss with honest disks).  A record is delivered again after a crash
 * unless its ack was followed by a state checkpoint: duplicates possible, loss not.
 * A damaged record (bad CRC, truncated tail) found at open costs that record: the damaged
 * segment is kept aside (NAME.SEQ.seg.bad) and reported, and the segment is rebuilt from the
 * records before the damage plus the records after it when they verify without a fault up to
 * the end of the segment (else they are counted lost too); damage in records already
 * delivered (before the checkpointed frontier) is stepped over.  Damage found while running
 * ends what is read from that segment.  A missing or unreadable state file means "start from
 * the oldest segment".
 *
 * Ownership: the spool owns its files and buffers; records returned by sl_spool_peek point
 * into spool memory valid until the next call on the same spool.
 * Concurrency & locking: a spool is used by one thread at a time (the queue that owns it
 * serialises calls).
 */
#ifndef SLUICE_CORE_SPOOL_H
#define SLUICE_CORE_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct sl_spool;

enum sl_spool_sync {
    SL_SPOOL_SYNC_NONE = 0,   /* leave it to the kernel */
    SL_SPOOL_SYNC_BATCH = 1   /* fdatasync in sl_spool_sync() (queue.syncQueueFiles="on") */
};

struct sl_spool_opts {
    const char *dir;              /* existing directory (global workDirectory / queue.spoolDirectory) */
    const char *name;             /* queue.filename */
    uint64_t max_segment_bytes;   /* queue.maxFileSize; 0 = 1 MiB default */
    uint64_t max_disk_bytes;      /* queue.maxDiskSpace; 0 = unlimited */
    enum sl_spool_sync sync;
    uint32_t checkpoint_interval; /* write the state every N acked records (queue.checkpointInterval); 0 = every ack */
};

/* What sl_spool_open found. */
struct sl_spool_report {
    uint64_t records;             /* records waiting (not yet acked) */
    uint64_t bytes;               /* their payload bytes */
    uint32_t segments_set_aside;  /* damaged segments renamed *.bad */
    uint64_t records_lost;        /* records known to be lost in them (best effort) */
    int state_recovered;          /* 1: state file missing/damaged, rebuilt from segments */
};

struct sl_spool_rec {
    const void *p;
    size_t len;
};

/* Open (create if absent) and recover.  Returns 0 or a negative SL_E* code. */
int sl_spool_open(const struct sl_spool_opts *o, struct sl_spool **out, struct sl_spool_report *rep);

/* Append n records; each iovec is one record's payload.  Returns 0, or SL_EAGAIN when
 * max_disk_bytes would be exceeded (nothing appended), or SL_EIO. */
int sl_spool_append(struct sl_spool *s, const struct iovec *recs, size_t n);

/* Make every appended record durable (per opts.sync: fdatasync of the segment, and of the
 * directory after segments were created or removed).  0 or SL_EIO. */
int sl_spool_sync(struct sl_spool *s);

/* Look at up to max records after the ones already handed out by earlier peeks (not yet
 * acked); sets *n.  0 or SL_EIO.  Records stay in the spool until acked. */
int sl_spool_peek(struct sl_spool *s, struct sl_spool_rec *out, size_t max, size_t *n);

/* Forget the peek position: the next peek starts again at the oldest unacked record
 * (a failed delivery is retried). */
void sl_spool_rewind(struct sl_spool *s);

/* The oldest n unacked records are done: advance the frontier, delete segments wholly behind
 * it, write the state every checkpoint_interval records.  0 or SL_EIO. */
int sl_spool_ack(struct sl_spool *s, size_t n);

/* Change max_disk_bytes (0: no limit) of an open spool; used at shutdown so that what
 * was accepted can still be saved past queue.maxDiskSpace. */
void sl_spool_set_max_disk(struct sl_spool *s, uint64_t bytes);

uint64_t sl_spool_count(const struct sl_spool *s);   /* unacked records */
uint64_t sl_spool_bytes(const struct sl_spool *s);   /* bytes on disk */

/* Write the state and close.  Records not acked stay for the next open. */
void sl_spool_close(struct sl_spool *s);

/* CRC32C (Castagnoli), used for records and state slots. */
uint32_t sl_crc32c(uint32_t crc, const void *p, size_t len);

#endif
