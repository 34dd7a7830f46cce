/*
 * imsnmptrap.c - the imsnmptrap input plugin: SNMP notifications (v1 Trap-PDU, v2c/v3
 * SNMPv2-Trap and InformRequest) received natively on UDP, one sluice message per trap.
 *
 *   input(type="imsnmptrap" address="0.0.0.0" port="162" community=["public"]
 *         format="snmptrapd"|"json" ...)
 *
 * Receive path: open() binds one socket per address (IPv4/IPv6, IP_PKTINFO for the local
 * address snmptrapd shows in its transport string, SO_RXQ_OVFL for kernel drops); run()
 * waits with epoll and reads with recvmmsg() in batches.  Each datagram is decoded by the
 * bounded BER decoder (ber.c); v1/v2c must carry a community from `community` (fail
 * closed: an empty list accepts nothing, acceptAnyCommunity="on" accepts every one); v3 goes
 * through USM (usm.c) with the users from `usmUser` and `snmptrapdConf`.  An inform is
 * answered with a Response PDU (v3: sluice is the authoritative engine).
 *
 * What a trap becomes: msg_new() with the text as raw message, then the ABI 1.4 host calls:
 * msg_set_fields (pri = facility.severity, default daemon.info as snmptrapd's own log
 * lines; tag "snmptrapd:" so rules written for snmptrapd's syslog lines keep matching;
 * time = receive time; hostname left to the core = fromhost, the UDP sender) and
 * msg_json_set_ref for the $!snmp tree (render.c).  %msg% is snmptrapd's default text
 * (format="snmptrapd", byte-compatible with `snmptrapd -n -On -Lf FILE`, its final newline
 * dropped as an output adds one) or the JSON tree (format="json", spaced as %$!snmp%).
 *
 * Counters (owner "imsnmptrap", instance "imsnmptrap(PORT)"): datagrams, traps, informs.answered,
 * submitted, dropped (queue full), malformed, bad.version, bad.pdu, bad.community,
 * unknown.user, wrong.level, auth.failure, decrypt.failure, not.in.time.window,
 * unknown.engine (Reports sent for discovery), kernel.dropped.
 *
 * The sockets are this file's own rather than plugins/common/sl_udp.c's: snmptrapd's
 * transport string needs each datagram's local address (IP_PKTINFO / IPV6_PKTINFO), and an
 * inform must be answered from the socket (port 162) it arrived on; sl_udp hands over
 * neither.  One receive thread per instance (not SL_PF_THREADED: the USM key cache and the
 * remote engines' clocks are per instance, unlocked).
 *
 * Ownership: the instance block belongs to the core; sockets, buffers, the arena and the
 * USM state are owned by the instance and released by destroy().
 *
 * Concurrency & locking: create/open/destroy on the main thread; run() on the input thread
 * owns every buffer; stop() only sets an atomic flag and writes the eventfd; hup() (main
 * thread) only sets an atomic flag that run() acts on.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "sluice/sl_plugin.h"
#include "ber.h"
#include "imsnmptrap.h"
#include "render.h"
#include "trapmib.h"
#include "usm.h"
#include "../common/sl_sock.h"

#define MAX_SOCKS 16
#define BATCH 32
#define DGRAM_MAX 65536
#define CTRL_SIZE 128

struct ssock {
    int is_stop;            /* first member: epoll data points here */
    int fd;
    int family;
    int port;
    uint32_t last_ovfl;
};

struct trap_inst {
    /* ---- parameters (filled by the core) ---- */
    struct sl_strarr port;
    char *address;
    struct sl_strarr community;
    int any_community;
    int64_t format;
    char *tag;
    char *facility;
    char *severity;
    char *snmptrapd_conf;
    struct sl_strarr usm_users;
    char *engine_id;
    int64_t rcvbuf;
    int mibs;
    char *mib_dirs;

