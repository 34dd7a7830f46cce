/* slsink - the benchmark's ceiling: a raw socket-to-file receiver.
 *
 * Listens on 127.0.0.1:PORT and appends what arrives to FILE, one message per line:
 *   -t tcp    LF-framed TCP: bytes are copied through, whole lines only (a partial line
 *             stays in its connection's buffer, so lines of different connections never
 *             interleave)
 *   -t octet  RFC 6587 octet-counted TCP: each "LEN SP MSG" frame becomes "MSG\n"
 *   -t udp    one datagram = one line (LF appended unless it ends with one)
 *   -t tls    LF-framed TCP inside TLS (GnuTLS server, -C CERT -K KEY, no client
 *             certificate asked): the receiver of the tls_forward scenario, since omfwd
 *             over TLS frames as over TCP.  Handshake and records are non-blocking in
 *             the same epoll loop.
 * It parses nothing else: this is what "receive and write to a file" costs at least.
 * Single-threaded, epoll (TCP) or recvmmsg (UDP).  Output is written once per event-loop
 * round, so the file holds every complete message as soon as the input goes quiet.
 * Exits on SIGTERM/SIGINT (flushing first) or after -T SECONDS (default 900).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#define SINK_MAX_CONNS 1024
#define SINK_RDBUF (256 * 1024)
#define SINK_OUTBUF (4 * 1024 * 1024)
#define SINK_UDP_BATCH 64
#define SINK_UDP_MAX 65536

enum mode { M_TCP, M_OCTET, M_UDP, M_TLS };

struct conn {
    int fd;
    char *buf;     /* SINK_RDBUF bytes; [0, len) not yet written */
    size_t len;
    gnutls_session_t tls;   /* -t tls: the session (NULL otherwise) */
    int hs_done;            /* -t tls: handshake finished */
};
static gnutls_certificate_credentials_t g_cred;

static volatile sig_atomic_t g_stop;
static int g_out = -1;
static char *g_obuf;
static size_t g_olen;
static long g_bad_frames;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: slsink -p PORT -o FILE [-t tcp|octet|udp|tls] [-C CERT -K KEY] [-T MAXSECONDS]\n");
    exit(2);
}

static int flush_out(void)
{
    size_t off = 0;
    while (off < g_olen) {
        ssize_t n = write(g_out, g_obuf + off, g_olen - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("slsink: write");
            return -1;
        }
        off += (size_t)n;
    }
    g_olen = 0;
    return 0;
}

static int out_append(const char *p, size_t n, int add_lf)
{
    if (g_olen + n + 1 > SINK_OUTBUF && flush_out() != 0) {
        return -1;
    }
    if (n + 1 > SINK_OUTBUF) {     /* cannot happen with our buffer sizes */
        return -1;
    }
    memcpy(g_obuf + g_olen, p, n);
    g_olen += n;
    if (add_lf) {
        g_obuf[g_olen++] = '\n';
    }
    return 0;
}

/* Moves complete messages from c->buf to the output; keeps the incomplete rest. */
static int drain_conn(struct conn *c, enum mode m)
{
    size_t used = 0;
    if (m == M_TCP || m == M_TLS) {
        char *last = memrchr(c->buf, '\n', c->len);
        if (last != NULL) {
            used = (size_t)(last - c->buf) + 1;
            if (out_append(c->buf, used, 0) != 0) {
                return -1;
            }
        }
    } else {
        for (;;) {
            size_t i = used, frame = 0;
            while (i < c->len && c->buf[i] >= '0' && c->buf[i] <= '9' && i - used < 9) {
                frame = frame * 10 + (size_t)(c->buf[i] - '0');
                i++;
            }
            if (i == c->len) {
                break;                        /* length not complete yet */
            }
            if (i == used || c->buf[i] != ' ' || frame == 0 || frame > SINK_RDBUF - 16) {
                g_bad_frames++;               /* not octet framing: drop the connection */
                return -1;
            }
            if (c->len - (i + 1) < frame) {
                break;                        /* message not complete yet */
            }
            if (out_append(c->buf + i + 1, frame, 1) != 0) {
                return -1;
            }
            used = i + 1 + frame;
        }
    }
    if (used > 0) {
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
    }
    return 0;
}

