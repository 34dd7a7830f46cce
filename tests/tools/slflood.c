/* slflood - load generator for sluice tests (in the spirit of tcpflood/loggen).
 *
 * Sends N syslog messages to 127.0.0.1 over UDP, TCP with LF framing, TCP with
 * RFC 6587 octet counting or TLS (RFC 5425: octet counting inside GnuTLS records), spread
 * over K connections.  Every generated message carries
 * "seq=<connection>:<number>" in its MSG part (numbers start at 1 per connection) so
 * that slverify can detect loss, duplication and per-connection reordering.  With -j K
 * every K-th message of a connection also carries a small JSON object after the seq
 * (for routing benchmarks).  With -i FILE the lines of FILE are sent verbatim instead
 * (one message per line).
 *
 * After its last message a sender ends its side and waits (-W, default 10 s) for the
 * receiver to close: a reset, a TLS alert, or a close before the receiver's TCP
 * acknowledged every byte means the connection was refused and fails the run (see
 * finish_conn; a receiver that keeps the connection open past -W is not a failure).
 * A connection the receiver closes or resets ends that sender (SIGPIPE is ignored); every
 * connection that failed, and with -v every connection, is reported on stderr as
 * "slflood: connection C: wrote W of N messages[, A acknowledged]" where W counts the
 * complete frames handed to the kernel (what the receiver can have got at most, in order)
 * and A, after a failure, the complete frames the receiver's TCP had acknowledged
 * (bytes written minus SIOCOUTQ, the unacknowledged rest, which the kernel keeps after a
 * reset).
 *
 * Concurrency: one sender thread per connection; threads share only read-only options
 * and write their own result slot, joined by main.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <gnutls/gnutls.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SL_BUF_SIZE (256 * 1024)
#define SL_UDP_BATCH 64
#define SL_MAX_CONNS 1024

enum transport { T_UDP, T_TCP, T_OCTET, T_TLS };

struct options {
    enum transport transport;
    int port;
    long total;
    int conns;
    double rate;           /* messages per second over all connections, 0 = unlimited */
    int rfc5424;
    int pad;               /* extra bytes of payload after seq= */
    long json_every;       /* -j K: every K-th message carries a JSON object, 0 = none */
    const char *host;      /* HOSTNAME field */
    const char *tag;
    const char *input;     /* -i FILE: send these lines instead */
    const char *payload;   /* -P FILE: MSG text after the seq, cycling through its lines */
    const char *ca;        /* -A FILE: TLS trust anchors (verify the server); none: no check */
    const char *cert;      /* -C FILE / -K FILE: TLS client certificate and key */
    const char *key;
    int verbose;
    int close_wait;        /* -W SECS: how long to wait for the peer's close (default 10) */
};

struct sender {
    const struct options *opt;
    int id;
    long count;
    long sent;
    int failed;
    int err;               /* errno of the failed write, 0 if none */
    uint64_t bytes;        /* TCP: bytes the kernel took on this connection */
    long acked;            /* TCP, after a failure: messages the peer's TCP acknowledged, -1 unknown */
    char why[160];         /* how the peer ended a failed connection ("" if not known) */
    pthread_t thread;
};

static struct options g_opt;
static gnutls_certificate_credentials_t g_cred;
static __thread gnutls_session_t t_tls;   /* this thread's TLS session (-t tls), or NULL */
static __thread int t_bye_done;           /* finish_conn() sent close_notify already */
static char g_stamp[64];
static char *g_input_data;
static size_t g_input_len;
static char **g_payload;     /* -P: the lines (read-only once loaded) */
static size_t g_npayload;
static size_t g_payload_max;  /* longest -P line */

