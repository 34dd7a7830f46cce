/*
 * imnetflow.c - the imnetflow input plugin: NetFlow v5, v9 and IPFIX over UDP, one message
 * per flow record.
 *
 * Why hand-written: no C library decodes flow exports into one JSON object per flow at the
 * rate needed (see nf.h); the decoders (nf5.c, nf9.c, nfstate.c, nfie.c) are pure functions
 * this file feeds with datagrams.
 *
 * open() binds one UDP socket per address the (address, port) pairs resolve to, with a large
 * receive buffer (rcvbufSize, a warning when the kernel grants less) and SO_RXQ_OVFL.  run()
 * waits with epoll on the sockets and an eventfd (stop()), reads with recvmmsg() in batches
 * of batchSize datagrams, drops datagrams from exporters not in allowedExporters (counted),
 * and decodes the rest.  Each flow becomes a message: rawmsg and %msg% the flow as one JSON
 * object in the naming profile `format` ("nprobe": numeric IE ids, "nprobe-labels": nProbe's
 * --json-labels names, "ipfix": IANA names; enterprise elements "PEN.ID"), fromhost-ip the
 * exporter, pri facility.severity (local0.notice by default, like imfile), TAG `tag`, and the
 * same fields as a JSON tree under $!flow (flowVar="on").  Header fields are set with the ABI
 * 1.4 msg_set_fields; on an older host the message is handed over as "<PRI>TAG JSON" and the
 * parser chain makes the same fields of it.  Flows of one exporter are submitted in order
 * (flow_key = hash of the exporter's address and port); the input is SL_PF_NO_DELAY: a full
 * queue drops (counted).
 *
 * Once a second the collector expires templates and held data, and, when templates changed,
 * the cache is saved to workDirectory/imnetflow-PORT.templates (atomically: temp file +
 * rename); open() loads it, so data arriving after a restart decodes with the templates
 * received before it.
 *
 * Counters (host->counter): set "imnetflow(PORT)": datagrams, flows, submitted,
 * queue.dropped, malformed, version.unknown, exporter.denied, exporter.refused (table full),
 * kernel.dropped (SO_RXQ_OVFL).  Per exporter address and observation domain, set
 * "imnetflow(ADDRESS/DOMAIN)": the decoders' counters (nf_counter_names): sequence.lost
 * (v5 flows, v9 export packets, IPFIX data records), sequence.resets, notemplate.*,
 * malformed, templates*, options.records, ...
 *
 * Ownership: the instance block belongs to the core; sockets, buffers and the collector are
 * the instance's, released by destroy().
 * Concurrency & locking: create/open/destroy on the main thread, run() on the input thread
 * (which alone touches the collector and the buffers); stop() only sets an atomic flag and
 * writes the eventfd.  Counters are atomics owned by the host.
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
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "nf.h"

#define MAX_SOCKS 16
#define MAX_BATCH 256
#define DGRAM_MAX 65536
#define NF_MSG_BATCH 256
#define CTRL_SIZE CMSG_SPACE(sizeof(uint32_t))

static const char *const formats[] = { "nprobe", "nprobe-labels", "ipfix", NULL };

struct nsock {
    int is_stop;
    int fd;
    int port;
    uint32_t last_ovfl;
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

    /* ---- runtime ---- */
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    int has_fields;             /* host implements msg_set_fields */
    int has_json;               /* ... and msg_json_set_ref */
    void *flow_handle;
    int pri;
    char label[64];
    char *persist_path;
    struct nsock socks[MAX_SOCKS];
    size_t nsock;
    struct nsock stop_obj;
    int epfd;
    atomic_int stopping;
    struct allow *allow;
    size_t nallow;
    struct nf_coll *coll;
    size_t batch;
    uint8_t *bufs;
    struct mmsghdr *hdrs;
    struct iovec *iov;
    struct sockaddr_storage *addrs;
    char *ctrl;
    struct sl_msg *msgs[NF_MSG_BATCH];
    size_t nmsgs;
    uint64_t msgs_key;
    struct nf_jbuf jb;
    struct nf_jbuf rawb;        /* fallback: "<PRI>TAG JSON" */
    int64_t last_tick;
    const struct sockaddr *cur_peer;
    socklen_t cur_peerlen;

    _Atomic uint64_t *c_datagrams, *c_flows, *c_submitted, *c_qdropped, *c_malformed,
        *c_version, *c_denied, *c_refused, *c_kernel;
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

