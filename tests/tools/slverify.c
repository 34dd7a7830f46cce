/* slverify - checks output written from slflood traffic.
 *
 * Reads the given files (or stdin with no file), finds "seq=<conn>:<num>" in each line and
 * reports how many messages are missing, duplicated or out of order per connection.  The
 * expected numbers are 1..count per connection, where the counts follow slflood's split
 * of -n TOTAL over -c CONNS.  Exit status: 0 all good, 1 a problem was found (unless
 * allowed with -m / -d / -o), 2 usage or I/O error.  With -p (prefix mode, for streams
 * cut short, e.g. by SIGTERM) a connection may end early: its numbers must form 1..K with
 * no hole, and only holes count as missing; the numbers after K are reported as "tail".
 * Single-threaded.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SL_MAX_CONNS 1024

struct conn_state {
    long expected;     /* messages expected on this connection */
    uint8_t *seen;     /* seen[num] = times seen (saturating), index 1..expected */
    long last;         /* highest number seen so far in the current file */
    long dups;
    long reordered;
    long received;
    long out_of_range;
};

static struct conn_state g_conn[SL_MAX_CONNS];
static long g_lines_without_seq;

static void usage(void)
{
    fprintf(stderr,
            "usage: slverify -n TOTAL [-c CONNS] [-m] [-d] [-o] [-p] [-q] [FILE...]\n"
            "  -n TOTAL  messages slflood sent in total; -c CONNS its connection count\n"
            "  -m        missing messages are not an error (still reported)\n"
            "  -d        duplicates are not an error (still reported)\n"
            "  -o        reordering is not an error (still reported)\n"
            "  -p        prefix mode: per connection 1..K without holes is complete; the\n"
            "            numbers after the highest received are counted as tail, not missing\n"
            "  -q        only the summary line\n"
            "Prints: received=R unique=U missing=M duplicates=D reordered=O foreign=F\n"
            "        (with -p also tail=T)\n");
    exit(2);
}

static long parse_long(const char *s, long min, long max)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "slverify: bad number '%s'\n", s);
        usage();
    }
    return v;
}

/* Parses "seq=C:N" somewhere in line; returns 0 and fills conn/num on success. */
static int find_seq(const char *line, long *conn, long *num)
{
    const char *p = line;
    while ((p = strstr(p, "seq=")) != NULL) {
        char *end = NULL;
        p += 4;
        long c = strtol(p, &end, 10);
        if (end != p && *end == ':') {
            const char *q = end + 1;
            long n = strtol(q, &end, 10);
            if (end != q && c >= 0 && n >= 0) {
                *conn = c;
                *num = n;
                return 0;
            }
        }
    }
    return -1;
}

static void account(long c, long n)
{
    if (c >= SL_MAX_CONNS || g_conn[c].seen == NULL || n < 1 || n > g_conn[c].expected) {
        if (c < SL_MAX_CONNS) {
            g_conn[c].out_of_range++;
        } else {
            g_lines_without_seq++;
        }
        return;
    }
    struct conn_state *cs = &g_conn[c];
    cs->received++;
    if (cs->seen[n] > 0) {
        cs->dups++;
    } else if (n < cs->last) {
        cs->reordered++;
    }
    if (cs->seen[n] < 255) {
        cs->seen[n]++;
    }
    if (n > cs->last) {
        cs->last = n;
    }
}

static int read_stream(FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    for (int i = 0; i < SL_MAX_CONNS; i++) {
        g_conn[i].last = 0;  /* order is only meaningful inside one file */
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        long c, n;
        if (find_seq(line, &c, &n) == 0) {
            account(c, n);
        } else {
            g_lines_without_seq++;
        }
    }
    free(line);
    return ferror(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
    long total = -1;
    long conns = 1;
    int allow_missing = 0, allow_dups = 0, allow_reorder = 0, quiet = 0, prefix = 0;
    int opt;
    while ((opt = getopt(argc, argv, "n:c:mdopq")) != -1) {
        switch (opt) {
        case 'n': total = parse_long(optarg, 0, 1000000000L); break;
        case 'c': conns = parse_long(optarg, 1, SL_MAX_CONNS); break;
        case 'm': allow_missing = 1; break;
        case 'd': allow_dups = 1; break;
        case 'o': allow_reorder = 1; break;
        case 'p': prefix = 1; break;
        case 'q': quiet = 1; break;
        default: usage();
        }
    }
    if (total < 0) {
        usage();
    }
    for (long i = 0; i < conns; i++) {
        g_conn[i].expected = total / conns + (i < total % conns ? 1 : 0);
        g_conn[i].seen = calloc((size_t)g_conn[i].expected + 1, 1);
        if (g_conn[i].seen == NULL) {
            fprintf(stderr, "slverify: out of memory\n");
            return 2;
        }
    }
    if (optind == argc) {
        if (read_stream(stdin) != 0) {
            return 2;
        }
    }
    for (int i = optind; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        if (f == NULL) {
            fprintf(stderr, "slverify: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        int rc = read_stream(f);
        fclose(f);
        if (rc != 0) {
            fprintf(stderr, "slverify: %s: read error\n", argv[i]);
            return 2;
        }
    }
    long received = 0, unique = 0, missing = 0, dups = 0, reordered = 0, foreign = 0, tail = 0;
    foreign = g_lines_without_seq;
    for (long i = 0; i < conns; i++) {
        struct conn_state *cs = &g_conn[i];
        long first_missing = 0, conn_missing = 0, end = cs->expected;
        if (prefix) {
            while (end > 0 && cs->seen[end] == 0) {
                end--;
            }
            tail += cs->expected - end;
        }
        for (long n = 1; n <= end; n++) {
            if (cs->seen[n] == 0) {
                if (conn_missing++ == 0) {
                    first_missing = n;
                }
            }
        }
        received += cs->received;
        unique += end - conn_missing;
        missing += conn_missing;
        dups += cs->dups;
        reordered += cs->reordered;
        foreign += cs->out_of_range;
        if (!quiet && (conn_missing || cs->dups || cs->reordered || cs->out_of_range)) {
            fprintf(stderr, "slverify: connection %ld: expected %ld, missing %ld (first %ld), "
                    "duplicates %ld, reordered %ld, out of range %ld\n", i, cs->expected,
                    conn_missing, first_missing, cs->dups, cs->reordered, cs->out_of_range);
        }
        if (!quiet && prefix) {
            fprintf(stderr, "slverify: connection %ld: prefix 1..%ld of %ld\n", i, end,
                    cs->expected);
        }
        free(cs->seen);
    }
    printf("received=%ld unique=%ld missing=%ld duplicates=%ld reordered=%ld foreign=%ld",
           received, unique, missing, dups, reordered, foreign);
    if (prefix) {
        printf(" tail=%ld", tail);
    }
    printf("\n");
    int bad = (!allow_missing && missing > 0) || (!allow_dups && dups > 0) || (!allow_reorder && reordered > 0);
    return bad ? 1 : 0;
}
