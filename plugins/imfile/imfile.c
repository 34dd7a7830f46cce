/*
 * imfile.c - the imfile input plugin: follows text files and turns their lines into
 * messages, with rsyslog 8.2302's parameter names, defaults and message properties
 * (read from plugins/imfile/imfile.c of 8.2302):
 *   - module(): mode="inotify" (default) | "polling", pollingInterval (10 s),
 *     readTimeout (0), timeoutGranularity (1 s), sortFiles (off), statefile.directory,
 *     normalizePath (on).
 *   - input(): file (glob wildcards in the file and directory names), tag, facility (local0),
 *     severity (notice), readMode, startmsg.regex, endmsg.regex, escapeLF(.replacement),
 *     trimLineOverBytes, maxLinesAtOnce (polling only), maxSubmitAtOnce, persistStateInterval,
 *     persistStateAfterSubmission, deleteStateOnFileDelete, freshStartTail, reopenOnTruncate,
 *     addMetadata, addCeeTag, needParse, ignoreOlderThan, fileNotFoundError, readTimeout, ...
 *   - Messages are not parsed (needParse="off"): MSG and rawmsg are the line, HOSTNAME the
 *     local host, TAG the tag parameter as given, PRI facility|severity; empty lines are
 *     skipped; needParse="on" hands the line to the ruleset's parser chain as rsyslog does
 *     (ABI 1.6 SL_LOCAL_PRESET: no HOSTNAME parsing, so the word after the timestamp is the
 *     TAG; HOSTNAME the local host, TAG the tag parameter where no parser sets one, PRI the
 *     line's or 13); with addMetadata (on by default for input(): rsyslog's "unspecified" is -1,
 *     which its code tests as true) $!metadata!filename and $!metadata!fileoffset (a string).
 *   - State files in statefile.directory, else global(workDirectory), else ".": named
 *     "imfile-state:INODE" while the file is shorter than 512 bytes and
 *     "imfile-state:INODE:FILEID" after (FILEID a SipHash of the first 512 bytes, so a new
 *     file on a reused inode does not inherit the old offset), rsyslog's JSON, so state moves
 *     between rsyslogd and sluiced.  A state is written when a file is closed, at shutdown,
 *     when the file reaches 512 bytes, every persistStateInterval messages and after every
 *     batch with persistStateAfterSubmission - always the state after the last batch the
 *     core accepted, so a restart neither repeats nor loses lines.
 *   - Rotation: files are tracked by inode.  A file whose name now leads to another inode
 *     (rename rotation) or to none is read to its end, its state saved (or removed, with
 *     deleteStateOnFileDelete, when the file is gone: at once, where rsyslogd reads a
 *     deleted file for 5 s more; and a renamed file keeps its state in polling mode too,
 *     where rsyslogd's removes it), then the new file is opened.  A file
 *     that shrank below the read offset, or whose last block read changed (copytruncate),
 *     is read again from the start with reopenOnTruncate, as rsyslog's stream does.
 *   - inotify mode watches the directories (and, for wildcard directories, every level of
 *     them); every event wakes the input thread, which reads all its files; directory
 *     changes and a 1 s timer rescan the pattern (glob).  Polling mode rescans and reads
 *     every pollingInterval seconds, at once again while there was data.
 * Framing (readMode, regexes, escapes) is reader.c's.  The legacy $InputFile* directives
 * (the `legacy` names below) collect settings that $InputRunFileMonitor turns into an
 * input() with rsyslog's legacy defaults (core/conf/legacy.c, legacy_inputs[]).
 *
 * Ownership and lifetime: parameter strings belong to the core; the instance owns its
 * compiled regexes, inotify and event fds, file list and batch.  Messages pass to the core
 * at submit().
 * Concurrency & locking: create/open/destroy on the main thread; everything else on the
 * input thread (run); stop() only writes the eventfd and sets an atomic flag.  Each input()
 * has its own thread (rsyslog has one for all of them), so files of one input() are
 * submitted in the order read, under one flow key.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libfastjson/json.h>

#include "sluice/sl_plugin.h"
#include "util/sl_regcomp.h"
#include "reader.h"

#define IMF_READ_BUF 65536
#define IMF_WATCH_MASK (IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
                        IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define IMF_ID_BYTES 512

struct imf_mod {
    char *mode;
    int64_t polling_interval;
    int64_t read_timeout;
    int64_t timeout_gran;
    int sort_files;
    char *statedir;
    int normalize_path;
};

struct imf_file {
    struct imf_file *next;
    char *path;
    int fd;
    dev_t dev;
    ino_t ino;
    struct imf_rd rd;
    char file_id[20];           /* id the state was last written under ("" short file) */
    char *good;                 /* state JSON after the last accepted batch */
    int64_t since_persist;      /* messages since the state was written */
    unsigned char last[IMF_ID_BYTES]; /* the last bytes read (truncation check) */
    size_t last_len;
    int seen;
    int dir_wd;                 /* inotify watch of its directory, -1 none */
    int dirty;                  /* an IN_MODIFY named it since it was last read */
};

struct imf_inst {
    /* parameters */
    char *file, *tag, *facility, *severity, *statefile;
    int64_t read_mode, max_lines, max_submit, trim, persist_interval, delay_msg;
    int64_t ignore_older, read_timeout, max_bytes_min, max_lines_min;
    char *start_regex, *end_regex, *esc_repl;
    int discard_trunc, msg_disc_err, escape_lf, reopen_trunc, rm_state, rm_state_old;
    int add_metadata, add_cee, fresh_tail, not_found_err, need_parse, persist_after;

    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    const struct imf_mod *m;
    char *pattern;              /* file, absolute */
    int has_wild;
    int pri;
    size_t taglen;
    regex_t start_re, end_re;
    int have_start, have_end;
    struct imf_rd_conf rc;
    const char *statedir;
    int polling;
    int efd, ifd;
    _Atomic int stop;
    struct imf_file *files;
    struct imf_file *cur;       /* file whose messages are in the batch */
    struct sl_msg **batch;
    size_t nbatch;
    void *h_fname, *h_foffs, *h_hostname;
    char *hostname;             /* the local host name, as the core gives local inputs */
    int64_t lines_pass;
    time_t rl_minute;           /* maxBytesPerMinute / maxLinesPerMinute, as rsyslog's */
    int64_t rl_bytes, rl_lines;
    time_t open_err_logged, state_err_logged;
    _Atomic uint64_t *c_lines, *c_bytes, *c_trunc, *c_toolong, *c_state_err,
        *c_ratelimited, *c_open_err;
};


