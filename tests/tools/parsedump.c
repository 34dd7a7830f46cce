/*
 * parsedump.c - development tool: parses syslog messages like sluiced does (RFC 5424, then
 * RFC 3164, rsyslog 8.2302 rules) and prints every property, one "name<TAB>value" line each,
 * with a line "." after each message.  Bytes outside 0x20..0x7e are printed as \xHH.
 *
 *   parsedump [-n] [MESSAGE...]      messages as arguments, or one per line on stdin
 *     -n   DNS off (fromhost = IP), like global(net.enableDNS="off")
 *
 * The peer is 127.0.0.1 and the input name "imudp", as in tests/unit/test_parse.c.
 * Ownership: each message is created and released per line.  No threads.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "parse/parse.h"


static void put_escaped(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e || c == '\\') {
            printf("\\x%02x", c);
        } else {
            putchar(c);
        }
    }
}

static void dump(const char *raw, size_t len)
{
    static const char *const props[] = {
        "pri", "pri-text", "syslogfacility", "syslogfacility-text", "syslogseverity",
        "syslogseverity-text", "timereported", "timegenerated", "hostname", "fromhost",
        "fromhost-ip", "syslogtag", "programname", "app-name", "procid", "msgid",
        "structured-data", "protocol-version", "inputname", "msg", "rawmsg",
        "rawmsg-after-pri", "jsonmesg"
    };
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(514);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct sl_msg *m = sl_msg_new(raw, len);
    sl_msg_set_peer(m, (struct sockaddr *)&sin, sizeof(sin));
    m->inputname = "imudp";
    sl_msg_parse(m, NULL);
    for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
        struct sl_propref ref;
        if (sl_propref_parse(props[i], strlen(props[i]), &ref) != 0) {
            continue;
        }
        char tmp[SL_PROP_TMP];
        char *tf = NULL;
        size_t n;
        const char *v = sl_msg_prop(m, &ref, &n, tmp, &tf);
        printf("%s\t", props[i]);
        put_escaped(v, n);
        putchar('\n');
        free(tf);
        sl_propref_clear(&ref);
    }
    struct sl_time t;
    char b[64];
    sl_time_format(sl_msg_time(m, SL_PROP_TIMEREPORTED, &t), SL_DATE_RFC3339, b);
    printf("timereported-rfc3339\t%s\n.\n", b);
    sl_msg_unref(m);
}

int main(int argc, char **argv)
{
    int i = 1;
    if (i < argc && strcmp(argv[i], "-n") == 0) {
        sl_msg_set_dns(0);
        i++;
    }
    if (i < argc) {
        for (; i < argc; i++) {
            dump(argv[i], strlen(argv[i]));
        }
        return 0;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n') {
            n--;
        }
        dump(line, (size_t)n);
    }
    free(line);
    return 0;
}
