/*
 * nfint.h - imnetflow's decoder internals shared by nfstate.c, nf5.c and nf9.c: the
 * collector's tables (exporters, sources, templates, held data sets).  See nf.h for the
 * design; nothing here is used outside the decoders.
 *
 * Ownership: everything hangs off struct nf_coll.  Concurrency & locking: none (one thread
 * per collector).
 */
#ifndef SLUICE_IMNETFLOW_NFINT_H
#define SLUICE_IMNETFLOW_NFINT_H

#include <netinet/in.h>
#include <arpa/inet.h>

#include "nf.h"

struct nf_tfield {
    uint32_t pen;
    uint16_t id;
    uint16_t len;           /* NF_VARLEN: variable */
};

struct nf_tmpl {
    struct nf_tmpl *next;   /* chain in the source's table */
    uint16_t tid;
    uint16_t nfields;
    uint16_t scope;         /* options templates: leading scope fields */
    uint8_t options;
    uint32_t minlen;        /* bytes of the shortest record (a variable field counts 1) */
    int64_t expires_ms;
    struct nf_tfield f[];
};

/* What a data set needs from its export packet's header (kept with held data). */
struct nf_hctx {
    uint8_t version;
    uint32_t uptime_ms;
    int64_t export_ms;
};

struct nf_sampler {
    uint64_t id;
    uint64_t rate;
};

#define NF_TB 64            /* template hash buckets per source */
#define NF_MAX_SAMPLERS 64
#define NF_HB 1024          /* exporter/source hash buckets */

struct nf_exp {
    struct nf_exp *next;
    struct sockaddr_storage sa;
    socklen_t salen;
    char name[INET6_ADDRSTRLEN];
    uint32_t ntmpl;
    uint32_t ndomains;
};

struct nf_src {
    struct nf_src *next;
    struct nf_exp *exp;
    uint8_t version;        /* 5, 9, 10 */
    uint32_t domain;
    int seq_valid;
    uint32_t seq_next;
    /* IPFIX: the previous message's sequence number and data records, and which convention
     * the exporter follows: 0 unknown, 1 RFC 7011 (records before this message), 2 records up
     * to and including this message's flow records (softflowd) */
    uint32_t seq_prev;
    uint32_t prev_records;
    int seq_mode;
    struct nf_tmpl *tb[NF_TB];
    uint64_t default_rate;  /* options data without a sampler id; v5 header */
    struct nf_sampler samp[NF_MAX_SAMPLERS];
    size_t nsamp;
    int64_t init_ms;        /* IPFIX systemInitTimeMilliseconds from options data */
    int init_valid;
    _Atomic uint64_t *c[NFC_N];
    _Atomic uint64_t local[NFC_N];
};

struct nf_held {
    struct nf_held *next;
    struct nf_src *src;
    uint16_t tid;
    int64_t expires_ms;
    struct nf_hctx h;
    size_t len;
    uint8_t data[];
};

struct nf_coll {
    struct nf_conf conf;
    nf_flow_cb cb;
    nf_src_cb scb;
    void *arg;
    struct nf_exp *eb[NF_HB];
    size_t nexp;
    struct nf_src *sb[NF_HB];
    struct nf_src *last;
    struct nf_held *hhead, *htail;
    size_t hbytes;
    size_t ntmpl;
    int dirty;
    int64_t now_ms;
    uint32_t msg_flows;     /* flows of the message being decoded */
    struct nf_flow fl;      /* scratch for the flow being decoded */
};

static inline uint16_t nf_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t nf_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

struct nf_tmpl *nf_tmpl_find(struct nf_coll *c, struct nf_src *s, uint16_t tid);
/* Add or refresh; decodes data held for it.  0, or -1 refused (counted). */
int nf_tmpl_add(struct nf_coll *c, struct nf_src *s, uint16_t tid, int options, uint16_t scope,
                const struct nf_tfield *f, uint16_t n);
void nf_tmpl_withdraw(struct nf_coll *c, struct nf_src *s, uint16_t tid);
void nf_tmpl_withdraw_all(struct nf_coll *c, struct nf_src *s, int options);
/* Keep a copy of a data set whose template is not known yet. */
void nf_held_add(struct nf_coll *c, struct nf_src *s, uint16_t tid, const struct nf_hctx *h,
                 const uint8_t *p, size_t len);
/* nf9.c: decode the records of one data set; returns flows emitted, or NF_EMALFORMED. */
int nf9_data_set(struct nf_coll *c, struct nf_src *s, const struct nf_tmpl *t,
                 const struct nf_hctx *h, const uint8_t *p, size_t len);
void nf_src_seq_ipfix(struct nf_src *s, uint32_t seq, uint32_t records, uint32_t flows,
                      int valid);
uint64_t nf_src_rate(const struct nf_src *s, int has_id, uint64_t id);

#endif