#define MO(f) offsetof(struct imf_mod, f)
static const struct sl_param imf_mod_params[] = {
    { "mode", SL_PT_WORD, 0, MO(mode), "inotify", NULL, NULL,
      "inotify (changes wake the input) or polling (every pollingInterval)" },
    { "pollingInterval", SL_PT_POSINT, 0, MO(polling_interval), "10", NULL,
      "$InputFilePollInterval", "seconds between polls in polling mode" },
    { "readTimeout", SL_PT_NONNEG, 0, MO(read_timeout), "0", NULL, NULL,
      "default of the inputs' readTimeout" },
    { "timeoutGranularity", SL_PT_POSINT, 0, MO(timeout_gran), "1", NULL, NULL,
      "seconds between readTimeout checks" },
    { "sortFiles", SL_PT_BOOL, 0, MO(sort_files), "off", NULL, NULL,
      "process the files a wildcard matches in sorted order" },
    { "statefile.directory", SL_PT_STRING, 0, MO(statedir), NULL, NULL, NULL,
      "directory of the state files (default: global workDirectory)" },
    { "normalizePath", SL_PT_BOOL, 0, MO(normalize_path), "on", NULL, NULL,
      "make relative file names absolute" },
    SL_PARAM_END
};

#define IO(f) offsetof(struct imf_inst, f)
static const struct sl_param imf_params[] = {
    { "file", SL_PT_STRING, SL_P_REQUIRED, IO(file), NULL, NULL, "$InputFileName",
      "file to monitor; wildcards allowed in file and directory names" },
    { "tag", SL_PT_STRING, SL_P_REQUIRED, IO(tag), NULL, NULL, "$InputFileTag",
      "syslog tag of the messages, as given" },
    { "facility", SL_PT_WORD, 0, IO(facility), "local0", NULL, "$InputFileFacility",
      "facility name or rsyslog number" },
    { "severity", SL_PT_WORD, 0, IO(severity), "notice", NULL, "$InputFileSeverity",
      "severity name or number" },
    { "readMode", SL_PT_INT, 0, IO(read_mode), "0", NULL, "$InputFileReadMode",
      "0 lines, 1 paragraphs, 2 indented continuation lines" },
    { "startmsg.regex", SL_PT_STRING, 0, IO(start_regex), NULL, NULL, NULL,
      "ERE: a matching line begins a message" },
    { "endmsg.regex", SL_PT_STRING, 0, IO(end_regex), NULL, NULL, NULL,
      "ERE: a matching line ends a message" },
    { "discardTruncatedMsg", SL_PT_BOOL, 0, IO(discard_trunc), "off", NULL, NULL,
      "drop the rest of a multi-line message longer than maxMessageSize" },
    { "msgDiscardingError", SL_PT_BOOL, 0, IO(msg_disc_err), "on", NULL, NULL,
      "log an error when a message is cut" },
    { "escapeLF", SL_PT_BOOL, 0, IO(escape_lf), "on", NULL, NULL,
      "escape LFs inside multi-line messages" },
    { "escapeLF.replacement", SL_PT_STRING, 0, IO(esc_repl), NULL, NULL, NULL,
      "what an escaped LF becomes (default #012, \\n with the regexes)" },
    { "reopenOnTruncate", SL_PT_BOOL, 0, IO(reopen_trunc), "off", NULL, NULL,
      "read a truncated file again from the start" },
    { "maxLinesAtOnce", SL_PT_INT, 0, IO(max_lines), "0", NULL, "$InputFileMaxLinesAtOnce",
      "polling mode: lines of one file before the next is read (0: all)" },
    { "trimLineOverBytes", SL_PT_INT, 0, IO(trim), "0", NULL,
      "$InputFileTrimLineOverBytes", "cut lines longer than this (0: never)" },
    { "maxSubmitAtOnce", SL_PT_INT, 0, IO(max_submit), "1024", NULL, NULL,
      "messages per batch handed to the ruleset" },
    { "removeStateOnDelete", SL_PT_BOOL, 0, IO(rm_state_old), "on", NULL, NULL,
      "old name of deleteStateOnFileDelete" },
    { "persistStateInterval", SL_PT_INT, 0, IO(persist_interval), "0", NULL,
      "$InputFilePersistStateInterval", "write the state every N messages (0: at close)" },
    { "persistStateAfterSubmission", SL_PT_BOOL, 0, IO(persist_after), "off", NULL, NULL,
      "write the state after every batch" },
    { "deleteStateOnFileDelete", SL_PT_BOOL, 0, IO(rm_state), "on", NULL, NULL,
      "remove the state file when the file is deleted" },
    { "delay.message", SL_PT_NONNEG, 0, IO(delay_msg), "0", NULL, NULL,
      "microseconds to wait before each message" },
    { "addMetadata", SL_PT_BOOL, 0, IO(add_metadata), "on", NULL, NULL,
      "$!metadata!filename and $!metadata!fileoffset" },
    { "addCeeTag", SL_PT_BOOL, 0, IO(add_cee), "off", NULL, NULL,
      "prefix the message with @cee:" },
    { "stateFile", SL_PT_STRING, SL_P_DEPRECATED_ERROR, IO(statefile), NULL, NULL,
      "$InputFileStateFile", "deprecated and ignored (the core warns): state files are "
      "named by inode" },
    { "readTimeout", SL_PT_INT, 0, IO(read_timeout), "-1", NULL, NULL,
      "seconds after which a pending multi-line message is sent (default: module's)" },
    { "freshStartTail", SL_PT_BOOL, 0, IO(fresh_tail), "off", NULL, NULL,
      "at the first start, files without state are read from their end" },
    { "fileNotFoundError", SL_PT_BOOL, 0, IO(not_found_err), "on", NULL, NULL,
      "log an error when the file does not exist" },
    { "needParse", SL_PT_BOOL, 0, IO(need_parse), "off", NULL, NULL,
      "run the ruleset's parsers on the lines" },
    { "ignoreOlderThan", SL_PT_INT, 0, IO(ignore_older), "0", NULL, NULL,
      "ignore files not modified for this many seconds" },
    { "maxBytesPerMinute", SL_PT_INT, 0, IO(max_bytes_min), "0", NULL, NULL,
      "drop messages beyond this many bytes per minute (0: no limit)" },
    { "maxLinesPerMinute", SL_PT_INT, 0, IO(max_lines_min), "0", NULL, NULL,
      "drop messages beyond this many per minute (0: no limit)" },
    SL_PARAM_END
};

