/*
 * stats.c - the engine's counter registry and statistics: counters by set and origin as
 * rsyslog's statistics objects name them (what impstats prints, one line per set), the
 * queue sets read from the rings, and the SIGUSR1 dump.
 *
 * Ownership and lifetime
 *   Counters belong to the engine (freed by sl_engine_free); a pointer handed out stays
 *   valid for the engine's lifetime.
 *
 * Concurrency & locking
 *   The registry (e->counters) is appended to and walked under e->counters_lock; counter
 *   values are atomics, updated without it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfastjson/json.h>

#include "engine_int.h"
#include "flight.h"

/* ---------------------------------------------------------------------------------------
 * Counters
 * ------------------------------------------------------------------------------------- */
/* A counter in set `set` (origin `origin`; NULL: the set's origin if it exists, else
 * `set`).  Counters are keyed by owner: asking twice for the same set, origin and name
 * returns the same counter; two origins never share one, even under the same set name. */
_Atomic uint64_t *counter_in_set(struct sl_engine *e, const char *set, const char *origin,
                                 const char *name)
{
    set = set ? set : "";
    name = name ? name : "";
    pthread_mutex_lock(&e->counters_lock);
    for (struct sl_counter *o = e->counters; o != NULL; o = o->next) {
        if (strcmp(o->set, set) == 0 && (origin == NULL || strcmp(o->origin, origin) == 0)) {
            if (strcmp(o->name, name) == 0) {
                pthread_mutex_unlock(&e->counters_lock);
                return &o->v;
            }
            if (origin == NULL) {
                origin = o->origin;
            }
        }
    }
    struct sl_counter *c = sl_xcalloc(1, sizeof *c);
    c->name = sl_xstrdup(name);
    c->set = sl_xstrdup(set);
    c->origin = sl_xstrdup(origin ? origin : set);
    atomic_init(&c->v, 0);
    if (e->counters_tail == NULL) {
        e->counters_tail = &e->counters;
    }
    *e->counters_tail = c;
    e->counters_tail = &c->next;
    pthread_mutex_unlock(&e->counters_lock);
    return &c->v;
}

/* A counter of sluice's own in the set "OWNER sluice" (origin `origin`): keeps rsyslog's sets
 * (OWNER with origin core.action, core.queue, imtcp, ...) to rsyslog's keys. */
_Atomic uint64_t *sluice_counter(struct sl_engine *e, const char *owner,
                                 const char *origin, const char *name)
{
    char set[640];
    snprintf(set, sizeof set, "%s sluice", owner);
    return counter_in_set(e, set, origin, name);
}

/* The older (owner, instance, name) form: the set is the instance (or the owner), the
 * origin the owner. */
_Atomic uint64_t *counter_new(struct sl_engine *e, const char *owner, const char *inst,
                              const char *name)
{
    return counter_in_set(e, inst != NULL && *inst != '\0' ? inst : owner, owner, name);
}

/* Queue counters are read from the rings (rsyslog's core.queue set): size, enqueued, full,
 * discarded.full, discarded.nf, maxqsize. */
static void ring_stats(struct sl_ring *r, size_t nr, const _Atomic uint64_t *full,
                       const _Atomic uint64_t *nf, struct sl_stat *st)
{
    static const char *const names[] = { "size", "enqueued", "full", "discarded.full",
                                          "discarded.nf", "maxqsize" };
    uint64_t v[6] = { 0 };
    for (size_t i = 0; i < nr; i++) {
        pthread_mutex_lock(&r[i].lock);
        v[0] += r[i].count;
        v[5] += r[i].max_seen;
        pthread_mutex_unlock(&r[i].lock);
        v[1] += atomic_load_explicit(&r[i].enqueued, memory_order_relaxed);
        v[2] += atomic_load_explicit(&r[i].full_waits, memory_order_relaxed);
        v[3] += atomic_load_explicit(&r[i].dropped, memory_order_relaxed);
    }
    v[3] += atomic_load_explicit(full, memory_order_relaxed);
    v[4] += atomic_load_explicit(nf, memory_order_relaxed);
    for (int i = 0; i < 6; i++) {
        st[i].name = names[i];
        st[i].value = v[i];
    }
}

