/*
 * imnetflow.c - the imnetflow input plugin: NetFlow v5, v9 and IPFIX over UDP, one message
 * per flow record.
 *
 * Why hand-written: no C library decodes flow exports into one JSON object per flow at the
 * rate needed (see nf.h); the decoders (nf5.c, nf9.c, nfstate.c, nfie.c) are pure functions
 * this file feeds with datagrams.
 *
 Receiving is the shared UDP listener (plugins/common/sl_udp.c): open() binds the (address,
 * port) pairs with a large receive buffer (rcvbufSize, a warning when the kernel grants
 * less) and SO_RXQ_OVFL, `threads` socket sets with SO_REUSEPORT; each of the core's
 * run_thread() threads (SL_PF_THREADED) reads its set with recvmmsg() in batches of
 * batchSize datagrams.  The kernel hashes a sender (address and port) to one socket, so an
 * exporter's datagrams always reach the same thread, and each thread has its own collector
 * (template cache, sequence state): no lock on the decoding path.  Datagrams from exporters
 * not in allowedExporters are dropped (counted), the rest decoded.  Each flow becomes a message: rawmsg and %msg% the flow as one JSON
 * object in the naming profile `format` ("nprobe": numeric IE ids, "nprobe-labels": nProbe's
 * --json-labels names, "ipfix": IANA names; enterprise elements "PEN.ID"), fromhost-ip the
 * exporter, pri facility.severity (local0.notice by default, like imfile), TAG `tag`, and the
 * same fields as a JSON tree under $!flow (flowVar="on").  Header fields are set with the ABI
 * 1.4 msg_set_fields; on an older host the message is handed over as "<PRI>TAG JSON" and the
 * parser chain makes the same fields of it.  Flows of one exporter are submitted in order
 * (flow_key = hash of the exporter's address and port); the input is SL_PF_NO_DELAY: a full
 * queue drops (counted).
 *
 At most once a second, after a batch, a thread's collector expires templates and held data
 * and, when templates changed, saves its cache to workDirectory/imnetflow-PORT.templates
 * (thread 0; imnetflow-PORT.N.templates for thread N) atomically (temp file + rename); it is
 * saved at stop too, and open() loads every such file into every thread's collector, so data
 * arriving after a restart decodes with the templates received before it (even if the
 * kernel hashes the exporter to another thread now).
 *
 * Counters (host->counter): set "imnetflow(PORT)": datagrams, flows, submitted,
 * queue.dropped, malformed, version.unknown, exporter.denied, exporter.refused (table full),
 * kernel.dropped (SO_RXQ_OVFL), empty, truncated.  Per exporter address and observation domain, set
 * "imnetflow(ADDRESS/DOMAIN)": the decoders' counters (nf_counter_names): sequence.lost
 * (v5 flows, v9 export packets, IPFIX data records), sequence.resets, notemplate.*,
 * malformed, templates*, options.records, ...
 *
 * Ownership: the instance block belongs to the core; the listener, the per-thread states
 * (collector, buffers, pending messages) are the instance's, released by destroy().
 * Concurrency & locking: create/open/destroy on the main thread; run_thread(i) touches only
 * thread state i (its collector, buffers and messages); stop() only calls sl_udp_stop().
 * Counters are atomics owned by the host, shared by the threads.
 */
#include "config.h"

#include <errno.h>
#include <json.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "nf.h"
#include "sl_udp.h"

#define DGRAM_MAX 65535
#define NF_MSG_BATCH 256
#define MAX_THREADS 64

static const char *const formats[] = { "nprobe", "nprobe-labels", "ipfix", NULL };

struct nf_inst;

/* one receive thread's state */
struct nf_thr {
    struct nf_inst *in;
    unsigned index;
    struct nf_coll *coll;
    struct nf_jbuf jb;
    struct nf_jbuf rawb;        /* fallback: "<PRI>TAG JSON" */
    struct sl_msg *msgs[NF_MSG_BATCH];
    size_t nmsgs;
    uint64_t msgs_key;
    const struct sockaddr *cur_peer;
    socklen_t cur_peerlen;
    int64_t last_tick;
    char *persist_path;
};

struct allow {
    int family;
    uint8_t addr[16];
    int bits;
};

