/*
 * omusrmsg.c - the omusrmsg output plugin (built into sluiced, as in rsyslog): writes
 * messages to the terminals of logged-in users.  Legacy forms ":omusrmsg:alice,bob" and
 * "*" (everybody, wall), v6 form action(type="omusrmsg" users="alice,bob"|"*" template=).
 *
 * Behaviour as rsyslog 8.2302's omusrmsg (utmp path; rsyslog built with libsystemd asks
 * logind for the sessions instead when the system was booted with systemd):
 *   - users: up to 20 names separated by ',' (blanks after a comma are skipped); a name
 *     longer than 32 bytes or an empty one is reported and ignored; "*" means every user;
 *   - default template " StdUsrMsgFmt" (" %syslogtag%%msg%\n\r") for a user list and
 *     " WallFmt" ("\r\n\7Message from syslogd@%HOSTNAME% at %timegenerated% ...\r\n
 *     %syslogtag%%msg%\n\r") for "*";
 *   - for every record, every utmp entry of type USER_PROCESS with a user name other than
 *     "LOGIN" (and, unless wall, one of the listed names) gets the record written to
 *     /dev/<ut_line>, opened O_WRONLY|O_NOCTTY|O_NONBLOCK, only if the device is writable
 *     by its owner; a terminal that would block or fails is skipped (the record up to its
 *     first NUL, as rsyslog writes the rendered C string).  Delivery never fails.
 * sluice-only module parameters, for tests (so that no real utmp entry or tty is touched):
 * module(load="builtin:omusrmsg" sluice.utmpFile="/path" sluice.devDir="/path/"): the
 * utmp file to read (default _PATH_UTMP) and the directory the ut_line names are relative
 * to (default "/dev/").
 *
 * Ownership: parameter strings and templates belong to the core; the instance owns its
 * parsed user list, each worker its render buffer.
 * Concurrency & locking: deliver() keeps no shared mutable state (the utmp file is read
 * with plain reads into the worker's own buffer), so workers run in parallel unlocked.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmp.h>

#include "sluice/sl_plugin.h"

#define USRMSG_MAX_USERS 20
#define USRMSG_NAME_MAX 32     /* UT_NAMESIZE */

struct omusrmsg_mod {
    const struct sl_template *tpl;
    char *utmp_file;
    char *dev_dir;
};

struct omusrmsg_inst {
    char *users;
    const struct sl_template *tpl;
    /* runtime */
    const struct sl_host *h;
    const struct omusrmsg_mod *mod;
    const struct sl_template *tpl_eff;
    int wall;
    size_t nusers;
    char uname[USRMSG_MAX_USERS][USRMSG_NAME_MAX + 1];
};

struct omusrmsg_wrk {
    struct sl_buf data;
};

static const struct sl_param omusrmsg_mod_params[] = {
    { "template", SL_PT_TEMPLATE, 0, offsetof(struct omusrmsg_mod, tpl), NULL, NULL, NULL,
      "default template of omusrmsg actions" },
    { "sluice.utmpFile", SL_PT_STRING, 0, offsetof(struct omusrmsg_mod, utmp_file), NULL,
      NULL, NULL, "utmp file to read (sluice-only, for tests; default " _PATH_UTMP ")" },
    { "sluice.devDir", SL_PT_STRING, 0, offsetof(struct omusrmsg_mod, dev_dir), NULL, NULL,
      NULL, "directory of the terminals named in utmp (sluice-only, for tests)" },
    SL_PARAM_END
};

#define OI(f) offsetof(struct omusrmsg_inst, f)
static const struct sl_param omusrmsg_inst_params[] = {
    { "users", SL_PT_STRING, SL_P_REQUIRED, OI(users), NULL, NULL, NULL,
      "user names separated by ',', or * for everybody" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, NULL, "record template" },
    SL_PARAM_END
};

/* rsyslog's user list: names up to the next ',', blanks skipped after a comma. */
static void parse_users(struct omusrmsg_inst *in, const char *c)
{
    size_t len = strlen(c), u = 0;
    size_t i;

    for (i = 0; i < USRMSG_MAX_USERS && u < len; i++) {
        size_t d = 0;
        while (d < USRMSG_NAME_MAX && u < len && c[u] != ',') {
            in->uname[i][d++] = c[u++];
        }
        in->uname[i][d] = '\0';
        if ((u < len && c[u] != ',') || d == 0) {
            if (d == 0) {
                in->h->log(SL_LOG_ERR, "omusrmsg", "no user name given - ignored");
            } else {
                in->h->log(SL_LOG_ERR, "omusrmsg", "user name '%s...' too long - ignored",
                           in->uname[i]);
            }
            in->uname[i][0] = '\0';
            i--;
            u++;
            while (u < len && c[u] != ',') {
                u++;
            }
        }
        if (u < len) {
            u++;
            while (u < len && isspace((unsigned char)c[u])) {
                u++;
            }
        }
    }
    if (i == USRMSG_MAX_USERS && u != len) {
        in->h->log(SL_LOG_ERR, "omusrmsg", "omusrmsg supports only up to %d user names in a "
                   "single action - all others have been ignored", USRMSG_MAX_USERS);
    }
    in->nusers = i;
}