    /* ---- runtime ---- */
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    char label[32];
    int pri;
    struct ssock socks[MAX_SOCKS];
    size_t nsock;
    struct ssock stop_obj;
    int epfd;
    atomic_int stopping;
    void *h_snmp;           /* prop_ref("$!snmp") */
    struct usm *usm;        /* the input thread's */
    struct usm *_Atomic pending;   /* re-read by hup(), taken over by the input thread */
    int mibs_held;          /* trapmib_acquire() done */

    uint8_t *bufs;          /* BATCH * DGRAM_MAX */
    struct mmsghdr hdrs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_storage addrs[BATCH];
    char ctrl[BATCH][CTRL_SIZE];
    struct sl_msg *msgs[BATCH];
    uint64_t keys[BATCH];
    size_t nmsgs;
    struct snmp_arena *arena;
    uint8_t *plain;         /* decrypted scoped PDU */
    uint8_t *out;           /* Responses / Reports */
    struct sl_buf text;

    _Atomic uint64_t *c_datagrams, *c_traps, *c_informs, *c_submitted, *c_dropped,
                     *c_malformed, *c_bad_version, *c_bad_pdu, *c_bad_community,
                     *c_unknown_user, *c_wrong_level, *c_auth_failure, *c_decrypt_failure,
                     *c_time_window, *c_unknown_engine, *c_kernel;
};

#define IOFF(f) offsetof(struct trap_inst, f)

static const char *const formats[] = { "snmptrapd", "json", NULL };
enum { FMT_SNMPTRAPD = 0, FMT_JSON = 1 };

static const struct sl_param inst_params[] = {
    { "port", SL_PT_ARRAY, 0, IOFF(port), "162", NULL, NULL, NULL },
    { "address", SL_PT_STRING, 0, IOFF(address), NULL, NULL, NULL, NULL },
    { "community", SL_PT_ARRAY, SL_P_SECRET, IOFF(community), NULL, NULL, NULL,
      "accepted v1/v2c communities; none accepted when empty" },
    { "acceptAnyCommunity", SL_PT_BOOL, 0, IOFF(any_community), "off", NULL, NULL, NULL },
    { "format", SL_PT_ENUM, 0, IOFF(format), "snmptrapd", formats, NULL, NULL },
    { "tag", SL_PT_STRING, 0, IOFF(tag), "snmptrapd:", NULL, NULL, NULL },
    { "facility", SL_PT_WORD, 0, IOFF(facility), "daemon", NULL, NULL, NULL },
    { "severity", SL_PT_WORD, 0, IOFF(severity), "info", NULL, NULL, NULL },
    { "snmptrapdConf", SL_PT_STRING, 0, IOFF(snmptrapd_conf), NULL, NULL, NULL, NULL },
    { "usmUser", SL_PT_ARRAY, SL_P_SECRET, IOFF(usm_users), NULL, NULL, NULL,
      "createUser lines: [-e ENGINEID] NAME [AUTHPROTO AUTHPASS [PRIVPROTO PRIVPASS]]" },
    { "engineID", SL_PT_WORD, 0, IOFF(engine_id), NULL, NULL, NULL, NULL },
    { "rcvbufSize", SL_PT_SIZE, 0, IOFF(rcvbuf), "0", NULL, NULL, NULL },
    { "mibs", SL_PT_BOOL, 0, IOFF(mibs), "off", NULL, NULL,
      "MIB names and enum labels in $!snmp (libsnmp's MIB reader)" },
    { "mibDirs", SL_PT_STRING, 0, IOFF(mib_dirs),
      "/usr/share/snmp/mibs:/usr/share/snmp/mibs/iana:/usr/share/snmp/mibs/ietf:"
      "/var/lib/mibs/ietf:/var/lib/mibs/iana:/var/lib/snmp/mibs/ietf:/var/lib/snmp/mibs/iana",
      NULL, NULL, NULL },
    SL_PARAM_END
};

