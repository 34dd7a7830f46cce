/*
 * ommail.c - the ommail output plugin: alert mail over SMTP.
 *
 * rsyslog 8.2302's ommail, same parameters and legacy directives, and the same mail for the
 * same config: one mail per message, headers "Date", "From: <mailfrom>", "To: <b>, <a>"
 * (recipients in reverse order of configuration, as rsyslog's list is built), "Subject"
 * (subject.text, else the subject.template rendering, else "message from rsyslog"),
 * "X-Mailer: rsyslog-ommail" (kept for filters that match it), an empty line, the body (the
 * template's rendering unless body.enable="off") and CRLF before the final dot.  Beyond
 * rsyslog (sluice-only, documented in sluice.conf(5)): STARTTLS (required, never downgraded)
 * and implicit TLS with peer verification, a client certificate, AUTH, HELO name,
 * timeouts, and a digest mode for alert storms.
 *
 * The SMTP client is libcurl's (Debian's GnuTLS flavour, so TLS stays on GnuTLS): it
 * does the dialogue, STARTTLS, AUTH and dot-stuffing.  What is hand-written here is only
 * the mail text (rsyslog's exact header layout, which no library produces) and the
 * mapping of libcurl's outcome onto the core's verdicts:
 *   - success: the message is done;
 *   - a 4xx reply, a connection or TLS failure, a timeout: SL_SUSPEND (the core's queue
 *     holds the message and retries after back-off; a 4xx after some messages of the batch
 *     went out: SL_PARTIAL);
 *   - a 5xx reply (rejected recipient, failed AUTH, refused message): permanent for that
 *     message: SL_BAD_DATA (action.errorFile, never retried).  The server's reply line is
 *     logged and counted by class, since the errorFile record has no field for it.
 * A batch whose permanent failure is followed by a transient one cannot be answered in one
 * verdict; the outcomes of the messages already tried are remembered (by message pointer,
 * valid while the core retries the same batch) so the retry neither sends them twice nor
 * loses the 5xx marks.
 *
 * Digest mode (digest.interval > 0): deliver() only renders the message into the open
 * window (at most digest.maxMessages bodies, the rest counted as suppressed); a timer thread
 * owned by the instance sends one mail per window when the window's time is up ("N
 * messages, K more suppressed").  When the core offers deferred acknowledgement (ABI 1.4,
 * queued actions: b->ack), a batch with a message shown in the window answers SL_PENDING
 * and is confirmed through batch_done() when the digest is settled: mailed (SL_OK), refused
 * with 5xx (SL_BAD_DATA: errorFile), deferred or unreachable (SL_SUSPEND: the queue keeps
 * the messages, on disk with a disk-assisted queue, and delivers them again after the
 * action's back-off); batches of suppressed messages only are done at once.  flush() sends
 * the open window at shutdown; worker_destroy() ends all batch_done() calls (the core frees
 * its window after it).  Without deferred acknowledgement (direct actions) the window's
 * messages are done when they join it: a deferred digest is kept in memory and tried again
 * at the next tick, one still pending at shutdown is tried once more, then counted as lost.
 *
 * Ownership and lifetime
 *   - Parameter strings, arrays and templates belong to the core.
 *   - The instance owns the recipient list (curl_slist), the password read from
 *     auth.passwordFile, the digest buffers and the timer thread (started in create(),
 *     joined in destroy()).
 *   - Each worker owns its CURL easy handle and render buffers; the timer thread owns its own
 *     handle.
 *
 * Concurrency & locking
 *   - deliver() runs on the core's worker threads with its own wrk block; what it shares is
 *     the digest window, guarded by inst->dg_lock (held only to append or take the window,
 *     never during SMTP), and the atomic counters.
 *   - The timer thread waits on inst->dg_cond with a deadline; destroy() sets dg_stop,
 *     signals and joins it.  The timer thread calls only log(), counters and batch_done()
 *     of the host; batch_done() is called with dg_lock held and only while dg_acks_dead is
 *     clear, so worker_destroy() (which sets it under the lock) is the last point where a
 *     confirmation can reach the core.  dg_sending counts windows being mailed without the
 *     lock; flush() waits for them on dg_cond (broadcast after each send).
 *   - curl_global_init runs in mod_init (main thread, before any worker); CURLOPT_NOSIGNAL
 *     keeps libcurl away from signals of the daemon.
 */

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sluice/sl_plugin.h"
#include "sl_curl.h"

#define OMMAIL_DEFAULT_SUBJECT "message from rsyslog"
#define OMMAIL_REPLY_MAX 512

enum { TLS_OFF = 0, TLS_STARTTLS = 1, TLS_IMPLICIT = 2 };

struct ommail_inst {
    /* parameters (filled by the core) */
    char *server;
    char *port;
    char *mailfrom;
    struct sl_strarr mailto;
    const struct sl_template *subject_tpl;
    char *subject_text;
    int body_enable;
    const struct sl_template *tpl;
    int64_t tls;
    char *tls_ca_file;
    int tls_check_name;
    int tls_allow_unsigned;
    char *tls_cert_file;
    char *tls_key_file;
    char *auth_user;
    char *auth_password;
    char *auth_password_file;
    char *auth_mechanism;
    char *helo;
    int64_t timeout_connect;     /* ms */
    int64_t timeout_session;     /* ms */
    int64_t digest_interval;     /* s, 0: off */
    int64_t digest_max;

    /* runtime */
    const struct sl_host *h;
    char who[160];
    char url[600];
    char *password;              /* auth.password or the file's first line (owned) */
    struct curl_slist *rcpts;    /* reverse order of mailto, as rsyslog */
    char *to_header;             /* "To: <b>, <a>\r\n" (owned) */
    const struct sl_template *body_tpl;

    /* counters */
    _Atomic uint64_t *c_mails;       /* mails.sent */
    _Atomic uint64_t *c_mailed;      /* messages.mailed */
    _Atomic uint64_t *c_suppressed;  /* messages.suppressed */
    _Atomic uint64_t *c_fail4;       /* failed.4xx: transient replies */
    _Atomic uint64_t *c_fail5;       /* failed.5xx: permanent replies */
    _Atomic uint64_t *c_failconn;    /* failed.connect: connection, TLS, timeout */
    _Atomic uint64_t *c_failtls;     /* failed.tls: of which TLS refusals */
    _Atomic uint64_t *c_msgfail;     /* messages.failed: in mails rejected with 5xx */
    _Atomic uint64_t *c_lost;        /* messages.lost: digest not sendable at shutdown */

