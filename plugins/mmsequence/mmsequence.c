/*
 * mmsequence.c - the mmsequence modifier: stores a number in a variable of every message
 * it sees (default $!mmsequence), as rsyslog 8.2302's mmsequence (contrib) does:
 *   - mode="instance" (default): one counter per action; the first message gets `from`,
 *     then +step; when the counter would reach `to` (counter >= to - step) it starts
 *     again at `from`.  Values are from..to-1 with step 1.
 *   - mode="key": one counter per `key` string, shared by every mmsequence action of the
 *     process (rsyslog keeps one module-wide table); the same stepping, and a counter
 *     below `from` (another action with another `from` used the key) restarts at `from`.
 *     The key is the literal parameter text: rsyslog does not expand it.
 *   - mode="random": from + rand_r() % (to - from), seeded per action.  With to <= from
 *     rsyslog divides by zero; sluice gives `from`.
 *   An unknown mode, or a var shorter than 3 characters or not starting with "$", is
 *   reported and ignored (the default stays), as rsyslog does.  Values are 32-bit ints.
 *
 * Ownership and lifetime
 *   - Parameter strings belong to the core.  The module-wide key table lives until the
 *     process ends (rsyslog frees it at module unload; entries are few and small).
 *
 * Concurrency & locking
 *   - Per-instance counters and the key table are each behind a mutex (process() runs on
 *     every ruleset worker); the random seed is per instance behind the same mutex.
 */

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libfastjson/json.h>

#include "sluice/sl_plugin.h"

enum { MODE_RANDOM = 0, MODE_INSTANCE = 1, MODE_KEY = 2 };

struct mms_inst {
    /* parameters (filled by the core) */
    char *mode;
    int64_t from, to, step;
    char *key;
    char *var;

    /* runtime */
    const struct sl_host *h;
    int mode_id;
    const char *var_name;
    pthread_mutex_t lock;
    int lock_ready;
    int value;
    unsigned seed;
};

#define IOFF(f) offsetof(struct mms_inst, f)
static const struct sl_param inst_params[] = {
    { "mode", SL_PT_WORD, 0, IOFF(mode), "instance", NULL, NULL,
      "instance, key or random" },
    { "from", SL_PT_NONNEG, 0, IOFF(from), "0", NULL, NULL, "first value" },
    { "to", SL_PT_POSINT, 0, IOFF(to), "2147483647", NULL, NULL,
      "upper bound (not reached)" },
    { "step", SL_PT_NONNEG, 0, IOFF(step), "1", NULL, NULL, "increment" },
    { "key", SL_PT_WORD, 0, IOFF(key), "", NULL, NULL, "mode=key: the counter's name" },
    { "var", SL_PT_WORD, 0, IOFF(var), "$!mmsequence", NULL, NULL,
      "the variable that receives the value" },
    SL_PARAM_END
};

/* mode="key": one module-wide table of counters, searched linearly (few keys). */
struct key_counter {
    char *key;
    int value;
    struct key_counter *next;
};
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static struct key_counter *key_counters;

static int *key_counter_get(const char *key, int initial)
{
    for (struct key_counter *k = key_counters; k != NULL; k = k->next) {
        if (strcmp(k->key, key) == 0) {
            return &k->value;
        }
    }
    struct key_counter *k = calloc(1, sizeof *k);
    if (k == NULL || (k->key = strdup(key)) == NULL) {
        free(k);
        return NULL;
    }
    k->value = initial;
    k->next = key_counters;
    key_counters = k;
    return &k->value;
}

static int mms_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct mms_inst *in = inst;
    (void)modconf;
    in->h = h;
    in->mode_id = MODE_INSTANCE;
    if (in->mode != NULL) {
        if (strcasecmp(in->mode, "random") == 0) {
            in->mode_id = MODE_RANDOM;
        } else if (strcasecmp(in->mode, "instance") == 0) {
            in->mode_id = MODE_INSTANCE;
        } else if (strcasecmp(in->mode, "key") == 0) {
            in->mode_id = MODE_KEY;
        } else {
            h->log(SL_LOG_ERR, "mmsequence", "invalid mode '%s' - ignored", in->mode);
        }
    }
    in->var_name = "$!mmsequence";
    if (in->var != NULL) {
        if (strlen(in->var) < 3) {
            h->log(SL_LOG_ERR, "mmsequence", "valid variable name should be at least 3 "
                   "symbols long, got %s", in->var);
        } else if (in->var[0] != '$') {
            h->log(SL_LOG_ERR, "mmsequence", "valid variable name should start with $, "
                   "got %s", in->var);
        } else {
            in->var_name = in->var;
        }
    }
    if (in->from > INT_MAX || in->to > INT_MAX || in->step > INT_MAX) {
        h->log(SL_LOG_ERR, "mmsequence", "from, to and step must be below 2^31");
        return SL_ECONFIG;
    }
    if (pthread_mutex_init(&in->lock, NULL) != 0) {
        return SL_ENOMEM;
    }
    in->lock_ready = 1;
    in->value = (int)in->to;
    in->seed = (unsigned)(uintptr_t)in ^ (unsigned)time(NULL);
    return 0;
}

static void mms_destroy(void *inst)
{
    struct mms_inst *in = inst;
    if (in->lock_ready) {
        pthread_mutex_destroy(&in->lock);
        in->lock_ready = 0;
    }
}

static int mms_worker_create(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
    return 0;
}

static void mms_worker_destroy(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
}

/* step: the next value of counter *c, rsyslog's way. */
static int step_counter(int *c, int from, int to, int step, int check_below)
{
    if (*c >= to - step || (check_below && *c < from)) {
        *c = from;
    } else {
        *c += step;
    }
    return *c;
}

static int mms_process(void *inst, void *wrk, struct sl_msg *m)
{
    struct mms_inst *in = inst;
    (void)wrk;
    int from = (int)in->from, to = (int)in->to, step = (int)in->step;
    int val = 0;
    switch (in->mode_id) {
    case MODE_RANDOM:
        pthread_mutex_lock(&in->lock);
        val = to > from ? from + (int)((unsigned)rand_r(&in->seed) % (unsigned)(to - from))
                        : from;
        pthread_mutex_unlock(&in->lock);
        break;
    case MODE_KEY: {
        pthread_mutex_lock(&key_lock);
        int *c = key_counter_get(in->key != NULL ? in->key : "", to);
        if (c != NULL) {
            val = step_counter(c, from, to, step, 1);
        }
        pthread_mutex_unlock(&key_lock);
        if (c == NULL) {
            in->h->log(SL_LOG_ERR, "mmsequence", "unable to fetch the counter");
        }
        break;
    }
    default:
        pthread_mutex_lock(&in->lock);
        val = step_counter(&in->value, from, to, step, 0);
        pthread_mutex_unlock(&in->lock);
        break;
    }
    struct fjson_object *j = fjson_object_new_int(val);
    if (j != NULL) {
        (void)in->h->msg_json_set(m, in->var_name, j);
    }
    return SL_OK;
}

static const struct sl_modifier_ops mms_ops = {
    .create = mms_create,
    .destroy = mms_destroy,
    .worker_create = mms_worker_create,
    .worker_destroy = mms_worker_destroy,
    .process = mms_process,
};

SL_PLUGIN_DEFINE(mmsequence) = {
    SL_PLUGIN_HEADER(mmsequence),
    .kinds = SL_MODIFIER,
    .inst_params = inst_params,
    .inst_size = sizeof(struct mms_inst),
    .wrk_size = 0,
    .mod = &mms_ops,
};