/* rsyslog's syslogFacNames / syslogPriNames; numbers are taken as they are (a facility
 * number is rsyslog's facility * 8). */
static const struct {
    const char *n;
    int v;
} imf_facs[] = {
    { "auth", 4 << 3 }, { "authpriv", 10 << 3 }, { "cron", 9 << 3 }, { "daemon", 3 << 3 },
    { "kern", 0 }, { "lpr", 6 << 3 }, { "mail", 2 << 3 }, { "news", 7 << 3 },
    { "ntp", 12 << 3 }, { "security", 4 << 3 }, { "bsd_security", 13 << 3 },
    { "syslog", 5 << 3 }, { "user", 1 << 3 }, { "uucp", 8 << 3 }, { "ftp", 11 << 3 },
    { "console", 14 << 3 }, { "local0", 16 << 3 }, { "local1", 17 << 3 },
    { "local2", 18 << 3 }, { "local3", 19 << 3 }, { "local4", 20 << 3 },
    { "local5", 21 << 3 }, { "local6", 22 << 3 }, { "local7", 23 << 3 }, { NULL, 0 }
}, imf_sevs[] = {
    { "alert", 1 }, { "crit", 2 }, { "debug", 7 }, { "emerg", 0 }, { "err", 3 },
    { "error", 3 }, { "info", 6 }, { "notice", 5 }, { "panic", 0 }, { "warn", 4 },
    { "warning", 4 }, { NULL, 0 }
};

static int imf_name(const char *s, int sev)
{
    if (s[0] >= '0' && s[0] <= '9') {
        return atoi(s);
    }
    for (size_t i = 0; sev ? imf_sevs[i].n != NULL : imf_facs[i].n != NULL; i++) {
        if (strcasecmp(s, sev ? imf_sevs[i].n : imf_facs[i].n) == 0) {
            return sev ? imf_sevs[i].v : imf_facs[i].v;
        }
    }
    return -1;
}