static int allowed(const struct nf_inst *in, const struct sockaddr_storage *sa)
{
    if (in->nallow == 0) {
        return 1;
    }
    uint8_t a4[4];
    const uint8_t *a6 = NULL;
    int fam = sa->ss_family;
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
    struct nf_inst *in = arg;
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

static void flush_msgs(struct nf_inst *in)
{
    if (in->nmsgs == 0) {
        return;
    }
    size_t n = in->nmsgs;
    in->nmsgs = 0;
    int rc = in->h->submit(in->ctx, in->msgs, n, in->msgs_key);
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

static void b_num(void *a, const char *k, uint64_t v)
{
    struct both *b = a;
    nf_json_sink.num(b->jb, k, v);
    json_object_object_add(b->obj, k, json_object_new_int64((int64_t)v));
}
static void b_snum(void *a, const char *k, int64_t v)
{
    struct both *b = a;
    nf_json_sink.snum(b->jb, k, v);
    json_object_object_add(b->obj, k, json_object_new_int64(v));
}
static void b_dbl(void *a, const char *k, double v)
{
    struct both *b = a;
    nf_json_sink.dbl(b->jb, k, v);
    json_object_object_add(b->obj, k, json_object_new_double(v));
}
static void b_str(void *a, const char *k, const char *s, size_t n)
{
    struct both *b = a;
    nf_json_sink.str(b->jb, k, s, n);
    json_object_object_add(b->obj, k, json_object_new_string_len(s, (int)n));
}
static void b_bool(void *a, const char *k, int v)
{
    struct both *b = a;
    nf_json_sink.boolean(b->jb, k, v);
    json_object_object_add(b->obj, k, json_object_new_boolean(v));
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
    struct nf_inst *in = arg;
    struct nf_jbuf *jb = &in->jb;
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
    const struct sockaddr *peer = fl->exporter_len > 0 ? fl->exporter : in->cur_peer;
    socklen_t peerlen = fl->exporter_len > 0 ? fl->exporter_len : in->cur_peerlen;
    uint64_t key = peer_key(peer);
    if (in->nmsgs > 0 && (key != in->msgs_key || in->nmsgs == NF_MSG_BATCH)) {
        flush_msgs(in);
    }
    in->msgs_key = key;
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
        nf_jbuf_reset(&in->rawb);
        if (pl < 0 || (size_t)pl >= sizeof pre || jb_put(&in->rawb, pre, (size_t)pl) != 0 ||
            jb_put(&in->rawb, jb->p, jb->len) != 0) {
            json_object_put(obj);
            return;
        }
        m = in->h->msg_new(in->ctx, in->rawb.p, in->rawb.len, peer, peerlen);
    }
    if (obj != NULL) {
        if (in->h->msg_json_set_ref(m, in->flow_handle, obj) != 0) {
            json_object_put(obj);
        }
    }
    in->msgs[in->nmsgs++] = m;
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
    in->epfd = -1;
    in->stop_obj.is_stop = 1;
    in->stop_obj.fd = -1;
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
    in->batch = (size_t)(in->batch_size > MAX_BATCH ? MAX_BATCH : in->batch_size);
    if (in->batch == 0) {
        in->batch = 64;
    }
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

    struct nf_conf conf;
    nf_conf_defaults(&conf);
    conf.tmpl_lifetime_ms = in->tmpl_timeout * 1000;
    conf.opt_lifetime_ms = in->opt_timeout * 1000;
    conf.max_tmpl_per_exporter = (uint32_t)in->max_tmpl;
    conf.max_exporters = (uint32_t)in->max_exporters;
    conf.held_max_bytes = (size_t)in->held_bytes;
    conf.held_timeout_ms = in->held_timeout * 1000;
    in->coll = nf_coll_new(&conf, on_flow, on_src, in);
    if (in->coll == NULL) {
        return SL_ENOMEM;
    }
    if (in->persist) {
        const char *wd = h->struct_size >= offsetof(struct sl_host, global_str) +
                                               sizeof h->global_str &&
                                 h->global_str != NULL
                             ? h->global_str("workDirectory")
                             : NULL;
        if (wd != NULL && wd[0] != '\0') {
            size_t l = strlen(wd) + 64;
            in->persist_path = malloc(l);
            if (in->persist_path == NULL) {
                return SL_ENOMEM;
            }
            snprintf(in->persist_path, l, "%s/imnetflow-%s.templates", wd,
                     in->port.n > 0 ? in->port.v[0] : "2055");
        }
    }
    return 0;
}

static void set_rcvbuf(struct nf_inst *in, int fd)
{
    if (in->rcvbuf <= 0) {
        return;
    }
    int v = (int)in->rcvbuf;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0) {
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    }
    int got = 0;
    socklen_t gl = sizeof got;
    /* the kernel reports twice what it grants for bookkeeping */
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) == 0 && got / 2 < v) {
        in->h->log(SL_LOG_WARNING, "imnetflow",
                   "imnetflow: receive buffer capped by the kernel at %d bytes (asked %d); "
                   "raise net.core.rmem_max or run with CAP_NET_ADMIN", got / 2, v);
    }
}