    /* digest window */
    int dg_on;
    int dg_locks;
    int dg_thread;
    pthread_mutex_t dg_lock;
    pthread_cond_t dg_cond;
    pthread_t dg_tid;
    int dg_stop;
    struct sl_buf dg_body;           /* bodies of the window's included messages */
    char *dg_subject;                /* subject of the window's first message (owned) */
    uint64_t dg_n;                   /* included */
    uint64_t dg_k;                   /* suppressed (over the cap) */
    int64_t dg_deadline_ms;          /* CLOCK_MONOTONIC; 0: no window open */
    /* ABI 1.4 deferred acknowledgement: batches with a message in the window answer
     * SL_PENDING and are confirmed when the digest has gone out */
    struct ommail_held *dg_acks;
    size_t dg_nacks, dg_acks_cap;
    uint64_t dg_n_held;              /* included messages whose batch is held */
    uint64_t dg_k_held;              /* suppressed messages whose batch is held */
    int dg_sending;                  /* windows taken and being mailed (lock released) */
    int dg_acks_dead;                /* set by worker_destroy(): no batch_done() any more */
};

/* A batch held until its digest is mailed. */
struct ommail_held {
    struct sl_ack *ack;
    size_t n;
};

/* One remembered outcome of a message of a batch that must be retried. */
struct ommail_memo {
    const struct sl_msg *m;
    int bad;                         /* 1: 5xx (goes to errorFile); 0: sent */
};

struct ommail_wrk {
    CURL *curl;
    struct sl_buf body;
    struct sl_buf subj;
    struct sl_buf mail;
    struct ommail_memo *memo;
    size_t nmemo, memo_cap;
};

/* What one SMTP transaction came to. */
enum { MR_OK = 0, MR_TEMP = 1, MR_PERM = 2 };

struct ommail_reader {
    const char *p;
    size_t left;
};

struct ommail_reply {
    char line[OMMAIL_REPLY_MAX];     /* last 4xx/5xx reply line of the server, or "" */
};

static const char *const ommail_tls_enum[] = { "off", "starttls", "implicit", NULL };

#define OI(f) offsetof(struct ommail_inst, f)
static const struct sl_param ommail_inst_params[] = {
    /* rsyslog 8.2302 */
    { "server", SL_PT_WORD, 0, OI(server), NULL, NULL, "$ActionMailSMTPServer",
      "SMTP server (default 127.0.0.1)" },
    { "port", SL_PT_WORD, 0, OI(port), NULL, NULL, "$ActionMailSMTPPort",
      "SMTP port (default 25, 465 with tls=\"implicit\")" },
    { "mailfrom", SL_PT_WORD, SL_P_REQUIRED, OI(mailfrom), NULL, NULL, "$ActionMailFrom",
      "sender address" },
    { "mailto", SL_PT_ARRAY, SL_P_REQUIRED, OI(mailto), NULL, NULL, "$ActionMailTo",
      "recipient address(es)" },
    { "subject.template", SL_PT_TEMPLATE, 0, OI(subject_tpl), NULL, NULL,
      "$ActionMailSubject", "template for the Subject header" },
    { "subject.text", SL_PT_STRING, 0, OI(subject_text), NULL, NULL, NULL,
      "constant Subject header" },
    { "body.enable", SL_PT_BOOL, 0, OI(body_enable), "on", NULL, "$ActionMailEnableBody",
      "send the rendered message as the body" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, NULL,
      "body template (default RSYSLOG_FileFormat)" },
    /* sluice-only */
    { "tls", SL_PT_ENUM, 0, OI(tls), "off", ommail_tls_enum, NULL,
      "off, starttls (required) or implicit" },
    { "tls.caFile", SL_PT_STRING, 0, OI(tls_ca_file), NULL, NULL, NULL,
      "CA certificates (PEM) that verify the server" },
    { "tls.checkName", SL_PT_BOOL, 0, OI(tls_check_name), "on", NULL, NULL,
      "the server certificate must name the server" },
    { "tls.allowUnsignedCerts", SL_PT_BOOL, 0, OI(tls_allow_unsigned), "off", NULL, NULL,
      "INSECURE: accept any server certificate" },
    { "tls.certFile", SL_PT_STRING, 0, OI(tls_cert_file), NULL, NULL, NULL,
      "client certificate (PEM)" },
    { "tls.keyFile", SL_PT_STRING, 0, OI(tls_key_file), NULL, NULL, NULL,
      "client private key (PEM)" },
    { "auth.user", SL_PT_STRING, 0, OI(auth_user), NULL, NULL, NULL, "SMTP AUTH user" },
    { "auth.password", SL_PT_STRING, SL_P_SECRET, OI(auth_password), NULL, NULL, NULL,
      "SMTP AUTH password" },
    { "auth.passwordFile", SL_PT_STRING, 0, OI(auth_password_file), NULL, NULL, NULL,
      "file whose first line is the SMTP AUTH password" },
    { "auth.mechanism", SL_PT_WORD, 0, OI(auth_mechanism), NULL, NULL, NULL,
      "PLAIN, LOGIN, ... (default: the best the server offers)" },
    { "helo", SL_PT_WORD, 0, OI(helo), NULL, NULL, NULL,
      "EHLO name (default: the local host name)" },
    { "timeout.connect", SL_PT_POSINT, 0, OI(timeout_connect), "10000", NULL, NULL,
      "ms to connect (TLS handshake included)" },
    { "timeout.session", SL_PT_POSINT, 0, OI(timeout_session), "60000", NULL, NULL,
      "ms for one whole SMTP transaction" },
    { "digest.interval", SL_PT_NONNEG, 0, OI(digest_interval), "0", NULL, NULL,
      "s: collect the messages of a window into one mail (0: one mail per message)" },
    { "digest.maxMessages", SL_PT_POSINT, 0, OI(digest_max), "100", NULL, NULL,
      "messages shown in one digest; the rest are counted as suppressed" },
    SL_PARAM_END
};