struct nf_inst {
    /* ---- parameters ---- */
    struct sl_strarr port;
    char *address;
    int64_t format;
    int flow_var;
    char *tag;
    char *facility;
    char *severity;
    struct sl_strarr allowed;
    int64_t rcvbuf;
    int64_t batch_size;
    int64_t tmpl_timeout;
    int64_t opt_timeout;
    int64_t max_tmpl;
    int64_t max_exporters;
    int64_t held_bytes;
    int64_t held_timeout;
    int persist;
    int64_t threads;

    /* ---- runtime ---- */
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    int has_fields;             /* host implements msg_set_fields */
    int has_json;               /* ... and msg_json_set_ref */
    void *flow_handle;
    int pri;
    char label[64];
    const char *workdir;
    struct allow *allow;
    size_t nallow;
    size_t batch;
    unsigned nthreads;
    struct sl_udp *udp;
    struct nf_thr *thr;
    struct nf_conf conf;

    _Atomic uint64_t *c_datagrams, *c_flows, *c_submitted, *c_qdropped, *c_malformed,
        *c_version, *c_denied, *c_refused, *c_kernel, *c_empty, *c_truncated;
};

#define IOFF(f) offsetof(struct nf_inst, f)

static const struct sl_param inst_params[] = {
    { "port", SL_PT_ARRAY, 0, IOFF(port), "2055", NULL, NULL, "UDP port(s)" },
    { "address", SL_PT_STRING, 0, IOFF(address), NULL, NULL, NULL, "bind address (all)" },
    { "format", SL_PT_ENUM, 0, IOFF(format), "nprobe", formats, NULL,
      "JSON naming profile of %msg%" },
    { "flowVar", SL_PT_BOOL, 0, IOFF(flow_var), "on", NULL, NULL, "fill $!flow" },
    { "tag", SL_PT_STRING, 0, IOFF(tag), "netflow:", NULL, NULL, NULL },
    { "facility", SL_PT_WORD, 0, IOFF(facility), "local0", NULL, NULL, NULL },
    { "severity", SL_PT_WORD, 0, IOFF(severity), "notice", NULL, NULL, NULL },
    { "allowedExporters", SL_PT_ARRAY, 0, IOFF(allowed), NULL, NULL, NULL,
      "addresses or prefixes (a/len); empty: all" },
    { "rcvbufSize", SL_PT_SIZE, 0, IOFF(rcvbuf), "32m", NULL, NULL, NULL },
    { "batchSize", SL_PT_POSINT, 0, IOFF(batch_size), "64", NULL, NULL, NULL },
    { "templateTimeout", SL_PT_POSINT, 0, IOFF(tmpl_timeout), "1800", NULL, NULL, "seconds" },
    { "optionsTemplateTimeout", SL_PT_POSINT, 0, IOFF(opt_timeout), "1800", NULL, NULL,
      "seconds" },
    { "maxTemplatesPerExporter", SL_PT_POSINT, 0, IOFF(max_tmpl), "1024", NULL, NULL, NULL },
    { "maxExporters", SL_PT_POSINT, 0, IOFF(max_exporters), "1024", NULL, NULL, NULL },
    { "heldDataSize", SL_PT_SIZE, 0, IOFF(held_bytes), "4m", NULL, NULL,
      "bytes of data held for missing templates" },
    { "heldDataTimeout", SL_PT_POSINT, 0, IOFF(held_timeout), "60", NULL, NULL, "seconds" },
    { "persistTemplates", SL_PT_BOOL, 0, IOFF(persist), "on", NULL, NULL,
      "keep the template cache in workDirectory" },
    /* bound by the core for SL_PF_THREADED inputs; read here to bind as many socket sets */
    { "threads", SL_PT_POSINT, 0, IOFF(threads), NULL, NULL, NULL, "receive threads" },
    SL_PARAM_END
};

/* ---- configuration ---- */

static const char *const fac_names[] = { "kern", "user", "mail", "daemon", "auth", "syslog",
                                         "lpr", "news", "uucp", "cron", "authpriv", "ftp",
                                         "ntp", "audit", "alert", "clock", "local0", "local1",
                                         "local2", "local3", "local4", "local5", "local6",
                                         "local7", NULL };