/* Every counter set, in creation order, then the queues (as rsyslog's impstats lists
 * them: actions and inputs, then action queues, then the ruleset queues).  reset != 0
 * zeroes the registry counters as they are read (impstats resetCounters="on"). */
void sl_engine_stats_foreach(struct sl_engine *e, sl_stats_cb cb, void *arg, int reset)
{
    struct sl_stat st[64];
    pthread_mutex_lock(&e->counters_lock);
    unsigned gen = ++e->stats_gen;
    for (struct sl_counter *c = e->counters; c != NULL; c = c->next) {
        if (c->gen == gen) {
            continue;
        }
        size_t n = 0;
        for (struct sl_counter *d = c; d != NULL && n < 64; d = d->next) {
            if (d->gen != gen && strcmp(d->set, c->set) == 0 && strcmp(d->origin, c->origin) == 0) {
                d->gen = gen;
                st[n].name = d->name;
                st[n].value = reset ? atomic_exchange_explicit(&d->v, 0, memory_order_relaxed)
                                    : atomic_load_explicit(&d->v, memory_order_relaxed);
                n++;
            }
        }
        cb(arg, c->set, c->origin, st, n);
    }
    pthread_mutex_unlock(&e->counters_lock);
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (a->queued && a->ring.v != NULL) {
            char nm[320];
            snprintf(nm, sizeof nm, "%s queue", a->name);
            ring_stats(&a->ring, 1, &a->q_full, &a->q_nf, st);
            cb(arg, nm, "core.queue", st, 6);
        }
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        if (e->rsqs[i]->direct) {
            continue;   /* rsyslog 8.2302: a Direct queue has no statistics (qqueueStart) */
        }
        ring_stats(e->rsqs[i]->shards, e->rsqs[i]->nshards, &e->rsqs[i]->q_full,
                   &e->rsqs[i]->q_nf, st);
        cb(arg, e->rsqs[i]->name, "core.queue", st, 6);
    }
}

static void stats_print(void *arg, const char *set, const char *origin, const struct sl_stat *v,
                        size_t n)
{
    FILE *out = arg;
    fprintf(out, "%s: origin=%s", set, origin);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, " %s=%llu", v[i].name, (unsigned long long)v[i].value);
    }
    fputc('\n', out);
}

/* SIGUSR1: every set as an impstats legacy line, without the time stamp.  The dump is
 * built in memory and written with one call, so a reader of the log never sees half of it
 * (the first line is always the "sluiced" set). */
void sl_engine_stats(struct sl_engine *e, FILE *out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        sl_engine_stats_foreach(e, stats_print, out, 0);
        return;
    }
    sl_engine_stats_foreach(e, stats_print, mem, 0);
    fclose(mem);
    fwrite(text, 1, len, out);
    fflush(out);
    free(text);
}

/* Bytes a disk-assisted queue holds on disk (its spool and head spool). */
static uint64_t da_disk_bytes(struct sl_da *da)
{
    uint64_t b = 0;
    if (da == NULL) {
        return 0;
    }
    pthread_mutex_lock(&da->lock);
    b += da->spool != NULL ? sl_spool_bytes(da->spool) : 0;
    b += da->head != NULL ? sl_spool_bytes(da->head) : 0;
    pthread_mutex_unlock(&da->lock);
    return b;
}

/* `queues --json`: o as one line of out (o is put). */
static void json_out(FILE *out, struct fjson_object *o)
{
    fprintf(out, "%s\n", fjson_object_to_json_string_ext(o, FJSON_TO_STRING_PLAIN));
    fjson_object_put(o);
}

static void json_int(struct fjson_object *o, const char *key, uint64_t v)
{
    fjson_object_object_add(o, key, fjson_object_new_int64((int64_t)v));
}