int sl_imsnmptrap_bound_port(const void *inst, int i)
{
    const struct trap_inst *in = inst;
    return (i >= 0 && (size_t)i < in->nsock) ? in->socks[i].port : -1;
}

static int name_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i] != NULL; i++) {
        if (names[i][0] != '\0' && strcasecmp(names[i], s) == 0) {
            return i;
        }
    }
    char *end;
    long v = strtol(s, &end, 10);
    return (*s != '\0' && *end == '\0' && v >= 0 && v < 24) ? (int)v : -1;
}

static const char *const fac_names[] = { "kern", "user", "mail", "daemon", "auth", "syslog",
                                         "lpr", "news", "uucp", "cron", "authpriv", "ftp",
                                         "", "", "", "", "local0", "local1", "local2",
                                         "local3", "local4", "local5", "local6", "local7",
                                         NULL };
static const char *const sev_names[] = { "emerg", "alert", "crit", "err", "warning", "notice",
                                         "info", "debug", NULL };

/* The USM state from usmUser and snmptrapdConf (createUser/authUser lines; authCommunity
 * lines add accepted communities, "disableAuthorization yes" accepts any).  NULL after
 * logging the error. */
static struct usm *load_usm(struct trap_inst *in)
{
    struct usm *u = usm_new(in->h);
    if (u == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < in->usm_users.n; i++) {
        if (usm_add_user_line(u, in->usm_users.v[i], "usmUser", (int)i + 1) != 0) {
            usm_free(u);
            return NULL;
        }
    }
    if (in->snmptrapd_conf != NULL && in->snmptrapd_conf[0] != '\0' &&
        usm_read_snmptrapd_conf(u, in->snmptrapd_conf) != 0) {
        usm_free(u);
        return NULL;
    }
    return u;
}

static int trap_create(void *inst, void *modconf, const struct sl_host *h,
                       struct sl_input_ctx *ctx)
{
    (void)modconf;
    struct trap_inst *in = inst;
    in->h = h;
    in->ctx = ctx;
    in->epfd = -1;
    in->stop_obj.is_stop = 1;
    in->stop_obj.fd = -1;
    if (h->struct_size < offsetof(struct sl_host, batch_done) + sizeof h->batch_done ||
        h->msg_set_fields == NULL || h->msg_json_set_ref == NULL || h->prop_ref == NULL) {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: the core lacks the ABI 1.4 calls "
               "msg_set_fields/msg_json_set_ref");
        return SL_ECONFIG;
    }
    int fac = name_index(fac_names, in->facility ? in->facility : "daemon");
    int sev = name_index(sev_names, in->severity ? in->severity : "info");
    if (fac < 0 || sev < 0 || sev > 7) {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: invalid facility '%s' or severity '%s'",
               in->facility ? in->facility : "", in->severity ? in->severity : "");
        return SL_ECONFIG;
    }
    in->pri = fac * 8 + sev;
    if (in->rcvbuf < 0 || in->rcvbuf > 1024LL * 1024 * 1024) {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: rcvbufSize out of range (0..1G)");
        return SL_ECONFIG;
    }
    for (size_t i = 0; i < in->port.n; i++) {
        char *end;
        long p = strtol(in->port.v[i], &end, 10);
        if (*end != '\0' || end == in->port.v[i] || p < 0 || p > 65535) {
            if (getservbyname(in->port.v[i], "udp") == NULL) {
                h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: invalid port '%s'",
                       in->port.v[i]);
                return SL_ECONFIG;
            }
        }
    }
    if (h->prop_ref("$!snmp", &in->h_snmp) != 0) {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: cannot resolve $!snmp");
        return SL_ECONFIG;
    }
    in->usm = load_usm(in);
    if (in->usm == NULL) {
        return SL_ECONFIG;
    }
    if (in->mibs) {
        if (trapmib_acquire(in->mib_dirs != NULL ? in->mib_dirs : "") != 0) {
            return SL_ENOMEM;
        }
        in->mibs_held = 1;
    }
    snprintf(in->label, sizeof in->label, "imsnmptrap(%s)",
             in->port.n > 0 ? in->port.v[0] : "162");