/* ------------------------------------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* rsyslog's Date header: "Date: Sun,  6 Dec 2026 13:05:09 +0000" (UTC, day padded with a
 * space to two characters). */
static int add_date(const struct sl_host *h, struct sl_buf *b)
{
    static const char day[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char mon[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char s[80];
    int n = snprintf(s, sizeof s, "Date: %s, %2d %s %4d %02d:%02d:%02d +0000\r\n",
                     day[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12], 1900 + tm.tm_year,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    return sl_curl_buf_add(h, b, s, (size_t)n);
}

/* The subject goes into a header line: CR and LF (only possible in a template that does
 * not escape control characters) become spaces, so no message can add headers. */
static int add_subject(const struct sl_host *h, struct sl_buf *b, const char *s, size_t n)
{
    if (sl_curl_buf_str(h, b, "Subject: ") != 0 || h->buf_reserve(b, n + 3) != 0) {
        return SL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        b->p[b->len++] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
    }
    return sl_curl_buf_add(h, b, "\r\n", 2);
}

/* The whole mail as rsyslog's ommail sends it between DATA and the final dot (libcurl
 * dot-stuffs it and, since it ends in CRLF, adds only ".\r\n"). */
static int build_mail(struct ommail_inst *in, struct sl_buf *mail, const char *subj,
                      size_t subj_len, const char *body, size_t body_len)
{
    const struct sl_host *h = in->h;
    mail->len = 0;
    if (add_date(h, mail) != 0 || sl_curl_buf_str(h, mail, "From: <") != 0 ||
        sl_curl_buf_str(h, mail, in->mailfrom) != 0 ||
        sl_curl_buf_str(h, mail, ">\r\n") != 0 ||
        sl_curl_buf_str(h, mail, in->to_header) != 0 ||
        add_subject(h, mail, subj, subj_len) != 0 ||
        sl_curl_buf_str(h, mail, "X-Mailer: rsyslog-ommail\r\n\r\n") != 0) {
        return SL_ENOMEM;
    }
    if (body_len > 0 && sl_curl_buf_add(h, mail, body, body_len) != 0) {
        return SL_ENOMEM;
    }
    return sl_curl_buf_add(h, mail, "\r\n", 2);
}

/* ------------------------------------------------------------------------------------- */

static size_t read_cb(char *dst, size_t size, size_t nitems, void *arg)
{
    struct ommail_reader *r = arg;
    size_t n = size * nitems;
    if (n > r->left) {
        n = r->left;
    }
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

/* libcurl hands every server reply line of an SMTP dialogue to the header callback: keep
 * the last 4xx/5xx one for the log. */
static size_t header_cb(char *line, size_t size, size_t nitems, void *arg)
{
    struct ommail_reply *rep = arg;
    size_t n = size * nitems;
    if (n >= 3 && (line[0] == '4' || line[0] == '5') && isdigit((unsigned char)line[1]) &&
        isdigit((unsigned char)line[2])) {
        size_t k = n < sizeof rep->line - 1 ? n : sizeof rep->line - 1;
        while (k > 0 && (line[k - 1] == '\r' || line[k - 1] == '\n')) {
            k--;
        }
        for (size_t i = 0; i < k; i++) {
            unsigned char c = (unsigned char)line[i];
            rep->line[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
        }
        rep->line[k] = '\0';
    }
    return n;
}

static CURL *make_handle(struct ommail_inst *in)
{
    CURL *c = curl_easy_init();
    if (c == NULL) {
        return NULL;
    }
    sl_curl_easy_base(c, "smtp,smtps", (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS),
                      in->timeout_connect);
    curl_easy_setopt(c, CURLOPT_URL, in->url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, in->mailfrom);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, in->rcpts);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)in->timeout_session);
    /* one connection per mail, as rsyslog: nothing half-open is kept between alerts */
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     in->tls == TLS_STARTTLS ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (in->tls != TLS_OFF) {
        /* tls.caFile replaces the system CA directory (ca_only) */
        const struct sl_curl_certs t = {
            .ca_file = in->tls_ca_file, .ca_only = 1,
            .cert_file = in->tls_cert_file, .key_file = in->tls_key_file,
            .verify_peer = !in->tls_allow_unsigned,
            .verify_host = in->tls_check_name && !in->tls_allow_unsigned,
        };
        sl_curl_easy_certs(c, &t);
    }
    if (in->auth_user != NULL) {
        curl_easy_setopt(c, CURLOPT_USERNAME, in->auth_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, in->password != NULL ? in->password : "");
        if (in->auth_mechanism != NULL) {
            char opt[80];
            snprintf(opt, sizeof opt, "AUTH=%s", in->auth_mechanism);
            curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, opt);
        }
    }
    return c;
}

static int is_tls_error(CURLcode rc)
{
    return rc == CURLE_USE_SSL_FAILED || rc == CURLE_SSL_CONNECT_ERROR ||
           rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CIPHER ||
           rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_CRL_BADFILE;
}

/* One SMTP transaction for the prepared mail.  Returns MR_OK, MR_TEMP or MR_PERM, logs and
 * counts failures; `nmsgs` is how many messages the mail carries (for the log). */
static int smtp_send(struct ommail_inst *in, CURL *c, const struct sl_buf *mail, uint64_t nmsgs)
{
    struct ommail_reader rd = { mail->p, mail->len };
    struct ommail_reply rep;
    char err[CURL_ERROR_SIZE];
    rep.line[0] = '\0';
    err[0] = '\0';
    curl_easy_setopt(c, CURLOPT_READDATA, &rd);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &rep);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)mail->len);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    if (rc == CURLE_OK) {
        atomic_fetch_add(in->c_mails, 1);
        atomic_fetch_add(in->c_mailed, nmsgs);
        return MR_OK;
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
        rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING) {
        /* the connection failed or hung: an earlier reply of this dialogue (say a 5xx to
         * EHLO before HELO) is not the verdict.  (libcurl reports a refused RCPT as
         * CURLE_SEND_ERROR with its code, so that one is not on this list.) */
        code = 0;
    }
    const char *why = err[0] != '\0' ? err : curl_easy_strerror(rc);
    if (code >= 500 && code <= 599 && !is_tls_error(rc)) {
        atomic_fetch_add(in->c_fail5, 1);
        atomic_fetch_add(in->c_msgfail, nmsgs);
        in->h->log(SL_LOG_ERR, in->who, "mail to %s refused permanently (%s): server said "
                   "\"%s\"; %llu message(s) not mailed", in->url, why,
                   rep.line[0] != '\0' ? rep.line : "?", (unsigned long long)nmsgs);
        return MR_PERM;
    }
    if (code >= 400 && code <= 499 && !is_tls_error(rc)) {
        atomic_fetch_add(in->c_fail4, 1);
        in->h->log(SL_LOG_WARNING, in->who, "mail to %s deferred (%s): server said \"%s\"; "
                   "will retry", in->url, why, rep.line[0] != '\0' ? rep.line : "?");
        return MR_TEMP;
    }
    atomic_fetch_add(in->c_failconn, 1);
    if (is_tls_error(rc)) {
        atomic_fetch_add(in->c_failtls, 1);
        in->h->log(SL_LOG_ERR, in->who, "mail to %s: TLS refused (%s); nothing sent, will "
                   "retry", in->url, why);
    } else {
        in->h->log(SL_LOG_WARNING, in->who, "mail to %s failed (%s)%s%s; will retry", in->url,
                   why, rep.line[0] != '\0' ? ": server said " : "", rep.line);
    }
    return MR_TEMP;
}

