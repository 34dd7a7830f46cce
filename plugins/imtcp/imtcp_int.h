/*
 * imtcp_int.h - private declarations shared by the files of the imtcp plugin (imtcp.c,
 * imtcp_loop.c, imtcp_limits.c), which are also built as imptcp (-DSL_IMPTCP) and imtls
 * (-DSL_IMTLS):
 * the plugin-name variant, the instance and session structs, and the functions one file
 * calls in the other.  Not part of the plugin ABI (plugins build with -fvisibility=hidden,
 * so none of these symbols leaves the .so); the test hooks are in imtcp.h.
 *
 * Ownership: the instance block belongs to the core, everything it points to is owned by
 * the instance (see imtcp.c).  Concurrency & locking: see imtcp_loop.c - each session
 * belongs to one input thread (struct imtcp_thr) for its whole life; the session table,
 * the abuse window and the per-thread lists of doomed sessions are shared under the
 * instance's lock.
 */
#ifndef SLUICE_IMTCP_INT_H
#define SLUICE_IMTCP_INT_H

#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sluice/sl_plugin.h"
#include "framing.h"
#include "../common/sl_tls.h"
#include "../common/sl_acl.h"
#include "../common/sl_ratelimit.h"

#ifdef SL_IMTLS
#define IM_NAME "imtls"
#define IM_DEFAULT_MODE "1"
#define IM_PORT_FLAGS 0
#define IM_PORT_DEFAULT "6514"
#elif defined(SL_IMPTCP)
/* imptcp: rsyslog's plain-TCP input, same code without TLS (see plugins/imptcp/) */
#define IM_NAME "imptcp"
#define IM_DEFAULT_MODE "0"
/* port or path: neither is required by itself ("-1": not given) */
#define IM_PORT_FLAGS 0
#define IM_PORT_DEFAULT "-1"
#else
#define IM_NAME "imtcp"
#define IM_DEFAULT_MODE "0"
#define IM_PORT_FLAGS SL_P_REQUIRED
#define IM_PORT_DEFAULT NULL
#endif

#define MAX_LISTENERS 16
#define BATCH_MAX 1024
#define READ_BUF_SIZE (256 * 1024)
#define IMTCP_THREADS_MAX 64     /* the core starts at most 64 threads per input */

struct imtcp_mod;

enum { OBJ_LISTENER = 1, OBJ_SESSION, OBJ_STOP };

struct ep_obj {
    int kind;
    int fd;
};

struct imtcp_inst;
struct imtcp_thr;

/* sess.state: a session is published LIVE to its thread; another thread (eviction) or the
 * owner's housekeeping makes it DOOMED: out of the table, on the owner's doomed list, which
 * the owner alone frees */
enum { SESS_NEW = 0, SESS_LIVE, SESS_DOOMED };

struct sess {
    struct ep_obj ep;       /* first member: epoll data points here */
    struct imtcp_inst *in;
    struct imtcp_thr *thr;  /* the input thread that reads this session, for its whole life */
    _Atomic int state;      /* SESS_*; LIVE is stored with release before the epoll add */
    struct sess *dnext;     /* on thr->doomed (instance lock) */
    size_t slot;
    uint64_t key;
    struct sl_framing fr;
    struct sockaddr_storage peer;
    socklen_t peerlen;
    char peer_ip[INET6_ADDRSTRLEN];
    char peer_port[8];
    struct sl_tls_conn *tls;    /* NULL: plain TCP */
    int hs;                     /* TLS handshake in progress */
    int want_out;               /* registered for EPOLLOUT (handshake wants to write) */
    int pending;                /* GnuTLS holds decrypted bytes not yet read */
    int64_t hs_deadline;        /* CLOCK_MONOTONIC ms */
    /* CLOCK_MONOTONIC ms (in->now_ms), for the session limits */
    int64_t last_rx_ms;         /* last bytes received (accept time before) */
    _Atomic int64_t last_frame_ms;  /* last complete frame (accept time before); relaxed:
                                     * the owner writes, eviction reads under the lock */
    int64_t frame_start_ms;     /* an incomplete frame is pending since; 0: none */
    uint64_t nframes;           /* complete frames so far */
    unsigned framing_errs;      /* framing errors in this session */
    unsigned framing_logged;    /* framing/oversize lines logged for this session */
    int kill;                   /* session.maxFramingErrors reached: close after this read */
    struct ptcp_zin *zin;       /* imptcp compression.mode="stream:always" (ptcp_inflate.c) */
};

/* ptcp_inflate.c: imptcp's stream decompression.  ptcp_inflate() hands the inflated bytes
 * of data to feed (which returns non-zero to stop); 0, the first non-zero feed result, or
 * PTCP_ZBAD when the data is no zlib stream. */
#define PTCP_ZBAD (-1000)
int ptcp_inflate_available(void);
int ptcp_inflate(struct sess *s, const char *data, size_t n,
                 int (*feed)(struct sess *s, const char *p, size_t len));
