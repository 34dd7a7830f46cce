/*
 * imjournal.c - the imjournal input plugin: the systemd journal through libsystemd's
 * sd-journal API, compatible with rsyslog 8.2302's imjournal (RHEL/Fedora's default config
 * loads it).
 *
 * As in rsyslog, imjournal has no input() statement: loading the module reads the journal
 * (SL_PF_MODULE_INSTANCE), and every parameter is a module parameter, with rsyslog's names,
 * defaults and legacy directives: StateFile (relative names live in workDirectory),
 * PersistStateInterval (10), IgnorePreviousMessages (off), IgnoreNonValidStatefile (on),
 * DefaultSeverity (notice), DefaultFacility (user), UsePid (system|syslog|both, default
 * both), UsePidFromSystem (deprecated: UsePid="system"), Ratelimit.Interval (600 s),
 * Ratelimit.Burst (20000), Remote (off: local journal files only), FSync (off),
 * WorkAroundJournalBug (accepted, no effect, as in 8.2302).  Two parameters of later
 * rsyslog versions are accepted too (RHEL 9's default config sets FileCreateMode): FileCreateMode
 * (mode of the state file, default 0644), DefaultTag (the identifier when an entry has neither
 * SYSLOG_IDENTIFIER nor _COMM, default "journal") and Main (no effect in sluice: the input
 * always has its own thread).  One is sluice's own: JournalPath, a directory
 * (sd_journal_open_directory) or one or more journal files (sd_journal_open_files) to read
 * instead of the system journal - for tests and for reading a copied journal.
 *
 * Each journal entry becomes one message, as rsyslog builds it:
 *   msg = rawmsg   MESSAGE, NUL bytes turned into spaces, then sanitised as rsyslog's
 *                  parser.SanitizeMsg does (a trailing LF dropped, control characters as
 *                  #ooo - the prefix from global(parser.controlCharacterEscapePrefix); the
 *                  other parser.* switches at their defaults); "" without MESSAGE
 *   severity       PRIORITY if it is one digit 0..7, else DefaultSeverity
 *   facility       SYSLOG_FACILITY if one or two digits 0..23, else DefaultFacility
 *   syslogtag      SYSLOG_IDENTIFIER (else _COMM, else DefaultTag) + "[PID]:" or ":"; PID
 *                  is SYSLOG_PID (UsePid syslog/both), _PID (system; both as a fallback)
 *   timestamp      the entry's realtime timestamp (timereported and timegenerated), in the
 *                  local time zone, microseconds
 *   hostname       the local host name (not _HOSTNAME), fromhost too; fromhost-ip 127.0.0.1
 *   $!             every field of the entry as a string ("_PID": "124", ...), NULs as
 *                  spaces; a field that appears twice keeps its last value
 * Built with sl_host.msg_set_fields (ABI 1.4) and the typed JSON setter on "$!".
 *
 * Position: with StateFile, the cursor of the last entry submitted is written (to
 * NAME.tmp, then renamed; fsync'ed with the directory when FSync is on) every
 * PersistStateInterval entries and at stop, and read at start.  Unlike rsyslog, the entry
 * found after seeking is checked against the cursor (sd_journal_test_cursor): if the entry
 * of the cursor is gone, reading resumes at the next one instead of skipping it, so a
 * restart neither repeats nor loses entries.  An unreadable or invalid state file is an
 * error unless IgnoreNonValidStatefile (then: as without one).  IgnorePreviousMessages
 * starts at the end of the journal when there is no position.
 *
 * The journal is opened on the input thread in run(), not in open(): an sd_journal object
 * may not cross a fork (sluiced daemonises after open()).  run() waits on the journal's
 * inotify fd and an eventfd for stop(); sd_journal_process() tells appends from rotations
 * (the library follows rotated files by itself; rotations are counted).  A read error
 * closes and reopens the journal (200 ms apart) and seeks to the last cursor, as rsyslog's
 * tryRecover.  Unlike rsyslog, "Journal indicates no msgs when positioned at head" is
 * logged once, not once per poll.
 *
 * Rate limiting is rsyslog's Linux-like limiter on the local clock (rsyslog's imjournal
 * uses "no time cache"): at most Burst messages per Interval seconds, the rest dropped and
 * reported when the interval ends; Interval 0 turns it off.
 *
 * Counters (set "imjournal", as rsyslog's): submitted, read, discarded (rate limit),
 * failed, poll_failed, rotations, recovery_attempts, ratelimit_discarded_in_interval,
 * disk_usage_bytes.
 *
 * Ownership: the instance block belongs to the core; the sd_journal, the cursor string, the
 * eventfd and the buffers are the instance's, released in run() (journal) and destroy().
 *
 * Concurrency & locking: create/open/destroy run on the main thread, run() on the input
 * thread, which alone touches the journal and the state file; stop() only sets an atomic
 * flag and writes the eventfd.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libfastjson/json.h>
#include <systemd/sd-journal.h>

#include "sluice/sl_plugin.h"
#include "imjournal.h"
#include "../common/sl_stop.h"

#define WHO "imjournal"

struct imjournal_mod {
    char *state_file;
    int64_t persist_interval;
    int64_t rl_interval, rl_burst;
    int ignore_previous;
    int ignore_nonvalid;
    char *dflt_severity;
    char *dflt_facility;
    char *use_pid_from_system;     /* bool as text: NULL = not given */
    char *use_pid;
    int workaround;
    int fsync;
    int remote;
    char *default_tag;
    int main_thread;
    struct sl_strarr journal_path;
    int64_t file_mode;
};