/* ------------------------------------------------------------------------------------- */
/* Digest window */

/* Confirm the held batches of a window (called with dg_lock held, so that worker_destroy()
 * cannot pass between the check and the call). */
static void resolve_held(struct ommail_inst *in, struct ommail_held *held, size_t nheld,
                         int verdict)
{
    uint8_t *bad = NULL;
    for (size_t i = 0; i < nheld && !in->dg_acks_dead; i++) {
        if (verdict == SL_BAD_DATA) {
            uint8_t *nb = realloc(bad, held[i].n > 0 ? held[i].n : 1);
            if (nb == NULL) {
                in->h->batch_done(held[i].ack, SL_SUSPEND, 0, NULL);
                continue;
            }
            bad = nb;
            memset(bad, 1, held[i].n);
            in->h->batch_done(held[i].ack, SL_BAD_DATA, 0, bad);
        } else {
            in->h->batch_done(held[i].ack, verdict, 0, NULL);
        }
    }
    free(bad);
}

/* Called with dg_lock held (timer thread, flush()): take the window, mail it without the
 * lock, then settle it.  Without held batches a transient failure puts the window back for
 * the next tick; with held batches they are given back to the core (SL_SUSPEND: the queue
 * keeps them and delivers them again after the action's back-off), so a digest that cannot
 * go out waits in the queue, on disk with a disk-assisted one.  Returns with dg_lock held. */
static int digest_send_locked(struct ommail_inst *in, CURL *c, struct sl_buf *mail)
{
    if (in->dg_n == 0) {
        /* only suppressed ones (their text could not be kept): nothing to mail */
        atomic_fetch_add(in->c_suppressed, in->dg_k);
        in->dg_k = 0;
        in->dg_deadline_ms = 0;
        return MR_OK;
    }
    struct sl_buf body = in->dg_body;
    char *subject = in->dg_subject;
    uint64_t n = in->dg_n, k = in->dg_k, n_held = in->dg_n_held, k_held = in->dg_k_held;
    struct ommail_held *held = in->dg_acks;
    size_t nheld = in->dg_nacks;
    in->dg_body = (struct sl_buf){ 0 };
    in->dg_subject = NULL;
    in->dg_n = in->dg_k = in->dg_n_held = in->dg_k_held = 0;
    in->dg_acks = NULL;
    in->dg_nacks = in->dg_acks_cap = 0;
    in->dg_deadline_ms = 0;
    in->dg_sending++;
    pthread_mutex_unlock(&in->dg_lock);

    struct sl_buf text = { 0 };
    char head[128];
    if (k > 0) {
        snprintf(head, sizeof head, "%llu messages, %llu more suppressed\r\n\r\n",
                 (unsigned long long)n, (unsigned long long)k);
    } else {
        snprintf(head, sizeof head, "%llu messages\r\n\r\n", (unsigned long long)n);
    }
    int r = MR_TEMP;
    if (sl_curl_buf_str(in->h, &text, head) == 0 &&
        (body.len == 0 || sl_curl_buf_add(in->h, &text, body.p, body.len) == 0) &&
        build_mail(in, mail, subject != NULL ? subject : OMMAIL_DEFAULT_SUBJECT,
                   subject != NULL ? strlen(subject) : strlen(OMMAIL_DEFAULT_SUBJECT),
                   text.p, text.len) == 0) {
        r = smtp_send(in, c, mail, n);
    }
    in->h->buf_free(&text);

    pthread_mutex_lock(&in->dg_lock);
    in->dg_sending--;
    if (r == MR_OK) {
        atomic_fetch_add(in->c_suppressed, k);
        resolve_held(in, held, nheld, SL_OK);
    } else if (r == MR_PERM) {
        atomic_fetch_add(in->c_msgfail, k);
        resolve_held(in, held, nheld, SL_BAD_DATA);
    } else if (nheld > 0) {
        /* the held batches come back from the queue (all their messages: they are counted
         * when they are settled); the suppressed ones of other batches are gone (counted),
         * included ones of batches not held (no ack offered) are lost */
        resolve_held(in, held, nheld, SL_SUSPEND);
        atomic_fetch_add(in->c_suppressed, k - k_held);
        if (n > n_held) {
            atomic_fetch_add(in->c_lost, n - n_held);
            in->h->log(SL_LOG_ERR, in->who, "%llu message(s) of a deferred digest were not "
                       "held by the queue and are lost", (unsigned long long)(n - n_held));
        }
    } else {
        /* put it back in front of what arrived meanwhile: the older messages stay, the
         * new window fills the rest up to the cap (its records are CRLF-terminated, see
         * digest_add), what does not fit is counted as suppressed */
        uint64_t cap = (uint64_t)in->digest_max;
        uint64_t room = n < cap ? cap - n : 0;
        uint64_t keep = in->dg_n < room ? in->dg_n : room;
        size_t cut = 0;
        for (uint64_t rec = 0; rec < keep && cut < in->dg_body.len; rec++) {
            const char *e = memmem(in->dg_body.p + cut, in->dg_body.len - cut, "\r\n", 2);
            cut = e != NULL ? (size_t)(e - in->dg_body.p) + 2 : in->dg_body.len;
        }
        struct sl_buf merged = body;
        body = (struct sl_buf){ 0 };
        if (cut > 0 && sl_curl_buf_add(in->h, &merged, in->dg_body.p, cut) != 0) {
            keep = 0;    /* no memory for their text: count them as suppressed */
        }
        in->h->buf_free(&in->dg_body);
        in->dg_body = merged;
        in->dg_k = k + in->dg_k + (in->dg_n - keep);
        in->dg_n = n + keep;
        free(in->dg_subject);
        in->dg_subject = subject;
        subject = NULL;
        /* next try at the next tick */
        in->dg_deadline_ms = now_ms() + in->digest_interval * 1000;
    }
    free(held);
    pthread_cond_broadcast(&in->dg_cond);   /* flush() may wait for this send */
    in->h->buf_free(&body);
    free(subject);
    return r;
}

