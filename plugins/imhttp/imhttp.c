/*
 * imhttp.c - the /metrics and /healthz HTTP endpoints (Prometheus scrape, load-balancer and
 * orchestrator health checks), with the module parameters of rsyslog's imhttp as newer
 * rsyslog releases have them:
 *
 *   module(load="imhttp" ports="8080" metricspath="/metrics" healthcheckpath="/healthz"
 *          metricsapikeyfile="F" healthcheckapikeyfile="F"
 *          metricsbasicauthfile="F" healthcheckbasicauthfile="F")
 *
 * ports: civetweb's listening_ports syntax as rsyslog passes it on: a comma-separated list
 * of "PORT", "ADDR:PORT" or "[V6ADDR]:PORT" (no address: every IPv4 and IPv6 address).
 * A trailing "s" (HTTPS) or "r" (redirect) is refused at load: this build serves plain HTTP
 * only (put a TLS-terminating proxy in front, or bind to 127.0.0.1).
 * GET metricspath: "imhttp_up 1" (a gauge), then every counter set of the engine in the
 * Prometheus text format, exactly as impstats format="prometheus" writes them
 * (plugins/common/sl_prom.c), Content-Type "text/plain; version=0.0.4; charset=utf-8".
 * GET healthcheckpath: "OK\n".  An empty path turns that endpoint off; a path that does not
 * start with '/' gets the default with a warning (as rsyslog).  Anything else: 404; a
 * method other than GET/HEAD: 405.
 * Access control per endpoint, as rsyslog: *apikeyfile - one key per line ('#' comments),
 * presented as "Authorization: ApiKey KEY" or "X-API-Key: KEY"; *basicauthfile - an
 * htpasswd file "user:hash", checked with crypt(3) (libxcrypt: bcrypt "$2y$"/"$2b$" as
 * `htpasswd -B` writes, SHA-crypt "$5$"/"$6$", MD5-crypt "$1$"); Apache's "$apr1$" and
 * "{SHA}" hashes are refused with a log line (rsyslog checks them through libapr, which
 * sluice does not link).  Either configured check passing admits the request; a failed one
 * answers 401.  The files are read per request, so edits apply at once; their contents are
 * never logged.
 * input(type="imhttp" endpoint=...) - rsyslog's HTTP message intake - is not built here;
 * such a config is refused at load (no instance parameters), so no data is silently lost.
 *
 * HTTP is libmicrohttpd (not hand-written): one internal polling thread, at most 64
 * connections, 10 s idle timeout, request bodies refused.
 *
 * Ownership: the instance block belongs to the core; the listening sockets (made in open()
 * so privileged ports bind before privileges drop) pass to libmicrohttpd in run() and are
 * closed by destroy() when run() never took them.
 *
 * Concurrency & locking: create/open/destroy on the main thread, run() on the input
 * thread, which starts the daemons and waits for stop(); requests are answered on
 * libmicrohttpd's threads, which only read the instance's configuration and call
 * sl_host.stats_foreach (thread-safe by its contract).
 */
#include "config.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "sl_prom.h"

#define IMHTTP_MAX_LISTENERS 8
#define IMHTTP_AUTH_LINE 1024

struct imhttp_mod {
    char *ports;
    char *health_path;
    char *metrics_path;
    char *health_basic;
    char *metrics_basic;
    char *health_apikey;
    char *metrics_apikey;
    char *docroot;          /* accepted, warned: no static files here */
    struct sl_strarr liboptions;
};

struct imhttp_route {
    const char *path;       /* NULL: endpoint off */
    const char *basic;      /* htpasswd file or NULL */
    const char *apikey;     /* key file or NULL */
};

struct imhttp_inst {
    const struct sl_host *h;
    struct imhttp_mod *m;
    struct imhttp_route metrics, health;
    int fds[IMHTTP_MAX_LISTENERS];
    char *names[IMHTTP_MAX_LISTENERS];
    size_t nfds;
    struct MHD_Daemon *d[IMHTTP_MAX_LISTENERS];
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int stopping;
    int inited;
    _Atomic uint64_t *c_requests, *c_denied, *c_notfound;
};

