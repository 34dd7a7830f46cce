/*
 * mmexternal.c - the mmexternal modifier: an external program changes messages, with
 * rsyslog 8.2302's mmexternal protocol.
 *
 * Parameters, as rsyslog's: binary (required; the program and its arguments, split as
 * rsyslog does: at every single space, except between double quotes, which are kept),
 * interface.input (msg - default -, rawmsg, or fulljson), output (a file that receives a
 * copy of every reply, for debugging), forceSingleInstance (off).  sluice only:
 * replyTimeout (ms, default 30000; 0 waits for ever, as rsyslog): a program that does not
 * answer within it is killed and restarted, and the message goes on unchanged (counted).
 *
 * Protocol (rsyslog's): for each message one line - the input (for fulljson the message as
 * a JSON object, keys and order as rsyslog's msgGetJSONMESG: msg, rawmsg, timereported,
 * hostname, syslogtag, inputname, fromhost, fromhost-ip, pri, syslogfacility,
 * syslogseverity, timegenerated, programname, protocol-version, structured-data, app-name,
 * procid, msgid, uuid, $!) followed by LF - goes to the program's stdin; the program
 * answers with one line, a JSON object of the changes: "{}" none, "msg" replaces MSG,
 * "$!" is merged into the message's $! tree, the other keys below.  A reply that is not a JSON object is
 * reported and ignored.  The program's stdout and stderr both come back on the reply pipe
 * (as rsyslog does); its environment is empty.  If it died, it is restarted and the message
 * sent again; if it cannot be read (EOF), the reply is "{}".
 *   The other keys rsyslog's MsgSetPropsViaJSON honours (rawmsg, syslogtag, pri,
 *   syslogfacility, syslogseverity, procid, msgid, structured-data, hostname or source,
 *   fromhost, fromhost-ip) go through the ABI 1.8 host call msg_set_prop; a core older
 *   than 1.8 ignores them with a warning (once), counted in reply.unsupported.  Keys
 *   rsyslog does not know are ignored.  The time stamps of fulljson come
 *   from rendering rsyslog's built-in template " StdJSONFmt" (RFC 3339), since the ABI has
 *   no date-format option on properties.
 *
 * One program per ruleset worker (rsyslog: per action worker); with forceSingleInstance a
 * single program serves all of them, one message at a time.
 *
 * Counters (owner "mmexternal", instance = binary): calls, restarts, timeouts,
 * reply.invalid, reply.unsupported.
 *
 * Ownership: argv and the property handles belong to the instance; a program (pid, pipes,
 * reply buffer) to its worker, or to the instance with forceSingleInstance.
 * Concurrency & locking: process() runs on the ruleset worker owning the message and its
 * wrk block; the shared program of forceSingleInstance is used under the instance's mutex.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libfastjson/json.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_spawn.h"

#define WHO "mmexternal"

enum { IN_MSG, IN_RAWMSG, IN_JSON };

struct mmx_proc {
    pid_t pid;
    int fd_to;                /* the program's stdin */
    int fd_from;              /* its stdout + stderr */
    int fd_output;            /* output= copy, -1 */
    char *resp;
    size_t resp_len, resp_cap;
};

struct mmx_inst {
    char *binary;
    char *input;
    char *output;
    int force_single;
    int64_t reply_timeout;
    /* ABI 1.8 host msg_set_prop, NULL with an older core (the other reply keys are then
     * counted in reply.unsupported) */
    int (*set_prop)(struct sl_msg *m, const char *name, const char *val, size_t len);
    /* runtime */
    const struct sl_host *h;
    char **argv;
    int in_kind;
    void *p_msg, *p_rawmsg, *p_cee, *p_root;
    void *p_json[18];           /* handles of json_props (NJSON) */
    const struct sl_template *t_times;
    pthread_mutex_t lock;
    int lock_init;
    struct mmx_proc single;
    atomic_int warned_keys;
    _Atomic uint64_t *c_calls, *c_restarts, *c_timeouts, *c_invalid, *c_unsupported;
};

struct mmx_wrk {
    struct mmx_proc proc;
    struct sl_buf in;
};

#define OI(f) offsetof(struct mmx_inst, f)
static const struct sl_param inst_params[] = {
    { "binary", SL_PT_STRING, SL_P_REQUIRED, OI(binary), NULL, NULL, NULL,
      "program and arguments" },
    { "interface.input", SL_PT_STRING, 0, OI(input), "msg", NULL, NULL,
      "msg, rawmsg or fulljson" },
    { "output", SL_PT_STRING, 0, OI(output), NULL, NULL, NULL,
      "file receiving a copy of every reply" },
    { "forceSingleInstance", SL_PT_BOOL, 0, OI(force_single), "off", NULL, NULL,
      "one program for all workers" },
    { "replyTimeout", SL_PT_NONNEG, 0, OI(reply_timeout), "30000", NULL, NULL,
      "sluice only: ms to wait for a reply (0: for ever)" },
    SL_PARAM_END
};