static void usage(void)
{
    fprintf(stderr,
            "usage: slflood -p PORT [-t udp|tcp|octet|tls] [-n TOTAL] [-c CONNS] [-r RATE]\n"
            "               [-5] [-s PAD] [-j K] [-H HOST] [-a TAG] [-i FILE] [-v]\n"
            "               [-P FILE] [-A CAFILE] [-C CERTFILE -K KEYFILE]\n"
            "  -p PORT    destination port on 127.0.0.1 (required)\n"
            "  -t PROTO   udp, tcp (LF framing, default), octet (RFC 6587 counting) or\n"
            "             tls (RFC 5425: octet counting over TLS)\n"
            "  -A CAFILE  TLS: verify the server's certificate against CAFILE (default: no check)\n"
            "  -C/-K      TLS: client certificate and key (PEM) for mutual authentication\n"
            "  -n TOTAL   messages in total (default 1000), spread over the connections\n"
            "  -c CONNS   connections / sender threads (default 1)\n"
            "  -r RATE    messages per second over all connections (default unlimited)\n"
            "  -5         RFC 5424 lines (default RFC 3164)\n"
            "  -s PAD     append PAD filler bytes to each message\n"
            "  -j K       every K-th message (per connection) carries a JSON object after\n"
            "             the seq: seq=C:N {\"event\":\"bench\",\"conn\":C,\"n\":N}\n"
            "  -H HOST    HOSTNAME field (default slhost); -a TAG app name (default slflood)\n"
            "  -i FILE    send each line of FILE verbatim (ignores -n/-c/-5/-s)\n"
            "  -P FILE    after the seq, a space and line (N mod lines) of FILE: realistic\n"
            "             MSG text (e.g. sshd lines) that still carries the seq\n"
            "  -W SECS    after sending, wait up to SECS (default 10) for the receiver to\n"
            "             close: a reset, a TLS alert or a close before it acknowledged\n"
            "             every byte is a failure (a refused connection)\n"
            "Exit 0 when everything was sent and the receiver acknowledged it and closed\n"
            "normally (or did not close within -W), 1 on errors or refusals, 2 on usage.\n");
    exit(2);
}

static long parse_long(const char *s, long min, long max)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "slflood: bad number '%s'\n", s);
        usage();
    }
    return v;
}