#define MO(f) offsetof(struct imhttp_mod, f)
static const struct sl_param mod_params[] = {
    { "ports", SL_PT_STRING, 0, MO(ports), "8080", NULL, NULL, NULL },
    { "healthcheckpath", SL_PT_STRING, 0, MO(health_path), "/healthz", NULL, NULL, NULL },
    { "metricspath", SL_PT_STRING, 0, MO(metrics_path), "/metrics", NULL, NULL, NULL },
    { "healthcheckbasicauthfile", SL_PT_STRING, 0, MO(health_basic), NULL, NULL, NULL, NULL },
    { "metricsbasicauthfile", SL_PT_STRING, 0, MO(metrics_basic), NULL, NULL, NULL, NULL },
    { "healthcheckapikeyfile", SL_PT_STRING, 0, MO(health_apikey), NULL, NULL, NULL, NULL },
    { "metricsapikeyfile", SL_PT_STRING, 0, MO(metrics_apikey), NULL, NULL, NULL, NULL },
    { "documentroot", SL_PT_STRING, SL_P_IGNORED, MO(docroot), NULL, NULL, NULL, NULL },
    { "liboptions", SL_PT_ARRAY, SL_P_IGNORED, MO(liboptions), NULL, NULL, NULL, NULL },
    SL_PARAM_END
};
static const struct sl_param inst_params[] = { SL_PARAM_END };

static int split_ports(struct imhttp_inst *in);

static void route_init(struct imhttp_inst *in, struct imhttp_route *r, const char *what,
                       const char *path, const char *def, const char *basic,
                       const char *apikey)
{
    r->basic = basic != NULL && basic[0] != '\0' ? basic : NULL;
    r->apikey = apikey != NULL && apikey[0] != '\0' ? apikey : NULL;
    if (path == NULL || path[0] == '\0') {
        r->path = NULL;
        return;
    }
    if (path[0] != '/') {
        in->h->log(SL_LOG_WARNING, "imhttp", "imhttp: %s \"%s\" does not start with '/': "
                   "using the default \"%s\"", what, path, def);
        path = def;
    }
    r->path = path;
}

static int imhttp_create(void *inst, void *modconf, const struct sl_host *h,
                         struct sl_input_ctx *ctx)
{
    struct imhttp_inst *in = inst;
    (void)ctx;
    in->h = h;
    in->m = modconf;
    for (size_t i = 0; i < IMHTTP_MAX_LISTENERS; i++) {
        in->fds[i] = -1;
    }
    if (in->m == NULL || h->struct_size < offsetof(struct sl_host, stats_foreach) +
                                          sizeof h->stats_foreach || h->stats_foreach == NULL) {
        h->log(SL_LOG_ERR, "imhttp", "imhttp: this sluiced has no statistics interface");
        return SL_ECONFIG;
    }
    route_init(in, &in->metrics, "metricspath", in->m->metrics_path, "/metrics",
               in->m->metrics_basic, in->m->metrics_apikey);
    route_init(in, &in->health, "healthcheckpath", in->m->health_path, "/healthz",
               in->m->health_basic, in->m->health_apikey);
    if (in->metrics.path != NULL && in->health.path != NULL &&
        strcmp(in->metrics.path, in->health.path) == 0) {
        h->log(SL_LOG_ERR, "imhttp", "imhttp: metricspath and healthcheckpath are both \"%s\"",
               in->metrics.path);
        return SL_ECONFIG;
    }
    int rc = split_ports(in);
    if (rc != 0) {
        return rc;
    }
    pthread_mutex_init(&in->lock, NULL);
    pthread_cond_init(&in->cv, NULL);
    in->inited = 1;
    in->c_requests = h->counter("imhttp", "imhttp", "requests");
    in->c_denied = h->counter("imhttp", "imhttp", "requests.denied");
    in->c_notfound = h->counter("imhttp", "imhttp", "requests.notfound");
    if (in->c_requests == NULL || in->c_denied == NULL || in->c_notfound == NULL) {
        return SL_ENOMEM;
    }
    return 0;
}

/* One entry of ports=: "PORT", "ADDR:PORT", "[V6]:PORT".  Fills host (empty: any) and
 * port; -1 with a message on a bad entry. */