static int sock_port(int fd)
{
    struct sockaddr_storage sa;
    socklen_t l = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &l) != 0) {
        return -1;
    }
    if (sa.ss_family == AF_INET) {
        return ntohs(((struct sockaddr_in *)&sa)->sin_port);
    }
    return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
}

int sl_imnetflow_bound_port(const void *inst, int i);
int sl_imnetflow_bound_port(const void *inst, int i)
{
    const struct nf_inst *in = inst;
    return i >= 0 && (size_t)i < in->nsock ? in->socks[i].port : -1;
}

static int imnetflow_open(void *inst)
{
    struct nf_inst *in = inst;
    const struct sl_host *h = in->h;
    static char *dflt[] = { "2055" };
    size_t np = in->port.n ? in->port.n : 1;
    char **ports = in->port.n ? in->port.v : dflt;
    const char *addr = in->address;
    if (addr != NULL && (addr[0] == '\0' || strcmp(addr, "*") == 0)) {
        addr = NULL;
    }
    for (size_t p = 0; p < np; p++) {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_DGRAM;
        hints.ai_flags = AI_PASSIVE;
        int rc = getaddrinfo(addr, ports[p], &hints, &res);
        if (rc != 0) {
            h->log(SL_LOG_ERR, "imnetflow", "imnetflow: cannot resolve '%s' port %s: %s",
                   addr ? addr : "*", ports[p], gai_strerror(rc));
            return SL_EIO;
        }
        size_t before = in->nsock;
        int err = 0;
        for (struct addrinfo *ai = res; ai != NULL && in->nsock < MAX_SOCKS; ai = ai->ai_next) {
            int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                err = errno;
                continue;
            }
            int one = 1;
            if (ai->ai_family == AF_INET6) {
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
            }
            (void)setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
            set_rcvbuf(in, fd);
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
                err = errno;
                close(fd);
                continue;
            }
            in->socks[in->nsock].fd = fd;
            in->socks[in->nsock].port = sock_port(fd);
            in->nsock++;
        }
        freeaddrinfo(res);
        if (in->nsock == before) {
            h->log(SL_LOG_ERR, "imnetflow", "imnetflow: cannot listen on %s port %s: %s",
                   addr ? addr : "*", ports[p], strerror(err));
            return SL_EIO;
        }
    }
    size_t b = in->batch;
    in->bufs = malloc(b * DGRAM_MAX);
    in->hdrs = calloc(b, sizeof *in->hdrs);
    in->iov = calloc(b, sizeof *in->iov);
    in->addrs = calloc(b, sizeof *in->addrs);
    in->ctrl = calloc(b, CTRL_SIZE);
    in->epfd = epoll_create1(EPOLL_CLOEXEC);
    in->stop_obj.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->bufs == NULL || in->hdrs == NULL || in->iov == NULL || in->addrs == NULL ||
        in->ctrl == NULL || in->epfd < 0 || in->stop_obj.fd < 0) {
        h->log(SL_LOG_ERR, "imnetflow", "imnetflow: cannot set up: %s", strerror(errno));
        return SL_EIO;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &in->stop_obj };
    if (epoll_ctl(in->epfd, EPOLL_CTL_ADD, in->stop_obj.fd, &ev) != 0) {
        return SL_EIO;
    }
    for (size_t i = 0; i < in->nsock; i++) {
        ev.data.ptr = &in->socks[i];
        if (epoll_ctl(in->epfd, EPOLL_CTL_ADD, in->socks[i].fd, &ev) != 0) {
            return SL_EIO;
        }
    }
    if (in->persist_path != NULL) {
        if (nf_coll_load(in->coll, in->persist_path, now_ms()) == 0) {
            h->log(SL_LOG_INFO, "imnetflow", "imnetflow: %zu templates loaded from %s",
                   nf_coll_templates(in->coll), in->persist_path);
        } else if (errno != ENOENT) {
            h->log(SL_LOG_WARNING, "imnetflow", "imnetflow: cannot read %s: %s",
                   in->persist_path, strerror(errno));
        }
    }
    return 0;
}