static void *digest_thread(void *arg)
{
    struct ommail_inst *in = arg;
    CURL *c = make_handle(in);
    struct sl_buf mail = { 0 };
    pthread_mutex_lock(&in->dg_lock);
    while (!in->dg_stop) {
        int64_t now = now_ms();
        if (in->dg_deadline_ms != 0 && now >= in->dg_deadline_ms && c != NULL) {
            digest_send_locked(in, c, &mail);
            continue;
        }
        int64_t until = in->dg_deadline_ms != 0 ? in->dg_deadline_ms : now + 1000;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t wait = until - now;
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&in->dg_cond, &in->dg_lock, &ts);
    }
    pthread_mutex_unlock(&in->dg_lock);
    /* what is still open goes out now (one try) */
    if (c != NULL) {
        pthread_mutex_lock(&in->dg_lock);
        digest_send_locked(in, c, &mail);
        uint64_t left = in->dg_n + in->dg_k;
        in->dg_n = in->dg_k = 0;
        pthread_mutex_unlock(&in->dg_lock);
        if (left > 0) {
            atomic_fetch_add(in->c_lost, left);
            in->h->log(SL_LOG_ERR, in->who, "shutdown: digest of %llu message(s) could not "
                       "be mailed", (unsigned long long)left);
        }
        curl_easy_cleanup(c);
    }
    in->h->buf_free(&mail);
    return NULL;
}

/* ------------------------------------------------------------------------------------- */

static int read_password_file(struct ommail_inst *in)
{
    FILE *f = fopen(in->auth_password_file, "r");
    if (f == NULL) {
        in->h->log(SL_LOG_ERR, in->who, "ommail: auth.passwordFile '%s': %s",
                   in->auth_password_file, strerror(errno));
        return SL_ECONFIG;
    }
    char line[1024];
    if (fgets(line, sizeof line, f) == NULL) {
        line[0] = '\0';
    }
    fclose(f);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
        line[--n] = '\0';
    }
    if (n == 0) {
        in->h->log(SL_LOG_ERR, in->who, "ommail: auth.passwordFile '%s' is empty",
                   in->auth_password_file);
        return SL_ECONFIG;
    }
    in->password = strdup(line);
    memset(line, 0, sizeof line);
    return in->password != NULL ? 0 : SL_ENOMEM;
}

static void inst_free(struct ommail_inst *in)
{
    curl_slist_free_all(in->rcpts);
    in->rcpts = NULL;
    free(in->to_header);
    in->to_header = NULL;
    if (in->password != NULL && in->password != in->auth_password) {
        memset(in->password, 0, strlen(in->password));
        free(in->password);
    }
    in->password = NULL;
}