static int parse_port(const struct sl_host *h, const char *e, char *host, size_t hostsz,
                      char *port, size_t portsz)
{
    const char *p = e, *colon;
    host[0] = '\0';
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - p - 1) >= hostsz) {
            h->log(SL_LOG_ERR, "imhttp", "imhttp: ports: bad entry \"%s\"", e);
            return -1;
        }
        memcpy(host, p + 1, (size_t)(close - p - 1));
        host[close - p - 1] = '\0';
        p = close + 2;
    } else if ((colon = strrchr(p, ':')) != NULL) {
        if ((size_t)(colon - p) >= hostsz) {
            h->log(SL_LOG_ERR, "imhttp", "imhttp: ports: bad entry \"%s\"", e);
            return -1;
        }
        memcpy(host, p, (size_t)(colon - p));
        host[colon - p] = '\0';
        p = colon + 1;
    }
    size_t n = strlen(p);
    if (n > 0 && (p[n - 1] == 's' || p[n - 1] == 'r')) {
        h->log(SL_LOG_ERR, "imhttp", "imhttp: ports: \"%s\": HTTPS and redirect ports (the "
               "'s' and 'r' suffixes) are not supported by this build; serve plain HTTP on "
               "127.0.0.1 behind a TLS proxy", e);
        return -1;
    }
    if (n == 0 || n >= portsz || strspn(p, "0123456789") != n || atol(p) > 65535) {
        h->log(SL_LOG_ERR, "imhttp", "imhttp: ports: bad port in \"%s\"", e);
        return -1;
    }
    memcpy(port, p, n + 1);
    return 0;
}

/* Bind and listen on entry i of ports=; the socket goes to in->fds[i]. */
static int listen_one(struct imhttp_inst *in, size_t i)
{
    const struct sl_host *h = in->h;
    const char *entry = in->names[i];
    char host[256], port[16];
    if (parse_port(h, entry, host, sizeof host, port, sizeof port) != 0) {
        return SL_ECONFIG;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = host[0] == '\0' ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &res);
    if (rc != 0 || res == NULL) {
        h->log(SL_LOG_ERR, "imhttp", "imhttp: ports: cannot resolve \"%s\": %s", entry,
               gai_strerror(rc));
        return SL_ECONFIG;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    if (fd >= 0) {
        int one = 1, zero = 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (res->ai_family == AF_INET6 && host[0] == '\0') {
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        }
        if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 64) != 0) {
            int e = errno;
            close(fd);
            fd = -1;
            errno = e;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        h->log(SL_LOG_ERR, "imhttp", "imhttp: cannot listen on \"%s\": %s", entry,
               strerror(errno));
        return SL_EIO;
    }
    in->fds[i] = fd;
    return 0;
}

/* ports= into in->names (trimmed entries), each checked; at config time, so -N1 sees it. */
static int split_ports(struct imhttp_inst *in)
{
    char *list = strdup(in->m->ports != NULL ? in->m->ports : "8080");
    if (list == NULL) {
        return SL_ENOMEM;
    }
    int rc = 0;
    char *save = NULL;
    for (char *e = strtok_r(list, ",", &save); e != NULL && rc == 0;
         e = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*e)) {
            e++;
        }
        size_t n = strlen(e);
        while (n > 0 && isspace((unsigned char)e[n - 1])) {
            e[--n] = '\0';
        }
        char host[256], port[16];
        if (n == 0) {
            continue;
        }
        if (in->nfds == IMHTTP_MAX_LISTENERS) {
            in->h->log(SL_LOG_ERR, "imhttp", "imhttp: ports: at most %d entries",
                       IMHTTP_MAX_LISTENERS);
            rc = SL_ECONFIG;
        } else if (parse_port(in->h, e, host, sizeof host, port, sizeof port) != 0) {
            rc = SL_ECONFIG;
        } else if ((in->names[in->nfds++] = strdup(e)) == NULL) {
            rc = SL_ENOMEM;
        }
    }
    free(list);
    if (rc == 0 && in->nfds == 0) {
        in->h->log(SL_LOG_ERR, "imhttp", "imhttp: ports: no port given");
        rc = SL_ECONFIG;
    }
    return rc;
}

