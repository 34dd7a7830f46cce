/*
 * nfblast.c - flow export replayer for the imnetflow benchmark (bench/nfbench.sh): sends
 * NetFlow v9 or IPFIX datagrams of R records (default 25) to 127.0.0.1:PORT at a given flow
 * rate, from S exporters (source sockets), each with its template first and its own
 * sequence numbers, then prints what it sent.  Records are like a router's: IPv4 addresses
 * (distinct per flow), ports, protocol, TCP flags, bytes, packets, interfaces and start/end
 * times (IPFIX: flowStart/EndMilliseconds; v9: sysUptime-relative 22/21).
 *
 *   nfblast -p PORT [-v 9|10] [-r FLOWS_PER_S] [-n FLOWS] [-R RECORDS] [-s SOURCES]
 *
 * Pacing: datagrams go out in bursts of 8 and the sender sleeps until the schedule catches up
 * (rate 0: as fast as possible).  Prints "sent FLOWS flows in DATAGRAMS datagrams, SECONDS s".
 * Ownership: everything is local to main.  Concurrency & locking: single-threaded.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static size_t put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; return 2; }
static size_t put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xFFFF); return 4; }
static size_t put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)(v >> 32)); put32(p + 4, (uint32_t)v); return 8; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const uint16_t ipfix_f[][2] = { { 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 },
                                       { 6, 1 }, { 1, 4 }, { 2, 4 }, { 10, 4 }, { 14, 4 },
                                       { 152, 8 }, { 153, 8 } };
static const uint16_t v9_f[][2] = { { 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 },
                                    { 6, 1 }, { 1, 4 }, { 2, 4 }, { 10, 4 }, { 14, 4 },
                                    { 22, 4 }, { 21, 4 } };
#define NF 12

int main(int argc, char **argv)
{
    int port = 0, ver = 10, recs = 25, nsrc = 4;
    double rate = 0;
    long long total = 100000;
    int o;
    while ((o = getopt(argc, argv, "p:v:r:n:R:s:")) != -1) {
        switch (o) {
        case 'p': port = atoi(optarg); break;
        case 'v': ver = atoi(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 'n': total = atoll(optarg); break;
        case 'R': recs = atoi(optarg); break;
        case 's': nsrc = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: nfblast -p PORT [-v 9|10] [-r RATE] [-n FLOWS] [-R RECS] [-s SOURCES]\n");
            return 2;
        }
    }
    if (port <= 0 || (ver != 9 && ver != 10) || recs < 1 || recs > 30 || nsrc < 1 || nsrc > 64) {
        fprintf(stderr, "nfblast: bad arguments\n");
        return 2;
    }
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fds[64];
    uint32_t seq[64];
    for (int i = 0; i < nsrc; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        int sb = 4 << 20;
        setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
        if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&to, sizeof to) != 0) {
            perror("nfblast: socket");
            return 1;
        }
        seq[i] = 0;
    }
    const uint16_t (*f)[2] = ver == 10 ? ipfix_f : v9_f;
    uint8_t b[1500];
    uint32_t t0 = (uint32_t)time(NULL);
    /* templates */
    for (int i = 0; i < nsrc; i++) {
        size_t n = 0;
        if (ver == 10) {
            n += put16(b, 10); n += put16(b + n, 0); n += put32(b + n, t0); n += put32(b + n, 0);
            n += put32(b + n, 1);
            n += put16(b + n, 2);
        } else {
            n += put16(b, 9); n += put16(b + n, 1); n += put32(b + n, 1000000); n += put32(b + n, t0);
            n += put32(b + n, seq[i]++); n += put32(b + n, 1);
            n += put16(b + n, 0);
        }
        n += put16(b + n, 4 + 4 + NF * 4);
        n += put16(b + n, 300); n += put16(b + n, NF);
        for (int k = 0; k < NF; k++) {
            n += put16(b + n, f[k][0]);
            n += put16(b + n, f[k][1]);
        }
        if (ver == 10) {
            put16(b + 2, (unsigned)n);
        }
        if (send(fds[i], b, n, 0) < 0) {
            perror("nfblast: send");
        }
    }
    usleep(200000);
    long long sent = 0, dgrams = 0;
    double start = now_s();
    int src = 0;
    uint32_t flowno = 0;
    while (sent < total) {
        int burst = 8;
        while (burst-- > 0 && sent < total) {
            int r = (int)(total - sent < recs ? total - sent : recs);
            size_t n = 0;
            if (ver == 10) {
                n += put16(b, 10); n += put16(b + n, 0); n += put32(b + n, t0);
                n += put32(b + n, seq[src]); n += put32(b + n, 1);
                seq[src] += (uint32_t)r;
            } else {
                n += put16(b, 9); n += put16(b + n, (unsigned)r); n += put32(b + n, 1000000);
                n += put32(b + n, t0); n += put32(b + n, seq[src]++); n += put32(b + n, 1);
            }
            size_t set = n;
            n += put16(b + n, 300);
            n += 2;
            for (int k = 0; k < r; k++) {
                uint32_t fl = flowno++;
                n += put32(b + n, 0x0a000000u | (fl & 0xFFFFFF));      /* 10.x.y.z */
                n += put32(b + n, 0xc6336400u | (fl % 250));           /* 198.51.100.x */
                n += put16(b + n, 1024 + fl % 60000);
                n += put16(b + n, 443);
                b[n++] = 6;
                b[n++] = 0x1b;
                n += put32(b + n, 1000 + fl % 9000);
                n += put32(b + n, 10 + fl % 90);
                n += put32(b + n, 1);
                n += put32(b + n, 2);
                if (ver == 10) {
                    n += put64(b + n, (uint64_t)t0 * 1000 - 5000);
                    n += put64(b + n, (uint64_t)t0 * 1000 - 100);
                } else {
                    n += put32(b + n, 995000);
                    n += put32(b + n, 999900);
                }
            }
            put16(b + set + 2, (unsigned)(n - set));
            if (ver == 10) {
                put16(b + 2, (unsigned)n);
            }
            while (send(fds[src], b, n, 0) < 0) {
                if (errno != ENOBUFS && errno != EAGAIN) {
                    perror("nfblast: send");
                    return 1;
                }
                usleep(50);
            }
            sent += r;
            dgrams++;
            src = (src + 1) % nsrc;
        }
        if (rate > 0) {
            double due = start + (double)sent / rate;
            double d = due - now_s();
            if (d > 0) {
                struct timespec ts = { (time_t)d, (long)((d - (time_t)d) * 1e9) };
                nanosleep(&ts, NULL);
            }
        }
    }
    double el = now_s() - start;
    printf("sent %lld flows in %lld datagrams, %.3f s (%.0f flows/s)\n", sent, dgrams, el,
           el > 0 ? (double)sent / el : 0.0);
    for (int i = 0; i < nsrc; i++) {
        close(fds[i]);
    }
    return 0;
}