static void save_templates(struct nf_inst *in, int64_t now)
{
    if (in->persist_path != NULL && nf_coll_dirty(in->coll) &&
        nf_coll_save(in->coll, in->persist_path, now) != 0) {
        in->h->log(SL_LOG_WARNING, "imnetflow", "imnetflow: cannot write %s: %s",
                   in->persist_path, strerror(errno));
    }
}

static void tick(struct nf_inst *in)
{
    int64_t now = now_ms();
    if (now - in->last_tick >= 1000 || now < in->last_tick) {
        in->last_tick = now;
        nf_coll_tick(in->coll, now);
        save_templates(in, now);
    }
}

/* Read and decode up to 8 batches from one socket. */
static void drain(struct nf_inst *in, struct nsock *s)
{
    for (int round = 0; round < 8; round++) {
        size_t b = in->batch;
        for (size_t i = 0; i < b; i++) {
            in->iov[i].iov_base = in->bufs + i * DGRAM_MAX;
            in->iov[i].iov_len = DGRAM_MAX;
            in->hdrs[i].msg_hdr.msg_name = &in->addrs[i];
            in->hdrs[i].msg_hdr.msg_namelen = sizeof in->addrs[i];
            in->hdrs[i].msg_hdr.msg_iov = &in->iov[i];
            in->hdrs[i].msg_hdr.msg_iovlen = 1;
            in->hdrs[i].msg_hdr.msg_control = in->ctrl + i * CTRL_SIZE;
            in->hdrs[i].msg_hdr.msg_controllen = CTRL_SIZE;
            in->hdrs[i].msg_hdr.msg_flags = 0;
        }
        int n = recvmmsg(s->fd, in->hdrs, (unsigned)b, MSG_DONTWAIT, NULL);
        if (n <= 0) {
            break;
        }
        int64_t now = now_ms();
        for (int i = 0; i < n; i++) {
            struct msghdr *mh = &in->hdrs[i].msg_hdr;
            for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t v;
                    memcpy(&v, CMSG_DATA(cm), sizeof v);
                    if (v != s->last_ovfl) {
                        atomic_fetch_add(in->c_kernel, (uint64_t)(uint32_t)(v - s->last_ovfl));
                        s->last_ovfl = v;
                    }
                }
            }
            atomic_fetch_add_explicit(in->c_datagrams, 1, memory_order_relaxed);
            if (!allowed(in, &in->addrs[i])) {
                atomic_fetch_add(in->c_denied, 1);
                continue;
            }
            in->cur_peer = (const struct sockaddr *)&in->addrs[i];
            in->cur_peerlen = mh->msg_namelen;
            int rc = nf_decode(in->coll, in->cur_peer, in->cur_peerlen,
                               (const uint8_t *)in->iov[i].iov_base, in->hdrs[i].msg_len, now);
            if (rc == NF_EMALFORMED) {
                atomic_fetch_add(in->c_malformed, 1);
            } else if (rc == NF_EVERSION) {
                atomic_fetch_add(in->c_version, 1);
            } else if (rc == NF_ELIMIT) {
                atomic_fetch_add(in->c_refused, 1);
            }
        }
        flush_msgs(in);
        if ((size_t)n < b) {
            break;
        }
    }
}

