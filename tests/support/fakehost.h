/*
 * fakehost.h - a fake sl_host for plugin tests: plugins are tested against this instead of
 * the real core (the point of the host table).  Messages are plain copies of what the input
 * handed over; submit() records them; render() writes the raw text plus "\n" unless a test
 * installs its own renderer.
 *
 * Concurrency & locking: the captured list is protected by one mutex (inputs submit from
 * their own threads).
 */
#ifndef SLUICE_TESTS_FAKEHOST_H
#define SLUICE_TESTS_FAKEHOST_H

#include <pthread.h>
#include "sluice/sl_plugin.h"

struct sl_msg {         /* the fake host's message: the core's is opaque to plugins anyway */
    char *raw;
    size_t len;
    struct sockaddr_storage peer;
    socklen_t peerlen;
    uint64_t flow_key;
    int local_pri;      /* msg_set_local: pri and tag as given (-1: not called) */
    char local_tag[64];
    uint32_t local_flags; /* msg_set_local: SL_LOCAL_* as given (ABI 1.6: SL_LOCAL_PRESET) */
    /* ABI 1.4 msg_set_fields: the fields as given (copies, NUL-terminated), set = SL_MF_*
     * bits (0: not called) */
    uint32_t f_set;
    int f_pri;
    int64_t f_ts_sec;
    int32_t f_ts_nsec;
    int f_tzoff;
    char *f_hostname, *f_tag, *f_app_name, *f_procid, *f_msgid, *f_msg;
    /* ABI 1.4 JSON setters: the "$!" tree (a libfastjson object, NULL until set) */
    void *json;
    int64_t mark_interval;  /* ABI 1.7 msg_set_mark: the period given (0: not called) */
    char *props;            /* ABI 1.8 msg_set_prop: "name=value\n" per call, in order */
    const char *ruleset;    /* ABI 1.9 submit_ruleset: the ruleset's name (NULL: submit) */
};

struct fh_captured {
    pthread_mutex_t lock;
    struct sl_msg **v;
    size_t n, cap;
    size_t dropped;     /* NO_DELAY submits refused while fh_queue_full is set */
};

extern const struct sl_host fh_host;
extern struct fh_captured fh_cap;
extern int fh_queue_full;           /* set: submits drop (counted in fh_cap.dropped) */
extern int fh_block_when_full;      /* set too: submit waits until fh_queue_full clears */
extern size_t fh_max_msg_size;      /* default 8096 */
extern int fh_log_count[8];         /* messages logged per severity */
extern char fh_last_log[1024];
extern const char *const *fh_ruleset_names; /* ABI 1.9 ruleset_ref: the rulesets that
                                              * exist (NULL: every name) */
extern const char *const *fh_globals;  /* global() settings: {"name", "value", ..., NULL} */

/* A test renderer; NULL restores the default raw + "\n". */
extern int (*fh_render_hook)(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out);

struct sl_msg *fh_msg(const char *text);    /* a message for output tests */
size_t fh_count(void);                      /* captured so far */
struct sl_msg *fh_get(size_t i);
int fh_wait_count(size_t n, int timeout_ms); /* 0 when >= n captured, -1 on timeout */
void fh_reset(void);
uint64_t fh_counter_value(const char *name); /* sum over owners/instances with that name */
/* The message's "$!" tree as JSON text (libfastjson's plain form); "{}" if none.  Valid until
 * the next call. */
const char *fh_json_text(struct sl_msg *m);

/* ABI 1.4 batch_done: every call is recorded (fh_acks, under fh_cap.lock). */
struct fh_ack_rec {
    struct sl_ack *ack;
    int verdict;
    size_t done;
};
extern struct fh_ack_rec fh_acks[1024];
extern size_t fh_nacks;
int fh_wait_acks(size_t n, int timeout_ms);  /* 0 when >= n batch_done calls, -1 on timeout */

/* stats_foreach: the fake's counters as one set "fakehost" (origin "fake"), then a queue
 * set "main Q" (origin "core.queue", size=1 enqueued=2 discarded.full=0). */

#endif