static void parse_args(int argc, char **argv)
{
    int c;
    g_opt.transport = T_TCP;
    g_opt.total = 1000;
    g_opt.conns = 1;
    g_opt.host = "slhost";
    g_opt.tag = "slflood";
    g_opt.close_wait = 10;
    while ((c = getopt(argc, argv, "p:t:n:c:r:5s:j:H:a:i:vA:C:K:P:W:")) != -1) {
        switch (c) {
        case 'p': g_opt.port = (int)parse_long(optarg, 1, 65535); break;
        case 't':
            if (strcmp(optarg, "udp") == 0) {
                g_opt.transport = T_UDP;
            } else if (strcmp(optarg, "tcp") == 0) {
                g_opt.transport = T_TCP;
            } else if (strcmp(optarg, "octet") == 0) {
                g_opt.transport = T_OCTET;
            } else if (strcmp(optarg, "tls") == 0) {
                g_opt.transport = T_TLS;
            } else {
                usage();
            }
            break;
        case 'n': g_opt.total = parse_long(optarg, 0, 1000000000L); break;
        case 'c': g_opt.conns = (int)parse_long(optarg, 1, SL_MAX_CONNS); break;
        case 'r': g_opt.rate = (double)parse_long(optarg, 0, 100000000L); break;
        case '5': g_opt.rfc5424 = 1; break;
        case 's': g_opt.pad = (int)parse_long(optarg, 0, 16 * 1024 * 1024); break;
        case 'j': g_opt.json_every = parse_long(optarg, 0, 1000000000L); break;
        case 'H': g_opt.host = optarg; break;
        case 'a': g_opt.tag = optarg; break;
        case 'i': g_opt.input = optarg; break;
        case 'v': g_opt.verbose = 1; break;
        case 'A': g_opt.ca = optarg; break;
        case 'C': g_opt.cert = optarg; break;
        case 'K': g_opt.key = optarg; break;
        case 'P': g_opt.payload = optarg; break;
        case 'W': g_opt.close_wait = (int)parse_long(optarg, 0, 3600); break;
        default: usage();
        }
    }
    if (g_opt.port == 0 || optind != argc || (g_opt.cert == NULL) != (g_opt.key == NULL)) {
        usage();
    }
    if (g_opt.input != NULL) {
        g_opt.conns = 1;
    }
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_sec(double s)
{
    if (s <= 0) {
        return;
    }
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

/* Timestamps are taken once at start: all messages of a run share them (speed). */
static void make_stamp(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (g_opt.rfc5424) {
        strftime(g_stamp, sizeof(g_stamp), "%Y-%m-%dT%H:%M:%S.000000+00:00", &tm);
    } else {
        char mon[8];
        strftime(mon, sizeof(mon), "%b", &tm);
        snprintf(g_stamp, sizeof(g_stamp), "%s %2d %02d:%02d:%02d", mon, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
}

/* Writes one message (without framing) into dst, returns its length. */
static size_t format_msg(char *dst, size_t cap, int conn, long num)
{
    int n;
    if (g_opt.rfc5424) {
        n = snprintf(dst, cap, "<13>1 %s %s %s %d - - seq=%d:%ld", g_stamp, g_opt.host,
                     g_opt.tag, (int)getpid(), conn, num);
    } else {
        n = snprintf(dst, cap, "<13>%s %s %s[%d]: seq=%d:%ld", g_stamp, g_opt.host,
                     g_opt.tag, (int)getpid(), conn, num);
    }
    if (n < 0 || (size_t)n >= cap) {
        return 0;
    }
    size_t len = (size_t)n;
    if (g_npayload > 0) {
        const char *p = g_payload[(size_t)num % g_npayload];
        n = snprintf(dst + len, cap - len, " %s", p);
        if (n < 0 || (size_t)n >= cap - len) {
            return 0;
        }
        len += (size_t)n;
    }
    if (g_opt.json_every > 0 && num % g_opt.json_every == 0) {
        n = snprintf(dst + len, cap - len, " {\"event\":\"bench\",\"conn\":%d,\"n\":%ld}",
                     conn, num);
        if (n < 0 || (size_t)n >= cap - len) {
            return 0;
        }
        len += (size_t)n;
    }
    if (g_opt.pad > 0 && len + 1 + (size_t)g_opt.pad < cap) {
        dst[len++] = ' ';
        for (int i = 0; i < g_opt.pad; i++) {
            dst[len++] = (char)('a' + i % 26);
        }
    }
    return len;
}

/* Frames msg for the transport into dst (cap bytes); returns the framed length or 0. */
static size_t frame_msg(char *dst, size_t cap, const char *msg, size_t len)
{
    if (g_opt.transport == T_OCTET || g_opt.transport == T_TLS) {
        int n = snprintf(dst, cap, "%zu ", len);
        if (n < 0 || (size_t)n + len > cap) {
            return 0;
        }
        memcpy(dst + n, msg, len);
        return (size_t)n + len;
    }
    if (len + 1 > cap) {
        return 0;
    }
    memcpy(dst, msg, len);
    if (g_opt.transport == T_TCP) {
        dst[len++] = '\n';
    }
    return len;
}

/* Credentials shared by all sender threads (read-only after this). */
static int tls_init(void)
{
    int rc = gnutls_certificate_allocate_credentials(&g_cred);
    if (rc == 0 && g_opt.ca != NULL &&
        gnutls_certificate_set_x509_trust_file(g_cred, g_opt.ca, GNUTLS_X509_FMT_PEM) < 0) {
        fprintf(stderr, "slflood: cannot load CA file %s\n", g_opt.ca);
        return -1;
    }
    if (rc == 0 && g_opt.cert != NULL) {
        rc = gnutls_certificate_set_x509_key_file(g_cred, g_opt.cert, g_opt.key,
                                                  GNUTLS_X509_FMT_PEM);
    }
    if (rc < 0) {
        fprintf(stderr, "slflood: TLS credentials: %s\n", gnutls_strerror(rc));
        return -1;
    }
    return 0;
}

/* TLS client handshake on a connected socket; sets this thread's t_tls. */
static int tls_start(int fd)
{
    gnutls_session_t s;
    int rc = gnutls_init(&s, GNUTLS_CLIENT);
    if (rc == 0) {
        rc = gnutls_set_default_priority(s);
    }
    if (rc == 0) {
        rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, g_cred);
    }
    if (rc < 0) {
        fprintf(stderr, "slflood: TLS setup: %s\n", gnutls_strerror(rc));
        gnutls_deinit(s);
        return -1;
    }
    if (g_opt.ca != NULL) {
        gnutls_session_set_verify_cert(s, "localhost", 0);
    }
    gnutls_transport_set_int(s, fd);
    gnutls_handshake_set_timeout(s, 10000);
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
    if (rc < 0) {
        fprintf(stderr, "slflood: TLS handshake: %s\n", gnutls_strerror(rc));
        gnutls_deinit(s);
        return -1;
    }
    t_tls = s;
    return 0;
}

static int open_socket(void)
{
    int type = g_opt.transport == T_UDP ? SOCK_DGRAM : SOCK_STREAM;
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) {
        perror("slflood: socket");
        return -1;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)g_opt.port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("slflood: connect 127.0.0.1");
        close(fd);
        return -1;
    }
    if (type == SOCK_DGRAM) {
        int sz = 4 * 1024 * 1024;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    }
    if (g_opt.transport == T_TLS && tls_start(fd) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Ends the connection: TLS close_notify first (so the receiver sees a clean end). */
static void close_conn(int fd)
{
    if (t_tls != NULL) {
        if (!t_bye_done) {
            gnutls_bye(t_tls, GNUTLS_SHUT_WR);
        }
        gnutls_deinit(t_tls);
        t_tls = NULL;
    }
    t_bye_done = 0;
    close(fd);
}

/* After the last write (TCP, octet, TLS): end our side (FIN, or close_notify then FIN) and
 * wait up to -W seconds for the receiver to close.  A receiver that took everything closes
 * after reading our end: end of stream (or close_notify), every byte acknowledged by its
 * TCP.  A refusal shows as a reset, a TLS alert (TLS 1.3 refuses a client certificate only
 * after the client's handshake is done, so the writes "succeed"), or a close before its
 * TCP acknowledged what we wrote (a connection accepted and closed at once: the kernel
 * took the writes, the receiver never read them).  Returns 0, or -1 with why filled.
 * No close within the wait is not a failure (a receiver may keep a session open). */
static int finish_conn(int fd, char *why, size_t whylen)
{
    int tls_closed = 0, eof = 0;
    if (t_tls != NULL) {
        int rc;
        do {
            rc = gnutls_bye(t_tls, GNUTLS_SHUT_WR);
        } while (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED);
        t_bye_done = 1;
        if (rc < 0) {
            snprintf(why, whylen, "TLS close: %s", gnutls_strerror(rc));
            return -1;
        }
    }
    if (shutdown(fd, SHUT_WR) != 0) {
        snprintf(why, whylen, "shutdown: %s", strerror(errno));
        return -1;
    }
    double end = now_sec() + g_opt.close_wait;
    char buf[4096];
    while (!eof) {
        double left = end - now_sec();
        if (left <= 0) {
            return 0;   /* still open: nothing says it was refused */
        }
        int pending = t_tls != NULL && gnutls_record_check_pending(t_tls) > 0;
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (!pending && poll(&pfd, 1, (int)(left * 1000) + 1) <= 0) {
            continue;
        }
        if (t_tls != NULL) {
            ssize_t n = gnutls_record_recv(t_tls, buf, sizeof buf);
            if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || n > 0
                || n == GNUTLS_E_REHANDSHAKE) {
                continue;
            }
            if (n == 0) {
                tls_closed = 1;
                eof = 1;
            } else if (n == GNUTLS_E_PREMATURE_TERMINATION) {
                eof = 1;     /* TCP end without close_notify: judged by the TCP state */
            } else {
                if (n == GNUTLS_E_FATAL_ALERT_RECEIVED || n == GNUTLS_E_WARNING_ALERT_RECEIVED) {
                    snprintf(why, whylen, "TLS alert from the receiver: %s",
                             gnutls_alert_get_name(gnutls_alert_get(t_tls)));
                } else {
                    snprintf(why, whylen, "TLS: %s", gnutls_strerror((int)n));
                }
                return -1;
            }
        } else {
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN))) {
                continue;
            }
            if (n < 0) {
                snprintf(why, whylen, "%s by the receiver",
                         errno == ECONNRESET ? "reset" : strerror(errno));
                return -1;
            }
            eof = 1;
        }
    }
    (void)tls_closed;
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err != 0) {
        snprintf(why, whylen, "%s by the receiver", err == ECONNRESET ? "reset" : strerror(err));
        return -1;
    }
    int outq = 0;
    if (ioctl(fd, SIOCOUTQ, &outq) == 0 && outq > 1) {
        /* our FIN itself takes one unit of the queue until it is acknowledged */
        snprintf(why, whylen, "closed by the receiver before it acknowledged %d bytes", outq);
        return -1;
    }
    return 0;
}