static int imhttp_open(void *inst)
{
    struct imhttp_inst *in = inst;
    for (size_t i = 0; i < in->nfds; i++) {
        int rc = listen_one(in, i);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Trimmed lines of an access file; cb returns 1 to stop.  -1 when it cannot be opened. */
static int each_line(const struct sl_host *h, const char *file,
                     int (*cb)(char *line, void *arg), void *arg)
{
    int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (f == NULL) {
        h->log(SL_LOG_ERR, "imhttp", "imhttp: access file %s: %s", file, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    char line[IMHTTP_AUTH_LINE];
    int hit = 0;
    while (!hit && fgets(line, sizeof line, f) != NULL) {
        size_t n = strlen(line);
        while (n > 0 && (isspace((unsigned char)line[n - 1]) || iscntrl((unsigned char)line[n - 1]))) {
            line[--n] = '\0';
        }
        if (n == 0 || line[0] == '#') {
            continue;
        }
        hit = cb(line, arg);
    }
    fclose(f);
    return hit;
}

static int key_cb(char *line, void *arg)
{
    return strcmp(line, (const char *)arg) == 0;
}

struct basic_req {
    const struct sl_host *h;
    const char *user, *pass;
    int done;
};

static int basic_cb(char *line, void *arg)
{
    struct basic_req *r = arg;
    char *hash = strchr(line, ':');
    if (hash == NULL) {
        return 0;
    }
    *hash++ = '\0';
    if (strcasecmp(line, r->user) != 0) {
        return 0;
    }
    r->done = 1;   /* the first entry of the user decides, as rsyslog */
    if (strncmp(hash, "$apr1$", 6) == 0 || strncmp(hash, "{SHA}", 5) == 0) {
        r->h->log(SL_LOG_WARNING, "imhttp", "imhttp: user \"%s\": Apache $apr1$/{SHA} hashes "
                  "are not supported; make the entry with htpasswd -B (bcrypt)", line);
        return -1;
    }
    /* crypt_rn (libxcrypt), not crypt_r: ASan intercepts crypt_r and, libcrypt being
     * loaded with this plugin after start-up, calls a NULL "real" function */
    struct crypt_data cd;
    memset(&cd, 0, sizeof cd);
    const char *out = crypt_rn(r->pass, hash, &cd, (int)sizeof cd);
    int ok = out != NULL && out[0] != '*' && strcmp(out, hash) == 0;
    explicit_bzero(&cd, sizeof cd);
    return ok ? 1 : -1;
}

/* Base64 decode for the Basic credentials; -1 on bad input. */
static int b64dec(const char *s, char *out, size_t outsz)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *s != '\0' && *s != '='; s++) {
        const char *p = strchr(tab, *s);
        if (p == NULL || *s == '\0') {
            return -1;
        }
        acc = (acc << 6) | (unsigned)(p - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= outsz) {
                return -1;
            }
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    return (int)o;
}

/* 1 when the request may see the route. */
static int allowed(struct imhttp_inst *in, const struct imhttp_route *r, struct MHD_Connection *c)
{
    if (r->basic == NULL && r->apikey == NULL) {
        return 1;
    }
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (r->apikey != NULL) {
        const char *key = NULL;
        if (auth != NULL && strncasecmp(auth, "ApiKey ", 7) == 0) {
            key = auth + 7;
        } else {
            key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-API-Key");
        }
        while (key != NULL && (*key == ' ' || *key == '\t')) {
            key++;
        }
        if (key != NULL && key[0] != '\0' && each_line(in->h, r->apikey, key_cb, (void *)key) == 1) {
            return 1;
        }
    }
    if (r->basic != NULL && auth != NULL && strncasecmp(auth, "Basic ", 6) == 0) {
        char cred[512];
        const char *b = auth + 6;
        while (*b == ' ') {
            b++;
        }
        if (b64dec(b, cred, sizeof cred) > 0) {
            char *colon = strchr(cred, ':');
            if (colon != NULL) {
                *colon = '\0';
                struct basic_req br = { in->h, cred, colon + 1, 0 };
                int ok = each_line(in->h, r->basic, basic_cb, &br) == 1;
                explicit_bzero(cred, sizeof cred);
                return ok;
            }
        }
        explicit_bzero(cred, sizeof cred);
    }
    return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body, size_t len, int challenge)
{
    struct MHD_Response *rsp = MHD_create_response_from_buffer(len, (void *)body,
                                                               MHD_RESPMEM_MUST_COPY);
    if (rsp == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (challenge) {
        MHD_add_response_header(rsp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Basic realm=\"sluiced\"");
    }
    enum MHD_Result r = MHD_queue_response(c, status, rsp);
    MHD_destroy_response(rsp);
    return r;
}

struct scrape {
    const struct sl_host *h;
    struct sl_buf b;
    int failed;
};

static void scrape_cb(void *arg, const char *set, const char *origin, const struct sl_stat *v,
                      size_t n)
{
    struct scrape *s = arg;
    for (size_t i = 0; i < n && !s->failed; i++) {
        s->failed = sl_prom_counter(s->h, &s->b, set, origin, v[i].name, v[i].value) != 0;
    }
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version,
                              const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
    struct imhttp_inst *in = cls;
    (void)version;
    (void)upload_data;
    if (*con_cls == NULL) {     /* first call: headers only */
        *con_cls = in;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;  /* bodies are not wanted: discard, answer at the end */
        return MHD_YES;
    }
    atomic_fetch_add(in->c_requests, 1);
    const struct imhttp_route *r = in->metrics.path != NULL && strcmp(url, in->metrics.path) == 0
                                   ? &in->metrics
                                   : in->health.path != NULL && strcmp(url, in->health.path) == 0
                                   ? &in->health : NULL;
    static const char text[] = "text/plain; charset=utf-8";
    if (r == NULL) {
        atomic_fetch_add(in->c_notfound, 1);
        return reply(c, MHD_HTTP_NOT_FOUND, text, "Not Found\n", 10, 0);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "Method Not Allowed\n", 19, 0);
    }
    if (!allowed(in, r, c)) {
        atomic_fetch_add(in->c_denied, 1);
        return reply(c, MHD_HTTP_UNAUTHORIZED, text, "Unauthorized\n", 13, r->basic != NULL);
    }
    if (r == &in->health) {
        return reply(c, MHD_HTTP_OK, text, "OK\n", 3, 0);
    }
    static const char up[] =
        "# HELP imhttp_up Indicates if the imhttp module is operational (1 for up, 0 for down).\n"
        "# TYPE imhttp_up gauge\n"
        "imhttp_up 1\n";
    struct scrape s = { in->h, { NULL, 0, 0 }, 0 };
    if (in->h->buf_reserve(&s.b, sizeof up + 4096) != 0) {
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text, "out of memory\n", 14, 0);
    }
    memcpy(s.b.p, up, sizeof up - 1);
    s.b.len = sizeof up - 1;
    in->h->stats_foreach(scrape_cb, &s, 0);
    enum MHD_Result ret;
    if (s.failed) {
        ret = reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text, "out of memory\n", 14, 0);
    } else {
        ret = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", s.b.p,
                    s.b.len, 0);
    }
    in->h->buf_free(&s.b);
    return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct imhttp_inst *in = cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    in->h->log(SL_LOG_WARNING, "imhttp", "imhttp: libmicrohttpd: %s", line);
}

