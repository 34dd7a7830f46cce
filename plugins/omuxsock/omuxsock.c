/*
 * omuxsock.c - the omuxsock output plugin: each message as one datagram to a Unix datagram
 * socket, as rsyslog 8.2302's omuxsock.
 *
 * rsyslog 8.2302's omuxsock is configured the legacy way only:
 *     $ModLoad omuxsock
 *     $OMUxSockSocket /run/some.sock
 *     *.* :omuxsock:;OptionalTemplate
 * plus $OMUxSockDefaultTemplate and module(load="omuxsock" template="..."); the default
 * template is RSYSLOG_TraditionalForwardFormat.  Here the socket is the action parameter
 * "socket" (legacy $OMUxSockSocket, which the front end hands to the following legacy
 * actions), so action(type="omuxsock" socket="...") works as well (sluice only: rsyslog
 * 8.2302 has no action() form).  One difference: rsyslog forgets $OMUxSockSocket after the
 * first :omuxsock: action (a second one without a new directive is an error there); here
 * it stays for the following ones.
 *
 * Each rendered message, cut at its first NUL and at maxMessageSize bytes as rsyslog
 * does, is sent with one sendto() on a blocking AF_UNIX/SOCK_DGRAM socket (so a full
 * receiver holds the action up, as in rsyslog).  rsyslog opens a new socket per message
 * and ignores send errors (the message is lost, the action never suspends); so does this
 * plugin - it keeps one socket per instance, but a failed send closes it and the next
 * message opens a new one - counting the losses ("send.failed", reported once per run of
 * failures).
 *
 * Ownership: the instance's socket is its own, closed in destroy().
 * Concurrency & locking: deliver() may run on several workers; the socket and the failure
 * state are under the instance's lock.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"

#define WHO "omuxsock"

struct omuxsock_mod {
    const struct sl_template *tpl;
};

struct omuxsock_inst {
    char *socket;
    const struct sl_template *tpl;
    /* runtime */
    const struct sl_host *h;
    const struct sl_template *tpl_eff;
    struct sockaddr_un addr;
    size_t max;
    pthread_mutex_t lock;
    int lock_init;
    int fd;
    int failing;
    _Atomic uint64_t *c_sent, *c_failed;
};

struct omuxsock_wrk {
    struct sl_buf buf;
};

static const struct sl_param mod_params[] = {
    { "template", SL_PT_TEMPLATE, 0, offsetof(struct omuxsock_mod, tpl), NULL, NULL, NULL,
      "default template of omuxsock actions" },
    SL_PARAM_END
};

#define OI(f) offsetof(struct omuxsock_inst, f)
static const struct sl_param inst_params[] = {
    { "socket", SL_PT_STRING, 0, OI(socket), NULL, NULL, "$OMUxSockSocket",
      "the Unix datagram socket to send to" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, "$OMUxSockDefaultTemplate",
      "template (default RSYSLOG_TraditionalForwardFormat)" },
    SL_PARAM_END
};

static int omuxsock_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct omuxsock_inst *in = inst;
    const struct omuxsock_mod *mod = modconf;
    in->h = h;
    in->fd = -1;
    if (in->socket == NULL || in->socket[0] == '\0') {
        h->log(SL_LOG_ERR, WHO, "No output socket configured for omuxsock");
        return SL_ECONFIG;
    }
    if (strlen(in->socket) >= sizeof in->addr.sun_path) {
        h->log(SL_LOG_WARNING, WHO, "omuxsock: socket name '%s' is too long, cut to %zu "
               "bytes", in->socket, sizeof in->addr.sun_path - 1);
    }
    in->addr.sun_family = AF_UNIX;
    strncpy(in->addr.sun_path, in->socket, sizeof in->addr.sun_path - 1);
    in->tpl_eff = in->tpl != NULL ? in->tpl : mod != NULL ? mod->tpl : NULL;
    if (in->tpl_eff == NULL) {
        in->tpl_eff = h->template_find("RSYSLOG_TraditionalForwardFormat");
    }
    if (in->tpl_eff == NULL) {
        h->log(SL_LOG_ERR, WHO, "omuxsock: template RSYSLOG_TraditionalForwardFormat not found");
        return SL_ECONFIG;
    }
    in->max = h->max_message_size();
    if (pthread_mutex_init(&in->lock, NULL) != 0) {
        return SL_ENOMEM;
    }
    in->lock_init = 1;
    in->c_sent = h->counter(WHO, in->socket, "sent");
    in->c_failed = h->counter(WHO, in->socket, "send.failed");
    return 0;
}