/* Writes len bytes (through this thread's TLS session, if any); on an error returns -1 with
 * *done (if given) set to the bytes the kernel (or TLS) took. */
static int write_all_n(int fd, const char *buf, size_t len, size_t *done)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n;
        if (t_tls != NULL) {
            n = gnutls_record_send(t_tls, buf + off, len - off);
            if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
                continue;
            }
            if (n < 0) {
                fprintf(stderr, "slflood: TLS send: %s\n", gnutls_strerror((int)n));
                if (done != NULL) {
                    *done = off;
                }
                errno = EIO;
                return -1;
            }
            off += (size_t)n;
            continue;
        }
        n = write(fd, buf + off, len - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            if (done != NULL) {
                *done = off;
            }
            errno = e;
            return -1;
        }
        off += (size_t)n;
    }
    if (done != NULL) {
        *done = off;
    }
    return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
    if (write_all_n(fd, buf, len, NULL) != 0) {
        perror("slflood: write");
        return -1;
    }
    return 0;
}

/* Complete frames in the first len bytes of a buffer of framed messages. */
static long complete_frames(const char *buf, size_t len)
{
    long n = 0;
    size_t pos = 0;
    if (g_opt.transport == T_OCTET || g_opt.transport == T_TLS) {
        for (;;) {
            size_t p = pos, cnt = 0;
            while (p < len && buf[p] >= '0' && buf[p] <= '9') {
                cnt = cnt * 10 + (size_t)(buf[p] - '0');
                p++;
            }
            if (p >= len || buf[p] != ' ' || p + 1 + cnt > len) {
                return n;
            }
            pos = p + 1 + cnt;
            n++;
        }
    }
    for (; pos < len; pos++) {
        n += buf[pos] == '\n';
    }
    return n;
}