enum { PID_SYSLOG, PID_SYSTEM, PID_BOTH };

struct imjournal_inst {
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    const struct imjournal_mod *m;
    int severity, facility;        /* defaults */
    int pid_mode;
    const char *tag_default;
    char *state_path;              /* absolute, or NULL */
    char *work_dir;                /* for FSync of the state file's directory */
    char esc_prefix;
    int stopfd;
    atomic_int stopping;
    sd_journal *j;
    char *cursor;                  /* last entry submitted */
    uint64_t count;
    uint64_t persist_every;        /* |PersistStateInterval|; 0: the state is saved at stop only */
    int warned_head;
    void *h_root;                  /* prop_ref("$!") */
    char *text;                    /* sanitised MESSAGE: 4 * max + 1 */
    size_t text_cap;
    char host[256];
    /* rate limiter */
    time_t rl_begin;
    uint64_t rl_done, rl_missed;

    _Atomic uint64_t *c_submitted, *c_read, *c_discarded, *c_failed, *c_poll_failed,
        *c_rotations, *c_recovery, *c_rl_interval, *c_disk_usage;
};

#define MOFF(f) offsetof(struct imjournal_mod, f)

static const struct sl_param mod_params[] = {
    { "StateFile", SL_PT_WORD, 0, MOFF(state_file), NULL, NULL, "$imjournalStateFile",
      "cursor file; relative names are in workDirectory" },
    { "PersistStateInterval", SL_PT_INT, 0, MOFF(persist_interval), "10", NULL,
      "$imjournalPersistStateInterval", "entries between state file writes" },
    { "Ratelimit.Interval", SL_PT_INT, 0, MOFF(rl_interval), "600", NULL,
      "$imjournalRatelimitInterval", "seconds; 0 disables rate limiting" },
    { "Ratelimit.Burst", SL_PT_INT, 0, MOFF(rl_burst), "20000", NULL,
      "$imjournalRatelimitBurst", "messages per interval" },
    { "IgnorePreviousMessages", SL_PT_BOOL, 0, MOFF(ignore_previous), "off", NULL,
      "$imjournalIgnorePreviousMessages", "start at the end without a saved position" },
    { "IgnoreNonValidStatefile", SL_PT_BOOL, 0, MOFF(ignore_nonvalid), "on", NULL, NULL,
      "an invalid state file is ignored" },
    { "DefaultSeverity", SL_PT_WORD, 0, MOFF(dflt_severity), "notice", NULL,
      "$ImjournalDefaultSeverity", "severity of entries without a valid PRIORITY" },
    { "DefaultFacility", SL_PT_WORD, 0, MOFF(dflt_facility), "user", NULL,
      "$ImjournalDefaultFacility", "facility of entries without a valid SYSLOG_FACILITY" },
    { "UsePidFromSystem", SL_PT_WORD, SL_P_DEPRECATED, MOFF(use_pid_from_system), NULL, NULL,
      "$imjournalUsePidFromSystem", "deprecated: UsePid=\"system\"" },
    { "UsePid", SL_PT_WORD, 0, MOFF(use_pid), NULL, NULL, NULL,
      "syslog (SYSLOG_PID), system (_PID) or both (default)" },
    { "WorkAroundJournalBug", SL_PT_BOOL, SL_P_DEPRECATED, MOFF(workaround), "on", NULL, NULL,
      "no effect (as rsyslog 8.2302)" },
    { "FSync", SL_PT_BOOL, 0, MOFF(fsync), "off", NULL, NULL,
      "fsync the state file and its directory" },
    { "Remote", SL_PT_BOOL, 0, MOFF(remote), "off", NULL, NULL,
      "read journal files of other machines too" },
    { "DefaultTag", SL_PT_STRING, 0, MOFF(default_tag), "journal", NULL, NULL,
      "identifier without SYSLOG_IDENTIFIER and _COMM (later rsyslog)" },
    { "Main", SL_PT_BOOL, 0, MOFF(main_thread), "off", NULL, NULL,
      "later rsyslog: run on the main thread; no effect in sluice" },
    { "FileCreateMode", SL_PT_FILEMODE, 0, MOFF(file_mode), "0644", NULL, NULL,
      "mode of the state file (later rsyslog; RHEL 9's default config sets it)" },
    { "JournalPath", SL_PT_ARRAY, 0, MOFF(journal_path), NULL, NULL, NULL,
      "sluice only: a journal directory or journal files to read" },
    SL_PARAM_END
};

