/*
 * sltrapsend.c - SNMP trap replay for bench/snmptrap.sh: sends the given datagrams (files
 * holding one captured PDU each, used round-robin) to HOST:PORT over UDP at RATE datagrams
 * per second for SECONDS, in 1 ms ticks with sendmmsg(), and prints how many it sent.
 * Captured v3 PDUs are replayed as they are (same msgID and engine time), which both
 * snmptrapd and sluice accept within the 150 s time window.
 *
 * usage: sltrapsend HOST PORT RATE SECONDS FILE...
 * Ownership & concurrency: a single-threaded tool; everything is freed at exit.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXD 16
#define BURST 1024

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: sltrapsend HOST PORT RATE SECONDS FILE...\n");
        return 2;
    }
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
        fprintf(stderr, "bad host\n");
        return 2;
    }
    double rate = atof(argv[3]), secs = atof(argv[4]);
    static unsigned char data[MAXD][65536];
    size_t len[MAXD], nd = 0;
    for (int i = 5; i < argc && nd < MAXD; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            perror(argv[i]);
            return 1;
        }
        len[nd] = fread(data[nd], 1, sizeof data[nd], f);
        fclose(f);
        nd++;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("socket");
        return 1;
    }
    static struct mmsghdr hdr[BURST];
    static struct iovec iov[BURST];
    double t0 = now(), tend = t0 + secs;
    unsigned long long sent = 0;
    size_t next = 0;
    for (;;) {
        double t = now();
        if (t >= tend) {
            break;
        }
        unsigned long long due = (unsigned long long)((t - t0) * rate);
        while (sent < due) {
            unsigned n = (unsigned)(due - sent > BURST ? BURST : due - sent);
            for (unsigned i = 0; i < n; i++) {
                iov[i].iov_base = data[next];
                iov[i].iov_len = len[next];
                next = (next + 1) % nd;
                memset(&hdr[i], 0, sizeof hdr[i]);
                hdr[i].msg_hdr.msg_iov = &iov[i];
                hdr[i].msg_hdr.msg_iovlen = 1;
            }
            int r = sendmmsg(fd, hdr, n, 0);
            if (r <= 0) {
                break;
            }
            sent += (unsigned)r;
        }
        struct timespec ts = { 0, 500000 };
        nanosleep(&ts, NULL);
    }
    printf("%llu\n", sent);
    return 0;
}