static int imf_create(void *inst, void *modconf, const struct sl_host *h,
                      struct sl_input_ctx *ctx)
{
    struct imf_inst *in = inst;
    const struct imf_mod *m = modconf;
    in->h = h;
    in->ctx = ctx;
    in->m = m;
    in->efd = -1;
    in->ifd = -1;
    if (h->struct_size < offsetof(struct sl_host, msg_json_set_str) + sizeof h->msg_json_set_str ||
        h->msg_set_fields == NULL || h->msg_json_set_str == NULL || h->prop_ref == NULL) {
        h->log(SL_LOG_ERR, "imfile", "imfile: the core lacks msg_set_fields (ABI 1.4)");
        return SL_ECONFIG;
    }
    if (m->mode != NULL && strcasecmp(m->mode, "polling") == 0) {
        in->polling = 1;
    } else if (m->mode != NULL && strcasecmp(m->mode, "inotify") != 0) {
        h->log(SL_LOG_ERR, "imfile", "imfile: unknown mode '%s'", m->mode);
    }
    int fac = imf_name(in->facility, 0), sev = imf_name(in->severity, 1);
    if (fac < 0 || sev < 0 || (fac | sev) > 191) {
        h->log(SL_LOG_ERR, "imfile", "imfile: invalid facility '%s' or severity '%s'",
               in->facility, in->severity);
        return SL_ECONFIG;
    }
    in->pri = fac | sev;
    in->taglen = strlen(in->tag);
    int nmodes = (in->read_mode > 0) + (in->start_regex != NULL) + (in->end_regex != NULL);
    if (nmodes > 1) {
        h->log(SL_LOG_ERR, "imfile", "only one of readMode or startmsg.regex or endmsg.regex "
               "can be set at the same time");
        return SL_ECONFIG;
    }
    if (in->read_mode < 0 || in->read_mode > 2) {
        h->log(SL_LOG_ERR, "imfile", "imfile: readMode must be 0, 1 or 2, not %lld",
               (long long)in->read_mode);
        return SL_ECONFIG;
    }
    char err[256];
    int rc;
    if (in->start_regex != NULL) {
        if ((rc = sl_regcomp(&in->start_re, in->start_regex, REG_EXTENDED)) != 0) {
            regerror(rc, &in->start_re, err, sizeof err);
            h->log(SL_LOG_ERR, "imfile", "imfile: error in startmsg.regex expansion: %s", err);
            return SL_ECONFIG;
        }
        in->have_start = 1;
    }
    if (in->end_regex != NULL) {
        if ((rc = sl_regcomp(&in->end_re, in->end_regex, REG_EXTENDED)) != 0) {
            regerror(rc, &in->end_re, err, sizeof err);
            h->log(SL_LOG_ERR, "imfile", "imfile: error in endmsg.regex expansion: %s", err);
            return SL_ECONFIG;
        }
        in->have_end = 1;
    }
    if (in->max_lines > 0 && !in->polling) {
        h->log(SL_LOG_ERR, "imfile", "parameter \"maxLinesAtOnce\" not permited in inotify "
               "mode - ignored");
        in->max_lines = 0;
    }
    if (in->max_submit <= 0 || in->max_submit > 65536) {
        h->log(SL_LOG_WARNING, "imfile", "imfile: maxSubmitAtOnce %lld out of range 1..65536, "
               "using 1024", (long long)in->max_submit);
        in->max_submit = 1024;
    }
    if (!in->rm_state_old) {
        in->rm_state = 0;
    }
    /* normalizePath: "./x" -> "x", relative -> absolute */
    const char *f = in->file;
    if (m->normalize_path && f[0] == '.' && f[1] == '/') {
        f += 2;
    }
    if (m->normalize_path && f[0] != '/') {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof cwd) == NULL) {
            h->log(SL_LOG_ERR, "imfile", "imfile: error querying current working directory - "
                   "can not continue with %s", in->file);
            return SL_ECONFIG;
        }
        size_t n = strlen(cwd) + strlen(f) + 2;
        in->pattern = malloc(n);
        if (in->pattern == NULL) {
            return SL_ENOMEM;
        }
        snprintf(in->pattern, n, "%s/%s", cwd, f);
    } else {
        in->pattern = strdup(f);
        if (in->pattern == NULL) {
            return SL_ENOMEM;
        }
    }
    in->has_wild = strpbrk(in->pattern, "*?[") != NULL;
    in->rc.mode = (int)in->read_mode;
    in->rc.start_re = in->have_start ? &in->start_re : NULL;
    in->rc.end_re = in->have_end ? &in->end_re : NULL;
    in->rc.escape_lf = in->escape_lf;
    in->rc.esc = in->esc_repl;
    in->rc.trim = in->trim > 0 ? (uint64_t)in->trim : 0;
    in->rc.discard_truncated = in->discard_trunc;
    in->rc.max_msg = h->max_message_size();
    in->rc.read_timeout = in->read_timeout >= 0 ? in->read_timeout : m->read_timeout;
    in->statedir = m->statedir != NULL ? m->statedir : h->global_str("workDirectory");
    static atomic_int warned;
    if (in->statedir == NULL && atomic_exchange(&warned, 1) == 0) {
        h->log(SL_LOG_ERR, "imfile", "imfile: no working or state file directory set, imfile "
               "will create state files in the current working directory (probably the root "
               "dir). Use global(workDirectory=\"/some/path\") to set the working directory");
    }
    if (h->prop_ref("$!metadata!filename", &in->h_fname) != 0 ||
        h->prop_ref("$!metadata!fileoffset", &in->h_foffs) != 0) {
        return SL_ECONFIG;
    }
    in->batch = calloc((size_t)in->max_submit, sizeof *in->batch);
    if (in->batch == NULL) {
        return SL_ENOMEM;
    }
    in->c_lines = h->counter("imfile", in->pattern, "messages");
    in->c_bytes = h->counter("imfile", in->pattern, "bytes.read");
    in->c_trunc = h->counter("imfile", in->pattern, "truncations");
    in->c_toolong = h->counter("imfile", in->pattern, "messages.cut");
    in->c_state_err = h->counter("imfile", in->pattern, "state.errors");
    in->c_ratelimited = h->counter("imfile", in->pattern, "ratelimit.discarded");
    in->c_open_err = h->counter("imfile", in->pattern, "open.errors");
    return 0;
}

static int imf_open(void *inst)
{
    struct imf_inst *in = inst;
    in->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (in->efd < 0) {
        in->h->log(SL_LOG_ERR, "imfile", "imfile: eventfd: %s", strerror(errno));
        return SL_EIO;
    }
    if (!in->polling) {
        in->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (in->ifd < 0) {
            in->h->log(SL_LOG_ERR, "imfile", "imfile: Init inotify instance failed (%s), "
                       "using polling mode", strerror(errno));
            in->polling = 1;
        }
    }
    return 0;
}

static void imf_stop(void *inst)
{
    struct imf_inst *in = inst;
    atomic_store(&in->stop, 1);
    uint64_t one = 1;
    if (in->efd >= 0 && write(in->efd, &one, sizeof one) < 0) {
        /* the flag is set; run() sees it within a second anyway */
    }
}

/* ---- state files ------------------------------------------------------------------- */

static void state_name(const struct imf_inst *in, const struct imf_file *f, const char *id,
                       char *out, size_t n)
{
    snprintf(out, n, "%s/imfile-state:%lld%s%s", in->statedir != NULL ? in->statedir : ".",
             (long long)f->ino, id[0] != '\0' ? ":" : "", id);
}

/* The current file id (first 512 bytes), "" while the file is shorter. */
static void current_id(const struct imf_file *f, char *id)
{
    unsigned char b[IMF_ID_BYTES];
    id[0] = '\0';
    if (pread(f->fd, b, sizeof b, 0) == (ssize_t)sizeof b) {
        imf_file_id(b, sizeof b, id);
    }
}

static void persist(struct imf_inst *in, struct imf_file *f)
{
    if (f->good == NULL) {
        return;
    }
    char id[20], name[PATH_MAX], tmp[PATH_MAX + 8];
    current_id(f, id);
    state_name(in, f, id, name, sizeof name);
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(f->good);
    if (fd < 0 || write(fd, f->good, len) != (ssize_t)len || close(fd) != 0 ||
        rename(tmp, name) != 0) {
        int e = errno;
        if (fd >= 0) {
            unlink(tmp);
        }
        atomic_fetch_add(in->c_state_err, 1);
        time_t now = time(NULL);
        if (now - in->state_err_logged >= 60) {   /* per batch at worst: once a minute */
            in->state_err_logged = now;
            in->h->log(SL_LOG_ERR, "imfile", "imfile: could not persist state file %s - "
                       "data may be repeated on next startup. Is WorkDirectory set? (%s)",
                       name, strerror(e));
        }
        return;
    }
    if (strcmp(f->file_id, id) != 0) {
        /* the file grew past 512 bytes (or was rewritten): the old name goes */
        char old[PATH_MAX];
        state_name(in, f, f->file_id, old, sizeof old);
        unlink(old);
        snprintf(f->file_id, sizeof f->file_id, "%s", id);
    }
    f->since_persist = 0;
}