static const struct sl_param inst_params[] = {
    SL_PARAM_END
};

/* --- configuration ---------------------------------------------------------------------- */

static const struct {
    const char *name;
    int val;
} sev_names[] = {
    { "emerg", 0 }, { "panic", 0 }, { "alert", 1 }, { "crit", 2 }, { "err", 3 },
    { "error", 3 }, { "warning", 4 }, { "warn", 4 }, { "notice", 5 }, { "info", 6 },
    { "debug", 7 }, { NULL, 0 }
}, fac_names[] = {
    { "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 }, { "auth", 4 },
    { "security", 4 }, { "syslog", 5 }, { "lpr", 6 }, { "news", 7 }, { "uucp", 8 },
    { "cron", 9 }, { "authpriv", 10 }, { "ftp", 11 }, { "ntp", 12 }, { "audit", 13 },
    { "alert", 14 }, { "clock", 15 }, { "local0", 16 }, { "local1", 17 }, { "local2", 18 },
    { "local3", 19 }, { "local4", 20 }, { "local5", 21 }, { "local6", 22 }, { "local7", 23 },
    { NULL, 0 }
};

/* A number or a name (with or without "LOG_"), -1 when neither. */
static int name_or_num(const char *s, int max, int facility)
{
    if (s == NULL || *s == '\0') {
        return -1;
    }
    if (isdigit((unsigned char)*s)) {
        char *end;
        long v = strtol(s, &end, 10);
        return *end == '\0' && v >= 0 && v <= max ? (int)v : -1;
    }
    const char *n = strncasecmp(s, "LOG_", 4) == 0 ? s + 4 : s;
    for (int i = 0; (facility ? fac_names : sev_names)[i].name != NULL; i++) {
        if (strcasecmp(n, (facility ? fac_names : sev_names)[i].name) == 0) {
            return (facility ? fac_names : sev_names)[i].val;
        }
    }
    return -1;
}

static int bool_text(const char *s)
{
    return s != NULL && (strcasecmp(s, "on") == 0 || strcasecmp(s, "yes") == 0 ||
                         strcmp(s, "1") == 0);
}

static int has_field(const struct sl_host *h, size_t off, size_t sz)
{
    return h->struct_size >= off + sz;
}

static int imjournal_create(void *inst, void *modconf, const struct sl_host *h,
                            struct sl_input_ctx *ctx)
{
    static const struct imjournal_mod dflt = {
        .persist_interval = 10, .rl_interval = 600, .rl_burst = 20000, .ignore_nonvalid = 1,
        .file_mode = 0644,
    };
    struct imjournal_inst *in = inst;
    in->h = h;
    in->ctx = ctx;
    in->m = modconf != NULL ? modconf : &dflt;
    in->stopfd = -1;
    const struct imjournal_mod *m = in->m;

    if (!has_field(h, offsetof(struct sl_host, msg_set_fields), sizeof h->msg_set_fields) ||
        h->msg_set_fields == NULL || h->msg_json_set_ref == NULL) {
        h->log(SL_LOG_ERR, WHO, "imjournal: the core is too old (needs ABI 1.4)");
        return SL_ECONFIG;
    }
    in->severity = m->dflt_severity != NULL ? name_or_num(m->dflt_severity, 7, 0) : 5;
    if (in->severity < 0) {
        /* rsyslog reports the value and runs on with the default */
        h->log(SL_LOG_ERR, WHO, "imjournal: invalid DefaultSeverity '%s', using notice",
               m->dflt_severity);
        in->severity = 5;
    }
    in->facility = m->dflt_facility != NULL ? name_or_num(m->dflt_facility, 23, 1) : 1;
    if (in->facility < 0) {
        /* rsyslog keeps the default when the name is not known */
        h->log(SL_LOG_WARNING, WHO, "imjournal: unknown DefaultFacility '%s', using user",
               m->dflt_facility);
        in->facility = 1;
    }
    int64_t pi = m->persist_interval;
    in->persist_every = (uint64_t)(pi < 0 ? -pi : pi);
    if (pi == 0) {
        h->log(SL_LOG_WARNING, WHO, "imjournal: PersistStateInterval 0: rsyslog 8.2302 divides "
               "by it (SIGFPE at the first entry); sluice saves the state when it stops only");
    }
    in->pid_mode = PID_BOTH;
    if (m->use_pid_from_system != NULL) {
        h->log(SL_LOG_WARNING, WHO, "\"usepidfromsystem\" is deprecated, use \"usepid\" "
               "instead");
        if (bool_text(m->use_pid_from_system)) {
            in->pid_mode = PID_SYSTEM;
        }
    } else if (m->use_pid != NULL) {
        if (strcmp(m->use_pid, "system") == 0) {
            in->pid_mode = PID_SYSTEM;
        } else if (strcmp(m->use_pid, "syslog") == 0) {
            in->pid_mode = PID_SYSLOG;
        } else if (strcmp(m->use_pid, "both") != 0) {
            /* a warning: rsyslog reports it when the input starts (runInput), so its -N1
             * passes */
            h->log(SL_LOG_WARNING, WHO, "option \"usepid\" should contain one of "
                   "system|syslog|both and no '%s'", m->use_pid);
        }
    }
    if (m->main_thread) {
        h->log(SL_LOG_WARNING, WHO, "imjournal: Main=\"on\" has no effect in sluice (the "
               "input runs on its own thread)");
    }
    in->tag_default = m->default_tag != NULL ? m->default_tag : "journal";

    const char *wd = has_field(h, offsetof(struct sl_host, global_str), sizeof h->global_str)
                     && h->global_str != NULL ? h->global_str("workDirectory") : NULL;
    in->work_dir = strdup(wd != NULL ? wd : "");
    if (in->work_dir == NULL) {
        return SL_ENOMEM;
    }
    if (m->state_file != NULL && m->state_file[0] != '\0') {
        size_t n = strlen(in->work_dir) + strlen(m->state_file) + 2;
        in->state_path = malloc(n);
        if (in->state_path == NULL) {
            return SL_ENOMEM;
        }
        if (m->state_file[0] == '/') {
            snprintf(in->state_path, n, "%s", m->state_file);
        } else {
            /* as rsyslog: workDirectory + "/" + name (just "/name" without a workDirectory) */
            snprintf(in->state_path, n, "%s/%s", in->work_dir, m->state_file);
        }
    }
    const char *pfx = h->global_str != NULL ? h->global_str("parser.controlCharacterEscapePrefix")
                                            : NULL;
    in->esc_prefix = pfx != NULL && pfx[0] != '\0' ? pfx[0] : '#';
    if (h->prop_ref("$!", &in->h_root) != 0) {
        h->log(SL_LOG_ERR, WHO, "imjournal: cannot resolve $!");
        return SL_ECONFIG;
    }
    /* the HOSTNAME of the messages, for the rate limiter's report (as rsyslog's) */
    const char *lh = h->global_str != NULL ? h->global_str("localHostname") : NULL;
    if (lh != NULL && lh[0] != '\0') {
        snprintf(in->host, sizeof in->host, "%s", lh);
    } else {
        if (gethostname(in->host, sizeof in->host - 1) != 0) {
            snprintf(in->host, sizeof in->host, "localhost");
        }
        char *dot = strchr(in->host, '.');
        if (dot != NULL) {
            *dot = '\0';
        }
    }
    in->c_submitted = h->counter("imjournal", "imjournal", "submitted");
    in->c_read = h->counter("imjournal", "imjournal", "read");
    in->c_discarded = h->counter("imjournal", "imjournal", "discarded");
    in->c_failed = h->counter("imjournal", "imjournal", "failed");
    in->c_poll_failed = h->counter("imjournal", "imjournal", "poll_failed");
    in->c_rotations = h->counter("imjournal", "imjournal", "rotations");
    in->c_recovery = h->counter("imjournal", "imjournal", "recovery_attempts");
    in->c_rl_interval = h->counter("imjournal", "imjournal", "ratelimit_discarded_in_interval");
    in->c_disk_usage = h->counter("imjournal", "imjournal", "disk_usage_bytes");
    return 0;
}

static int imjournal_open(void *inst)
{
    struct imjournal_inst *in = inst;
    in->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->stopfd < 0) {
        in->h->log(SL_LOG_ERR, WHO, "imjournal: cannot set up: %s", strerror(errno));
        return SL_EIO;
    }
    return 0;
}