static const char *const sev_names[] = { "emerg", "alert", "crit", "err", "warning", "notice",
                                         "info", "debug", NULL };

static int name_or_num(const char *s, const char *const *names, int max)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s != '\0' && *end == '\0') {
        return v >= 0 && v <= max ? (int)v : -1;
    }
    for (int i = 0; names[i] != NULL; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            return i;
        }
    }
    if (names == sev_names) {
        if (strcasecmp(s, "error") == 0) return 3;
        if (strcasecmp(s, "warn") == 0) return 4;
        if (strcasecmp(s, "panic") == 0) return 0;
    }
    return -1;
}

static int parse_allow(const char *s, struct allow *a)
{
    char buf[INET6_ADDRSTRLEN + 8];
    if (strlen(s) >= sizeof buf) {
        return -1;
    }
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    int bits = -1;
    if (slash != NULL) {
        *slash = '\0';
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (*end != '\0' || slash[1] == '\0' || b < 0) {
            return -1;
        }
        bits = (int)b;
    }
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, buf, a->addr) == 1) {
        a->family = AF_INET;
        a->bits = bits < 0 ? 32 : bits;
        return a->bits <= 32 ? 0 : -1;
    }
    if (inet_pton(AF_INET6, buf, a->addr) == 1) {
        a->family = AF_INET6;
        a->bits = bits < 0 ? 128 : bits;
        return a->bits <= 128 ? 0 : -1;
    }
    return -1;
}

static int prefix_eq(const uint8_t *a, const uint8_t *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0) {
        return 0;
    }
    if (rest == 0) {
        return 1;
    }
    uint8_t m = (uint8_t)(0xFF << (8 - rest));
    return (a[whole] & m) == (b[whole] & m);
}

static int allowed(const struct nf_inst *in, const struct sockaddr *sa)
{
    if (in->nallow == 0) {
        return 1;
    }
    uint8_t a4[4];
    const uint8_t *a6 = NULL;
    int fam = sa->sa_family;
    if (fam == AF_INET) {
        memcpy(a4, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (fam == AF_INET6) {
        const struct in6_addr *x = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(x)) {
            memcpy(a4, x->s6_addr + 12, 4);
            fam = AF_INET;
        } else {
            a6 = x->s6_addr;
        }
    } else {
        return 0;
    }
    for (size_t i = 0; i < in->nallow; i++) {
        const struct allow *al = &in->allow[i];
        if (al->family == fam && prefix_eq(fam == AF_INET ? a4 : a6, al->addr, al->bits)) {
            return 1;
        }
    }
    return 0;
}

/* per (exporter address, domain) counters of the decoders become host counters */
static void on_src(void *arg, const char *exporter, uint32_t domain, _Atomic uint64_t *c[NFC_N])
{
    struct nf_inst *in = ((struct nf_thr *)arg)->in;
    char set[96];
    snprintf(set, sizeof set, "imnetflow(%s/%u)", exporter, domain);
    for (int i = 0; i < NFC_N; i++) {
        _Atomic uint64_t *p = in->h->counter("imnetflow", set, nf_counter_names[i]);
        if (p != NULL) {
            c[i] = p;
        }
    }
}

static uint64_t peer_key(const struct sockaddr *sa)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    if (sa->sa_family == AF_INET) {
        p = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        n = 4;
    } else if (sa->sa_family == AF_INET6) {
        p = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        n = 16;
    }
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211ULL;
    }
    uint16_t port = sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
                    : sa->sa_family == AF_INET6 ? ((const struct sockaddr_in6 *)sa)->sin6_port
                                                : 0;
    return (h ^ port) * 1099511628211ULL;
}

static void flush_msgs(struct nf_thr *t)
{
    struct nf_inst *in = t->in;
    if (t->nmsgs == 0) {
        return;
    }
    size_t n = t->nmsgs;
    t->nmsgs = 0;
    int rc = in->h->submit(in->ctx, t->msgs, n, t->msgs_key);
    if (rc >= 0) {
        atomic_fetch_add(in->c_submitted, (uint64_t)rc);
        if ((size_t)rc < n) {
            atomic_fetch_add(in->c_qdropped, n - (size_t)rc);
        }
    }
}