#define C(field, name) in->field = h->counter("imsnmptrap", in->label, name)
    C(c_datagrams, "datagrams");
    C(c_traps, "traps");
    C(c_informs, "informs.answered");
    C(c_submitted, "submitted");
    C(c_dropped, "dropped");
    C(c_malformed, "malformed");
    C(c_bad_version, "bad.version");
    C(c_bad_pdu, "bad.pdu");
    C(c_bad_community, "bad.community");
    C(c_unknown_user, "unknown.user");
    C(c_wrong_level, "wrong.level");
    C(c_auth_failure, "auth.failure");
    C(c_decrypt_failure, "decrypt.failure");
    C(c_time_window, "not.in.time.window");
    C(c_unknown_engine, "unknown.engine");
    C(c_kernel, "kernel.dropped");
#undef C
    in->arena = malloc(sizeof *in->arena);
    in->plain = malloc(DGRAM_MAX);
    in->out = malloc(DGRAM_MAX + 1024);
    if (in->arena == NULL || in->plain == NULL || in->out == NULL) {
        return SL_ENOMEM;
    }
    return 0;
}

static int bind_one(struct trap_inst *in, const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    if (ai->ai_family == AF_INET6) {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    } else {
        (void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    if (in->rcvbuf > 0) {
        int v = (int)in->rcvbuf;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0) {
            (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
        }
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int trap_open(void *inst)
{
    struct trap_inst *in = inst;
    const struct sl_host *h = in->h;
    static char *dflt_port[] = { "162" };
    size_t nports = in->port.n ? in->port.n : 1;
    char **ports = in->port.n ? in->port.v : dflt_port;
    const char *addr = sl_sock_any(in->address);
    for (size_t p = 0; p < nports; p++) {
        struct addrinfo *res = NULL;
        int rc = sl_sock_resolve(addr, ports[p], SOCK_DGRAM, 0, &res);
        if (rc != 0) {
            h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: cannot resolve '%s' port %s: %s",
                   addr ? addr : "*", ports[p], gai_strerror(rc));
            return SL_EIO;
        }
        size_t before = in->nsock;
        int last_err = 0;
        for (struct addrinfo *ai = res; ai != NULL && in->nsock < MAX_SOCKS; ai = ai->ai_next) {
            int fd = bind_one(in, ai);
            if (fd < 0) {
                last_err = -fd;
                continue;
            }
            struct ssock *s = &in->socks[in->nsock++];
            s->is_stop = 0;
            s->fd = fd;
            s->family = ai->ai_family;
            s->port = sl_sock_port(fd);
        }
        freeaddrinfo(res);
        if (in->nsock == before) {
            h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: cannot listen on %s port %s: %s",
                   addr ? addr : "*", ports[p], strerror(last_err));
            return SL_EIO;
        }
    }
    in->bufs = malloc((size_t)BATCH * DGRAM_MAX);
    in->epfd = epoll_create1(EPOLL_CLOEXEC);
    in->stop_obj.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->bufs == NULL || in->epfd < 0 || in->stop_obj.fd < 0) {
        h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: cannot set up the listener: %s",
               strerror(errno));
        return SL_EIO;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &in->stop_obj };
    if (epoll_ctl(in->epfd, EPOLL_CTL_ADD, in->stop_obj.fd, &ev) != 0) {
        return SL_EIO;
    }
    for (size_t i = 0; i < in->nsock; i++) {
        ev.data.ptr = &in->socks[i];
        if (epoll_ctl(in->epfd, EPOLL_CTL_ADD, in->socks[i].fd, &ev) != 0) {
            return SL_EIO;
        }
    }
    if (usm_start(in->usm, in->h->global_str != NULL ? in->h->global_str("workDirectory")
                                                   : NULL,
                  in->engine_id, in->label) != 0) {
        return SL_EIO;
    }
    return 0;
}