/* --- the journal -------------------------------------------------------------------------- */

static int journal_open(struct imjournal_inst *in)
{
    const struct imjournal_mod *m = in->m;
    int r;
    if (m->journal_path.n > 0) {
        struct stat st;
        if (m->journal_path.n == 1 && stat(m->journal_path.v[0], &st) == 0 &&
            S_ISDIR(st.st_mode)) {
            r = sd_journal_open_directory(&in->j, m->journal_path.v[0], 0);
        } else {
            const char **files = calloc(m->journal_path.n + 1, sizeof *files);
            if (files == NULL) {
                return -ENOMEM;
            }
            for (size_t i = 0; i < m->journal_path.n; i++) {
                files[i] = m->journal_path.v[i];
            }
            r = sd_journal_open_files(&in->j, files, 0);
            free(files);
        }
    } else {
        r = sd_journal_open(&in->j, m->remote ? 0 : SD_JOURNAL_LOCAL_ONLY);
    }
    if (r < 0) {
        in->h->log(SL_LOG_ERR, WHO, "imjournal: sd_journal_open() failed: %s", strerror(-r));
        in->j = NULL;
        return r;
    }
    size_t max = in->h->max_message_size();
    r = sd_journal_set_data_threshold(in->j, max);
    if (r < 0) {
        in->h->log(SL_LOG_ERR, WHO, "imjournal: sd_journal_set_data_threshold() failed: %s",
                   strerror(-r));
    }
    return 0;
}

static void journal_close(struct imjournal_inst *in)
{
    if (in->j != NULL) {
        sd_journal_close(in->j);
        in->j = NULL;
    }
}

