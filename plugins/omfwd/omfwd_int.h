/*
 * omfwd_int.h - private declarations shared by the files of the omfwd output plugin:
 * omfwd.c (parameters, connect, UDP/TCP send, the ABI entry points), omfwd_replay.c (the
 * held records of plain TCP and their replay on a new connection) and omfwd_ack.c (the
 * FIFO of batches pending deferred acknowledgement and the confirmation thread).  The
 * instance and worker structs and the functions one file calls in another.  Not part of
 * the plugin ABI: omfwd is built into sluiced (not exported: sluiced is not linked with
 * -rdynamic) and into its unit tests only.
 *
 * Ownership: the instance block belongs to the core, the worker block to its worker; what
 * they point to is described at the fields and in omfwd.c.  Concurrency & locking: see
 * omfwd.c ("Concurrency & locking"); wrk->lock guards fd changes, conn_sent and the
 * pending FIFO, which the confirmation thread (omfwd_ackpoll) shares with deliver().
 */
#ifndef SLUICE_OMFWD_INT_H
#define SLUICE_OMFWD_INT_H

#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_tls.h"
#include "../common/sl_ratelimit.h"

/* how often the confirmation thread (and flush()) looks at SIOCOUTQ while batches are
 * pending */
#define OMFWD_ACKPOLL_MS 5
struct omfwd_held_rec {
    uint32_t len;
    uint32_t tsc;
};

/* Size of one chunk of held bytes (omfwd_replay.c). */
#define OMFWD_HC_SIZE (64u * 1024)

struct omfwd_inst {
    /* parameters (filled by the core) */
    char *target;
    int64_t port;
    int64_t protocol;
    int64_t framing;
    int64_t frame_delim;
    const struct sl_template *tpl;
    char *address;
    char *device;
    int udp_send_to_all;
    int64_t udp_send_delay;      /* microseconds between datagrams */
    int64_t max_err_msgs;
    int64_t compression_mode;
    int64_t zip_level;
    int64_t rebind_interval;
    int keepalive;
    int64_t keepalive_probes, keepalive_interval, keepalive_time;
    int resend_last;
    int64_t conerr_skip;
    int64_t resend_max_age;      /* ms: replay after a reset only records written this
                                  * long before the connection's last write */
    int64_t resend_max_bytes;    /* cap of that replay window */
    char *strm_driver;
    int64_t strm_driver_mode;
    char *strm_auth_mode;
    char *strm_permitted_peers;
    char *strm_ca_file, *strm_cert_file, *strm_key_file;
    int strm_check_eku;
    int strm_prioritize_san;
    int64_t strm_verify_depth;
    int64_t strm_permit_expired;
    char *gnutls_prio;
    char *netns;                 /* networkNamespace: /var/run/netns/NAME for the sockets */
    int64_t ip_freebind;         /* ipFreeBind: 0 off, 1 on, 2 on (rsyslog logs then) */
    int64_t udp_sendbuf;         /* udp.sendBuf: SO_SNDBUF of the UDP socket; 0: system's */
    int64_t rl_interval, rl_burst;  /* ratelimit.interval/burst (s, records); 0: off */
    int flush_on_txend;          /* compression.stream.flushOnTXEnd: no compression here */

    /* runtime */
    const struct sl_host *h;
    const struct sl_template *tpl_eff;
    char portstr[8];
    char who[160];
    _Atomic int64_t err_budget;         /* error messages still allowed */
    _Atomic uint64_t *c_sent, *c_failed;
    _Atomic uint64_t *c_resent;      /* records sent again after a lost connection */
    struct sl_tls_cred *tls;            /* NULL: plain TCP; replaced at HUP under tls_lock */
    struct sl_tls_opts tls_opts;        /* kept for the reload at HUP */
    pthread_mutex_t tls_lock;
    int tls_lock_ok;
    _Atomic unsigned tls_gen;           /* bumped when the credentials are replaced */
    char **peer_list;                   /* StreamDriverPermittedPeers split at commas */
    size_t npeers;
    _Atomic uint64_t *c_tls_refused, *c_tls_failed;
    /* ratelimit.interval/burst: one limiter per action, shared by its workers as rsyslog's
     * (rl_lock guards rl and rl_missed) */
    int rl_on;
    pthread_mutex_t rl_lock;
    struct sl_ratelimit_state rl;
    uint64_t rl_missed;                 /* dropped in the current window */
    _Atomic uint64_t *c_ratelimit;      /* ratelimit.discarded */
};

