/*
 * queue_da.c - the disk-assisted queue (struct sl_da, see engine_int.h): a ring (queue.c)
 * in front of two spools (spool.c), the spool proper and the head spool of what was in
 * memory at the last shutdown.  An action queue with queue.filename (or queue.type="Disk")
 * has one; a ruleset queue has one per shard.  The producer side is da_push; the consumer
 * loop da_worker_main takes the ring first, then the head spool, then the spool (FIFO end
 * to end), acks what was processed and rewinds the rest ("duplicates possible, loss not").
 *
 * Ownership and lifetime
 *   Built by engine_build.c (da_new), opened at start (da_open; not at -N1), freed with
 *   the action or ruleset queue (da_free).  Messages put into a spool are unreferenced: the
 *   spool has the copy; records taken out are decoded into new messages.
 *
 * Concurrency & locking
 *   da->lock guards the spools, `spooling` and `appending`; the ring has its own lock.
 *   da_append may drop da->lock while the disk is full (it waits for room), which is why
 *   producers are counted in `appending`.  One consumer thread per sl_da.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "log.h"
#include "msg_ser.h"

#include "engine_int.h"
#include "flight.h"

/* The disk part of a disk-assisted (queue.filename) or disk (queue.type="Disk") queue in front
 * of ring; opened later by da_open (at start, not at -N1).  high is per ring. */
struct sl_da *da_new(struct sl_engine *e, struct sl_queue_conf *qc, const char *dir,
                     const char *name, const char *owner, struct sl_ring *ring,
                     size_t nshards)
{
    struct sl_da *da = sl_xcalloc(1, sizeof *da);
    pthread_mutex_init(&da->lock, NULL);
    da->disk_only = qc->type == SL_QT_DISK;
    da->spooling = da->disk_only;
    /* rsyslog's default high watermark: 90% of queue.size */
    size_t size = (size_t)qc->size / nshards;
    da->high = (size_t)(qc->high_wm > 0 ? qc->high_wm : qc->size * 9 / 10) / nshards;
    if (da->high == 0 || da->high > size) {
        da->high = size ? size : 1;
    }
    da->dir = sl_xstrdup(dir);
    da->name = sl_xstrdup(name);
    da->eng = e;
    da->owner = owner;
    da->ring = ring;
    da->qc = qc;
    da->max_disk = (uint64_t)qc->max_disk / nshards;
    return da;
}

void da_free(struct sl_da *da)
{
    if (da == NULL) {
        return;
    }
    if (da->spool != NULL) {
        sl_spool_close(da->spool);
    }
    if (da->head != NULL) {
        sl_spool_close(da->head);
    }
    sl_buf_free(&da->ser);
    free(da->dir);
    free(da->name);
    pthread_mutex_destroy(&da->lock);
    free(da);
}

/* Append msgs to sp (serialised); waits while the disk is full (queue.maxDiskSpace) up to
 * wait_ms (< 0: until shutdown gives up), which holds up the producer (a ruleset worker, or
 * for a ruleset queue the input thread) and so the TCP senders; once shutdown gave up
 * waiting, saveOnShutdown lifts the limit.  Called with da->lock held.  Returns how many
 * were written (all of them unless the wait ended, shutdown gave up without saveOnShutdown,
 * or a write failed). */
static size_t da_append(struct sl_da *da, struct sl_spool *sp, struct sl_msg **v, size_t n,
                        int64_t wait_ms)
{
    struct iovec iov[256];
    size_t done = 0;
    int64_t until = wait_ms > 0 ? now_ms() + wait_ms : 0;
    while (done < n) {
        size_t k = n - done < 256 ? n - done : 256;
        size_t offs[257];
        da->ser.len = 0;
        for (size_t i = 0; i < k; i++) {
            offs[i] = da->ser.len;
            const struct sl_ruleset_rt *rs = v[done + i]->ruleset;
            sl_msg_serialize(v[done + i], rs != NULL ? rs->ir->name : "", &da->ser);
        }
        offs[k] = da->ser.len;
        for (size_t i = 0; i < k; i++) {
            iov[i].iov_base = da->ser.p + offs[i];
            iov[i].iov_len = offs[i + 1] - offs[i];
        }
        int rc = sl_spool_append(sp, iov, k);
        if (rc == SL_EAGAIN) {
            if (atomic_load(&da->eng->give_up) && da->qc->save_on_shutdown != 0) {
                /* shutdown: what was accepted is saved (after the spool's records, keeping
                 * the order) even past queue.maxDiskSpace; the excess is bounded by what the
                 * queues and the inputs' last read held */
                sl_spool_set_max_disk(sp, 0);
                continue;
            }
            if (atomic_load(&da->eng->give_up) || wait_ms == 0 ||
                (wait_ms > 0 && now_ms() >= until)) {
                break;
            }
            pthread_mutex_unlock(&da->lock);
            backoff_sleep(da->eng, 100);
            pthread_mutex_lock(&da->lock);
            continue;
        }
        if (rc != 0) {
            sl_log(SL_LOG_ERR, da->owner, "disk queue '%s': write failed; %zu message(s) lost",
                   da->name, n - done);
            break;
        }
        /* disk.enqueued counts records on disk: with syncQueueFiles, only once fdatasync
         * said so (tests/integration/crash-kill9.sh relies on it) */
        if (da->qc->sync_files && sl_spool_sync(sp) != 0) {
            sl_log(SL_LOG_ERR, da->owner, "disk queue '%s': sync failed; %zu message(s) written "
                   "but not known to be durable", da->name, k);
        } else {
            atomic_fetch_add(da->c_spooled, k);
        }
        done += k;
    }
    return done;
}