static uint64_t peer_key(const struct sockaddr *sa)
{
    unsigned char tmp[18];
    size_t n = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        memcpy(tmp, &s4->sin_addr, 4);
        memcpy(tmp + 4, &s4->sin_port, 2);
        n = 6;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        memcpy(tmp, &s6->sin6_addr, 16);
        memcpy(tmp + 16, &s6->sin6_port, 2);
        n = 18;
    }
    uint64_t hsh = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        hsh ^= tmp[i];
        hsh *= 1099511628211ULL;
    }
    return hsh;
}

static int community_ok(const struct trap_inst *in, const struct snmp_msg *m)
{
    if (in->any_community || usm_any_community(in->usm)) {
        return 1;
    }
    for (size_t i = 0; i < in->community.n; i++) {
        const char *c = in->community.v[i];
        if (strlen(c) == m->community_len && memcmp(c, m->community, m->community_len) == 0) {
            return 1;
        }
    }
    return usm_community_ok(in->usm, m->community, m->community_len);
}

static size_t dump_cb(void *ptr, const char *buf, size_t len)
{
    struct sl_buf *b = ptr;
    if (b->cap - b->len <= len) {
        size_t nc = b->cap ? b->cap : 512;
        while (nc - b->len <= len) {
            nc *= 2;
        }
        char *p = realloc(b->p, nc);
        if (p == NULL) {
            return 0;
        }
        b->p = p;
        b->cap = nc;
    }
    memcpy(b->p + b->len, buf, len);
    b->len += len;
    b->p[b->len] = '\0';
    return len;
}

/* Build and queue the message for a decoded, authorised notification. */
static void emit(struct trap_inst *in, const struct snmp_msg *m, const struct sockaddr *src,
                 socklen_t srclen, const struct sockaddr *dst)
{
    const struct sl_host *h = in->h;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct json_object *tree = snmp_json(m, in->mibs_held ? trapmib_name : NULL);
    if (tree == NULL) {
        atomic_fetch_add(in->c_dropped, 1);
        return;
    }
    in->text.len = 0;
    int rc;
    if (in->format == FMT_JSON) {
        rc = fjson_object_dump_ext(tree, FJSON_TO_STRING_SPACED, dump_cb, &in->text);
        rc = (rc < 0 || in->text.p == NULL) ? -1 : 0;
    } else {
        char transport[160];
        snmp_transport_str(transport, sizeof transport, src, dst);
        rc = snmp_render_text(&in->text, m, transport, now.tv_sec);
        if (rc == 0 && in->text.len > 0 && in->text.p[in->text.len - 1] == '\n') {
            in->text.len--;    /* an output adds its own line end */
        }
    }
    if (rc != 0) {
        json_object_put(tree);
        atomic_fetch_add(in->c_dropped, 1);
        return;
    }
    struct sl_msg *msg = h->msg_new(in->ctx, in->text.p, in->text.len, src, srclen);
    struct sl_msg_fields f = {
        .set = SL_MF_PRI | SL_MF_TIME | SL_MF_TAG | SL_MF_MSG,
        .pri = in->pri,
        .ts_sec = now.tv_sec,
        .ts_nsec = (int32_t)now.tv_nsec,
        .ts_tzoff_min = snmp_tz_offset(now.tv_sec),
        .tag = in->tag ? in->tag : "",
        .tag_len = in->tag ? strlen(in->tag) : 0,
        .msg = in->text.p,
        .msg_len = in->text.len,
    };
    if (h->msg_set_fields(msg, &f) != 0) {
        json_object_put(tree);
        h->msg_unref(msg);
        atomic_fetch_add(in->c_dropped, 1);
        return;
    }
    if (h->msg_json_set_ref(msg, in->h_snmp, tree) != 0) {   /* tree is the host's now */
        h->msg_unref(msg);
        atomic_fetch_add(in->c_dropped, 1);
        return;
    }
    atomic_fetch_add(in->c_traps, 1);
    in->msgs[in->nmsgs] = msg;
    in->keys[in->nmsgs] = peer_key(src);
    in->nmsgs++;
}