static void skip_old(struct imjournal_inst *in)
{
    int r = sd_journal_seek_tail(in->j);
    if (r < 0) {
        in->h->log(SL_LOG_ERR, WHO, "imjournal: sd_journal_seek_tail() failed: %s",
                   strerror(-r));
        return;
    }
    in->warned_head = 1;
    r = sd_journal_previous(in->j);
    if (r < 0) {
        in->h->log(SL_LOG_ERR, WHO, "imjournal: sd_journal_previous() failed: %s",
                   strerror(-r));
    }
}

/* Positions the journal so that the next sd_journal_next() returns the first entry after
 * cursor c (or, if that entry is gone, the first one after where it was).  0 or -1. */
static int seek_after(struct imjournal_inst *in, const char *c)
{
    if (sd_journal_seek_cursor(in->j, c) != 0) {
        return -1;
    }
    int r = sd_journal_next(in->j);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        return 0;   /* nothing at or after the cursor yet: next() waits for new entries */
    }
    char *tmp = NULL;
    if (sd_journal_get_cursor(in->j, &tmp) < 0) {
        free(tmp);
        return -1;
    }
    free(tmp);
    if (sd_journal_test_cursor(in->j, c) <= 0) {
        /* the cursor's entry is gone: we stand on the first one after it, unread */
        (void)sd_journal_previous(in->j);
    }
    in->warned_head = 1;
    return 0;
}

/* rsyslog's loadJournalState.  Returns 0, or -1 when the input cannot run. */
static int load_state(struct imjournal_inst *in)
{
    const struct sl_host *h = in->h;
    if (access(in->state_path, F_OK | R_OK) != 0 && errno == ENOENT) {
        if (in->m->ignore_previous) {
            skip_old(in);
        }
        h->log(SL_LOG_NOTICE, WHO, "imjournal: No statefile exists, %s will be created "
               "(ignore if this is first run)", in->state_path);
        return 0;
    }
    FILE *f = fopen(in->state_path, "rb");
    if (f == NULL) {
        h->log(SL_LOG_ERR, WHO, "imjournal: open on state file `%s' failed: %s",
               in->state_path, strerror(errno));
        if (in->m->ignore_previous) {
            skip_old(in);
        }
        return 0;
    }
    char cur[129];
    int ok = 0;
    if (fscanf(f, "%128s", cur) == 1) {
        if (seek_after(in, cur) == 0) {
            ok = 1;
            free(in->cursor);
            in->cursor = strdup(cur);
        } else {
            h->log(SL_LOG_ERR, WHO, "imjournal: couldn't seek to cursor `%s'", cur);
        }
    } else {
        h->log(SL_LOG_ERR, WHO, "imjournal: fscanf on state file `%s' failed",
               in->state_path);
    }
    fclose(f);
    if (!ok) {
        (void)sd_journal_seek_head(in->j);
        if (!in->m->ignore_nonvalid) {
            return -1;
        }
        h->log(SL_LOG_ERR, WHO, "imjournal: ignoring invalid state file %s", in->state_path);
        if (in->m->ignore_previous) {
            skip_old(in);
        }
    }
    return 0;
}

static void persist_state(struct imjournal_inst *in)
{
    const struct sl_host *h = in->h;
    if (in->state_path == NULL || in->cursor == NULL) {
        return;
    }
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%.*s.tmp", (int)(sizeof tmp - 5), in->state_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  (mode_t)in->m->file_mode);
    if (fd < 0) {
        h->log(SL_LOG_ERR, WHO, "imjournal: fopen() failed for path: '%s': %s", tmp,
               strerror(errno));
        return;
    }
    size_t len = strlen(in->cursor);
    ssize_t w = write(fd, in->cursor, len);
    if (w != (ssize_t)len) {
        h->log(SL_LOG_ERR, WHO, "imjournal: failed to save cursor to: '%s': %s", tmp,
               w < 0 ? strerror(errno) : "short write");
        close(fd);
        return;
    }
    if (in->m->fsync && fsync(fd) != 0) {
        h->log(SL_LOG_ERR, WHO, "imjournal: fsync on '%s' failed: %s", tmp, strerror(errno));
    }
    close(fd);
    if (rename(tmp, in->state_path) != 0) {
        h->log(SL_LOG_ERR, WHO, "imjournal: rename() failed for new path: '%s': %s",
               in->state_path, strerror(errno));
        return;
    }
    if (in->m->fsync) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", in->state_path);
        char *slash = strrchr(dir, '/');
        if (slash != NULL) {
            *(slash == dir ? slash + 1 : slash) = '\0';
        }
        int dfd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) != 0) {
            h->log(SL_LOG_ERR, WHO, "imjournal: fsync on '%s' failed: %s", dir,
                   strerror(errno));
        }
        if (dfd >= 0) {
            close(dfd);
        }
    }
}

/* --- one entry ------------------------------------------------------------------------------ */