/* Input names of restored messages: the running inputs' interned names where they match,
 * else a name kept for the engine's lifetime. */
const char *intern_input(void *arg, const char *name)
{
    struct sl_engine *e = arg;
    for (size_t i = 0; i < e->ninputs; i++) {
        if (strcmp(e->inputs[i]->inputname, name) == 0) {
            return e->inputs[i]->inputname;
        }
    }
    pthread_mutex_lock(&e->counters_lock);
    for (size_t i = 0; i < e->ninterned; i++) {
        if (strcmp(e->interned[i], name) == 0) {
            pthread_mutex_unlock(&e->counters_lock);
            return e->interned[i];
        }
    }
    e->interned = sl_xrealloc(e->interned, (e->ninterned + 1) * sizeof *e->interned);
    const char *r = e->interned[e->ninterned++] = sl_xstrdup(name);
    pthread_mutex_unlock(&e->counters_lock);
    return r;
}

/* Into a disk-assisted queue: the ring while it is below the high watermark and nothing is
 * spooled, else the spool (in order: once spilling, everything goes to the spool until the
 * consumer has drained it).  Returns how many were taken (the spooled ones are unreferenced:
 * the spool has its copy); the caller owns v[ret..n) (disk full for wait_ms, or shutdown). */
size_t da_push(struct sl_da *da, struct sl_msg **v, size_t n, int64_t wait_ms)
{
    size_t off = 0;
    pthread_mutex_lock(&da->lock);
    if (!da->spooling) {
        size_t len = sl_ring_len(da->ring);
        size_t room = len < da->high ? da->high - len : 0;
        off = sl_ring_push(da->ring, v, n < room ? n : room, 0);
        if (off < n) {
            da->spooling = 1;
        }
    }
    size_t written = 0;
    if (off < n) {
        /* da_append drops the lock while the disk is full: the consumer may empty the spool
         * meanwhile, and must not switch back to memory while the rest is still to come */
        da->appending++;
        written = da_append(da, da->spool, v + off, n - off, wait_ms);
        da->appending--;
    }
    pthread_mutex_unlock(&da->lock);
    for (size_t i = off; i < off + written; i++) {
        sl_msg_unref(v[i]);
    }
    return off + written;
}

/* Save messages the action could not deliver before the shutdown deadline: to the head
 * spool (replayed first at the next start) when saveOnShutdown is on, else counted lost. */
static void da_save(struct sl_da *da, struct sl_msg **v, size_t n)
{
    if (n == 0) {
        return;
    }
    if (da->qc->save_on_shutdown != 0 && da->head != NULL) {
        pthread_mutex_lock(&da->lock);
        size_t w = da_append(da, da->head, v, n, -1);
        sl_spool_sync(da->head);
        pthread_mutex_unlock(&da->lock);
        if (w < n) {
            atomic_fetch_add(da->c_lost, n - w);
        }
    } else {
        atomic_fetch_add(da->c_lost, n);
        sl_log(SL_LOG_ERR, da->owner, "%zu message(s) discarded at shutdown "
               "(queue.saveOnShutdown is off)", n);
    }
}

/* One batch from the head spool or the spool (in that order).  Returns the messages decoded
 * into out; *peeked is how many records were looked at (records that cannot be decoded are
 * counted as discarded and skipped); 0 with *peeked 0 when both spools are empty. */