/* UDP: one datagram per message, sent in batches with sendmmsg.  Datagrams refused
 * (ECONNREFUSED from an earlier ICMP) are retried once, then counted as failures. */
static int send_udp_batch(int fd, struct mmsghdr *msgs, unsigned int cnt)
{
    unsigned int done = 0;
    int tries = 0;
    while (done < cnt) {
        int n = sendmmsg(fd, msgs + done, cnt - done, 0);
        if (n < 0) {
            if ((errno == EINTR || errno == ENOBUFS || errno == EAGAIN ||
                 errno == ECONNREFUSED) && tries++ < 100) {
                sleep_sec(0.001);
                continue;
            }
            perror("slflood: sendmmsg");
            return -1;
        }
        done += (unsigned int)n;
    }
    return 0;
}

/* Complete messages of connection conn within its first bytes bytes on the wire (the
 * messages are formatted again: their lengths are deterministic within one run). */
static long frames_within(int conn, uint64_t bytes, long count)
{
    size_t slot = 128 + (size_t)g_opt.pad + 32 + (g_opt.json_every > 0 ? 64 : 0);
    char *msg = malloc(slot), *framed = malloc(slot + 32);
    uint64_t pos = 0;
    long n = 0;
    while (msg != NULL && framed != NULL && n < count) {
        size_t len = format_msg(msg, slot, conn, n + 1);
        size_t fl = frame_msg(framed, slot + 32, msg, len);
        if (fl == 0 || pos + fl > bytes) {
            break;
        }
        pos += fl;
        n++;
    }
    free(msg);
    free(framed);
    return n;
}

/* Paces a sender: before message number `sent` it must not run ahead of the rate. */
static void pace(double start, long sent, double per_conn_rate)
{
    if (per_conn_rate <= 0) {
        return;
    }
    double due = start + (double)sent / per_conn_rate;
    double now = now_sec();
    if (due > now) {
        sleep_sec(due - now);
    }
}