struct omfwd_wrk {
    struct omfwd_inst *in;
    int fd;                      /* TCP connection or UDP socket, -1 if none; changed under
                                  * lock (the ackpoll thread reads it) */
    struct sl_tls_conn *tls;     /* TLS session on fd, or NULL */
    unsigned tls_gen;            /* credentials generation of that session */
    struct addrinfo *ai;         /* UDP: resolved target addresses */
    int udp_family;
    uint64_t since_bind;         /* records since the socket was (re)created */
    int down_logged;             /* connection failure already logged */
    struct sl_buf out;           /* framed records of the batch, back to back */
    struct sl_buf tmp;           /* one rendered record */
    size_t *ends;                /* end offset of each record in out */
    size_t ends_cap;
    struct mmsghdr *mm;
    struct iovec *iov;
    /* Plain TCP: framed records sent on this connection that the peer's TCP may not have
     * acknowledged yet (held bytes [held_start, held_len)), with their end offsets; stream_sent
     * counts bytes written on the connection, held_base is the stream offset of held byte 0.
     * After the connection is lost they are sent first on the next one (duplicates
     * possible, loss of what TCP did not acknowledge not).  Held offsets only grow (until
     * a replay or a clear starts again at 0); the bytes live in fixed-size chunks (see
     * omfwd_replay.c): hc[0..hc_n) hold the bytes from hc_first * OMFWD_HC_SIZE on. */
    char **hc;
    size_t hc_n, hc_cap, hc_first;
    char *hc_spare[8];           /* chunks kept for reuse (512 KiB at most) */
    size_t hc_nspare;
    size_t held_len;
    size_t held_org;             /* held offset where record 0 (held_rec[0]) starts */
    size_t held_start;
    uint64_t held_base;
    uint64_t stream_sent;
    /* per held record, 8 bytes (omfwd_replay.c): its length, and when it was written
     * (monotonic ms after held_t0, shifted left by one) with the core flag in bit 0 (its
     * batch is pending in the core, deferred acknowledgement: the core sends it again);
     * record i starts where record i - 1 ends, record 0 at held_org */
    struct omfwd_held_rec *held_rec;
    int64_t held_t0;
    size_t nheld, held_first, held_cap;
    int resend;                  /* held records are to be sent before anything else */
    /* The acknowledged tail (records replay_first..held_first, bytes from replay_start),
     * at most resend.maxBytes bytes written at most resend.maxAge ms before the last
     * write: a receiver that closes its socket with data unread resets the connection,
     * and what its TCP acknowledged but it never read is lost unless sent again. */
    size_t replay_first, replay_start;
    int reset;                   /* the connection was reset: replay the tail as well */
    /* Deferred acknowledgement (plain TCP, b->ack != NULL), under lock */
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int lock_ok;
    pthread_t poll_thr;
    int poll_ok, poll_stop;
    uint64_t conn_sent;          /* bytes written on this connection */
    struct omfwd_pend {
        struct sl_ack *ack;
        uint64_t end;            /* conn_sent after its last byte */
    } *pend;
    size_t npend, pend_cap;
    int core_acks;               /* a batch came with an ack: the core keeps unconfirmed ones */
    struct omfwd_zip *zip;       /* compression.mode single / stream:always (omfwd_zip.c) */
};

/* omfwd.c */
int64_t omfwd_now_ms(void);
int omfwd_tcp_dead(int fd);

/* omfwd_replay.c: the held records of plain TCP (direct actions, and the replay window
 * after a reset); deliver()'s thread only */
void omfwd_held_clear(struct omfwd_wrk *w);
void omfwd_held_ack(struct omfwd_wrk *w);
int omfwd_held_add(struct omfwd_inst *in, struct omfwd_wrk *w, size_t n, int core);
int omfwd_write_all(int fd, const char *buf, size_t len);
int omfwd_held_resend(struct omfwd_inst *in, struct omfwd_wrk *w);
void omfwd_held_free(struct omfwd_wrk *w);

/* omfwd_zip.c: compression.mode (deliver()'s thread only).  single: 1 and out, outlen
 * the 'z' record when compressing gains, else 0 (send rec as it is).  stream: the
 * compressed bytes of buf (flush: Z_SYNC_FLUSH), 0 or -errno; stream_end: the end of the
 * zlib stream, before an orderly close. */
enum { OMFWD_COMP_NONE = 0, OMFWD_COMP_SINGLE = 1, OMFWD_COMP_STREAM = 2 };
int omfwd_zip_available(void);
int omfwd_zip_single(struct omfwd_wrk *w, int level, const char *rec, size_t len,
                     const char **out, size_t *outlen);
int omfwd_zip_stream(struct omfwd_wrk *w, int level, const char *buf, size_t len, int flush,
                     const char **out, size_t *outlen);
int omfwd_zip_stream_end(struct omfwd_wrk *w, const char **out, size_t *outlen);
void omfwd_zip_free(struct omfwd_wrk *w);

/* omfwd_ack.c: deferred acknowledgement (ABI 1.4 SL_PENDING / batch_done) */
void omfwd_confirm(struct omfwd_inst *in, struct omfwd_wrk *w);
size_t omfwd_pend_fail(struct omfwd_inst *in, struct omfwd_wrk *w);
int omfwd_pend_add(struct omfwd_wrk *w, struct sl_ack *ack);
void *omfwd_ackpoll(void *arg);

#endif