static size_t da_take(struct sl_da *da, struct sl_msg **out, size_t max,
                      struct sl_spool **from, size_t *peeked)
{
    struct sl_spool_rec recs[256];
    size_t n = 0, k = 0;
    if (max > 256) {
        max = 256;
    }
    if (da->replay_left > 0 && max > da->replay_left) {
        max = (size_t)da->replay_left;  /* a batch of old records only (see da_worker_main) */
    }
    pthread_mutex_lock(&da->lock);
    struct sl_spool *sp = NULL;
    if (da->head != NULL && sl_spool_count(da->head) > 0) {
        sp = da->head;
    } else if (da->spool != NULL && sl_spool_count(da->spool) > 0) {
        sp = da->spool;
    }
    if (sp != NULL && sl_spool_peek(sp, recs, max, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            char rs[256] = "";
            struct sl_msg *m = sl_msg_deserialize(recs[i].p, recs[i].len, rs, sizeof rs,
                                                  intern_input, da->eng);
            if (m == NULL) {
                sl_log(SL_LOG_ERR, da->owner, "disk queue '%s': undecodable record dropped",
                       da->name);
                atomic_fetch_add(da->c_lost, 1);
                continue;
            }
            if (da->rsq) {
                /* back to its ruleset; parsed by the ruleset worker, outside this lock */
                m->ruleset = rs[0] != '\0' ? find_ruleset(da->eng, rs) : NULL;
            } else {
                /* parsed again with the parser chain of the ruleset it came from */
                struct sl_ruleset_rt *src = rs[0] != '\0' ? find_ruleset(da->eng, rs) : NULL;
                sl_msg_parse(m, src != NULL ? &src->popts : &da->eng->popts);
            }
            out[k++] = m;
        }
    } else if (sp == NULL && !da->disk_only && da->appending == 0 &&
               sl_ring_len(da->ring) == 0) {
        /* drained: back to memory.  Not while a producer is inside da_append (it may wait
         * for disk space half way through a batch): the rest of it goes to the spool, and
         * its next batch must not overtake that through the ring */
        da->spooling = 0;
    }
    pthread_mutex_unlock(&da->lock);
    *from = sp;
    *peeked = n;
    return k;
}

/* The end of a batch taken from the ring: the trailing rem messages that were not handled
 * (shutdown) are saved to the head spool, and the batch's references dropped. */
static void da_done(struct sl_da *da, struct sl_msg **batch, size_t n, size_t rem)
{
    da_save(da, batch + (n - rem), rem);
    for (size_t i = 0; i < n; i++) {
        sl_msg_unref(batch[i]);
    }
}

/* A batch from the ring through process() (not once shutdown gave up: all of it is saved). */
static void da_run_ring(struct sl_worker *w, struct sl_da *da, struct sl_msg **batch, size_t n,
                        size_t (*process)(struct sl_worker *, struct sl_msg **, size_t))
{
    size_t rem = atomic_load(&w->eng->give_up) ? n : process(w, batch, n);
    da_done(da, batch, n, rem);
}

/* The consumer of a disk-assisted queue (an action's, or one shard of a ruleset queue's):
 * the ring first, then the head spool, then the spool; process() handles a batch and returns
 * how many trailing messages shutdown kept it from handling (saved, or left on disk). */