/* fulljson's keys in rsyslog's order; NULL names are filled in specially */
static const char *const json_props[] = {
    "msg", "rawmsg", NULL /* timereported */, "hostname", "syslogtag", "inputname",
    "fromhost", "fromhost-ip", "pri", "syslogfacility", "syslogseverity",
    NULL /* timegenerated */, "programname", "protocol-version", "structured-data",
    "app-name", "procid", "msgid"
};
static const char *const json_keys[] = {
    "msg", "rawmsg", "timereported", "hostname", "syslogtag", "inputname", "fromhost",
    "fromhost-ip", "pri", "syslogfacility", "syslogseverity", "timegenerated",
    "programname", "protocol-version", "structured-data", "app-name", "procid", "msgid"
};
#define NJSON (sizeof json_keys / sizeof json_keys[0])
_Static_assert(NJSON == sizeof((struct mmx_inst *)0)->p_json / sizeof(void *), "p_json");

static void proc_init(struct mmx_proc *p)
{
    memset(p, 0, sizeof *p);
    p->pid = -1;
    p->fd_to = p->fd_from = p->fd_output = -1;
}

static void proc_stop(struct mmx_inst *in, struct mmx_proc *p, int kill_it)
{
    if (p->fd_to >= 0) {
        close(p->fd_to);
        p->fd_to = -1;
    }
    if (p->fd_from >= 0) {
        close(p->fd_from);
        p->fd_from = -1;
    }
    if (p->pid > 0) {
        int status;
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        for (int i = 0; r == 0 && i < 50; i++) {     /* EOF on stdin: up to 5 s to exit */
            if (kill_it || i == 49) {
                kill(p->pid, SIGKILL);
                kill_it = 0;
            }
            struct timespec ts = { 0, 100 * 1000 * 1000 };
            nanosleep(&ts, NULL);
            r = waitpid(p->pid, &status, WNOHANG);
        }
        if (r == 0) {
            (void)waitpid(p->pid, &status, 0);
        }
        p->pid = -1;
    }
    (void)in;
}

static int proc_start(struct mmx_inst *in, struct mmx_proc *p)
{
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) != 0) {
        return -1;
    }
    if (pipe2(from, O_CLOEXEC) != 0) {
        close(to[0]);
        close(to[1]);
        return -1;
    }
    /* the program's stdout and stderr both go to the reply pipe; its environment is empty */
    char *const env[] = { NULL };
    const struct sl_spawn sp = {
        .argv = in->argv, .envp = env, .fd_in = to[0], .fd_out = from[1], .fd_err = from[1],
        .ignore_sigint = 1,                       /* as rsyslog: SIGINT ignored */
        .exec_fail_msg = "mmexternal: failed to execute binary\n", .exec_fail_status = 1,
    };
    pid_t pid = sl_spawn_start(&sp);
    if (pid < 0) {
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        return -1;
    }
    close(to[0]);
    close(from[1]);
    p->pid = pid;
    p->fd_to = to[1];
    p->fd_from = from[0];
    return 0;
}

/* Writes all of iov; EPIPE: the program is gone (-2); other errors -1. */
static int write_all(int fd, const char *a, size_t alen)
{
    struct iovec iov[2] = { { (void *)a, alen }, { (void *)"\n", 1 } };
    int n = 2;
    struct iovec *v = iov;
    while (n > 0) {
        ssize_t r = writev(fd, v, n);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EPIPE ? -2 : -1;
        }
        while (n > 0 && (size_t)r >= v->iov_len) {
            r -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + r;
            v->iov_len -= (size_t)r;
        }
    }
    return 0;
}

/* Reads one reply line into p->resp (NUL-terminated, LF removed).  0, or -1 on EOF/error
 * (the reply is then "{}"), -2 on timeout. */