/* ---- $!flow: a libfastjson tree built in the same pass as the text ---- */
struct both {
    struct nf_jbuf *jb;
    struct json_object *obj;
};

/* keys are unique within a flow (nfie.c): no lookup.  They are copied even when constant
 * (kc): the tree may outlive this module (messages still queued when it is unloaded). */
static void b_add(struct both *b, const char *k, int kc, struct json_object *v)
{
    (void)kc;
    json_object_object_add_ex(b->obj, k, v, JSON_C_OBJECT_ADD_KEY_IS_NEW);
}
static void b_num(void *a, const char *k, int kc, uint64_t v)
{
    struct both *b = a;
    nf_json_sink.num(b->jb, k, kc, v);
    b_add(b, k, kc, json_object_new_int64((int64_t)v));
}
static void b_snum(void *a, const char *k, int kc, int64_t v)
{
    struct both *b = a;
    nf_json_sink.snum(b->jb, k, kc, v);
    b_add(b, k, kc, json_object_new_int64(v));
}
static void b_dbl(void *a, const char *k, int kc, double v)
{
    struct both *b = a;
    nf_json_sink.dbl(b->jb, k, kc, v);
    b_add(b, k, kc, json_object_new_double(v));
}
static void b_str(void *a, const char *k, int kc, const char *s, size_t n)
{
    struct both *b = a;
    nf_json_sink.str(b->jb, k, kc, s, n);
    b_add(b, k, kc, json_object_new_string_len(s, (int)n));
}
static void b_bool(void *a, const char *k, int kc, int v)
{
    struct both *b = a;
    nf_json_sink.boolean(b->jb, k, kc, v);
    b_add(b, k, kc, json_object_new_boolean(v));
}
static const struct nf_sink both_sink = { b_num, b_snum, b_dbl, b_str, b_bool };