/* The value of FIELD in the current entry (pointer into the library's buffer), or NULL. */
static const char *field(struct imjournal_inst *in, const char *name, size_t *len)
{
    const void *d;
    size_t l;
    size_t nl = strlen(name);
    if (sd_journal_get_data(in->j, name, &d, &l) < 0 || l < nl + 1) {
        return NULL;
    }
    *len = l - nl - 1;
    return (const char *)d + nl + 1;
}

/* rsyslog's sanitizeValue (NUL -> SP) followed by parser.SanitizeMsg with its defaults
 * (drop one trailing LF, control characters including TAB as PREFIX + 3 octal digits). */
static int sanitize(struct imjournal_inst *in, const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '\n') {
        len--;
    }
    if (in->text_cap < len * 4 + 1) {
        char *t = realloc(in->text, len * 4 + 1);
        if (t == NULL) {
            return -1;
        }
        in->text = t;
        in->text_cap = len * 4 + 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\0') {
            in->text[n++] = ' ';
        } else if (c < 0x20) {
            in->text[n++] = in->esc_prefix;
            in->text[n++] = (char)('0' + ((c >> 6) & 7));
            in->text[n++] = (char)('0' + ((c >> 3) & 7));
            in->text[n++] = (char)('0' + (c & 7));
        } else {
            in->text[n++] = (char)c;
        }
    }
    in->text[n] = '\0';
    return (int)n;
}

/* Appends s[0..len) with NULs as spaces. */
static void put_clean(char *dst, size_t *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        dst[(*o)++] = s[i] == '\0' ? ' ' : s[i];
    }
}

static struct fjson_object *entry_json(struct imjournal_inst *in)
{
    struct fjson_object *root = fjson_object_new_object();
    if (root == NULL) {
        return NULL;
    }
    const void *d;
    size_t l;
    char *val = NULL;
    size_t vcap = 0;
    sd_journal_restart_data(in->j);
    while (sd_journal_enumerate_data(in->j, &d, &l) > 0) {
        const char *eq = memchr(d, '=', l);
        if (eq == NULL) {
            in->h->log(SL_LOG_ERR, WHO, "SD_JOURNAL_FOREACH_DATA()returned a malformed field "
                       "(has no '=')");
            continue;
        }
        size_t kl = (size_t)(eq - (const char *)d);
        size_t vl = l - kl - 1;
        if (vcap < vl + kl + 2) {
            char *t = realloc(val, vl + kl + 2);
            if (t == NULL) {
                break;
            }
            val = t;
            vcap = vl + kl + 2;
        }
        size_t o = 0;
        put_clean(val, &o, eq + 1, vl);
        val[o] = '\0';
        char *key = val + o + 1;
        memcpy(key, d, kl);
        key[kl] = '\0';
        fjson_object_object_add(root, key, fjson_object_new_string_len(val, (int)o));
    }
    free(val);
    return root;
}

/* rsyslog's Linux-like limiter, on the local clock. */
static int rl_pass(struct imjournal_inst *in, const char *tag, size_t taglen)
{
    const struct imjournal_mod *m = in->m;
    /* any integer, kept as rsyslog's unsigned int (a negative one is very large) */
    const int64_t interval = (uint32_t)m->rl_interval, burst = (uint32_t)m->rl_burst;
    if (interval == 0) {
        return 1;
    }
    time_t now = time(NULL);
    if (in->rl_begin == 0) {
        in->rl_begin = now;
    }
    if (now > in->rl_begin + (time_t)interval || now < in->rl_begin) {
        in->rl_begin = 0;
        in->rl_done = 0;
        atomic_store(in->c_rl_interval, 0);
        if (in->rl_missed > 0) {
            in->h->log(SL_LOG_WARNING, WHO, "imjournal: %llu messages lost due to "
                       "rate-limiting (%lld allowed within %lld seconds)",
                       (unsigned long long)in->rl_missed, (long long)burst,
                       (long long)interval);
            in->rl_missed = 0;
        }
        in->rl_begin = now;
    }
    if ((int64_t)in->rl_done < burst) {
        in->rl_done++;
        return 1;
    }
    if (++in->rl_missed == 1) {
        /* app-name: the tag up to '[' or ':' */
        size_t an = 0;
        while (an < taglen && tag[an] != '[' && tag[an] != ':') {
            an++;
        }
        in->h->log(SL_LOG_INFO, WHO, "imjournal from <%s:%.*s>: begin to drop messages due "
                   "to rate-limiting", in->host, (int)an, tag);
    }
    atomic_fetch_add(in->c_rl_interval, 1);
    return 0;
}