static void *run_generated(void *arg)
{
    struct sender *s = arg;
    double per_conn_rate = g_opt.rate > 0 ? g_opt.rate / g_opt.conns : 0;
    size_t slot = 128 + (size_t)g_opt.pad + 32 + (g_opt.json_every > 0 ? 64 : 0) +
                  (g_npayload > 0 ? g_payload_max + 1 : 0);
    int fd = open_socket();
    if (fd < 0) {
        s->failed = 1;
        return NULL;
    }
    char *buf = malloc(SL_BUF_SIZE > slot * SL_UDP_BATCH ? SL_BUF_SIZE : slot * SL_UDP_BATCH);
    char *msg = malloc(slot);
    if (buf == NULL || msg == NULL) {
        s->failed = 1;
        goto out;
    }
    size_t bufcap = SL_BUF_SIZE > slot * SL_UDP_BATCH ? SL_BUF_SIZE : slot * SL_UDP_BATCH;
    /* with a rate, write small chunks so pacing stays smooth */
    long chunk = per_conn_rate > 0 && per_conn_rate < 10000 ? 1 : SL_UDP_BATCH;
    double start = now_sec();
    long num = 1;
    while (num <= s->count) {
        pace(start, num - 1, per_conn_rate);
        if (g_opt.transport == T_UDP) {
            struct mmsghdr msgs[SL_UDP_BATCH];
            struct iovec iov[SL_UDP_BATCH];
            unsigned int cnt = 0;
            memset(msgs, 0, sizeof(msgs));
            while (cnt < chunk && num <= s->count) {
                char *dst = buf + cnt * slot;
                size_t len = format_msg(dst, slot, s->id, num);
                iov[cnt].iov_base = dst;
                iov[cnt].iov_len = len;
                msgs[cnt].msg_hdr.msg_iov = &iov[cnt];
                msgs[cnt].msg_hdr.msg_iovlen = 1;
                cnt++;
                num++;
            }
            if (send_udp_batch(fd, msgs, cnt) != 0) {
                s->failed = 1;
                break;
            }
            s->sent += cnt;
        } else {
            size_t used = 0;
            long in_buf = 0;
            long limit = per_conn_rate > 0 ? chunk : s->count;
            while (num <= s->count && in_buf < limit && used + slot + 16 <= bufcap) {
                size_t len = format_msg(msg, slot, s->id, num);
                used += frame_msg(buf + used, bufcap - used, msg, len);
                num++;
                in_buf++;
            }
            size_t wrote = 0;
            if (write_all_n(fd, buf, used, &wrote) != 0) {
                s->err = errno;
                s->sent += complete_frames(buf, wrote);
                s->bytes += wrote;
                int outq = -1;
                if (ioctl(fd, SIOCOUTQ, &outq) == 0 && outq >= 0 && (uint64_t)outq <= s->bytes) {
                    s->acked = frames_within(s->id, s->bytes - (uint64_t)outq, s->count);
                }
                s->failed = 1;
                break;
            }
            s->bytes += used;
            s->sent += in_buf;
        }
    }
    if (!s->failed && g_opt.transport != T_UDP && finish_conn(fd, s->why, sizeof s->why) != 0) {
        int outq = -1;
        if (ioctl(fd, SIOCOUTQ, &outq) == 0 && outq >= 0 && (uint64_t)outq <= s->bytes) {
            s->acked = frames_within(s->id, s->bytes - (uint64_t)outq, s->count);
        }
        s->failed = 1;
    }
out:
    free(buf);
    free(msg);
    close_conn(fd);
    return NULL;
}

static int load_input(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return -1;
    }
    g_input_len = (size_t)st.st_size;
    g_input_data = malloc(g_input_len + 1);
    if (g_input_data == NULL || fread(g_input_data, 1, g_input_len, f) != g_input_len) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