static int ommail_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct ommail_inst *in = inst;
    (void)modconf;
    in->h = h;
    const char *server = in->server != NULL ? in->server : "127.0.0.1";
    const char *port = in->port != NULL ? in->port : (in->tls == TLS_IMPLICIT ? "465" : "25");
    snprintf(in->who, sizeof in->who, "ommail(%s:%s)", server, port);

    /* checks */
    if (in->mailfrom == NULL || in->mailfrom[0] == '\0') {
        h->log(SL_LOG_ERR, in->who, "ommail: no sender address given: set mailfrom (or "
               "$ActionMailFrom)");
        return SL_ECONFIG;
    }
    if (in->mailto.n == 0) {
        h->log(SL_LOG_ERR, in->who, "ommail: no recipient address given: set mailto (or "
               "$ActionMailTo)");
        return SL_ECONFIG;
    }
    char *end = NULL;
    errno = 0;
    long pn = strtol(port, &end, 10);
    if (port[0] == '\0' || *end != '\0' || errno != 0 || pn < 1 || pn > 65535 ||
        !isdigit((unsigned char)port[0])) {
        h->log(SL_LOG_ERR, in->who, "ommail: port \"%s\" is not a port number (1-65535)", port);
        return SL_ECONFIG;
    }
    if (in->subject_tpl != NULL && in->subject_text != NULL) {
        h->log(SL_LOG_ERR, in->who, "ommail: only one of subject.template, subject.text can "
               "be set");
        return SL_ECONFIG;
    }
    for (size_t i = 0; i < in->mailto.n; i++) {
        if (in->mailto.v[i] == NULL || in->mailto.v[i][0] == '\0' ||
            strpbrk(in->mailto.v[i], "<>\r\n \t,") != NULL) {
            h->log(SL_LOG_ERR, in->who, "ommail: mailto \"%s\" is not a mail address",
                   in->mailto.v[i] != NULL ? in->mailto.v[i] : "");
            return SL_ECONFIG;
        }
    }
    if (strpbrk(in->mailfrom, "<>\r\n \t,") != NULL) {
        h->log(SL_LOG_ERR, in->who, "ommail: mailfrom \"%s\" is not a mail address",
               in->mailfrom);
        return SL_ECONFIG;
    }
    if (in->tls != TLS_OFF && in->tls_ca_file == NULL) {
        const char *g = h->struct_size >= offsetof(struct sl_host, global_str) +
                                               sizeof h->global_str && h->global_str != NULL
                            ? h->global_str("defaultNetstreamDriverCAFile") : NULL;
        in->tls_ca_file = (char *)g;
    }
    if (in->tls != TLS_OFF && in->tls_ca_file == NULL && !in->tls_allow_unsigned) {
        h->log(SL_LOG_ERR, in->who, "ommail: tls=\"%s\" verifies the server: set tls.caFile "
               "(or global(defaultNetstreamDriverCAFile=...)), or tls.allowUnsignedCerts=\"on\" "
               "for a self-signed appliance", ommail_tls_enum[in->tls]);
        return SL_ECONFIG;
    }
    if (in->tls != TLS_OFF && in->tls_ca_file != NULL && access(in->tls_ca_file, R_OK) != 0) {
        h->log(SL_LOG_ERR, in->who, "ommail: tls.caFile '%s': %s", in->tls_ca_file,
               strerror(errno));
        return SL_ECONFIG;
    }
    if (in->tls == TLS_OFF && (in->tls_cert_file != NULL || in->tls_key_file != NULL ||
                               in->tls_ca_file != NULL)) {
        h->log(SL_LOG_WARNING, in->who, "ommail: tls.* settings are ignored with tls=\"off\"");
    }
    if ((in->tls_cert_file == NULL) != (in->tls_key_file == NULL)) {
        h->log(SL_LOG_ERR, in->who, "ommail: tls.certFile and tls.keyFile go together");
        return SL_ECONFIG;
    }
    const char *files[2] = { in->tls_cert_file, in->tls_key_file };
    for (int i = 0; i < 2 && in->tls != TLS_OFF; i++) {
        if (files[i] != NULL && access(files[i], R_OK) != 0) {
            h->log(SL_LOG_ERR, in->who, "ommail: %s '%s': %s",
                   i == 0 ? "tls.certFile" : "tls.keyFile", files[i], strerror(errno));
            return SL_ECONFIG;
        }
    }
    if (in->tls_allow_unsigned && in->tls != TLS_OFF) {
        h->log(SL_LOG_WARNING, in->who, "ommail: INSECURE: tls.allowUnsignedCerts=\"on\": any "
               "server certificate is accepted");
    }
    if (in->auth_password != NULL && in->auth_password_file != NULL) {
        h->log(SL_LOG_ERR, in->who, "ommail: only one of auth.password, auth.passwordFile can "
               "be set");
        return SL_ECONFIG;
    }
    if ((in->auth_password != NULL || in->auth_password_file != NULL ||
         in->auth_mechanism != NULL) && in->auth_user == NULL) {
        h->log(SL_LOG_ERR, in->who, "ommail: auth.password/auth.passwordFile/auth.mechanism "
               "need auth.user");
        return SL_ECONFIG;
    }
    if (in->auth_user != NULL) {
        if (in->auth_password_file != NULL) {
            int r = read_password_file(in);
            if (r != 0) {
                return r;
            }
        } else if (in->auth_password != NULL) {
            in->password = in->auth_password;
        } else {
            h->log(SL_LOG_ERR, in->who, "ommail: auth.user needs auth.password or "
                   "auth.passwordFile");
            return SL_ECONFIG;
        }
        if (in->tls == TLS_OFF) {
            h->log(SL_LOG_WARNING, in->who, "ommail: auth.user with tls=\"off\": the "
                   "password crosses the network in clear");
        }
    }
    in->body_tpl = in->tpl != NULL ? in->tpl : h->template_find("RSYSLOG_FileFormat");
    if (in->body_tpl == NULL) {
        h->log(SL_LOG_ERR, in->who, "ommail: template RSYSLOG_FileFormat not found");
        inst_free(in);
        return SL_ECONFIG;
    }

    /* the EHLO name is the URL's path for libcurl */
    char helo[256];
    const char *hn = in->helo;
    if (hn == NULL && h->struct_size >= offsetof(struct sl_host, global_str) +
                                            sizeof h->global_str && h->global_str != NULL) {
        hn = h->global_str("localHostname");
    }
    if (hn == NULL) {
        if (gethostname(helo, sizeof helo) != 0) {
            snprintf(helo, sizeof helo, "localhost");
        }
        helo[sizeof helo - 1] = '\0';
        char *dot = strchr(helo, '.');
        if (dot != NULL) {
            *dot = '\0';
        }
        hn = helo;
    }
    for (const char *p = hn; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_') {
            h->log(SL_LOG_ERR, in->who, "ommail: HELO name \"%s\" is not a host name", hn);
            inst_free(in);
            return SL_ECONFIG;
        }
    }
    int v6 = strchr(server, ':') != NULL;
    snprintf(in->url, sizeof in->url, "%s://%s%s%s:%s/%s",
             in->tls == TLS_IMPLICIT ? "smtps" : "smtp", v6 ? "[" : "", server, v6 ? "]" : "",
             port, hn);

    /* recipients: rsyslog prepends each to its list, so the last configured comes first */
    struct sl_buf to = { 0 };
    int bad = sl_curl_buf_str(h, &to, "To: ");
    for (size_t i = in->mailto.n; i-- > 0 && bad == 0;) {
        struct curl_slist *l = curl_slist_append(in->rcpts, in->mailto.v[i]);
        if (l == NULL) {
            bad = SL_ENOMEM;
            break;
        }
        in->rcpts = l;
        if (i != in->mailto.n - 1) {
            bad = sl_curl_buf_str(h, &to, ", ");
        }
        if (bad == 0) {
            bad = sl_curl_buf_str(h, &to, "<");
        }
        if (bad == 0) {
            bad = sl_curl_buf_str(h, &to, in->mailto.v[i]);
        }
        if (bad == 0) {
            bad = sl_curl_buf_str(h, &to, ">");
        }
    }
    if (bad == 0) {
        bad = sl_curl_buf_str(h, &to, "\r\n");
    }
    if (bad != 0) {
        h->buf_free(&to);
        inst_free(in);
        return SL_ENOMEM;
    }
    in->to_header = to.p;

    in->c_mails = h->counter("ommail", in->who, "mails.sent");
    in->c_mailed = h->counter("ommail", in->who, "messages.mailed");
    in->c_suppressed = h->counter("ommail", in->who, "messages.suppressed");
    in->c_msgfail = h->counter("ommail", in->who, "messages.failed");
    in->c_lost = h->counter("ommail", in->who, "messages.lost");
    in->c_fail4 = h->counter("ommail", in->who, "failed.4xx");
    in->c_fail5 = h->counter("ommail", in->who, "failed.5xx");
    in->c_failconn = h->counter("ommail", in->who, "failed.connect");
    in->c_failtls = h->counter("ommail", in->who, "failed.tls");

    in->dg_on = in->digest_interval > 0;
    if (in->dg_on) {
        if (pthread_mutex_init(&in->dg_lock, NULL) != 0) {
            inst_free(in);
            return SL_ENOMEM;
        }
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        if (pthread_cond_init(&in->dg_cond, &ca) != 0) {
            pthread_condattr_destroy(&ca);
            pthread_mutex_destroy(&in->dg_lock);
            inst_free(in);
            return SL_ENOMEM;
        }
        pthread_condattr_destroy(&ca);
        in->dg_locks = 1;
        if (pthread_create(&in->dg_tid, NULL, digest_thread, in) != 0) {
            h->log(SL_LOG_ERR, in->who, "ommail: cannot start the digest thread");
            pthread_cond_destroy(&in->dg_cond);
            pthread_mutex_destroy(&in->dg_lock);
            in->dg_locks = 0;
            inst_free(in);
            return SL_ECONFIG;
        }
        in->dg_thread = 1;
    }
    return 0;
}