static int listen_on(int port, int type)
{
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) {
        perror("slsink: socket");
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (type == SOCK_DGRAM) {
        int sz = 4 * 1024 * 1024;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
        }
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("slsink: bind 127.0.0.1");
        close(fd);
        return -1;
    }
    if (type == SOCK_STREAM && listen(fd, 128) != 0) {
        perror("slsink: listen");
        close(fd);
        return -1;
    }
    return fd;
}

static int run_udp(int fd)
{
    static char bufs[SINK_UDP_BATCH][SINK_UDP_MAX];
    struct mmsghdr msgs[SINK_UDP_BATCH];
    struct iovec iov[SINK_UDP_BATCH];
    struct timespec tmo = { 0, 200 * 1000 * 1000 };
    struct timeval rto = { 0, 200 * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rto, sizeof rto);
    while (!g_stop) {
        memset(msgs, 0, sizeof msgs);
        for (int i = 0; i < SINK_UDP_BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = SINK_UDP_MAX;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs, SINK_UDP_BATCH, MSG_WAITFORONE, &tmo);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            perror("slsink: recvmmsg");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            size_t len = msgs[i].msg_len;
            int lf = len == 0 || bufs[i][len - 1] != '\n';
            if (out_append(bufs[i], len, lf) != 0) {
                return 1;
            }
        }
        if (flush_out() != 0) {
            return 1;
        }
    }
    return 0;
}

/* -t tls: a non-blocking server session on c->fd. */
static int tls_accept(struct conn *c)
{
    int fl = fcntl(c->fd, F_GETFL);
    if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        return -1;
    }
    if (gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK) != GNUTLS_E_SUCCESS) {
        c->tls = NULL;
        return -1;
    }
    if (gnutls_set_default_priority(c->tls) != GNUTLS_E_SUCCESS ||
        gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, g_cred) != GNUTLS_E_SUCCESS) {
        gnutls_deinit(c->tls);
        c->tls = NULL;
        return -1;
    }
    gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_IGNORE);
    gnutls_transport_set_int(c->tls, c->fd);
    c->hs_done = 0;
    return 0;
}

/* -t tls: advances the handshake or reads one record into c->buf.  Returns the bytes
 * read, 0 at the end, -1 on an error, -2 when there is nothing to take yet. */
static ssize_t tls_read(struct conn *c)
{
    if (!c->hs_done) {
        int rc = gnutls_handshake(c->tls);
        if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
            return -2;
        }
        if (rc < 0) {
            if (gnutls_error_is_fatal(rc)) {
                fprintf(stderr, "slsink: TLS handshake: %s\n", gnutls_strerror(rc));
                return -1;
            }
            return -2;
        }
        c->hs_done = 1;
    }
    ssize_t r = gnutls_record_recv(c->tls, c->buf + c->len, SINK_RDBUF - c->len);
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
        return -2;
    }
    if (r < 0 && !gnutls_error_is_fatal((int)r)) {
        return -2;                  /* a warning alert, a rehandshake request: ignored */
    }
    return r < 0 ? -1 : r;
}