static int imhttp_run(void *inst)
{
    struct imhttp_inst *in = inst;
    for (size_t i = 0; i < in->nfds; i++) {
        if (in->fds[i] < 0) {
            continue;
        }
        in->d[i] = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
                                    NULL, NULL, answer, in,
                                    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, in,
                                    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)in->fds[i],
                                    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
                                    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
                                    MHD_OPTION_END);
        if (in->d[i] == NULL) {
            in->h->log(SL_LOG_ERR, "imhttp", "imhttp: cannot start the HTTP server on \"%s\"",
                       in->names[i]);
        } else {
            in->fds[i] = -1;    /* libmicrohttpd closes it on stop */
        }
    }
    pthread_mutex_lock(&in->lock);
    while (!in->stopping) {
        pthread_cond_wait(&in->cv, &in->lock);
    }
    pthread_mutex_unlock(&in->lock);
    for (size_t i = 0; i < in->nfds; i++) {
        if (in->d[i] != NULL) {
            MHD_stop_daemon(in->d[i]);
            in->d[i] = NULL;
        }
    }
    return 0;
}

static void imhttp_stop(void *inst)
{
    struct imhttp_inst *in = inst;
    if (!in->inited) {
        return;
    }
    pthread_mutex_lock(&in->lock);
    in->stopping = 1;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->lock);
}

static void imhttp_destroy(void *inst)
{
    struct imhttp_inst *in = inst;
    for (size_t i = 0; i < in->nfds; i++) {
        if (in->d[i] != NULL) {
            MHD_stop_daemon(in->d[i]);
        }
        if (in->fds[i] >= 0) {
            close(in->fds[i]);
        }
        free(in->names[i]);
    }
    if (in->inited) {
        pthread_mutex_destroy(&in->lock);
        pthread_cond_destroy(&in->cv);
    }
}

static const struct sl_input_ops imhttp_ops = {
    .create = imhttp_create,
    .open = imhttp_open,
    .run = imhttp_run,
    .stop = imhttp_stop,
    .destroy = imhttp_destroy,
    .hup = NULL,
};

SL_PLUGIN_DEFINE(imhttp) = {
    SL_PLUGIN_HEADER(imhttp),
    .kinds = SL_INPUT,
    .flags = SL_PF_MODULE_INSTANCE | SL_PF_PRE_PRIVDROP_OPEN,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct imhttp_mod),
    .inst_size = sizeof(struct imhttp_inst),
    .wrk_size = 0,
    .in = &imhttp_ops,
};