static void ommail_destroy(void *inst)
{
    struct ommail_inst *in = inst;
    if (in->dg_thread) {
        pthread_mutex_lock(&in->dg_lock);
        in->dg_stop = 1;
        pthread_cond_signal(&in->dg_cond);
        pthread_mutex_unlock(&in->dg_lock);
        pthread_join(in->dg_tid, NULL);
        in->dg_thread = 0;
    }
    if (in->dg_locks) {
        pthread_cond_destroy(&in->dg_cond);
        pthread_mutex_destroy(&in->dg_lock);
        in->dg_locks = 0;
    }
    if (in->h != NULL) {
        in->h->buf_free(&in->dg_body);
    }
    free(in->dg_subject);
    in->dg_subject = NULL;
    inst_free(in);
}

static int ommail_worker_create(void *inst, void *wrk)
{
    struct ommail_inst *in = inst;
    struct ommail_wrk *w = wrk;
    w->curl = make_handle(in);
    return w->curl != NULL ? 0 : SL_ENOMEM;
}

static void ommail_worker_destroy(void *inst, void *wrk)
{
    struct ommail_inst *in = inst;
    struct ommail_wrk *w = wrk;
    if (in->dg_on) {
        /* the core frees its in-flight window after worker_destroy(): from now on held
         * batches are the core's business (delivered again from a disk queue) */
        pthread_mutex_lock(&in->dg_lock);
        in->dg_acks_dead = 1;
        free(in->dg_acks);
        in->dg_acks = NULL;
        in->dg_nacks = in->dg_acks_cap = 0;
        in->dg_n_held = in->dg_k_held = 0;
        pthread_mutex_unlock(&in->dg_lock);
    }
    if (w->curl != NULL) {
        curl_easy_cleanup(w->curl);
        w->curl = NULL;
    }
    in->h->buf_free(&w->body);
    in->h->buf_free(&w->subj);
    in->h->buf_free(&w->mail);
    free(w->memo);
    w->memo = NULL;
    w->nmemo = w->memo_cap = 0;
}

/* ABI 1.4, at shutdown (queue closed and empty): the open window goes out now, so that the
 * held batches are confirmed (or given back to the queue) before the deadline. */
static int ommail_flush(void *inst, void *wrk, int64_t deadline_ms)
{
    struct ommail_inst *in = inst;
    struct ommail_wrk *w = wrk;
    if (!in->dg_on) {
        return 0;
    }
    pthread_mutex_lock(&in->dg_lock);
    for (int pass = 0; pass < 2; pass++) {
        while (in->dg_sending > 0 && now_ms() < deadline_ms) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&in->dg_cond, &in->dg_lock, &ts);
        }
        if (pass == 0 && in->dg_n + in->dg_k > 0 && w->curl != NULL) {
            digest_send_locked(in, w->curl, &w->mail);
        }
    }
    int pending = in->dg_nacks > 0 || in->dg_sending > 0;
    pthread_mutex_unlock(&in->dg_lock);
    return pending ? SL_EAGAIN : 0;
}

/* Render body and subject of m into the worker's buffers. */
static int render_parts(struct ommail_inst *in, struct ommail_wrk *w, struct sl_msg *m)
{
    w->body.len = 0;
    w->subj.len = 0;
    if (in->body_enable && in->h->render(in->body_tpl, m, &w->body) != 0) {
        return SL_ENOMEM;
    }
    if (in->subject_text != NULL) {
        return sl_curl_buf_str(in->h, &w->subj, in->subject_text);
    }
    if (in->subject_tpl != NULL) {
        return in->h->render(in->subject_tpl, m, &w->subj);
    }
    return sl_curl_buf_str(in->h, &w->subj, OMMAIL_DEFAULT_SUBJECT);
}

/* Digest mode, with dg_lock held: the rendered message joins the open window.  Returns 1
 * if it is shown in the digest, 0 if it only counts as suppressed. */