static void flush_msgs(struct trap_inst *in)
{
    size_t i = 0;
    while (i < in->nmsgs) {
        size_t j = i + 1;
        while (j < in->nmsgs && in->keys[j] == in->keys[i]) {
            j++;
        }
        int rc = in->h->submit(in->ctx, in->msgs + i, j - i, in->keys[i]);
        if (rc < 0) {
            for (size_t k = j; k < in->nmsgs; k++) {
                in->h->msg_unref(in->msgs[k]);
            }
            atomic_store(&in->stopping, 1);
            break;
        }
        atomic_fetch_add(in->c_submitted, (uint64_t)rc);
        if ((size_t)rc < j - i) {
            atomic_fetch_add(in->c_dropped, (uint64_t)(j - i - (size_t)rc));
        }
        i = j;
    }
    in->nmsgs = 0;
}

static void reply(struct trap_inst *in, int fd, const uint8_t *p, size_t n,
                  const struct sockaddr *to, socklen_t tolen)
{
    if (fd >= 0 && n > 0) {
        (void)sendto(fd, p, n, MSG_DONTWAIT, to, tolen);
    }
}

static void count_usm(struct trap_inst *in, int r)
{
    switch (r) {
    case USM_UNKNOWN_USER:
        atomic_fetch_add(in->c_unknown_user, 1);
        break;
    case USM_WRONG_LEVEL:
        atomic_fetch_add(in->c_wrong_level, 1);
        break;
    case USM_AUTH_FAILURE:
        atomic_fetch_add(in->c_auth_failure, 1);
        break;
    case USM_DECRYPT_FAILURE:
        atomic_fetch_add(in->c_decrypt_failure, 1);
        break;
    case USM_TIME_WINDOW:
        atomic_fetch_add(in->c_time_window, 1);
        break;
    case USM_UNKNOWN_ENGINE:
        atomic_fetch_add(in->c_unknown_engine, 1);
        break;
    default:
        atomic_fetch_add(in->c_malformed, 1);
        break;
    }
}

static void datagram(struct trap_inst *in, int fd, const uint8_t *buf, size_t len,
                     const struct sockaddr *src, socklen_t srclen, const struct sockaddr *dst)
{
    struct snmp_msg m;
    struct usm *fresh = atomic_exchange(&in->pending, NULL);
    if (fresh != NULL) {       /* SIGHUP re-read the users: same engine, new users */
        usm_adopt_engine(fresh, in->usm);
        usm_free(in->usm);
        in->usm = fresh;
    }
    atomic_fetch_add(in->c_datagrams, 1);
    int rc = snmp_decode(buf, len, &m, in->arena, 1);
    if (rc == SNMP_OK && m.version == SNMP_V3) {
        size_t outlen = 0;
        int r = usm_process(in->usm, &m, buf, len, in->plain, DGRAM_MAX, in->arena, in->out,
                            DGRAM_MAX + 1024, &outlen);
        if (outlen > 0) {      /* a Report (discovery, errors) */
            reply(in, fd, in->out, outlen, src, srclen);
        }
        if (r != USM_OK) {
            if (r == USM_MALFORMED_PDU) {
                atomic_fetch_add(in->c_malformed, 1);
            } else if (r == USM_BAD_PDU) {
                atomic_fetch_add(in->c_bad_pdu, 1);
            } else {
                count_usm(in, r);
            }
            return;
        }
        if (m.pdu.type == SNMP_PDU_INFORM) {
            outlen = usm_encode_response(in->usm, &m, in->out, DGRAM_MAX + 1024);
            if (outlen > 0) {
                reply(in, fd, in->out, outlen, src, srclen);
                atomic_fetch_add(in->c_informs, 1);
            }
        }
        emit(in, &m, src, srclen, dst);
        return;
    }
    if (rc != SNMP_OK) {
        if (rc == SNMP_E_VERSION) {
            atomic_fetch_add(in->c_bad_version, 1);
        } else if (rc == SNMP_E_PDUTYPE) {
            atomic_fetch_add(in->c_bad_pdu, 1);
        } else {
            atomic_fetch_add(in->c_malformed, 1);
        }
        return;
    }
    if (!community_ok(in, &m)) {
        atomic_fetch_add(in->c_bad_community, 1);
        return;
    }
    if (m.pdu.type == SNMP_PDU_INFORM) {
        size_t pl = snmp_encode_pdu(in->plain, DGRAM_MAX, SNMP_PDU_RESPONSE, m.pdu.request_id,
                                    0, 0, m.pdu.vbl_raw, m.pdu.vbl_raw_len);
        size_t ol = pl ? snmp_encode_community_msg(in->out, DGRAM_MAX + 1024, m.version,
                                                   m.community, m.community_len, in->plain, pl)
                       : 0;
        if (ol > 0) {
            reply(in, fd, in->out, ol, src, srclen);
            atomic_fetch_add(in->c_informs, 1);
        }
    }
    emit(in, &m, src, srclen, dst);
}