static int imnetflow_run(void *inst)
{
    struct nf_inst *in = inst;
    struct epoll_event evs[MAX_SOCKS + 1];
    in->last_tick = now_ms();
    while (!atomic_load(&in->stopping)) {
        int n = epoll_wait(in->epfd, evs, MAX_SOCKS + 1, 1000);
        if (n < 0 && errno != EINTR) {
            in->h->log(SL_LOG_ERR, "imnetflow", "imnetflow: epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            struct nsock *s = evs[i].data.ptr;
            if (s->is_stop) {
                continue;
            }
            drain(in, s);
        }
        tick(in);
    }
    flush_msgs(in);
    save_templates(in, now_ms());
    return 0;
}

static void imnetflow_stop(void *inst)
{
    struct nf_inst *in = inst;
    atomic_store(&in->stopping, 1);
    if (in->stop_obj.fd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(in->stop_obj.fd, &one, sizeof one);
        (void)w;
    }
}

static void imnetflow_destroy(void *inst)
{
    struct nf_inst *in = inst;
    for (size_t i = 0; i < in->nmsgs; i++) {
        in->h->msg_unref(in->msgs[i]);
    }
    in->nmsgs = 0;
    for (size_t i = 0; i < in->nsock; i++) {
        close(in->socks[i].fd);
    }
    in->nsock = 0;
    if (in->stop_obj.fd >= 0) {
        close(in->stop_obj.fd);
    }
    if (in->epfd >= 0) {
        close(in->epfd);
    }
    if (in->flow_handle != NULL && in->h->prop_unref != NULL) {
        in->h->prop_unref(in->flow_handle);
    }
    nf_coll_free(in->coll);
    nf_jbuf_free(&in->jb);
    nf_jbuf_free(&in->rawb);
    free(in->persist_path);
    free(in->allow);
    free(in->bufs);
    free(in->hdrs);
    free(in->iov);
    free(in->addrs);
    free(in->ctrl);
}

static const struct sl_input_ops in_ops = {
    .create = imnetflow_create,
    .open = imnetflow_open,
    .run = imnetflow_run,
    .stop = imnetflow_stop,
    .destroy = imnetflow_destroy,
};

SL_PLUGIN_DEFINE(imnetflow) = {
    SL_PLUGIN_HEADER(imnetflow),
    .kinds = SL_INPUT,
    .flags = SL_PF_NO_DELAY,
    .module_params = NULL,
    .inst_params = inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct nf_inst),
    .wrk_size = 0,
    .in = &in_ops,
};