static int digest_add_locked(struct ommail_inst *in, struct ommail_wrk *w, int rendered)
{
    if (in->dg_n + in->dg_k == 0) {
        in->dg_deadline_ms = now_ms() + in->digest_interval * 1000;
        pthread_cond_broadcast(&in->dg_cond);
    }
    if (!rendered || in->dg_n >= (uint64_t)in->digest_max) {
        in->dg_k++;
        return 0;
    }
    int ok = 1;
    if (in->dg_subject == NULL) {
        in->dg_subject = strndup(w->subj.p != NULL ? w->subj.p : "", w->subj.len);
    }
    /* one record per line, CRLF-terminated: SMTP servers refuse bare-LF text whose
     * "line" passes 998 bytes */
    size_t len = w->body.len;
    while (len > 0 && (w->body.p[len - 1] == '\n' || w->body.p[len - 1] == '\r')) {
        len--;
    }
    if (in->body_enable) {
        ok = (len == 0 || sl_curl_buf_add(in->h, &in->dg_body, w->body.p, len) == 0) &&
             sl_curl_buf_add(in->h, &in->dg_body, "\r\n", 2) == 0;
    }
    if (ok) {
        in->dg_n++;
        return 1;
    }
    in->dg_k++;
    return 0;
}

/* Digest mode: the batch joins the open window.  A batch with a message shown in the
 * digest is held (SL_PENDING) when the core offers deferred acknowledgement; a batch of
 * suppressed messages only is done at once. */
static int digest_deliver(struct ommail_inst *in, struct ommail_wrk *w, const struct sl_batch *b)
{
    pthread_mutex_lock(&in->dg_lock);
    uint64_t shown = 0;
    for (size_t i = 0; i < b->n; i++) {
        int rendered = in->dg_n < (uint64_t)in->digest_max
                           ? render_parts(in, w, b->msgs[i]) == 0 : 1;
        shown += (uint64_t)digest_add_locked(in, w, rendered);
    }
    int verdict = SL_OK;
    if (shown > 0 && b->ack != NULL && !in->dg_acks_dead) {
        if (in->dg_nacks == in->dg_acks_cap) {
            size_t cap = in->dg_acks_cap ? in->dg_acks_cap * 2 : 16;
            struct ommail_held *nh = realloc(in->dg_acks, cap * sizeof *nh);
            if (nh != NULL) {
                in->dg_acks = nh;
                in->dg_acks_cap = cap;
            }
        }
        if (in->dg_nacks < in->dg_acks_cap) {
            in->dg_acks[in->dg_nacks].ack = b->ack;
            in->dg_acks[in->dg_nacks].n = b->n;
            in->dg_nacks++;
            in->dg_n_held += shown;
            in->dg_k_held += b->n - shown;
            verdict = SL_PENDING;
        }
    }
    pthread_mutex_unlock(&in->dg_lock);
    return verdict;
}

static int memo_find(const struct ommail_wrk *w, const struct sl_msg *m)
{
    for (size_t i = 0; i < w->nmemo; i++) {
        if (w->memo[i].m == m) {
            return w->memo[i].bad;
        }
    }
    return -1;
}

static int ommail_deliver(void *inst, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    struct ommail_inst *in = inst;
    struct ommail_wrk *w = wrk;
    if (in->dg_on) {
        return digest_deliver(in, w, b);
    }
    /* remembered outcomes belong to the retry of the same batch only */
    if (w->nmemo > 0 && (b->n == 0 || w->memo[0].m != b->msgs[0])) {
        w->nmemo = 0;
    }
    size_t nbad = 0;
    for (size_t i = 0; i < b->n; i++) {
        int known = memo_find(w, b->msgs[i]);
        int r;
        if (known >= 0) {
            r = known ? MR_PERM : MR_OK;
        } else {
            if (render_parts(in, w, b->msgs[i]) != 0 ||
                build_mail(in, &w->mail, w->subj.p != NULL ? w->subj.p : "", w->subj.len,
                           w->body.p, w->body.len) != 0) {
                return i == 0 ? SL_RETRY : (v->done = i, SL_PARTIAL);
            }
            r = smtp_send(in, w->curl, &w->mail, 1);
        }
        if (r == MR_PERM) {
            v->bad[i] = 1;
            nbad++;
        } else if (r == MR_TEMP) {
            if (nbad == 0) {
                w->nmemo = 0;
                if (i == 0) {
                    return SL_SUSPEND;
                }
                v->done = i;
                return SL_PARTIAL;
            }
            /* retry from the first failure, remembering what happened since */
            size_t first = 0;
            while (!v->bad[first]) {
                first++;
            }
            size_t need = i - first;
            if (need > w->memo_cap) {
                struct ommail_memo *nm = realloc(w->memo, need * sizeof *nm);
                if (nm == NULL) {
                    return SL_RETRY;    /* sent ones go again: duplicates, not loss */
                }
                w->memo = nm;
                w->memo_cap = need;
            }
            w->nmemo = 0;
            for (size_t j = first; j < i; j++) {
                w->memo[w->nmemo].m = b->msgs[j];
                w->memo[w->nmemo].bad = v->bad[j];
                w->nmemo++;
                v->bad[j] = 0;
            }
            v->done = first;
            return first == 0 ? SL_SUSPEND : SL_PARTIAL;
        }
    }
    w->nmemo = 0;
    return nbad > 0 ? SL_BAD_DATA : SL_OK;
}

static int ommail_mod_init(const struct sl_host *h, void *modconf)
{
    (void)modconf;
    return sl_curl_global_init(h, "ommail");
}

static void ommail_mod_fini(void *modconf)
{
    (void)modconf;
    sl_curl_global_fini();
}

static const struct sl_output_ops ommail_ops = {
    .create = ommail_create,
    .destroy = ommail_destroy,
    .worker_create = ommail_worker_create,
    .worker_destroy = ommail_worker_destroy,
    .deliver = ommail_deliver,
    .hup = NULL,
    .connect = NULL,
    .disconnect = NULL,
    .flush = ommail_flush,
};

SL_PLUGIN_DEFINE(ommail) = {
    SL_PLUGIN_HEADER(ommail),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,   /* rsyslog's ommail has sFEATURERepeatedMsgReduction */
    .module_params = NULL,
    .inst_params = ommail_inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct ommail_inst),
    .wrk_size = sizeof(struct ommail_wrk),
    .mod_init = ommail_mod_init,
    .mod_fini = ommail_mod_fini,
    .in = NULL,
    .out = &ommail_ops,
};