void sl_imsnmptrap_datagram(void *inst, const void *buf, size_t len,
                            const struct sockaddr *src, socklen_t srclen,
                            const struct sockaddr *dst)
{
    struct trap_inst *in = inst;
    datagram(in, in->nsock > 0 ? in->socks[0].fd : -1, buf, len, src, srclen, dst);
    flush_msgs(in);
}

/* The local address of a datagram (IP_PKTINFO / IPV6_PKTINFO) with the socket's port. */
static void local_addr(const struct ssock *s, struct msghdr *mh, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            struct sockaddr_in *d = (struct sockaddr_in *)out;
            d->sin_family = AF_INET;
            d->sin_addr = pi.ipi_addr;
            d->sin_port = htons((uint16_t)s->port);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            struct sockaddr_in6 *d = (struct sockaddr_in6 *)out;
            d->sin6_family = AF_INET6;
            d->sin6_addr = pi.ipi6_addr;
            d->sin6_port = htons((uint16_t)s->port);
        }
    }
}

static void read_socket(struct trap_inst *in, struct ssock *s)
{
    for (int round = 0; round < 8 && !atomic_load(&in->stopping); round++) {
        for (size_t i = 0; i < BATCH; i++) {
            in->iov[i].iov_base = in->bufs + i * DGRAM_MAX;
            in->iov[i].iov_len = DGRAM_MAX;
            struct msghdr *mh = &in->hdrs[i].msg_hdr;
            mh->msg_name = &in->addrs[i];
            mh->msg_namelen = sizeof in->addrs[i];
            mh->msg_iov = &in->iov[i];
            mh->msg_iovlen = 1;
            mh->msg_control = in->ctrl[i];
            mh->msg_controllen = CTRL_SIZE;
            mh->msg_flags = 0;
        }
        int got = recvmmsg(s->fd, in->hdrs, BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0) {
            if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                in->h->log(SL_LOG_WARNING, "imsnmptrap", "imsnmptrap: recvmmsg: %s",
                           strerror(errno));
            }
            return;
        }
        for (int i = 0; i < got; i++) {
            struct msghdr *mh = &in->hdrs[i].msg_hdr;
            for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t ov;
                    memcpy(&ov, CMSG_DATA(c), sizeof ov);
                    if (ov != s->last_ovfl) {
                        atomic_fetch_add(in->c_kernel, (uint64_t)(uint32_t)(ov - s->last_ovfl));
                        s->last_ovfl = ov;
                    }
                }
            }
            struct sockaddr_storage dst;
            local_addr(s, mh, &dst);
            datagram(in, s->fd, in->iov[i].iov_base, in->hdrs[i].msg_len,
                     (struct sockaddr *)&in->addrs[i], mh->msg_namelen,
                     dst.ss_family ? (struct sockaddr *)&dst : NULL);
        }
        flush_msgs(in);
        if (got < BATCH) {
            return;
        }
    }
}