void *da_worker_main(struct sl_worker *w, struct sl_da *da, size_t max,
                     size_t (*process)(struct sl_worker *, struct sl_msg **, size_t))
{
    struct sl_engine *e = w->eng;
    struct sl_msg **batch = sl_xcalloc(max, sizeof *batch);
    for (;;) {
        /* After a restart, the shards of a ruleset queue first replay what they had on disk,
         * and none takes anything new before all have: "replayed first" holds across flows
         * and shards.  (New input waits in the rings and spools meanwhile.) */
        if (da->replaying != NULL && da->replay_left == 0 && atomic_load(da->replaying) > 0) {
            if (atomic_load(&e->give_up)) {
                break;
            }
            backoff_sleep(e, 20);
            continue;
        }
        size_t n = sl_ring_pop(da->ring, batch, max, 0);
        if (n > 0) {
            da_run_ring(w, da, batch, n, process);
            continue;
        }
        struct sl_spool *from = NULL;
        size_t peeked = 0;
        size_t k = da_take(da, batch, max, &from, &peeked);
        if (peeked > 0) {
            size_t rem = k == 0 || atomic_load(&e->give_up) ? k : process(w, batch, k);
            pthread_mutex_lock(&da->lock);
            /* all delivered: the whole peek is done; a partial delivery at shutdown acks the
             * delivered prefix when no record was skipped (else none: duplicates, not loss) */
            size_t ack = rem == 0 ? peeked : (peeked == k ? k - rem : 0);
            sl_spool_ack(from, ack);
            sl_spool_rewind(from);
            pthread_mutex_unlock(&da->lock);
            if (da->replay_left > 0 && rem == 0) {
                da->replay_left -= peeked < da->replay_left ? peeked : da->replay_left;
                if (da->replay_left == 0 && da->replaying != NULL) {
                    atomic_fetch_sub(da->replaying, 1);
                }
            }
            atomic_fetch_add(da->c_unspooled, k - rem);
            for (size_t i = 0; i < k; i++) {
                sl_msg_unref(batch[i]);
            }
            if (rem > 0) {
                break;          /* shutdown gave up: the rest stays on disk */
            }
            continue;
        }
        if (sl_ring_closed(da->ring) && sl_ring_len(da->ring) == 0) {
            break;              /* closed, and ring and spools are empty */
        }
        if (atomic_load(&e->give_up)) {
            break;
        }
        /* nothing anywhere: wait for the ring (new spool data wakes us within 100 ms) */
        n = sl_ring_pop(da->ring, batch, max, 100);
        if (n > 0) {
            da_run_ring(w, da, batch, n, process);
        }
    }
    /* whatever is still in the ring (shutdown gave up) goes to the head spool */
    size_t n;
    while ((n = sl_ring_pop(da->ring, batch, max, 0)) > 0) {
        da_done(da, batch, n, n);
    }
    free(batch);
    return NULL;
}

/* ---- A queued action with deferred acknowledgement (core/flight.c) ---------------------
 * The worker dequeues only what the in-flight window has room for (memory ring first; for
 * a disk-assisted queue then the head spool and the spool, without rewinding: records stay
 * peeked until their take is released), and adds each batch to the window, which delivers
 * it and keeps it until confirmed.  A take from a spool records the spool and how many
 * records it peeked; its release acks them, and releases come in dequeue order, so the
 * spool's read frontier never passes a record whose batch is unconfirmed.  A kill -9 then
 * loses nothing an output has not confirmed (behind a synced disk queue).
 * At the end of the queue (closed and empty) the plugin's flush(deadline) runs once, then
 * the worker waits for its takes; if shutdown gives up first, its unfinished takes are
 * abandoned: spool records stay (delivered again at the next start), ring messages of a
 * disk-assisted queue go to the head spool, a memory queue's are discarded and counted. */
void da_flight_release(void *ctx, struct sl_flight_take *t)
{
    struct sl_action_rt *a = ctx;
    struct sl_da *da = a->da;
    if (da == NULL || t->src == NULL) {
        return;
    }
    pthread_mutex_lock(&da->lock);
    if (sl_spool_ack(t->src, t->src_n) != 0) {
        sl_log(SL_LOG_ERR, da->owner, "disk queue '%s': the read frontier could not be "
               "written (records may come again after a restart)", da->name);
    }
    pthread_mutex_unlock(&da->lock);
    atomic_fetch_add(da->c_unspooled, t->n);
}

void flight_abandon(void *ctx, struct sl_flight_take *t, struct sl_msg **msgs, size_t n)
{
    struct sl_action_rt *a = ctx;
    if (a->da != NULL) {
        if (t->src == NULL) {
            da_save(a->da, msgs, n);    /* from the ring: to the head spool */
        }
        return;                         /* from a spool: the records stay */
    }
    atomic_fetch_add(a->c_discarded, n);
    atomic_fetch_add(a->c_failed, n);
    sl_log(SL_LOG_ERR, a->name, "action '%s': %zu message(s) not confirmed by the shutdown "
           "deadline are lost (memory queue)", a->name, n);
}