static int read_reply(struct mmx_inst *in, struct mmx_proc *p)
{
    p->resp_len = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (p->resp_cap < p->resp_len + 4097) {
            char *n = realloc(p->resp, p->resp_cap + 8192);
            if (n == NULL) {
                return -1;
            }
            p->resp = n;
            p->resp_cap += 8192;
        }
        if (in->reply_timeout > 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            int64_t spent = (int64_t)(now.tv_sec - t0.tv_sec) * 1000 +
                            (now.tv_nsec - t0.tv_nsec) / 1000000;
            int64_t left = in->reply_timeout - spent;
            struct pollfd pf = { .fd = p->fd_from, .events = POLLIN };
            int pr = left > 0 ? poll(&pf, 1, left > 60000 ? 60000 : (int)left) : 0;
            if (pr < 0 && errno == EINTR) {
                continue;
            }
            if (pr == 0) {
                if (left <= 60000) {
                    return -2;
                }
                continue;
            }
        }
        ssize_t r = read(p->fd_from, p->resp + p->resp_len, p->resp_cap - p->resp_len - 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        p->resp_len += (size_t)r;
        p->resp[p->resp_len] = '\0';
        if (p->resp[p->resp_len - 1] == '\n') {
            break;
        }
    }
    if (p->fd_output < 0 && in->output != NULL) {
        p->fd_output = open(in->output, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    }
    if (p->fd_output >= 0) {
        ssize_t w = write(p->fd_output, p->resp, p->resp_len);
        (void)w;
    }
    p->resp[--p->resp_len] = '\0';
    return 0;
}

static int mmx_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct mmx_inst *in = inst;
    (void)modconf;
    in->h = h;
    proc_init(&in->single);
    if (h->struct_size < offsetof(struct sl_host, msg_json_set_ref) + sizeof h->msg_json_set_ref ||
        h->msg_set_msg == NULL || h->msg_json_set == NULL) {
        h->log(SL_LOG_ERR, WHO, "mmexternal: the core is too old (needs ABI 1.4)");
        return SL_ECONFIG;
    }
    if (in->binary == NULL || in->binary[0] == '\0' || (in->argv = sl_spawn_split(in->binary)) == NULL ||
        in->argv[0][0] == '\0') {
        h->log(SL_LOG_ERR, WHO, "mmexternal: parameter binary must name a program");
        return SL_ECONFIG;
    }
    const char *ip = in->input != NULL ? in->input : "msg";
    if (strcmp(ip, "msg") == 0) {
        in->in_kind = IN_MSG;
    } else if (strcmp(ip, "rawmsg") == 0) {
        in->in_kind = IN_RAWMSG;
    } else if (strcmp(ip, "fulljson") == 0) {
        in->in_kind = IN_JSON;
    } else {
        h->log(SL_LOG_ERR, WHO, "mmexternal: invalid interface.input parameter '%s'", ip);
        return SL_ECONFIG;
    }
    if (h->struct_size >= offsetof(struct sl_host, msg_set_prop) + sizeof h->msg_set_prop) {
        in->set_prop = h->msg_set_prop;
    }
    if (h->prop_ref("msg", &in->p_msg) != 0 || h->prop_ref("rawmsg", &in->p_rawmsg) != 0 ||
        h->prop_ref("$!", &in->p_root) != 0) {
        return SL_ECONFIG;
    }
    for (size_t i = 0; i < NJSON; i++) {
        if (json_props[i] != NULL && h->prop_ref(json_props[i], &in->p_json[i]) != 0) {
            h->log(SL_LOG_ERR, WHO, "mmexternal: property %s unknown", json_props[i]);
            return SL_ECONFIG;
        }
    }
    /* rsyslog's built-in JSON template, internal name with a leading blank */
    in->t_times = h->template_find(" StdJSONFmt");
    if (in->t_times == NULL) {
        in->t_times = h->template_find("RSYSLOG_StdJSONFmt");
    }
    if (pthread_mutex_init(&in->lock, NULL) != 0) {
        return SL_ENOMEM;
    }
    in->lock_init = 1;
    in->c_calls = h->counter(WHO, in->binary, "calls");
    in->c_restarts = h->counter(WHO, in->binary, "restarts");
    in->c_timeouts = h->counter(WHO, in->binary, "timeouts");
    in->c_invalid = h->counter(WHO, in->binary, "reply.invalid");
    in->c_unsupported = h->counter(WHO, in->binary, "reply.unsupported");
    return 0;
}

static void mmx_destroy(void *inst)
{
    struct mmx_inst *in = inst;
    proc_stop(in, &in->single, 0);
    if (in->single.fd_output >= 0) {
        close(in->single.fd_output);
    }
    free(in->single.resp);
    if (in->lock_init) {
        pthread_mutex_destroy(&in->lock);
        in->lock_init = 0;
    }
    void **hs[] = { &in->p_msg, &in->p_rawmsg, &in->p_root };
    for (size_t i = 0; i < 3; i++) {
        if (*hs[i] != NULL) {
            in->h->prop_unref(*hs[i]);
            *hs[i] = NULL;
        }
    }
    for (size_t i = 0; i < NJSON; i++) {
        if (in->p_json[i] != NULL) {
            in->h->prop_unref(in->p_json[i]);
            in->p_json[i] = NULL;
        }
    }
    sl_spawn_free_argv(in->argv);
    in->argv = NULL;
}