/* Reads the current entry and submits it.  0, or < 0 (error: recover; SL_ESHUTDOWN). */
static int read_entry(struct imjournal_inst *in)
{
    const struct sl_host *h = in->h;
    size_t len = 0;
    const char *v;

    atomic_fetch_add(in->c_read, 1);
    int n = 0;
    v = field(in, "MESSAGE", &len);
    n = sanitize(in, v != NULL ? v : "", v != NULL ? len : 0);
    if (n < 0) {
        atomic_fetch_add(in->c_failed, 1);
        return SL_ENOMEM;
    }
    size_t msglen = (size_t)n;

    int severity = in->severity, facility = in->facility;
    v = field(in, "PRIORITY", &len);
    if (v != NULL) {
        if (len == 1) {
            int s = v[0] - '0';
            if (s < 0 || s > 7) {
                h->log(SL_LOG_ERR, WHO, "imjournal: the value of the 'PRIORITY' field is out "
                       "of bounds: %d, resetting", s);
            } else {
                severity = s;
            }
        } else {
            h->log(SL_LOG_ERR, WHO, "The value of the 'PRIORITY' field has an unexpected "
                   "length: %zu", len + 9);
        }
    }
    v = field(in, "SYSLOG_FACILITY", &len);
    if (v != NULL && (len == 1 || len == 2)) {
        int f = v[0] - '0';
        if (len == 2) {
            f = f * 10 + (v[1] - '0');
        }
        if (f >= 0 && f <= 23) {
            facility = f;
        }
    }

    /* the tag: identifier [pid] ':' */
    const char *ident;
    size_t il;
    ident = field(in, "SYSLOG_IDENTIFIER", &il);
    if (ident == NULL) {
        ident = field(in, "_COMM", &il);
    }
    char *tag = NULL;
    size_t tl = 0;
    /* the library's buffers are valid until the next get_data: copy the identifier first */
    char *idcopy;
    if (ident != NULL) {
        idcopy = malloc(il + 1);
        if (idcopy != NULL) {
            size_t o = 0;
            put_clean(idcopy, &o, ident, il);
            idcopy[o] = '\0';
        }
    } else {
        idcopy = strdup(in->tag_default);
        il = idcopy != NULL ? strlen(idcopy) : 0;
    }
    if (idcopy == NULL) {
        atomic_fetch_add(in->c_failed, 1);
        return SL_ENOMEM;
    }
    size_t pl = 0;
    const char *pid = NULL;
    if (in->pid_mode != PID_SYSTEM) {
        pid = field(in, "SYSLOG_PID", &pl);
    }
    if (pid == NULL && in->pid_mode != PID_SYSLOG) {
        pid = field(in, "_PID", &pl);
    }
    tag = malloc(il + pl + 4);
    if (tag == NULL) {
        free(idcopy);
        atomic_fetch_add(in->c_failed, 1);
        return SL_ENOMEM;
    }
    memcpy(tag, idcopy, il);
    tl = il;
    free(idcopy);
    if (pid != NULL) {
        tag[tl++] = '[';
        put_clean(tag, &tl, pid, pl);
        tag[tl++] = ']';
    }
    tag[tl++] = ':';
    tag[tl] = '\0';

    struct fjson_object *json = entry_json(in);

    uint64_t usec = 0;
    struct timespec ts;
    if (sd_journal_get_realtime_usec(in->j, &usec) >= 0) {
        ts.tv_sec = (time_t)(usec / 1000000);
        ts.tv_nsec = (long)(usec % 1000000) * 1000;
    } else {
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec = ts.tv_nsec / 1000 * 1000;
    }

    char *c = NULL;
    int r = sd_journal_get_cursor(in->j, &c);
    if (r < 0) {
        h->log(SL_LOG_ERR, WHO, "imjournal: Could not get journald cursor!: %s", strerror(-r));
    } else {
        free(in->cursor);
        in->cursor = c;
    }

    if (!rl_pass(in, tag, tl)) {
        atomic_fetch_add(in->c_discarded, 1);
        free(tag);
        if (json != NULL) {
            fjson_object_put(json);
        }
        return 0;
    }

    struct sl_msg *msg = h->msg_new(in->ctx, in->text, msglen, NULL, 0);
    struct sl_local_meta lm;
    memset(&lm, 0, sizeof lm);
    lm.rcv = &ts;           /* timegenerated and timereported: the entry's time */
    if (h->msg_set_local != NULL) {
        h->msg_set_local(msg, &lm);
    }
    struct sl_msg_fields f;
    memset(&f, 0, sizeof f);
    f.set = SL_MF_PRI | SL_MF_TAG;   /* MSG: the raw text; HOSTNAME: the local host */
    f.pri = facility * 8 + severity;
    f.tag = tag;
    f.tag_len = tl;
    int rc = h->msg_set_fields(msg, &f);
    free(tag);
    if (rc == 0 && json != NULL) {
        rc = h->msg_json_set_ref(msg, in->h_root, json);
        json = NULL;
    }
    if (json != NULL) {
        fjson_object_put(json);
    }
    if (rc != 0) {
        h->msg_unref(msg);
        atomic_fetch_add(in->c_failed, 1);
        h->log(SL_LOG_ERR, WHO, "imjournal: error during enqMsg().");
        return 0;
    }
    rc = h->submit(in->ctx, &msg, 1, 0);
    if (rc < 0) {
        return rc;
    }
    atomic_fetch_add(in->c_submitted, (uint64_t)rc);
    return 0;
}

/* --- the thread ----------------------------------------------------------------------------- */