/* The control socket's `queues` (core/ctl.c): each ruleset queue, then each action with its
 * queue (if any; its depth counts what its workers hold: a batch, the in-flight window) and
 * its suspension state.  One line each: KEY=VALUE after the kind and the quoted name, or
 * (json) one JSON object with the same keys plus "kind" and "name" ("suspended" a boolean;
 * "since" and "retries" only while suspended). */
void sl_engine_queues(struct sl_engine *e, FILE *out, int json)
{
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        size_t depth = 0, cap = 0;
        uint64_t disk = 0;
        for (size_t s = 0; s < q->nshards; s++) {
            depth += sl_ring_len(&q->shards[s]);
            cap += q->shards[s].cap;
            disk += q->da != NULL ? da_disk_bytes(q->da[s]) : 0;
        }
        if (json) {
            struct fjson_object *o = fjson_object_new_object();
            fjson_object_object_add(o, "kind", fjson_object_new_string("queue"));
            fjson_object_object_add(o, "name", fjson_object_new_string(q->name));
            fjson_object_object_add(o, "type", fjson_object_new_string(queue_types[q->qc.type]));
            json_int(o, "size", cap);
            json_int(o, "depth", depth);
            json_int(o, "disk.bytes", disk);
            json_int(o, "workers", q->nshards);
            json_out(out, o);
            continue;
        }
        fprintf(out, "queue \"%s\" type=%s size=%zu depth=%zu disk.bytes=%llu workers=%zu\n",
                q->name, queue_types[q->qc.type], cap, depth, (unsigned long long)disk,
                q->nshards);
    }
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (!a->created) {
            continue;
        }
        int has_q = a->queued && a->ring.v != NULL;
        size_t depth = has_q ? sl_ring_len(&a->ring) + atomic_load(&a->inflight) +
                               (a->flight != NULL ? sl_flight_count(a->flight) : 0) : 0;
        uint64_t disk = has_q ? da_disk_bytes(a->da) : 0;
        int susp = atomic_load(&a->suspended) != 0;
        int64_t since = atomic_load(&a->suspended_since);
        unsigned long long retries = (unsigned long long)atomic_load(&a->retries);
        char ts[32] = "?";
        time_t t = (time_t)since;
        struct tm tm;
        if (susp && since > 0 && gmtime_r(&t, &tm) != NULL) {
            strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
        if (json) {
            struct fjson_object *o = fjson_object_new_object();
            fjson_object_object_add(o, "kind", fjson_object_new_string("action"));
            fjson_object_object_add(o, "name", fjson_object_new_string(a->name));
            fjson_object_object_add(o, "module", fjson_object_new_string(a->pl->name));
            if (has_q) {
                fjson_object_object_add(o, "queue.type",
                                        fjson_object_new_string(queue_types[a->qc.type]));
                json_int(o, "queue.size", a->ring.cap);
                json_int(o, "queue.depth", depth);
                json_int(o, "queue.disk.bytes", disk);
                json_int(o, "queue.workers", a->nthr);
            }
            fjson_object_object_add(o, "suspended", fjson_object_new_boolean(susp));
            if (susp) {
                fjson_object_object_add(o, "since", fjson_object_new_string(ts));
                json_int(o, "retries", retries);
            }
            json_out(out, o);
            continue;
        }
        fprintf(out, "action \"%s\" module=%s", a->name, a->pl->name);
        if (has_q) {
            fprintf(out, " queue.type=%s queue.size=%zu queue.depth=%zu queue.disk.bytes=%llu "
                    "queue.workers=%zu", queue_types[a->qc.type], a->ring.cap, depth,
                    (unsigned long long)disk, a->nthr);
        }
        if (susp) {
            fprintf(out, " suspended=yes since=%s retries=%llu\n", ts, retries);
        } else {
            fprintf(out, " suspended=no\n");
        }
    }
}