static int jb_put(struct nf_jbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
        while (nc < b->len + n + 1) {
            nc *= 2;
        }
        char *np = realloc(b->p, nc);
        if (np == NULL) {
            return -1;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static void on_flow(void *arg, const struct nf_flow *fl)
{
    struct nf_thr *t = arg;
    struct nf_inst *in = t->in;
    struct nf_jbuf *jb = &t->jb;
    struct json_object *obj = NULL;
    nf_jbuf_reset(jb);
    if (jb_put(jb, "{", 1) != 0) {
        return;
    }
    if (in->flow_var && in->has_json && in->flow_handle != NULL) {
        obj = json_object_new_object();
        struct both b = { jb, obj };
        nf_render(fl, (enum nf_profile)in->format, &both_sink, &b);
    } else {
        nf_render(fl, (enum nf_profile)in->format, &nf_json_sink, jb);
    }
    if (jb->oom || jb_put(jb, "}", 1) != 0) {
        json_object_put(obj);
        return;
    }
    atomic_fetch_add_explicit(in->c_flows, 1, memory_order_relaxed);

    /* held data decoded later comes from the same exporter (address and port) */
    const struct sockaddr *peer = fl->exporter_len > 0 ? fl->exporter : t->cur_peer;
    socklen_t peerlen = fl->exporter_len > 0 ? fl->exporter_len : t->cur_peerlen;
    uint64_t key = peer_key(peer);
    if (t->nmsgs > 0 && (key != t->msgs_key || t->nmsgs == NF_MSG_BATCH)) {
        flush_msgs(t);
    }
    t->msgs_key = key;
    struct sl_msg *m;
    if (in->has_fields) {
        m = in->h->msg_new(in->ctx, jb->p, jb->len, peer, peerlen);
        struct sl_msg_fields f;
        memset(&f, 0, sizeof f);
        f.set = SL_MF_PRI | SL_MF_TAG | SL_MF_MSG;
        f.pri = in->pri;
        f.tag = in->tag;
        f.tag_len = strlen(in->tag);
        f.msg = jb->p;
        f.msg_len = jb->len;
        in->h->msg_set_fields(m, &f);
    } else {
        char pre[64];
        int pl = snprintf(pre, sizeof pre, "<%d>%s ", in->pri, in->tag);
        nf_jbuf_reset(&t->rawb);
        if (pl < 0 || (size_t)pl >= sizeof pre || jb_put(&t->rawb, pre, (size_t)pl) != 0 ||
            jb_put(&t->rawb, jb->p, jb->len) != 0) {
            json_object_put(obj);
            return;
        }
        m = in->h->msg_new(in->ctx, t->rawb.p, t->rawb.len, peer, peerlen);
    }
    if (obj != NULL) {
        (void)in->h->msg_json_set_ref(m, in->flow_handle, obj);   /* takes obj, even on error */
    }
    t->msgs[t->nmsgs++] = m;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int imnetflow_create(void *inst, void *modconf, const struct sl_host *h,
                            struct sl_input_ctx *ctx)
{
    struct nf_inst *in = inst;
    (void)modconf;
    in->h = h;
    in->ctx = ctx;
    int fac = name_or_num(in->facility ? in->facility : "local0", fac_names, 23);
    int sev = name_or_num(in->severity ? in->severity : "notice", sev_names, 7);
    if (fac < 0 || sev < 0) {
        h->log(SL_LOG_ERR, "imnetflow", "imnetflow: invalid facility '%s' or severity '%s'",
               in->facility, in->severity);
        return SL_ECONFIG;
    }
    in->pri = fac * 8 + sev;
    if (in->tag == NULL) {
        in->tag = "netflow:";
    }
    if (in->rcvbuf < 0 || in->rcvbuf > 1024LL * 1024 * 1024) {
        h->log(SL_LOG_ERR, "imnetflow", "imnetflow: rcvbufSize out of range (0..1G)");
        return SL_ECONFIG;
    }
    in->batch = (size_t)(in->batch_size > SL_UDP_MAX_BATCH ? SL_UDP_MAX_BATCH : in->batch_size);
    if (in->batch == 0) {
        in->batch = 64;
    }
    int64_t nt = in->threads > 0 ? in->threads : 1;
    if (nt > MAX_THREADS) {
        h->log(SL_LOG_ERR, "imnetflow", "imnetflow: threads=%lld is more than %d",
               (long long)nt, MAX_THREADS);
        return SL_ECONFIG;
    }
    in->nthreads = (unsigned)nt;
    if (in->allowed.n > 0) {
        in->allow = calloc(in->allowed.n, sizeof *in->allow);
        if (in->allow == NULL) {
            return SL_ENOMEM;
        }
        for (size_t i = 0; i < in->allowed.n; i++) {
            if (parse_allow(in->allowed.v[i], &in->allow[i]) != 0) {
                h->log(SL_LOG_ERR, "imnetflow",
                       "imnetflow: allowedExporters: '%s' is not an address or prefix",
                       in->allowed.v[i]);
                return SL_ECONFIG;
            }
        }
        in->nallow = in->allowed.n;
    }
    for (size_t i = 0; i < in->port.n; i++) {
        char *end;
        long p = strtol(in->port.v[i], &end, 10);
        if (*end != '\0' || end == in->port.v[i] || p < 0 || p > 65535) {
            h->log(SL_LOG_ERR, "imnetflow", "imnetflow: invalid port '%s'", in->port.v[i]);
            return SL_ECONFIG;
        }
    }
    size_t need14 = offsetof(struct sl_host, msg_set_fields) + sizeof h->msg_set_fields;
    size_t needj = offsetof(struct sl_host, msg_json_set_ref) + sizeof h->msg_json_set_ref;
    in->has_fields = h->struct_size >= need14 && h->msg_set_fields != NULL;
    in->has_json = h->struct_size >= needj && h->msg_json_set_ref != NULL &&
                   h->prop_ref != NULL;
    if (in->flow_var && in->has_json && h->prop_ref("$!flow", &in->flow_handle) != 0) {
        in->flow_handle = NULL;
    }
    snprintf(in->label, sizeof in->label, "imnetflow(%s)",
             in->port.n > 0 ? in->port.v[0] : "2055");
    in->c_datagrams = h->counter("imnetflow", in->label, "datagrams");
    in->c_flows = h->counter("imnetflow", in->label, "flows");
    in->c_submitted = h->counter("imnetflow", in->label, "submitted");
    in->c_qdropped = h->counter("imnetflow", in->label, "queue.dropped");
    in->c_malformed = h->counter("imnetflow", in->label, "malformed");
    in->c_version = h->counter("imnetflow", in->label, "version.unknown");
    in->c_denied = h->counter("imnetflow", in->label, "exporter.denied");
    in->c_refused = h->counter("imnetflow", in->label, "exporter.refused");
    in->c_kernel = h->counter("imnetflow", in->label, "kernel.dropped");
    in->c_empty = h->counter("imnetflow", in->label, "empty");
    in->c_truncated = h->counter("imnetflow", in->label, "truncated");

    nf_conf_defaults(&in->conf);
    in->conf.tmpl_lifetime_ms = in->tmpl_timeout * 1000;
    in->conf.opt_lifetime_ms = in->opt_timeout * 1000;
    in->conf.max_tmpl_per_exporter = (uint32_t)in->max_tmpl;
    in->conf.max_exporters = (uint32_t)in->max_exporters;
    in->conf.held_max_bytes = (size_t)in->held_bytes;
    in->conf.held_timeout_ms = in->held_timeout * 1000;
    if (in->persist) {
        in->workdir = h->struct_size >= offsetof(struct sl_host, global_str) +
                                            sizeof h->global_str &&
                              h->global_str != NULL
                          ? h->global_str("workDirectory")
                          : NULL;
        if (in->workdir != NULL && in->workdir[0] == '\0') {
            in->workdir = NULL;
        }
    }
    return 0;
}

static char *persist_path(const struct nf_inst *in, unsigned index)
{
    size_t l = strlen(in->workdir) + 80;
    char *p = malloc(l);
    if (p == NULL) {
        return NULL;
    }
    const char *port = in->port.n > 0 ? in->port.v[0] : "2055";
    if (index == 0) {
        snprintf(p, l, "%s/imnetflow-%s.templates", in->workdir, port);
    } else {
        snprintf(p, l, "%s/imnetflow-%s.%u.templates", in->workdir, port, index);
    }
    return p;
}

int sl_imnetflow_bound_port(const void *inst, int i);
int sl_imnetflow_bound_port(const void *inst, int i)
{
    const struct nf_inst *in = inst;
    return i >= 0 && in->udp != NULL ? sl_udp_bound_port(in->udp, (size_t)i) : -1;
}

static int imnetflow_open(void *inst)
{
    struct nf_inst *in = inst;
    const struct sl_host *h = in->h;
    static const char *const dflt[] = { "2055" };
    in->thr = calloc(in->nthreads, sizeof *in->thr);
    if (in->thr == NULL) {
        return SL_ENOMEM;
    }
    int64_t now = now_ms();
    for (unsigned i = 0; i < in->nthreads; i++) {
        struct nf_thr *t = &in->thr[i];
        t->in = in;
        t->index = i;
        t->coll = nf_coll_new(&in->conf, on_flow, on_src, t);
        if (t->coll == NULL) {
            return SL_ENOMEM;
        }
        if (in->workdir != NULL && (t->persist_path = persist_path(in, i)) == NULL) {
            return SL_ENOMEM;
        }
    }
    /* every file of an earlier run (whatever its thread count) into every collector */
    for (unsigned f = 0; in->workdir != NULL && f < MAX_THREADS; f++) {
        char *path = persist_path(in, f);
        if (path == NULL) {
            return SL_ENOMEM;
        }
        for (unsigned i = 0; i < in->nthreads; i++) {
            if (nf_coll_load(in->thr[i].coll, path, now) != 0) {
                if (errno != ENOENT) {
                    h->log(SL_LOG_WARNING, "imnetflow", "imnetflow: cannot read %s: %s", path,
                           strerror(errno));
                }
                break;
            }
            if (i == 0) {
                h->log(SL_LOG_INFO, "imnetflow", "imnetflow: templates loaded from %s "
                       "(%zu in the cache)", path, nf_coll_templates(in->thr[0].coll));
            }
        }
        free(path);
    }
    struct sl_udp_opts o = {
        .who = "imnetflow",
        .address = in->address,
        .ports = in->port.n > 0 ? (const char *const *)in->port.v : dflt,
        .nports = in->port.n > 0 ? in->port.n : 1,
        .nsets = in->nthreads,
        .rcvbuf = in->rcvbuf,
        .max_msg = DGRAM_MAX,
        .batch = in->batch,
        .c_kernel = in->c_kernel,
        .c_empty = in->c_empty,
        .c_truncated = in->c_truncated,
    };
    return sl_udp_open(&in->udp, h, &o);
}

static void save_templates(struct nf_thr *t, int64_t now)
{
    if (t->persist_path != NULL && nf_coll_dirty(t->coll) &&
        nf_coll_save(t->coll, t->persist_path, now) != 0) {
        t->in->h->log(SL_LOG_WARNING, "imnetflow", "imnetflow: cannot write %s: %s",
                      t->persist_path, strerror(errno));
    }
}

static int on_batch(void *arg, const struct sl_udp_dgram *d, size_t n)
{
    struct nf_thr *t = arg;
    struct nf_inst *in = t->in;
    int64_t now = now_ms();
    atomic_fetch_add_explicit(in->c_datagrams, n, memory_order_relaxed);
    for (size_t i = 0; i < n; i++) {
        if (!allowed(in, d[i].peer)) {
            atomic_fetch_add(in->c_denied, 1);
            continue;
        }
        t->cur_peer = d[i].peer;
        t->cur_peerlen = d[i].peerlen;
        int rc = nf_decode(t->coll, d[i].peer, d[i].peerlen, (const uint8_t *)d[i].data,
                           d[i].len, now);
        if (rc == NF_EMALFORMED) {
            atomic_fetch_add(in->c_malformed, 1);
        } else if (rc == NF_EVERSION) {
            atomic_fetch_add(in->c_version, 1);
        } else if (rc == NF_ELIMIT) {
            atomic_fetch_add(in->c_refused, 1);
        }
    }
    flush_msgs(t);
    if (now - t->last_tick >= 1000 || now < t->last_tick) {
        t->last_tick = now;
        nf_coll_tick(t->coll, now);
        save_templates(t, now);
    }
    return 0;
}

static int imnetflow_run_thread(void *inst, unsigned index, unsigned nthreads)
{
    struct nf_inst *in = inst;
    if (index >= in->nthreads) {
        return SL_EINVAL;
    }
    struct nf_thr *t = &in->thr[index];
    t->last_tick = now_ms();
    int rc = sl_udp_run(in->udp, index, nthreads, on_batch, t);
    flush_msgs(t);
    save_templates(t, now_ms());
    return rc == SL_ESHUTDOWN ? 0 : rc;
}

static int imnetflow_run(void *inst)
{
    return imnetflow_run_thread(inst, 0, 1);
}

static void imnetflow_stop(void *inst)
{
    struct nf_inst *in = inst;
    if (in->udp != NULL) {
        sl_udp_stop(in->udp);
    }
}

static void imnetflow_destroy(void *inst)
{
    struct nf_inst *in = inst;
    sl_udp_close(in->udp);
    in->udp = NULL;
    for (unsigned i = 0; in->thr != NULL && i < in->nthreads; i++) {
        struct nf_thr *t = &in->thr[i];
        for (size_t k = 0; k < t->nmsgs; k++) {
            in->h->msg_unref(t->msgs[k]);
        }
        nf_coll_free(t->coll);
        nf_jbuf_free(&t->jb);
        nf_jbuf_free(&t->rawb);
        free(t->persist_path);
    }
    free(in->thr);
    in->thr = NULL;
    if (in->flow_handle != NULL && in->h->prop_unref != NULL) {
        in->h->prop_unref(in->flow_handle);
    }
    free(in->allow);
}

static const struct sl_input_ops in_ops = {
    .create = imnetflow_create,
    .open = imnetflow_open,
    .run = imnetflow_run,
    .stop = imnetflow_stop,
    .destroy = imnetflow_destroy,
    .run_thread = imnetflow_run_thread,
};

SL_PLUGIN_DEFINE(imnetflow) = {
    SL_PLUGIN_HEADER(imnetflow),
    .kinds = SL_INPUT,
    .flags = SL_PF_NO_DELAY | SL_PF_PRE_PRIVDROP_OPEN | SL_PF_THREADED,
    .module_params = NULL,
    .inst_params = inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct nf_inst),
    .wrk_size = 0,
    .in = &in_ops,
};