static void try_recover(struct imjournal_inst *in)
{
    in->h->log(SL_LOG_INFO, WHO, "imjournal: trying to recover from journal error");
    atomic_fetch_add(in->c_recovery, 1);
    journal_close(in);
    struct pollfd p = { .fd = in->stopfd, .events = POLLIN };
    (void)poll(&p, 1, 200);
    if (atomic_load(&in->stopping) || journal_open(in) != 0) {
        return;
    }
    if (in->cursor != NULL && seek_after(in, in->cursor) != 0) {
        in->h->log(SL_LOG_ERR, WHO, "imjournal: couldn't seek to cursor `%s'", in->cursor);
    }
}

/* Waits for journal activity or stop(), up to ~900 ms as rsyslog's poll. */
static void wait_journal(struct imjournal_inst *in)
{
    int jfd = sd_journal_get_fd(in->j);
    uint64_t t = (uint64_t)-1;
    int timeout = 900;
    if (sd_journal_get_timeout(in->j, &t) >= 0 && t != (uint64_t)-1) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t nu = (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
        int64_t ms = t > nu ? (int64_t)((t - nu + 999) / 1000) : 0;
        if (ms < timeout) {
            timeout = (int)ms;
        }
    }
    struct pollfd p[2] = {
        { .fd = in->stopfd, .events = POLLIN },
        { .fd = jfd, .events = (short)(jfd >= 0 ? sd_journal_get_events(in->j) : 0) },
    };
    int n = poll(p, jfd >= 0 ? 2 : 1, timeout);
    if (n < 0 && errno != EINTR) {
        atomic_fetch_add(in->c_poll_failed, 1);
    }
    int r = sd_journal_process(in->j);
    if (r == SD_JOURNAL_INVALIDATE) {
        atomic_fetch_add(in->c_rotations, 1);
    } else if (r < 0) {
        atomic_fetch_add(in->c_poll_failed, 1);
    }
}

static int imjournal_run(void *inst)
{
    struct imjournal_inst *in = inst;
    const struct sl_host *h = in->h;

    if (journal_open(in) != 0) {
        /* as rsyslog: reported; sluiced runs on without the journal */
        return 0;
    }
    if (in->state_path != NULL) {
        if (load_state(in) != 0) {
            journal_close(in);
            return 0;
        }
    } else if (in->m->ignore_previous) {
        skip_old(in);
    }
    while (!atomic_load(&in->stopping)) {
        if (in->j == NULL) {
            try_recover(in);
            continue;
        }
        int r = sd_journal_next(in->j);
        if (r < 0) {
            h->log(SL_LOG_ERR, WHO, "imjournal: sd_journal_next() failed: %s", strerror(-r));
            try_recover(in);
            continue;
        }
        if (r == 0) {
            if (!in->warned_head && in->count == 0) {
                h->log(SL_LOG_WARNING, WHO, "imjournal: Journal indicates no msgs when "
                       "positioned at head.");
                in->warned_head = 1;
            }
            wait_journal(in);
            continue;
        }
        uint64_t usage = 0;
        if ((in->count & 1023) == 0 && sd_journal_get_usage(in->j, &usage) >= 0) {
            atomic_store(in->c_disk_usage, usage);
        }
        int rc = read_entry(in);
        if (rc == SL_ESHUTDOWN) {
            break;
        }
        if (rc < 0) {
            try_recover(in);
            continue;
        }
        in->count++;
        in->warned_head = 1;
        /* rsyslog's count % interval: a negative interval acts as its absolute value */
        if (in->state_path != NULL && in->persist_every > 0 &&
            in->count % in->persist_every == 0) {
            persist_state(in);
        }
    }
    persist_state(in);
    journal_close(in);
    return 0;
}

static void imjournal_stop(void *inst)
{
    struct imjournal_inst *in = inst;
    sl_stop_wake(&in->stopping, in->stopfd);
}

static void imjournal_destroy(void *inst)
{
    struct imjournal_inst *in = inst;
    journal_close(in);
    if (in->stopfd >= 0) {
        close(in->stopfd);
        in->stopfd = -1;
    }
    if (in->h_root != NULL) {
        in->h->prop_unref(in->h_root);
        in->h_root = NULL;
    }
    free(in->cursor);
    free(in->text);
    free(in->state_path);
    free(in->work_dir);
    in->cursor = in->text = in->state_path = in->work_dir = NULL;
}

static const struct sl_input_ops imjournal_ops = {
    .create = imjournal_create,
    .open = imjournal_open,
    .run = imjournal_run,
    .stop = imjournal_stop,
    .destroy = imjournal_destroy,
};

SL_PLUGIN_DEFINE(imjournal) = {
    SL_PLUGIN_HEADER(imjournal),
    .kinds = SL_INPUT,
    .flags = SL_PF_MODULE_INSTANCE,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct imjournal_mod),
    .inst_size = sizeof(struct imjournal_inst),
    .wrk_size = 0,
    .in = &imjournal_ops,
};

int sl_imjournal_read_entry(void *inst)
{
    return read_entry(inst);
}
