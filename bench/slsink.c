/* slsink - the benchmark's ceiling: a raw socket-to-file receiver.
 *
 * Listens on 127.0.0.1:PORT and appends what arrives to FILE, one message per line:
 *   -t tcp    LF-framed TCP: bytes are copied through, whole lines only (a partial line
 *             stays in its connection's buffer, so lines of different connections never
 *             interleave)
 *   -t octet  RFC 6587 octet-counted TCP: each "LEN SP MSG" frame becomes "MSG\n"
 *   -t udp    one datagram = one line (LF appended unless it ends with one)
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

#define SINK_MAX_CONNS 1024
#define SINK_RDBUF (256 * 1024)
#define SINK_OUTBUF (4 * 1024 * 1024)
#define SINK_UDP_BATCH 64
#define SINK_UDP_MAX 65536

enum mode { M_TCP, M_OCTET, M_UDP };

struct conn {
    int fd;
    char *buf;     /* SINK_RDBUF bytes; [0, len) not yet written */
    size_t len;
};

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
    fprintf(stderr, "usage: slsink -p PORT -o FILE [-t tcp|octet|udp] [-T MAXSECONDS]\n");
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
    if (m == M_TCP) {
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
                struct epoll_event cev = { .events = EPOLLIN, .data.u32 = (uint32_t)slot };
                epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
                continue;
            }
            struct conn *c = &conns[evs[e].data.u32];
            if (c->fd < 0) {
                continue;
            }
            ssize_t r = read(c->fd, c->buf + c->len, SINK_RDBUF - c->len);
            if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
                continue;
            }
            int closing = r <= 0;
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
            }
            if (closing) {
                if (c->len > 0 && m == M_TCP) {
                    out_append(c->buf, c->len, 1);   /* last line without LF */
                }
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
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
    while ((opt = getopt(argc, argv, "p:o:t:T:")) != -1) {
        switch (opt) {
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
            } else {
                usage();
            }
            break;
        default: usage();
        }
    }
    if (port <= 0 || port > 65535 || out == NULL || optind != argc || max_secs <= 0) {
        usage();
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
    if (g_bad_frames > 0) {
        fprintf(stderr, "slsink: %ld connection(s) dropped for bad octet framing\n", g_bad_frames);
    }
    return rc;
}