void ptcp_inflate_free(struct sess *s);

struct imtcp_inst {
    /* ---- parameters (filled by the core) ---- */
    int64_t port;
    char *address;
    char *listen_port_file;
    int64_t max_sessions;       /* -1: module's */
    int64_t max_listeners;
    int framing_fix;
    int64_t notify_open, notify_close, keepalive, flow_control, disable_lf,
            discard_truncated, preserve_case, octet_framing;    /* tri_enum */
    int64_t max_frame;              /* maxFrameSize; imtcp: IMTCP_INHERIT_INT, module's */
    int64_t ka_probes, ka_time, ka_interval;     /* -1: module's */
    int64_t addtl_delim;                         /* -2: module's */
    int64_t backlog;
    char *default_tz;
    int64_t rl_interval, rl_burst;
    char *sd_name;
    int64_t sd_mode;                             /* -1: module's */
    char *sd_authmode;
    int64_t sd_check_eku, sd_prioritize_san;     /* tri_enum */
    int64_t sd_verify_depth;
    struct sl_strarr permitted_peer;
    char *gnutls_prio;
    char *sd_ca_file, *sd_cert_file, *sd_key_file;
    int64_t sd_permit_expired;      /* -1: module's */
    int64_t sess_idle_timeout, sess_frame_timeout, sess_max_per_addr, sess_evict_after; /* -1 */
    int64_t sess_max_framing_err;   /* -1: module's */
    /* imptcp compression.mode="stream:always" (ptcp_inflate.c); 0 in imtcp and imtls */
    int ptcp_zstream;
    _Atomic uint64_t *c_unzip_failed;   /* decompress.failed: sessions closed on bad data */
#ifdef SL_IMPTCP
    /* imptcp's input-only parameters */
    char *ptcp_path;                /* unix stream socket instead of TCP (imptcp_unix.c) */
    int ptcp_unlink, ptcp_multiline, ptcp_fail_chown;
    int ptcp_bound;                 /* the socket file at ptcp_path was made by bind() */
    char *ptcp_compression, *ptcp_rl_name, *ptcp_delim_regex;
    int64_t ptcp_uid, ptcp_gid, ptcp_mode;
    regex_t ptcp_re;                /* framing.delimiter.regex, compiled */
    int ptcp_re_ok;
#endif

    /* ---- runtime ---- */
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    const struct imtcp_mod *mod;
    struct sl_framing_cfg fcfg;
    int keepalive_on, notify_open_on, notify_close_on;
    int64_t eff_ka_probes, eff_ka_time, eff_ka_interval;
    size_t max_sess;
    char label[96];             /* counter set "imtcp(ADDR:PORT)", ADDR "*" when unset */

    struct ep_obj lst[MAX_LISTENERS];   /* accepted on by thread 0 */
    size_t nlst;
    struct ep_obj stop_obj;     /* eventfd, in every thread's epoll set, never read */
    int bound_port;
    atomic_int stopping;
    atomic_int core_gone;       /* a submit failed: the core is shutting down, no drain */
    int64_t threads;            /* input(threads=): imtcp, imtls (imptcp: module threads) */

    /* ---- shared by the input threads, under lock ---- */
    pthread_mutex_t lock;       /* sess[], the abuse window, thr[], the doomed lists */
    struct sess **sess;         /* max_sess slots */
    _Atomic size_t nsess;
    struct imtcp_thr *thr[IMTCP_THREADS_MAX];   /* published by run_thread() */
    unsigned nthr;              /* thr[0..nthr) may be set */
    pthread_mutex_t rl_lock;    /* rl, when rl_on */

    _Atomic uint64_t *c_submitted, *c_opened, *c_closed, *c_refused, *c_truncated,
                     *c_framing_err, *c_drained, *c_partial, *c_disallowed, *c_oversize;
    /* rateLimit.interval/burst: one limiter for all sessions of the instance, as rsyslog
     * keeps one per listener (under rl_lock: the threads share it, as rsyslog's) */
    int rl_on;
    struct sl_ratelimit_state rl;
    _Atomic uint64_t *c_ratelimit;
    struct sl_acl *acl;         /* $AllowedSender TCP (imtcp, imtls; NULL: everyone) */

    /* ---- session limits (sluice only, imtcp_limits.c) ---- */
    int64_t idle_ms, frame_ms, evict_ms;        /* 0: off */
    size_t max_per_addr;                        /* 0: no cap */
    int64_t abuse_window_ms;    /* start of the current log window; 0: none */
    uint64_t abuse_evicted, abuse_refused, abuse_timedout, abuse_framing; /* in the window */
    uint64_t framing_logged;    /* framing/oversize lines logged in the window */
    unsigned max_framing_err;   /* 0: never close for framing errors */
    _Atomic uint64_t *c_evicted, *c_refused_addr, *c_idle_timeout, *c_frame_timeout,
                     *c_framing_closed;