static int mmx_worker_create(void *inst, void *wrk)
{
    (void)inst;
    struct mmx_wrk *w = wrk;
    memset(w, 0, sizeof *w);
    proc_init(&w->proc);
    return 0;
}

static void mmx_worker_destroy(void *inst, void *wrk)
{
    struct mmx_inst *in = inst;
    struct mmx_wrk *w = wrk;
    proc_stop(in, &w->proc, 0);
    if (w->proc.fd_output >= 0) {
        close(w->proc.fd_output);
    }
    free(w->proc.resp);
    in->h->buf_free(&w->in);
}

/* Appends property handle h's value as a JSON string value. */
static struct fjson_object *prop_json(struct mmx_inst *in, struct sl_msg *m, void *h,
                                      struct sl_buf *tmp)
{
    tmp->len = 0;
    if (in->h->msg_prop(m, h, tmp) != 0) {
        return NULL;
    }
    return fjson_object_new_string_len(tmp->p != NULL ? tmp->p : "", (int)tmp->len);
}

/* rsyslog's msgGetJSONMESG as text in w->in. */
static int full_json(struct mmx_inst *in, struct mmx_wrk *w, struct sl_msg *m)
{
    struct sl_buf tmp = { NULL, 0, 0 };
    struct fjson_object *o = fjson_object_new_object();
    struct fjson_object *times = NULL;
    if (o == NULL) {
        return -1;
    }
    if (in->t_times != NULL && in->h->render(in->t_times, m, &tmp) == 0) {
        times = fjson_tokener_parse(tmp.p != NULL ? tmp.p : "");
    }
    for (size_t i = 0; i < NJSON; i++) {
        struct fjson_object *v;
        if (json_props[i] != NULL) {
            v = prop_json(in, m, in->p_json[i], &tmp);
        } else {
            struct fjson_object *t = NULL;
            v = times != NULL && fjson_object_object_get_ex(times, json_keys[i], &t)
                    ? fjson_object_get(t) : fjson_object_new_string("");
        }
        fjson_object_object_add(o, json_keys[i], v);
    }
    fjson_object_object_add(o, "uuid", NULL);
    tmp.len = 0;
    struct fjson_object *cee = NULL;
    if (in->h->msg_prop(m, in->p_root, &tmp) == 0 && tmp.len > 0) {
        cee = fjson_tokener_parse(tmp.p);
    }
    fjson_object_object_add(o, "$!", cee);
    const char *s = fjson_object_to_json_string(o);
    w->in.len = 0;
    size_t sl = strlen(s);
    int rc = in->h->buf_reserve(&w->in, sl + 1);
    if (rc == 0) {
        memcpy(w->in.p, s, sl);
        w->in.len = sl;
    }
    fjson_object_put(o);
    if (times != NULL) {
        fjson_object_put(times);
    }
    in->h->buf_free(&tmp);
    return rc;
}