static char *read_small(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *b = malloc(cap);
    ssize_t r;
    while (b != NULL && (r = read(fd, b + len, cap - len - 1)) > 0) {
        len += (size_t)r;
        if (len + 1 == cap) {
            char *nb = cap < (64u << 20) ? realloc(b, cap * 2) : NULL;
            if (nb == NULL) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    close(fd);
    if (b != NULL) {
        b[len] = '\0';
    }
    return b;
}

/* Restore f's reader from its state file, if there is one: 1 found, 0 none. */
static int load_state(struct imf_inst *in, struct imf_file *f)
{
    char id[20], name[PATH_MAX];
    current_id(f, id);
    state_name(in, f, id, name, sizeof name);
    char *s = read_small(name);
    if (s == NULL && id[0] != '\0') {
        state_name(in, f, "", name, sizeof name);   /* written while the file was short */
        s = read_small(name);
        id[0] = '\0';
    }
    if (s == NULL) {
        return 0;
    }
    if (imf_rd_state_load(&f->rd, s) != 0) {
        in->h->log(SL_LOG_ERR, "imfile", "imfile: error reading state file for '%s'", f->path);
        imf_rd_init(&f->rd, &in->rc);
    }
    free(s);
    snprintf(f->file_id, sizeof f->file_id, "%s", id);
    return 1;
}

/* ---- messages ---------------------------------------------------------------------- */

static int flush(struct imf_inst *in)
{
    struct imf_file *f = in->cur;
    if (in->nbatch > 0) {
        size_t n = in->nbatch;
        in->nbatch = 0;
        if (in->h->submit(in->ctx, in->batch, n, (uint64_t)(uintptr_t)in) < 0) {
            atomic_store(&in->stop, 1);   /* the core is stopping: keep the last state */
            return -1;
        }
        atomic_fetch_add(in->c_lines, n);
        if (f != NULL) {
            f->since_persist += (int64_t)n;
        }
    }
    if (f != NULL) {
        free(f->good);
        f->good = imf_rd_state_json(&f->rd, f->path);
        if (f->file_id[0] == '\0' && f->rd.curr_offs >= IMF_ID_BYTES) {
            persist(in, f);   /* rsyslog writes the state once the file id is known */
        } else if ((in->persist_interval > 0 && f->since_persist >= in->persist_interval) ||
                   (in->persist_after && f->since_persist > 0)) {
            persist(in, f);
        }
    }
    return 0;
}

/* rsyslog's imfile messages have no sender: fromhost and fromhost-ip are empty, HOSTNAME
 * the local host name.  The core gives a message without a peer the local host name and
 * 127.0.0.1, and one with a peer address of family AF_UNSPEC (which no name or number
 * lookup resolves) empty strings; HOSTNAME is then set explicitly to what the core gives
 * local inputs (read once from a probe message, see local_hostname). */
static struct sl_msg *new_msg(struct imf_inst *in, const char *s, size_t len)
{
    if (in->hostname == NULL) {
        return in->h->msg_new(in->ctx, s, len, NULL, 0);
    }
    struct sockaddr_storage none;
    memset(&none, 0, sizeof none);
    none.ss_family = AF_UNSPEC;
    return in->h->msg_new(in->ctx, s, len, (const struct sockaddr *)&none,
                          (socklen_t)sizeof none);
}

static void local_hostname(struct imf_inst *in)
{
    const struct sl_host *h = in->h;
    if (h->msg_prop == NULL || h->prop_ref("hostname", &in->h_hostname) != 0) {
        return;
    }
    struct sl_msg *m = h->msg_new(in->ctx, "", 0, NULL, 0);
    struct sl_buf b = { 0 };
    if (h->msg_prop(m, in->h_hostname, &b) == 0 && h->buf_reserve(&b, 1) == 0) {
        b.p[b.len] = '\0';
        in->hostname = strdup(b.p);
    }
    h->buf_free(&b);
    h->msg_unref(m);
}

/* maxBytesPerMinute / maxLinesPerMinute, rule for rule as rsyslog 8.2302's
 * checkPerMinuteRateLimits (one minute window per input(); with both limits the byte check
 * moves the window first).  Returns 1 when the message is to be dropped. */
static int rate_limited(struct imf_inst *in, size_t len)
{
    time_t minute = time(NULL) / 60;
    if (in->max_bytes_min > 0) {
        if (in->rl_minute == minute) {
            in->rl_bytes += (int64_t)len;
            if (in->rl_bytes > in->max_bytes_min) {
                return 1;
            }
        } else {
            in->rl_minute = minute;
            in->rl_bytes = (int64_t)len;
        }
    }
    if (in->max_lines_min > 0) {
        if (in->rl_minute == minute) {
            in->rl_lines++;
            if (in->rl_lines > in->max_lines_min) {
                return 1;
            }
        } else {
            in->rl_minute = minute;
            in->rl_lines = 1;
        }
    }
    return 0;
}

static int emit(void *arg, const char *s, size_t len, int64_t offset)
{
    struct imf_inst *in = arg;
    if (len == 0) {
        return 0;   /* rsyslog does not process empty lines */
    }
    if ((in->max_bytes_min > 0 || in->max_lines_min > 0) && rate_limited(in, len)) {
        atomic_fetch_add(in->c_ratelimited, 1);
        return 0;
    }
    if (in->delay_msg > 0) {
        usleep((useconds_t)in->delay_msg);   /* delay.message, microseconds (a test aid) */
    }
    const struct sl_host *h = in->h;
    struct sl_msg *m;
    if (in->add_cee) {
        /* rsyslog copies the cookie, the line and the terminating NUL */
        char *b = malloc(len + 6);
        if (b == NULL) {
            abort();
        }
        memcpy(b, "@cee:", 5);
        memcpy(b + 5, s, len);
        b[len + 5] = '\0';
        m = new_msg(in, b, len + 6);
        free(b);
    } else {
        m = new_msg(in, s, len);
    }
    if (in->need_parse) {
        /* rsyslog: HOSTNAME and TAG set, then the parser chain without PARSE_HOSTNAME (the
         * RFC 3164 parser takes the TAG where a HOSTNAME would be); ABI 1.6 */
        struct sl_local_meta lm;
        memset(&lm, 0, sizeof lm);
        lm.flags = SL_LOCAL_PRESET;
        lm.tag = in->tag;
        h->msg_set_local(m, &lm);
    } else {
        struct sl_msg_fields fl = { 0 };
        fl.set = SL_MF_PRI | SL_MF_TAG;
        fl.pri = in->pri;
        fl.tag = in->tag;
        fl.tag_len = in->taglen;
        if (in->hostname != NULL) {
            fl.set |= SL_MF_HOSTNAME;
            fl.hostname = in->hostname;
            fl.hostname_len = strlen(in->hostname);
        }
        h->msg_set_fields(m, &fl);
    }
    if (in->add_metadata && in->cur != NULL) {
        char off[24];
        int n = snprintf(off, sizeof off, "%lld", (long long)offset);
        h->msg_json_set_str(m, in->h_fname, in->cur->path, strlen(in->cur->path));
        h->msg_json_set_str(m, in->h_foffs, off, (size_t)n);
    }
    in->batch[in->nbatch++] = m;
    in->lines_pass++;
    return in->nbatch >= (size_t)in->max_submit ||
           (in->max_lines > 0 && in->lines_pass >= in->max_lines);
}

static void toolong(void *arg, int discarding)
{
    struct imf_inst *in = arg;
    atomic_fetch_add(in->c_toolong, 1);
    if (in->msg_disc_err) {
        in->h->log(SL_LOG_ERR, "imfile", discarding
                   ? "imfile error: message received is larger than max msg size; rest of "
                     "message will not be processed"
                   : "imfile error: message received is larger than max msg size; message "
                     "will be split and processed as another message");
    }
}

/* Truncation (reopenOnTruncate): the file is shorter than what was read, or the last
 * block read is no longer there.  Returns 1 when reading starts again from 0. */
static int truncated(struct imf_inst *in, struct imf_file *f)
{
    struct stat st;
    if (!in->reopen_trunc || fstat(f->fd, &st) != 0) {
        return 0;
    }
    const char *why = NULL;
    if (st.st_size < f->rd.curr_offs) {
        why = "file size is smaller than the read offset";
    } else if (f->last_len > 0) {
        unsigned char b[IMF_ID_BYTES];
        ssize_t r = pread(f->fd, b, f->last_len, f->rd.curr_offs - (off_t)f->last_len);
        if (r != (ssize_t)f->last_len || memcmp(b, f->last, f->last_len) != 0) {
            why = "last block data different";
        }
    }
    if (why == NULL) {
        return 0;
    }
    atomic_fetch_add(in->c_trunc, 1);
    in->h->log(SL_LOG_WARNING, "imfile", "file '%s': truncation detected, (%s) - re-start "
               "reading from beginning", f->path, why);
    f->rd.curr_offs = 0;
    f->rd.strt_offs = 0;
    f->last_len = 0;
    return 1;
}

static void remember_last(struct imf_file *f, const char *buf, size_t n)
{
    if (n >= IMF_ID_BYTES) {
        memcpy(f->last, buf + n - IMF_ID_BYTES, IMF_ID_BYTES);
        f->last_len = IMF_ID_BYTES;
        return;
    }
    size_t keep = f->last_len + n > IMF_ID_BYTES ? IMF_ID_BYTES - n : f->last_len;
    memmove(f->last, f->last + f->last_len - keep, keep);
    memcpy(f->last + keep, buf, n);
    f->last_len = keep + n;
}

/* Read f to its end (or maxLinesAtOnce).  Returns 1 if there was data. */
static int read_file(struct imf_inst *in, struct imf_file *f, char *buf)
{
    int had = 0;
    in->cur = f;
    in->lines_pass = 0;
    truncated(in, f);
    while (!atomic_load(&in->stop)) {
        ssize_t n = pread(f->fd, buf, IMF_READ_BUF, f->rd.curr_offs);
        if (n <= 0) {
            imf_rd_eof(&f->rd);
            break;
        }
        had = 1;
        atomic_fetch_add(in->c_bytes, (uint64_t)n);
        remember_last(f, buf, (size_t)n);
        size_t done = 0;
        time_t now = time(NULL);
        while (done < (size_t)n) {
            done += imf_rd_feed(&f->rd, buf + done, (size_t)n - done, now, emit, toolong, in);
            if (done < (size_t)n || in->nbatch >= (size_t)in->max_submit) {
                if (flush(in) != 0) {
                    return had;
                }
            }
            if (in->max_lines > 0 && in->lines_pass >= in->max_lines) {
                break;
            }
        }
        if (in->max_lines > 0 && in->lines_pass >= in->max_lines) {
            /* the unread rest of buf is read again next time (pread at curr_offs) */
            f->last_len = 0;
            break;
        }
    }
    if (had || in->nbatch > 0) {
        flush(in);   /* (nothing read: the state is what it was) */
    }
    return had;
}

/* ---- the file set -------------------------------------------------------------------- */

static void close_file(struct imf_inst *in, struct imf_file *f, int drain, char *buf)
{
    if (drain && !atomic_load(&in->stop)) {
        read_file(in, f, buf);   /* rotated away: read it to its end first */
    }
    struct stat st;
    int deleted = fstat(f->fd, &st) == 0 && st.st_nlink == 0;
    persist(in, f);
    if (deleted && in->rm_state) {
        char id[20], name[PATH_MAX];
        current_id(f, id);
        state_name(in, f, id, name, sizeof name);
        unlink(name);
    }
    if (in->cur == f) {
        in->cur = NULL;
    }
    close(f->fd);
    imf_rd_free(&f->rd);
    free(f->good);
    free(f->path);
    free(f);
}

/* The watch of f's directory (the same the pattern's watches use: inotify gives one
 * descriptor per directory), so IN_MODIFY events can name f. */
static void watch_dir(struct imf_inst *in, struct imf_file *f)
{
    f->dir_wd = -1;
    const char *slash = strrchr(f->path, '/');
    if (in->ifd < 0 || slash == NULL) {
        return;
    }
    char dir[PATH_MAX];
    size_t n = slash == f->path ? 1 : (size_t)(slash - f->path);
    if (n >= sizeof dir) {
        return;
    }
    memcpy(dir, f->path, n);
    dir[n] = '\0';
    f->dir_wd = inotify_add_watch(in->ifd, dir, IMF_WATCH_MASK);
}

static const char *base_name(const struct imf_file *f)
{
    const char *slash = strrchr(f->path, '/');
    return slash != NULL ? slash + 1 : f->path;
}

static struct imf_file *open_file(struct imf_inst *in, const char *path, int initial)
{
    if (in->ignore_older > 0) {
        struct stat st;
        if (stat(path, &st) == 0 && difftime(time(NULL), st.st_mtime) > (double)in->ignore_older) {
            return NULL;
        }
    }
    /* O_NONBLOCK: a name that became a FIFO since the scan's stat() must not block */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        atomic_fetch_add(in->c_open_err, 1);
        /* tried again at every scan: logged at most once a minute */
        time_t now = time(NULL);
        if ((errno != ENOENT || in->not_found_err) && now - in->open_err_logged >= 60) {
            in->open_err_logged = now;
            in->h->log(SL_LOG_ERR, "imfile", "imfile: error accessing file '%s': %s", path,
                       strerror(errno));
        }
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    struct imf_file *f = calloc(1, sizeof *f);
    if (f == NULL || (f->path = strdup(path)) == NULL) {
        free(f);
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    watch_dir(in, f);
    imf_rd_init(&f->rd, &in->rc);
    if (!load_state(in, f) && initial && in->fresh_tail) {
        f->rd.curr_offs = f->rd.strt_offs = st.st_size;
    }
    f->good = imf_rd_state_json(&f->rd, f->path);
    return f;
}

/* inotify: watch the directories the pattern can match files in, and for wildcard
 * directories each level leading to them (new directories are seen by their parents). */
static void add_watches(struct imf_inst *in)
{
    if (in->ifd < 0) {
        return;
    }
    const uint32_t mask = IMF_WATCH_MASK;
    char *dir = strdup(in->pattern);
    if (dir == NULL) {
        return;
    }
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        free(dir);
        inotify_add_watch(in->ifd, ".", mask);
        return;
    }
    slash[slash == dir ? 1 : 0] = '\0';
    /* the deepest directory without wildcards, then every level below it */
    char *w = strpbrk(dir, "*?[");
    size_t fixed = strlen(dir);
    if (w != NULL) {
        while (w > dir && *w != '/') {
            w--;
        }
        fixed = (size_t)(w - dir);
    }
    char save = dir[fixed > 0 ? fixed : 1];
    dir[fixed > 0 ? fixed : 1] = '\0';
    inotify_add_watch(in->ifd, dir, mask);
    dir[fixed > 0 ? fixed : 1] = save;
    for (size_t i = fixed + 1; w != NULL && i <= strlen(dir); i++) {
        if (dir[i] != '/' && dir[i] != '\0') {
            continue;
        }
        char c = dir[i];
        dir[i] = '\0';
        glob_t g;
        if (glob(dir, GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g) == 0) {
            for (size_t k = 0; k < g.gl_pathc; k++) {
                inotify_add_watch(in->ifd, g.gl_pathv[k], mask);
            }
            globfree(&g);
        }
        dir[i] = c;
    }
    free(dir);
}

/* Match the pattern again: files gone or replaced are read to their end and closed, new
 * ones opened.  Returns 1 if any file was opened or closed. */
static int scan(struct imf_inst *in, int initial, char *buf)
{
    add_watches(in);
    glob_t g;
    int grc = glob(in->pattern, in->m->sort_files ? 0 : GLOB_NOSORT, NULL, &g);
    size_t n = grc == 0 ? g.gl_pathc : 0;
    char *isnew = calloc(n + 1, 1);
    struct imf_file *f;
    int changed = 0;
    for (f = in->files; f != NULL; f = f->next) {
        f->seen = 0;
    }
    for (size_t i = 0; i < n && isnew != NULL; i++) {
        struct stat st;
        if (stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        for (f = in->files; f != NULL; f = f->next) {
            if (f->dev == st.st_dev && f->ino == st.st_ino) {
                break;
            }
        }
        if (f == NULL) {
            isnew[i] = 1;
            continue;
        }
        f->seen = 1;
        if (strcmp(f->path, g.gl_pathv[i]) != 0) {
            char *p = strdup(g.gl_pathv[i]);   /* renamed, still matched: keep reading */
            if (p != NULL) {
                free(f->path);
                f->path = p;
                watch_dir(in, f);
            }
        }
    }
    /* first the files that went away (rotation: the old file to its end) */
    for (struct imf_file **pp = &in->files; *pp != NULL;) {
        f = *pp;
        if (isnew != NULL && !f->seen) {
            *pp = f->next;
            close_file(in, f, 1, buf);
            changed = 1;
        } else {
            pp = &f->next;
        }
    }
    struct imf_file **tail = &in->files;
    while (*tail != NULL) {
        tail = &(*tail)->next;
    }
    for (size_t i = 0; i < n && isnew != NULL; i++) {
        if (isnew[i] && (f = open_file(in, g.gl_pathv[i], initial)) != NULL) {
            *tail = f;
            tail = &f->next;
            changed = 1;
        }
    }
    if (initial && !in->has_wild && access(in->pattern, R_OK) != 0) {
        in->h->log(SL_LOG_ERR, "imfile", "imfile: on startup file '%s' does not exist but is "
                   "configured in static file monitor - this may indicate a misconfiguration. "
                   "If the file appears at a later time, it will automatically be processed. "
                   "Reason: %s", in->pattern, strerror(errno));
    }
    free(isnew);
    if (grc == 0) {
        globfree(&g);
    }
    return changed;
}

/* Drain the inotify queue; returns 1 if a directory changed (a rescan is due). */
static int drain_inotify(struct imf_inst *in)
{
    char b[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    int rescan = 0;
    for (;;) {
        ssize_t r = read(in->ifd, b, sizeof b);
        if (r <= 0) {
            break;
        }
        for (char *p = b; p < b + r;) {
            const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
            if (ev->mask & ~(uint32_t)(IN_MODIFY | IN_CLOSE_WRITE)) {
                rescan = 1;
            } else if (ev->len > 0) {
                /* a change of one file: read that one (others in the directory: nothing
                 * to do; a file not opened yet is found by the next scan) */
                for (struct imf_file *f = in->files; f != NULL; f = f->next) {
                    if (f->dir_wd == ev->wd && strcmp(base_name(f), ev->name) == 0) {
                        f->dirty = 1;
                        break;
                    }
                }
            }
            p += sizeof *ev + ev->len;
        }
    }
    return rescan;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int imf_run(void *inst)
{
    struct imf_inst *in = inst;
    char *buf = malloc(IMF_READ_BUF);
    if (buf == NULL) {
        return SL_ENOMEM;
    }
    local_hostname(in);
    scan(in, 1, buf);
    int64_t last_scan = mono_ms();
    int had = 0;
    for (struct imf_file *f = in->files; f != NULL && !atomic_load(&in->stop); f = f->next) {
        had |= read_file(in, f, buf);
    }
    const int timeouts = in->rc.read_timeout > 0 && (in->have_start || in->have_end);
    while (!atomic_load(&in->stop)) {
        struct pollfd pf[2] = { { in->efd, POLLIN, 0 }, { in->ifd, POLLIN, 0 } };
        int wait_ms;
        if (in->polling) {
            wait_ms = had ? 0 : (int)(in->m->polling_interval * 1000);
        } else {
            wait_ms = 1000;
        }
        if (timeouts && wait_ms > in->m->timeout_gran * 1000) {
            wait_ms = (int)(in->m->timeout_gran * 1000);
        }
        if (wait_ms > 0 || !in->polling) {
            poll(pf, in->ifd >= 0 ? 2 : 1, wait_ms);
        }
        if (atomic_load(&in->stop)) {
            break;
        }
        int rescan = in->polling;
        if (in->ifd >= 0 && (pf[1].revents & POLLIN)) {
            rescan |= drain_inotify(in);
        }
        int all = rescan;
        if (rescan || mono_ms() - last_scan >= 1000) {
            scan(in, 0, buf);
            last_scan = mono_ms();
            all = 1;
        }
        /* every file after a scan (at least once a second), else those events named */
        had = 0;
        for (struct imf_file *f = in->files; f != NULL && !atomic_load(&in->stop);
             f = f->next) {
            if (all || f->dirty) {
                f->dirty = 0;
                had |= read_file(in, f, buf);
            }
        }
        if (timeouts) {
            time_t now = time(NULL);
            for (struct imf_file *f = in->files; f != NULL; f = f->next) {
                in->cur = f;
                if (imf_rd_timeout(&f->rd, now, emit, in)) {
                    flush(in);
                }
            }
        }
    }
    /* shutdown: the state of every file as of the last batch the core took */
    if (in->nbatch > 0) {
        for (size_t i = 0; i < in->nbatch; i++) {
            in->h->msg_unref(in->batch[i]);
        }
        in->nbatch = 0;
    }
    while (in->files != NULL) {
        struct imf_file *f = in->files;
        in->files = f->next;
        close_file(in, f, 0, buf);
    }
    free(buf);
    return 0;
}

static void imf_destroy(void *inst)
{
    struct imf_inst *in = inst;
    while (in->files != NULL) {   /* run() never ran */
        struct imf_file *f = in->files;
        in->files = f->next;
        close(f->fd);
        imf_rd_free(&f->rd);
        free(f->good);
        free(f->path);
        free(f);
    }
    if (in->have_start) {
        regfree(&in->start_re);
    }
    if (in->have_end) {
        regfree(&in->end_re);
    }
    if (in->h_fname != NULL) {
        in->h->prop_unref(in->h_fname);
    }
    if (in->h_foffs != NULL) {
        in->h->prop_unref(in->h_foffs);
    }
    if (in->h_hostname != NULL) {
        in->h->prop_unref(in->h_hostname);
    }
    free(in->hostname);
    if (in->efd >= 0) {
        close(in->efd);
    }
    if (in->ifd >= 0) {
        close(in->ifd);
    }
    free(in->batch);
    free(in->pattern);
}

static const struct sl_input_ops imf_ops = {
    .create = imf_create,
    .open = imf_open,
    .run = imf_run,
    .stop = imf_stop,
    .destroy = imf_destroy,
};

SL_PLUGIN_DEFINE(imfile) = {
    SL_PLUGIN_HEADER(imfile),
    .kinds = SL_INPUT,
    .flags = 0,
    .module_params = imf_mod_params,
    .inst_params = imf_params,
    .mod_size = sizeof(struct imf_mod),
    .inst_size = sizeof(struct imf_inst),
    .wrk_size = 0,
    .mod_init = NULL,
    .mod_fini = NULL,
    .in = &imf_ops,
    .out = NULL,
};
