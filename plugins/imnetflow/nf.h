/*
 * nf.h - imnetflow's flow decoders: NetFlow v5 (nf5.c), NetFlow v9 and IPFIX (nf9.c) with a
 * shared collector state (nfstate.c: exporters, observation domains, template cache, data
 * held until its template arrives, sampling, sequence tracking, persistence) and the JSON
 * rendering of one flow in three naming profiles (nfie.c).
 *
 * Hand-written on purpose: no C library decodes NetFlow/IPFIX into one JSON object per flow
 * (libfixbuf wants its own record structs and a template per consumer, nfdump's decoders are
 * not a library, pmacct's are not either) at the rate imnetflow needs (hundreds of thousands
 * of flows/s on one core): decoding here is a walk over the datagram with no allocation per
 * flow, the flow's fields point into the datagram.
 *
 * The decoders are pure functions of (collector state, peer, datagram, now): no I/O, no
 * clock, no globals, so unit tests and the fuzz target drive them directly.  Each decoded
 * flow is handed to the collector's callback as a struct nf_flow whose field values point into
 * the datagram (or into the held copy) and are valid only during the call.
 *
 * Ownership: struct nf_coll owns every exporter, source, template and held data set; nothing
 * is shared with other collectors.  Concurrency & locking: none inside; one collector is used
 * by one thread at a time (imnetflow has one collector per receiving thread: the kernel's
 * SO_REUSEPORT hash keeps an exporter on one socket, so on one collector).
 */
#ifndef SLUICE_IMNETFLOW_NF_H
#define SLUICE_IMNETFLOW_NF_H

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <sys/socket.h>

#define NF_MAX_FIELDS 512      /* fields per template (more: template refused, counted) */
#define NF_VARLEN 0xFFFF       /* IPFIX variable-length field */
#define NF_SCOPE_PEN 0xFFFFFFFEu /* v9 options scope fields (system, interface, ...) */

/* Return codes of nf_decode (>= 0: number of flows emitted). */
enum {
    NF_EMALFORMED = -1,   /* datagram (or part of it) malformed; flows before the fault emitted */
    NF_EVERSION = -2,     /* not v5, v9 or IPFIX */
    NF_ELIMIT = -3        /* exporter/source table full: datagram refused */
};

/* Counters per (exporter address, observation domain / source id / engine). */
enum nf_counter {
    NFC_DATAGRAMS,        /* export packets */
    NFC_FLOWS,            /* flow records emitted */
    NFC_SEQ_LOST,         /* sequence gaps: v5 flows, v9 export packets, IPFIX data records */
    NFC_SEQ_RESETS,       /* sequence went backwards (exporter restart, reordering) */
    NFC_NOTEMPLATE,       /* data sets that arrived before their template (held) */
    NFC_HELD_DECODED,     /* held data sets decoded once their template arrived */
    NFC_HELD_EXPIRED,     /* held data sets expired undecoded */
    NFC_HELD_DROPPED,     /* data sets without template not held: buffer full */
    NFC_MALFORMED,        /* malformed sets/records/datagrams */
    NFC_TEMPLATES,        /* template records received (new, refreshed or changed) */
    NFC_TEMPLATES_CHANGED,/* a template ID got a different layout */
    NFC_TEMPLATES_REFUSED,/* over maxTemplatesPerExporter, or invalid */
    NFC_TEMPLATES_EXPIRED,/* not refreshed within their lifetime */
    NFC_WITHDRAWN,        /* IPFIX template withdrawals */
    NFC_OPTIONS,          /* options data records (sampling etc.) */
    NFC_N
};
extern const char *const nf_counter_names[NFC_N];

/* One field of a flow: IE (enterprise number, id) and its bytes. */
struct nf_fval {
    uint32_t pen;          /* 0: IANA */
    uint16_t id;
    uint16_t len;
    const uint8_t *p;
};

struct nf_flow {
    uint8_t version;       /* 5, 9, 10 */
    uint8_t uptime_valid;  /* uptime_ms/export_ms make 21/22 absolute */
    uint8_t init_valid;    /* IPFIX: init_ms (systemInitTimeMilliseconds) known */
    uint32_t domain;       /* observation domain / source id / engine type<<8|id */
    uint16_t tid;          /* template id (0 for v5) */
    uint32_t uptime_ms;    /* v5/v9 header sysUptime */
    int64_t export_ms;     /* header export time in ms since the epoch */
    int64_t init_ms;       /* IPFIX: exporter's systemInitTimeMilliseconds */
    uint64_t sampling;     /* packet sampling rate (1 in N) known for this flow, 0: none */
    const struct sockaddr *exporter;
    socklen_t exporter_len;
    const char *exporter_name; /* address as text */
    size_t n;
    struct nf_fval f[NF_MAX_FIELDS];
};