/* -P FILE: keeps the non-empty lines (LF removed) for format_msg. */
static int load_payload(const char *path)
{
    if (load_input(path) != 0) {
        return -1;
    }
    for (char *line = strtok(g_input_data, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char **tmp = realloc(g_payload, (g_npayload + 1) * sizeof(*g_payload));
        if (tmp == NULL) {
            return -1;
        }
        g_payload = tmp;
        g_payload[g_npayload++] = line;
        if (strlen(line) > g_payload_max) {
            g_payload_max = strlen(line);
        }
    }
    if (g_npayload == 0) {
        fprintf(stderr, "slflood: %s has no lines\n", path);
        return -1;
    }
    return 0;
}

/* -i FILE: every line (LF removed) is one message, sent in order on one socket. */
static int run_input(void)
{
    int fd = open_socket();
    if (fd < 0) {
        return 1;
    }
    double per_sec = g_opt.rate;
    double start = now_sec();
    long sent = 0;
    size_t pos = 0;
    int rc = 0;
    size_t fcap = 64;
    char *framed = NULL;
    while (pos < g_input_len) {
        char *nl = memchr(g_input_data + pos, '\n', g_input_len - pos);
        size_t len = nl != NULL ? (size_t)(nl - (g_input_data + pos)) : g_input_len - pos;
        pace(start, sent, per_sec);
        if (g_opt.transport == T_UDP) {
            if (send(fd, g_input_data + pos, len, 0) < 0) {
                perror("slflood: send");
                rc = 1;
                break;
            }
        } else {
            if (fcap < len + 32) {
                fcap = len + 32;
            }
            char *tmp = realloc(framed, fcap);
            if (tmp == NULL) {
                rc = 1;
                break;
            }
            framed = tmp;
            size_t flen = frame_msg(framed, fcap, g_input_data + pos, len);
            if (write_all(fd, framed, flen) != 0) {
                rc = 1;
                break;
            }
        }
        sent++;
        pos += len + (nl != NULL ? 1 : 0);
    }
    free(framed);
    char why[160] = "";
    if (rc == 0 && g_opt.transport != T_UDP && finish_conn(fd, why, sizeof why) != 0) {
        fprintf(stderr, "slflood: %s\n", why);
        rc = 1;
    }
    close_conn(fd);
    if (g_opt.verbose) {
        fprintf(stderr, "slflood: sent %ld lines from %s\n", sent, g_opt.input);
    }
    return rc;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);  /* a closed connection is a write error, reported */
    if (g_opt.transport == T_TLS && tls_init() != 0) {
        return 1;
    }
    if (g_opt.input != NULL) {
        if (load_input(g_opt.input) != 0) {
            return 1;
        }
        int rc = run_input();
        free(g_input_data);
        return rc;
    }
    if (g_opt.payload != NULL && load_payload(g_opt.payload) != 0) {
        return 1;
    }
    make_stamp();
    struct sender *s = calloc((size_t)g_opt.conns, sizeof(*s));
    if (s == NULL) {
        return 1;
    }
    double start = now_sec();
    for (int i = 0; i < g_opt.conns; i++) {
        s[i].opt = &g_opt;
        s[i].id = i;
        s[i].acked = -1;
        s[i].count = g_opt.total / g_opt.conns + (i < g_opt.total % g_opt.conns ? 1 : 0);
        if (pthread_create(&s[i].thread, NULL, run_generated, &s[i]) != 0) {
            fprintf(stderr, "slflood: cannot start thread %d\n", i);
            return 1;
        }
    }
    long sent = 0;
    int failed = 0;
    for (int i = 0; i < g_opt.conns; i++) {
        pthread_join(s[i].thread, NULL);
        sent += s[i].sent;
        failed |= s[i].failed;
    }
    for (int i = 0; i < g_opt.conns; i++) {
        if (s[i].failed || g_opt.verbose) {
            char ack[64] = "";
            if (s[i].acked >= 0) {
                snprintf(ack, sizeof ack, ", %ld acknowledged", s[i].acked);
            }
            fprintf(stderr, "slflood: connection %d: wrote %ld of %ld messages%s%s%s%s%s\n", i,
                    s[i].sent, s[i].count, ack, s[i].err != 0 ? ": " : "",
                    s[i].err != 0 ? strerror(s[i].err) : "", s[i].why[0] != '\0' ? ": " : "",
                    s[i].why);
        }
    }
    double secs = now_sec() - start;
    fprintf(stderr, "slflood: sent %ld of %ld messages on %d connection(s) in %.3f s (%.0f msg/s)\n",
            sent, g_opt.total, g_opt.conns, secs, secs > 0 ? (double)sent / secs : 0.0);
    free(s);
    if (g_cred != NULL) {
        gnutls_certificate_free_credentials(g_cred);
    }
    free(g_payload);
    free(g_input_data);
    return failed || sent != g_opt.total ? 1 : 0;
}