static int omusrmsg_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct omusrmsg_inst *in = inst;
    const struct omusrmsg_mod *mod = modconf;

    in->h = h;
    in->mod = mod;
    if (in->users == NULL) {
        h->log(SL_LOG_ERR, "omusrmsg", "omusrmsg: parameter \"users\" is required");
        return SL_ECONFIG;
    }
    if (strcmp(in->users, "*") == 0) {
        in->wall = 1;
    } else {
        parse_users(in, in->users);
    }
    in->tpl_eff = in->tpl;
    if (in->tpl_eff == NULL && mod != NULL) {
        in->tpl_eff = mod->tpl;
    }
    if (in->tpl_eff == NULL) {
        in->tpl_eff = h->template_find(in->wall ? " WallFmt" : " StdUsrMsgFmt");
    }
    if (in->tpl_eff == NULL) {
        h->log(SL_LOG_ERR, "omusrmsg", "omusrmsg: built-in template not found");
        return SL_ECONFIG;
    }
    return 0;
}

static void omusrmsg_destroy(void *inst)
{
    (void)inst;
}

static int omusrmsg_worker_create(void *inst, void *wrk)
{
    (void)inst;
    memset(wrk, 0, sizeof(struct omusrmsg_wrk));
    return 0;
}

static void omusrmsg_worker_destroy(void *inst, void *wrk)
{
    struct omusrmsg_inst *in = inst;
    struct omusrmsg_wrk *w = wrk;
    in->h->buf_free(&w->data);
}

static int wanted(const struct omusrmsg_inst *in, const struct utmp *ut)
{
    if (ut->ut_user[0] == '\0' || ut->ut_type != USER_PROCESS) {
        return 0;
    }
    if (strncmp(ut->ut_user, "LOGIN", sizeof ut->ut_user) == 0) {
        return 0;
    }
    if (in->wall) {
        return 1;
    }
    for (size_t i = 0; i < in->nusers; i++) {
        if (strncmp(in->uname[i], ut->ut_user, USRMSG_NAME_MAX) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Write text to the terminal of one utmp entry, as rsyslog does: never blocking, skipped
 * when the device is not owner-writable or the write fails. */
static void write_tty(const struct omusrmsg_inst *in, const struct utmp *ut, const char *text,
                      size_t len)
{
    const char *dir = in->mod != NULL && in->mod->dev_dir != NULL ? in->mod->dev_dir : "/dev/";
    char path[4096];
    size_t ll = strnlen(ut->ut_line, sizeof ut->ut_line);
    int n = snprintf(path, sizeof path, "%s%.*s", dir, (int)ll, ut->ut_line);
    if (n < 0 || (size_t)n >= sizeof path) {
        return;
    }
    int fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & S_IWUSR)) {
        ssize_t r = write(fd, text, len);
        (void)r;   /* a terminal that would block or fails is skipped, as rsyslog */
    }
    close(fd);
}

static int omusrmsg_deliver(void *inst, void *wrk, const struct sl_batch *b,
                            struct sl_verdict *v)
{
    struct omusrmsg_inst *in = inst;
    struct omusrmsg_wrk *w = wrk;
    const struct sl_host *h = in->h;
    const char *uf = in->mod != NULL && in->mod->utmp_file != NULL ? in->mod->utmp_file
                                                                   : _PATH_UTMP;
    (void)v;

    if (b->n == 0) {
        return SL_OK;
    }
    int fd = open(uf, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return SL_OK;      /* nobody logged in that we can see: nothing to do */
    }
    for (size_t i = 0; i < b->n; i++) {
        w->data.len = 0;
        if (h->render(in->tpl_eff, b->msgs[i], &w->data) != 0) {
            close(fd);
            return SL_RETRY;
        }
        size_t len = w->data.len;
        const char *nul = len > 0 ? memchr(w->data.p, '\0', len) : NULL;
        if (nul != NULL) {
            len = (size_t)(nul - w->data.p);
        }
        if (lseek(fd, 0, SEEK_SET) != 0) {
            break;
        }
        struct utmp ut;
        while (read(fd, &ut, sizeof ut) == (ssize_t)sizeof ut) {
            if (wanted(in, &ut)) {
                write_tty(in, &ut, w->data.p, len);
            }
        }
    }
    close(fd);
    return SL_OK;
}

static const struct sl_output_ops omusrmsg_ops = {
    .create = omusrmsg_create,
    .destroy = omusrmsg_destroy,
    .worker_create = omusrmsg_worker_create,
    .worker_destroy = omusrmsg_worker_destroy,
    .deliver = omusrmsg_deliver,
    .hup = NULL,
};

SL_PLUGIN_DEFINE(omusrmsg) = {
    SL_PLUGIN_HEADER(omusrmsg),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,
    .module_params = omusrmsg_mod_params,
    .inst_params = omusrmsg_inst_params,
    .mod_size = sizeof(struct omusrmsg_mod),
    .inst_size = sizeof(struct omusrmsg_inst),
    .wrk_size = sizeof(struct omusrmsg_wrk),
    .mod_init = NULL,
    .mod_fini = NULL,
    .in = NULL,
    .out = &omusrmsg_ops,
};