typedef void (*nf_flow_cb)(void *arg, const struct nf_flow *fl);
/* Called once per new (exporter address, domain): the collector's counters for it may be
 * pointed at host counters (c[i] initially point at private storage). */
typedef void (*nf_src_cb)(void *arg, const char *exporter, uint32_t domain,
                          _Atomic uint64_t *c[NFC_N]);

struct nf_conf {
    int64_t tmpl_lifetime_ms;      /* data templates (default 1800 s) */
    int64_t opt_lifetime_ms;       /* options templates (default 1800 s) */
    uint32_t max_tmpl_per_exporter;/* default 1024 */
    uint32_t max_exporters;        /* default 1024 exporters (address+port) */
    uint32_t max_domains;          /* per exporter, default 64 */
    size_t held_max_bytes;         /* data waiting for its template, default 4 MiB */
    int64_t held_timeout_ms;       /* default 60 s */
};
void nf_conf_defaults(struct nf_conf *c);

struct nf_coll;
struct nf_coll *nf_coll_new(const struct nf_conf *c, nf_flow_cb cb, nf_src_cb scb, void *arg);
void nf_coll_free(struct nf_coll *c);

/* Decode one datagram from peer received at now_ms (ms since the epoch). */
int nf_decode(struct nf_coll *c, const struct sockaddr *peer, socklen_t peerlen,
              const uint8_t *buf, size_t len, int64_t now_ms);
/* Expire templates and held data; call about once a second. */
void nf_coll_tick(struct nf_coll *c, int64_t now_ms);

/* Template cache persistence: save writes path.tmp then renames it over path (atomic);
 * load adds the unexpired templates of a file written by save (0, or -1 with errno). */
int nf_coll_save(struct nf_coll *c, const char *path, int64_t now_ms);
int nf_coll_load(struct nf_coll *c, const char *path, int64_t now_ms);
/* Templates changed since the last save. */
int nf_coll_dirty(const struct nf_coll *c);

/* Numbers for tests: templates cached in total, bytes held. */
size_t nf_coll_templates(const struct nf_coll *c);
size_t nf_coll_held_bytes(const struct nf_coll *c);
/* Counter value for (exporter text, domain), 0 if unknown. */
uint64_t nf_coll_counter(const struct nf_coll *c, const char *exporter, uint32_t domain,
                         enum nf_counter k);

/* ---- internal to the decoders (nfstate.c / nf5.c / nf9.c) ---- */
struct nf_src;
struct nf_src *nf_src_get(struct nf_coll *c, const struct sockaddr *peer, socklen_t peerlen,
                          uint8_t version, uint32_t domain);
void nf_src_count(struct nf_src *s, enum nf_counter k, uint64_t n);
/* Sequence check: seq is the header's sequence; next the expected value of the following
 * one (valid_next 0: unknown, skip the next check). */
void nf_src_seq(struct nf_src *s, uint32_t seq, uint32_t next, int valid_next);
void nf_emit(struct nf_coll *c, struct nf_src *s, struct nf_flow *fl);
void nf_flow_init(struct nf_flow *fl, struct nf_src *s);
int nf_decode_v5(struct nf_coll *c, const struct sockaddr *peer, socklen_t peerlen,
                 const uint8_t *buf, size_t len);
int nf_decode_v9(struct nf_coll *c, const struct sockaddr *peer, socklen_t peerlen,
                 const uint8_t *buf, size_t len, int64_t now_ms);

/* ---- rendering (nfie.c) ---- */
enum nf_profile { NF_PROFILE_NPROBE = 0, NF_PROFILE_LABELS = 1, NF_PROFILE_IPFIX = 2 };

/* Sink for the fields of one flow; keys are NUL-terminated and unique within a flow; kc != 0:
 * the key is a constant string (valid for the program's life), else valid during the call
 * only.  Strings are raw bytes (the sink escapes them). */
struct nf_sink {
    void (*num)(void *a, const char *key, int kc, uint64_t v);
    void (*snum)(void *a, const char *key, int kc, int64_t v);
    void (*dbl)(void *a, const char *key, int kc, double v);
    void (*str)(void *a, const char *key, int kc, const char *s, size_t len);
    void (*boolean)(void *a, const char *key, int kc, int v);
};
void nf_render(const struct nf_flow *fl, enum nf_profile prof, const struct nf_sink *sk,
               void *a);

/* A growable text buffer and the JSON text sink writing one object into it. */
struct nf_jbuf {
    char *p;
    size_t len, cap;
    int n;              /* members written */
    int oom;
};
extern const struct nf_sink nf_json_sink;
void nf_jbuf_reset(struct nf_jbuf *b);     /* empty, keeps the memory */
void nf_jbuf_free(struct nf_jbuf *b);
/* The flow as one JSON object in b (NUL-terminated); 0 or -1 out of memory. */
int nf_json(const struct nf_flow *fl, enum nf_profile prof, struct nf_jbuf *b);

#endif