    /* ---- TLS ---- */
    struct sl_tls_cred *tls;    /* NULL: plain TCP; swapped by hup() under tls_lock */
    struct sl_tls_opts tls_opts; /* how tls was made (re-read at HUP) */
    pthread_mutex_t tls_lock;
    int hs_timeout_ms;
    _Atomic uint64_t *c_tls_ok, *c_tls_hs_failed, *c_tls_refused, *c_tls_timeout;
};

/* One input thread (run_thread(index)): its epoll set, read buffer and batch, and the
 * sessions it owns (sess.thr).  Made and published by the thread itself, freed by
 * destroy().  Everything but the atomics and `doomed` is touched by this thread only. */
struct imtcp_thr {
    struct imtcp_inst *in;
    unsigned idx;
    int epfd;
    int reserve_fd;             /* thread 0: spare descriptor freed to shed on EMFILE */
    int refusing;               /* refusal logged for the current burst */
    char *rbuf;
    struct sl_msg *batch[BATCH_MAX];
    size_t nbatch;
    struct sess *cur;           /* session whose frames are being collected */
    int64_t now_ms;             /* CLOCK_MONOTONIC ms, refreshed each loop round */
    _Atomic int64_t resume_ms;  /* when a blocking submit last returned (back-pressure) */
    int64_t last_hk_ms;
    _Atomic size_t nhs;         /* own sessions in handshake (the acceptor adds) */
    size_t npending;            /* own sessions with buffered decrypted data */
    _Atomic size_t nown;        /* own sessions (the acceptor balances on it) */
    struct sess *doomed;        /* evicted/timed out, to be freed by this thread (lock) */
    atomic_int ndoomed;
    uint64_t nsessions;         /* sessions served (debug line at the end; lock) */
    int done;                   /* draining or ended: given no new session (lock) */
};

/* ---- imtcp.c -------------------------------------------------------------------------- */

/* CLOCK_MONOTONIC in ms. */
int64_t imtcp_mono_ms(void);
/* Close the listening sockets. */
void imtcp_close_listeners(struct imtcp_inst *in);

/* ---- imtcp_loop.c: the session loop ----------------------------------------------------- */

/* Input thread index of nthreads: serve listeners (thread 0) and its sessions until
 * stop(), then drain them; run() is thread 0 of 1. */
int imtcp_run_thread(void *inst, unsigned index, unsigned nthreads);
int imtcp_run(void *inst);
/* On s's thread: close and free session s (orderly: the peer closed; emit its partial
 * frame).  A session already doomed is left to its thread's doomed list. */
void imtcp_close_session(struct sess *s, int orderly);
/* Under the instance lock: take s out of the table and hand it to its thread to be reset
 * and freed (any thread may call it). */
void imtcp_doom(struct sess *s);
/* On thread t: free the sessions doomed for it. */
void imtcp_reap(struct imtcp_thr *t);
/* At open(): thread 0's state (epoll set with the listeners, read buffer, reserve
 * descriptor), so the descriptors exist when open() returns; 0 or SL_EIO (logged). */
int imtcp_thr0_new(struct imtcp_inst *in);
/* At destroy: free thread t and whatever it still holds. */
void imtcp_thr_free(struct imtcp_inst *in, struct imtcp_thr *t);

#ifdef SL_IMPTCP
/* ---- plugins/imptcp/imptcp_unix.c: imptcp path= ----------------------------------------- */

/* The listening unix stream socket at in->ptcp_path (unlink, bind, listen, chown, chmod as
 * rsyslog's imptcp); its descriptor, or -1 (logged). */
int imptcp_unix_listen(struct imtcp_inst *in, int backlog);
/* At destroy: remove the socket file again when unlink="on" and this instance made it. */
void imptcp_unix_cleanup(struct imtcp_inst *in);
#endif

/* ---- imtcp_limits.c: session limits (sluice only, doc/limits.md) ----------------------- */

/* Close with a reset: the peer's next write fails instead of vanishing. */
void imtcp_rst_linger(int fd);
/* Under the lock: count one abuse event of a kind (in->abuse_*) at now; 1 if it opened
 * the log window. */
int imtcp_abuse_event(struct imtcp_inst *in, int64_t now, uint64_t *kind);
/* Under the lock: log the window's summary if it is over (or force), start a new one. */
void imtcp_abuse_summary(struct imtcp_inst *in, int64_t now, int force);
/* Under the lock, on the accepting thread t: a new connection fd from ip at
 * session.maxPerAddress or maxSessions: evict (doom) a session for it, or refuse it (fd
 * reset and closed).  Returns 1 if fd may become a session, else 0. */
int imtcp_admit(struct imtcp_thr *t, int fd, const char *ip);
/* On thread t, about once a second: its sessions' idle and frame timeouts, and the end of
 * the log window. */
void imtcp_housekeeping(struct imtcp_thr *t);

#endif