static int trap_run(void *inst)
{
    struct trap_inst *in = inst;
    struct epoll_event evs[MAX_SOCKS + 1];
    while (!atomic_load(&in->stopping)) {
        int n = epoll_wait(in->epfd, evs, MAX_SOCKS + 1, 1000);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            in->h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: epoll_wait: %s", strerror(errno));
            return SL_EIO;
        }
        for (int i = 0; i < n && !atomic_load(&in->stopping); i++) {
            struct ssock *s = evs[i].data.ptr;
            if (!s->is_stop) {
                read_socket(in, s);
            }
        }
    }
    return 0;
}

static void trap_stop(void *inst)
{
    struct trap_inst *in = inst;
    atomic_store(&in->stopping, 1);
    if (in->stop_obj.fd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(in->stop_obj.fd, &one, sizeof one);
        (void)w;
    }
}

static void trap_destroy(void *inst)
{
    struct trap_inst *in = inst;
    for (size_t i = 0; i < in->nsock; i++) {
        close(in->socks[i].fd);
    }
    in->nsock = 0;
    if (in->epfd >= 0) {
        close(in->epfd);
        in->epfd = -1;
    }
    if (in->stop_obj.fd >= 0) {
        close(in->stop_obj.fd);
        in->stop_obj.fd = -1;
    }
    for (size_t i = 0; i < in->nmsgs; i++) {
        in->h->msg_unref(in->msgs[i]);
    }
    in->nmsgs = 0;
    if (in->h_snmp != NULL && in->h->prop_unref != NULL) {
        in->h->prop_unref(in->h_snmp);
        in->h_snmp = NULL;
    }
    usm_free(in->usm);
    in->usm = NULL;
    usm_free(atomic_exchange(&in->pending, NULL));
    if (in->mibs_held) {
        trapmib_release();
        in->mibs_held = 0;
    }
    free(in->bufs);
    free(in->arena);
    free(in->plain);
    free(in->out);
    free(in->text.p);
    in->bufs = NULL;
    in->arena = NULL;
    in->plain = NULL;
    in->out = NULL;
    in->text.p = NULL;
}

/* SIGHUP (main thread): re-read usmUser/snmptrapdConf; the input thread takes the new
 * state over at its next datagram.  A file that does not parse keeps the old users. */
static void trap_hup(void *inst)
{
    struct trap_inst *in = inst;
    if (in->mibs_held) {
        trapmib_reload();
    }
    struct usm *fresh = load_usm(in);
    if (fresh == NULL) {
        in->h->log(SL_LOG_ERR, "imsnmptrap", "imsnmptrap: SNMPv3 users/communities not "
                   "reloaded; the previous ones stay");
        return;
    }
    usm_free(atomic_exchange(&in->pending, fresh));
}

static const struct sl_input_ops trap_ops = {
    .create = trap_create,
    .open = trap_open,
    .run = trap_run,
    .stop = trap_stop,
    .destroy = trap_destroy,
    .hup = trap_hup,
};

SL_PLUGIN_DEFINE(imsnmptrap) = {
    SL_PLUGIN_HEADER(imsnmptrap),
    .kinds = SL_INPUT,
    .flags = SL_PF_NO_DELAY | SL_PF_PRE_PRIVDROP_OPEN,
    .module_params = NULL,
    .inst_params = inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct trap_inst),
    .wrk_size = 0,
    .in = &trap_ops,
};