static void omuxsock_destroy(void *inst)
{
    struct omuxsock_inst *in = inst;
    if (in->fd >= 0) {
        close(in->fd);
        in->fd = -1;
    }
    if (in->lock_init) {
        pthread_mutex_destroy(&in->lock);
        in->lock_init = 0;
    }
}

static int omuxsock_worker_create(void *inst, void *wrk)
{
    (void)inst;
    memset(wrk, 0, sizeof(struct omuxsock_wrk));
    return 0;
}

static void omuxsock_worker_destroy(void *inst, void *wrk)
{
    struct omuxsock_inst *in = inst;
    struct omuxsock_wrk *w = wrk;
    in->h->buf_free(&w->buf);
}

/* One datagram, with in->lock held.  0 or errno. */
static int send_one(struct omuxsock_inst *in, const char *p, size_t len)
{
    if (in->fd < 0) {
        in->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (in->fd < 0) {
            return errno;
        }
    }
    ssize_t r;
    do {
        r = sendto(in->fd, p, len, 0, (const struct sockaddr *)&in->addr, sizeof in->addr);
    } while (r < 0 && errno == EINTR);
    if (r == (ssize_t)len) {
        return 0;
    }
    int e = r < 0 ? errno : EMSGSIZE;
    close(in->fd);
    in->fd = -1;
    return e;
}

static int omuxsock_deliver(void *inst, void *wrk, const struct sl_batch *b,
                            struct sl_verdict *v)
{
    struct omuxsock_inst *in = inst;
    struct omuxsock_wrk *w = wrk;
    (void)v;
    for (size_t i = 0; i < b->n; i++) {
        w->buf.len = 0;
        if (in->h->render(in->tpl_eff, b->msgs[i], &w->buf) != 0) {
            return SL_RETRY;
        }
        size_t len = w->buf.len;
        const char *nul = memchr(w->buf.p, '\0', len);
        if (nul != NULL) {
            len = (size_t)(nul - w->buf.p);
        }
        if (len > in->max) {
            len = in->max;
        }
        pthread_mutex_lock(&in->lock);
        int e = send_one(in, w->buf.p != NULL ? w->buf.p : "", len);
        if (e != 0) {
            atomic_fetch_add(in->c_failed, 1);
            if (!in->failing) {
                in->h->log(SL_LOG_WARNING, WHO, "omuxsock: sendto %s failed: %s; messages "
                           "are lost until it works again (as rsyslog)", in->socket,
                           strerror(e));
                in->failing = 1;
            }
        } else {
            atomic_fetch_add(in->c_sent, 1);
            if (in->failing) {
                in->h->log(SL_LOG_INFO, WHO, "omuxsock: %s: sending again", in->socket);
                in->failing = 0;
            }
        }
        pthread_mutex_unlock(&in->lock);
    }
    return SL_OK;
}

static const struct sl_output_ops omuxsock_ops = {
    .create = omuxsock_create,
    .destroy = omuxsock_destroy,
    .worker_create = omuxsock_worker_create,
    .worker_destroy = omuxsock_worker_destroy,
    .deliver = omuxsock_deliver,
};

SL_PLUGIN_DEFINE(omuxsock) = {
    SL_PLUGIN_HEADER(omuxsock),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct omuxsock_mod),
    .inst_size = sizeof(struct omuxsock_inst),
    .wrk_size = sizeof(struct omuxsock_wrk),
    .out = &omuxsock_ops,
    .default_template = "RSYSLOG_TraditionalForwardFormat",
};