void *flight_worker_main(struct sl_worker *w)
{
    struct sl_engine *e = w->eng;
    struct sl_action_rt *a = w->act;
    struct sl_da *da = a->da;
    struct sl_ring *ring = da != NULL ? da->ring : &a->ring;
    struct sl_flight *f = a->flight;
    size_t max = (size_t)a->qc.batch;
    struct sl_msg **batch = sl_xcalloc(max, sizeof *batch);
    void *wrk = action_wrk(a, w->id);
    int flushed = 0;
    while (!atomic_load(&e->give_up)) {
        int64_t wait = -1;
        size_t open = sl_flight_pump(f, w, &wait);
        int bounded = wait >= 0 ? (int)(wait < 20 ? wait : 20) : 100;
        size_t got = 0;
        int drained = 0;
        sl_flight_take_begin(f);
        size_t room = sl_flight_room(f);
        if (room > 0) {
            size_t lim = room < max ? room : max;
            /* (a memory queue's ring may hold a queue.minDequeueBatchSize back) */
            size_t n = sl_ring_pop_batch(ring, batch, lim, 0);
            if (n > 0) {
                sl_flight_add(f, w, batch, n, NULL, 0);
                got = n;
            } else if (da != NULL) {
                struct sl_spool *from = NULL;
                size_t peeked = 0;
                size_t k = da_take(da, batch, lim, &from, &peeked);
                if (peeked > 0) {
                    sl_flight_add(f, w, batch, k, from, peeked);
                    got = peeked;
                }
            }
            if (got == 0) {
                drained = sl_ring_closed(ring) && sl_ring_len(ring) == 0;
                if (!drained && bounded > 0) {
                    /* nothing anywhere: wait for the ring (or our own next event) */
                    n = sl_ring_pop_batch(ring, batch, lim, bounded);
                    if (n > 0) {
                        sl_flight_add(f, w, batch, n, NULL, 0);
                        got = n;
                    }
                }
            }
        }
        sl_flight_take_end(f);
        if (got > 0) {
            continue;
        }
        if (drained && open == 0) {
            break;
        }
        if (drained && !flushed && a->pl->out->flush != NULL) {
            /* the queue is closed and empty: let the output push out and confirm */
            flushed = 1;
            int64_t dl = atomic_load(&e->stop_deadline);
            a->pl->out->flush(a->inst, wrk, dl > 0 ? dl : now_ms());
            continue;
        }
        if (room == 0 || drained) {
            sl_flight_wait(f, bounded > 0 ? bounded : 1);
        }
    }
    if (atomic_load(&e->give_up)) {
        sl_flight_abandon(f, w, flight_abandon);
        /* what is still in the ring: a disk-assisted queue saves it, a memory queue gets one
         * final try each (no ack: the output answers now) and then discards */
        size_t n;
        while ((n = sl_ring_pop(ring, batch, max, 0)) > 0) {
            if (da != NULL) {
                da_save(da, batch, n);
            } else {
                action_deliver(a, wrk, batch, n, 0);
            }
            for (size_t i = 0; i < n; i++) {
                sl_msg_unref(batch[i]);
            }
        }
    }
    free(batch);
    return NULL;
}

static int da_open_one(struct sl_da *da, const char *name, struct sl_spool **out)
{
    struct sl_spool_opts so = {
        .dir = da->dir,
        .name = name,
        .max_segment_bytes = (uint64_t)da->qc->max_file_size,
        .max_disk_bytes = da->max_disk,
        .sync = da->qc->sync_files ? SL_SPOOL_SYNC_BATCH : SL_SPOOL_SYNC_NONE,
        .checkpoint_interval = (uint32_t)da->qc->checkpoint,
    };
    struct sl_spool_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = sl_spool_open(&so, out, &rep);
    if (rc != 0) {
        sl_log(SL_LOG_ERR, da->owner, "disk queue '%s' in %s cannot be opened (error %d)", name,
               da->dir, rc);
        return rc;
    }
    if (rep.segments_set_aside > 0 || rep.state_recovered) {
        sl_log(SL_LOG_WARNING, da->owner, "disk queue '%s': %u damaged segment(s) set aside "
               "(*.bad, about %llu message(s) in them)%s", name, rep.segments_set_aside,
               (unsigned long long)rep.records_lost,
               rep.state_recovered ? "; state file rebuilt from the segments" : "");
    }
    if (rep.records > 0) {
        sl_log(SL_LOG_INFO, da->owner, "disk queue '%s': %llu message(s) from before the restart "
               "are delivered first", name, (unsigned long long)rep.records);
        da->spooling = 1;
    }
    return 0;
}

/* Disk queues are opened at start (not at -N1), recovering what a previous run left. */
int da_open(struct sl_engine *e, struct sl_da *da)
{
    if (da->c_spooled == NULL) {
        da->c_spooled = sluice_counter(e, da->owner, "sluice.action", "disk.enqueued");
        da->c_unspooled = sluice_counter(e, da->owner, "sluice.action", "disk.dequeued");
    }
    char head[1024];
    snprintf(head, sizeof head, "%s.shutdown", da->name);
    if (da_open_one(da, head, &da->head) != 0 || da_open_one(da, da->name, &da->spool) != 0) {
        return SL_EIO;
    }
    if (da->qc->save_on_shutdown < 0) {
        da->qc->save_on_shutdown = 1; /* with a disk queue, keep what is in memory at shutdown */
    }
    return 0;
}