static void apply_reply(struct mmx_inst *in, struct sl_msg *m, const char *reply)
{
    if (strcmp(reply, "{}") == 0) {
        return;
    }
    struct fjson_object *o = fjson_tokener_parse(reply);
    if (o == NULL || !fjson_object_is_type(o, fjson_type_object)) {
        if (o != NULL) {
            fjson_object_put(o);
        }
        atomic_fetch_add(in->c_invalid, 1);
        in->h->log(SL_LOG_ERR, WHO, "mmexternal: invalid reply '%s' from program '%s'", reply,
                   in->binary);
        return;
    }
    struct fjson_object_iterator it = fjson_object_iter_begin(o);
    struct fjson_object_iterator end = fjson_object_iter_end(o);
    while (!fjson_object_iter_equal(&it, &end)) {
        const char *k = fjson_object_iter_peek_name(&it);
        struct fjson_object *v = fjson_object_iter_peek_value(&it);
        if (strcmp(k, "msg") == 0) {
            const char *s = fjson_object_get_string(v);
            if (s == NULL) {
                s = "";
            }
            (void)in->h->msg_set_msg(m, s, strlen(s));
        } else if (strcmp(k, "$!") == 0) {
            if (fjson_object_is_type(v, fjson_type_object)) {
                (void)in->h->msg_json_set(m, "$!", fjson_object_get(v));
            }
        } else if (in->set_prop != NULL) {
            /* the other properties rsyslog's msgSetPropViaJSON sets: the numbers as
             * json_object_get_int reads them, the rest as json_object_get_string */
            char num[24];
            const char *s = num;
            if (strcmp(k, "pri") == 0 || strcmp(k, "syslogfacility") == 0 ||
                strcmp(k, "syslogseverity") == 0) {
                snprintf(num, sizeof num, "%d", fjson_object_get_int(v));
            } else if ((s = fjson_object_get_string(v)) == NULL) {
                s = "";
            }
            (void)in->set_prop(m, k, s, strlen(s));   /* SL_ENOENT: ignored, as rsyslog */
        } else if (strcmp(k, "rawmsg") == 0 || strcmp(k, "syslogtag") == 0 ||
                   strcmp(k, "pri") == 0 || strcmp(k, "syslogfacility") == 0 ||
                   strcmp(k, "syslogseverity") == 0 || strcmp(k, "procid") == 0 ||
                   strcmp(k, "msgid") == 0 || strcmp(k, "structured-data") == 0 ||
                   strcmp(k, "hostname") == 0 || strcmp(k, "source") == 0 ||
                   strcmp(k, "fromhost") == 0 || strcmp(k, "fromhost-ip") == 0) {
            atomic_fetch_add(in->c_unsupported, 1);
            if (!atomic_exchange(&in->warned_keys, 1)) {
                in->h->log(SL_LOG_WARNING, WHO, "mmexternal: reply key '%s' from '%s' needs a "
                           "core with plugin ABI 1.8 (only msg and $! before); ignored", k,
                           in->binary);
            }
        }   /* other keys: ignored, as rsyslog */
        fjson_object_iter_next(&it);
    }
    fjson_object_put(o);
}

static int mmx_process(void *inst, void *wrk, struct sl_msg *m)
{
    struct mmx_inst *in = inst;
    struct mmx_wrk *w = wrk;
    const struct sl_host *h = in->h;

    w->in.len = 0;
    int rc = 0;
    if (in->in_kind == IN_JSON) {
        rc = full_json(in, w, m);
    } else {
        rc = h->msg_prop(m, in->in_kind == IN_MSG ? in->p_msg : in->p_rawmsg, &w->in);
    }
    if (rc != 0) {
        return SL_OK;
    }
    atomic_fetch_add(in->c_calls, 1);
    struct mmx_proc *p = in->force_single ? &in->single : &w->proc;
    if (in->force_single) {
        pthread_mutex_lock(&in->lock);
    }
    const char *reply = "{}";
    for (int attempt = 0; attempt < 2; attempt++) {
        if (p->pid <= 0 && proc_start(in, p) != 0) {
            h->log(SL_LOG_ERR, WHO, "mmexternal: cannot start '%s': %s", in->binary,
                   strerror(errno));
            break;
        }
        int wr = write_all(p->fd_to, w->in.p != NULL ? w->in.p : "", w->in.len);
        if (wr == -2) {
            h->log(SL_LOG_WARNING, WHO, "mmexternal: program '%s' (pid %ld) terminated; will "
                   "be restarted", in->binary, (long)p->pid);
            proc_stop(in, p, 0);
            atomic_fetch_add(in->c_restarts, 1);
            continue;
        }
        if (wr < 0) {
            h->log(SL_LOG_ERR, WHO, "mmexternal: error sending message to program: %s",
                   strerror(errno));
            break;
        }
        int rr = read_reply(in, p);
        if (rr == -2) {
            atomic_fetch_add(in->c_timeouts, 1);
            h->log(SL_LOG_WARNING, WHO, "mmexternal: program '%s' (pid %ld) did not reply "
                   "within %lld ms; restarted, message unchanged", in->binary, (long)p->pid,
                   (long long)in->reply_timeout);
            proc_stop(in, p, 1);
            atomic_fetch_add(in->c_restarts, 1);
        } else if (rr == 0) {
            reply = p->resp;
        }
        break;
    }
    apply_reply(in, m, reply);
    if (in->force_single) {
        pthread_mutex_unlock(&in->lock);
    }
    return SL_OK;
}

static const struct sl_modifier_ops mmx_ops = {
    .create = mmx_create,
    .destroy = mmx_destroy,
    .worker_create = mmx_worker_create,
    .worker_destroy = mmx_worker_destroy,
    .process = mmx_process,
};

SL_PLUGIN_DEFINE(mmexternal) = {
    SL_PLUGIN_HEADER(mmexternal),
    .kinds = SL_MODIFIER,
    .inst_params = inst_params,
    .inst_size = sizeof(struct mmx_inst),
    .wrk_size = sizeof(struct mmx_wrk),
    .mod = &mmx_ops,
};