static int run_tcp(int lfd, enum mode m)
{
    static struct conn conns[SINK_MAX_CONNS];
    int ep = epoll_create1(0);
    if (ep < 0) {
        perror("slsink: epoll_create1");
        return 1;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    for (int i = 0; i < SINK_MAX_CONNS; i++) {
        conns[i].fd = -1;
    }
    int rc = 0;
    while (!g_stop) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, 200);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("slsink: epoll_wait");
            rc = 1;
            break;
        }
        for (int e = 0; e < n; e++) {
            if (evs[e].data.u32 == UINT32_MAX) {
                int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (cfd < 0) {
                    continue;
                }
                int slot = -1;
                for (int i = 0; i < SINK_MAX_CONNS && slot < 0; i++) {
                    if (conns[i].fd < 0) {
                        slot = i;
                    }
                }
                if (slot < 0 || (conns[slot].buf == NULL &&
                                 (conns[slot].buf = malloc(SINK_RDBUF)) == NULL)) {
                    close(cfd);
                    continue;
                }
                conns[slot].fd = cfd;
                conns[slot].len = 0;
                if (m == M_TLS && tls_accept(&conns[slot]) != 0) {
                    close(cfd);
                    conns[slot].fd = -1;
                    continue;
                }
                struct epoll_event cev = { .events = EPOLLIN, .data.u32 = (uint32_t)slot };
                epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
                continue;
            }
            struct conn *c = &conns[evs[e].data.u32];
            if (c->fd < 0) {
                continue;
            }
            ssize_t r;
            int closing = 0;
        again:
            if (c->tls != NULL) {
                r = tls_read(c);
                if (r == -2) {
                    continue;           /* handshake going on, or no whole record yet */
                }
            } else {
                r = read(c->fd, c->buf + c->len, SINK_RDBUF - c->len);
                if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
                    continue;
                }
            }
            closing = r <= 0;
            if (r > 0) {
                c->len += (size_t)r;
                if (drain_conn(c, m) != 0) {
                    closing = 1;
                } else if (c->len == SINK_RDBUF) {
                    /* a line longer than the buffer: pass it through as it is */
                    if (out_append(c->buf, c->len, 1) != 0) {
                        rc = 1;
                        break;
                    }
                    c->len = 0;
                }
                if (!closing && c->tls != NULL && gnutls_record_check_pending(c->tls) > 0) {
                    goto again;         /* GnuTLS holds decrypted bytes epoll cannot see */
                }
            }
            if (closing) {
                if (c->len > 0 && (m == M_TCP || m == M_TLS)) {
                    out_append(c->buf, c->len, 1);   /* last line without LF */
                }
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                if (c->tls != NULL) {
                    gnutls_deinit(c->tls);
                    c->tls = NULL;
                }
                close(c->fd);
                c->fd = -1;
                c->len = 0;
            }
        }
        if (rc != 0 || flush_out() != 0) {
            rc = 1;
            break;
        }
    }
    for (int i = 0; i < SINK_MAX_CONNS; i++) {
        if (conns[i].fd >= 0) {
            close(conns[i].fd);
        }
        if (conns[i].tls != NULL) {
            gnutls_deinit(conns[i].tls);
        }
        free(conns[i].buf);
    }
    close(ep);
    return rc;
}

int main(int argc, char **argv)
{
    int port = 0, opt;
    long max_secs = 900;
    const char *out = NULL;
    enum mode m = M_TCP;
    const char *cert = NULL, *key = NULL;
    while ((opt = getopt(argc, argv, "p:o:t:T:C:K:")) != -1) {
        switch (opt) {
        case 'C': cert = optarg; break;
        case 'K': key = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'o': out = optarg; break;
        case 'T': max_secs = atol(optarg); break;
        case 't':
            if (strcmp(optarg, "tcp") == 0) {
                m = M_TCP;
            } else if (strcmp(optarg, "octet") == 0) {
                m = M_OCTET;
            } else if (strcmp(optarg, "udp") == 0) {
                m = M_UDP;
            } else if (strcmp(optarg, "tls") == 0) {
                m = M_TLS;
            } else {
                usage();
            }
            break;
        default: usage();
        }
    }
    if (port <= 0 || port > 65535 || out == NULL || optind != argc || max_secs <= 0 ||
        (m == M_TLS && (cert == NULL || key == NULL))) {
        usage();
    }
    if (m == M_TLS) {
        int rc = gnutls_certificate_allocate_credentials(&g_cred);
        if (rc == GNUTLS_E_SUCCESS) {
            rc = gnutls_certificate_set_x509_key_file(g_cred, cert, key, GNUTLS_X509_FMT_PEM);
        }
        if (rc < 0) {
            fprintf(stderr, "slsink: %s / %s: %s\n", cert, key, gnutls_strerror(rc));
            return 1;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    alarm((unsigned int)max_secs);
    g_obuf = malloc(SINK_OUTBUF);
    g_out = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (g_obuf == NULL || g_out < 0) {
        perror(out);
        return 1;
    }
    int fd = listen_on(port, m == M_UDP ? SOCK_DGRAM : SOCK_STREAM);
    if (fd < 0) {
        return 1;
    }
    int rc = m == M_UDP ? run_udp(fd) : run_tcp(fd, m);
    if (flush_out() != 0) {
        rc = 1;
    }
    close(fd);
    close(g_out);
    free(g_obuf);
    if (g_cred != NULL) {
        gnutls_certificate_free_credentials(g_cred);
    }
    if (g_bad_frames > 0) {
        fprintf(stderr, "slsink: %ld connection(s) dropped for bad octet framing\n", g_bad_frames);
    }
    return rc;
}
