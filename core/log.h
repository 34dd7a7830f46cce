/*
 * log.h - sluiced's own messages and configuration diagnostics.
 *
 * Internal messages go to stderr when running in the foreground (or before the engine
 * runs) and, once the engine runs, into the default ruleset as syslog messages from
 * "sluiced" with facility syslog, as rsyslog does with its own messages.
 *
 * Concurrency & locking: thread-safe; the sink pointer is set once before threads start.
 */
#ifndef SLUICE_CORE_LOG_H
#define SLUICE_CORE_LOG_H

#include <stddef.h>

#include "sluice/sl_plugin.h"

struct sl_loc;

/* Secret redaction.  What is never printed (-N1 --dump, config error messages):
 *   - every value of a parameter marked secret at bind time (SL_P_SECRET in the core's
 *     tables or in a loaded plugin's descriptor: conf/ir.h sl_kv.secret);
 *   - every value of a parameter whose NAME is a secret key (below), bound or not, so that
 *     a config that fails before binding does not print them either;
 *   - in any other value, single or array element, of the form KEY=VALUE (librdkafka's
 *     confParam=["sasl.password=..."] and the like): VALUE, when KEY is a secret key.
 * A secret key contains, ignoring case, "password", "passwd", "passphrase", "secret",
 * "sasl.oauthbearer.config", "ssl.key.pem" or "ssl_key", or is "pwd": that covers the
 * properties librdkafka itself flags sensitive (sasl.password, ssl.key.password,
 * ssl.keystore.password, ssl.key.pem, ssl_key, sasl.oauthbearer.config,
 * sasl.oauthbearer.client.secret) and rsyslog's password parameters (pwd=, password=).
 * Redacted text is printed as SL_REDACTED. */
#define SL_REDACTED "<redacted>"
int sl_secret_key(const char *key, size_t len);
/* The text to show for value v of parameter `name` (secret: marked at bind time): v
 * itself, SL_REDACTED, or "KEY=" SL_REDACTED formatted into buf (size >= 64; a longer key
 * is cut). */
const char *sl_redact(int secret, const char *name, const char *v, char *buf, size_t size);

void sl_log(int severity, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Config diagnostics: "FILE:LINE: error: text" on stderr (and the internal log).
 * Counted, so that -N can exit non-zero.  A location with a column (sl_loc.col > 0) adds
 * the source line and a caret line on stderr:
 *   sluiced: a.conf:3: error: input 'imudp': parameter 'prot' not known ...
 *        3 | input(type="imudp" prot="514")
 *          |                    ^
 * (a line holding a secret key, see above, is not shown).  Only the first
 * SL_CFG_MAX_SHOWN errors are printed; all are counted. */
#define SL_CFG_MAX_SHOWN 50
void sl_cfg_error(const struct sl_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sl_cfg_warn(const struct sl_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An error rsyslog 8.2302 reports and then runs past (a module loaded twice, a BSD-style
 * block line, a legacy regex filter that does not compile): printed as an error and counted
 * for -N (which exits non-zero), but the daemon starts, with rsyslog's behaviour. */
void sl_cfg_error_soft(const struct sl_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* What became of an object after the errors above (e.g. "action disabled"): one
 * "FILE:LINE: notice:" line, no source excerpt, not counted as another error. */
void sl_cfg_note(const struct sl_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sl_cfg_error_count(void);       /* errors that stop the daemon */
/* A soft scope: between sl_cfg_soft_begin() and sl_cfg_soft_end(), sl_cfg_error() counts
 * as sl_cfg_error_soft() (the daemon starts without the object the errors are about, as
 * rsyslog 8.2302 disables a broken action(), parser() or timezone() and runs on).  end()
 * takes begin()'s mark and returns how many errors (soft ones included) were reported in
 * between.  Scopes nest; they are per thread (config time: the main thread). */
int sl_cfg_soft_begin(void);
int sl_cfg_soft_end(int mark);
/* How many errors this thread has logged with sl_log() (plugins' host->log) so far: the
 * engine compares it around a modifier's create() to notice errors it runs past. */
int sl_log_errors_logged(void);
/* While a plugin's create() or mod_init() runs (config time, main thread), the config
 * statement it comes from: its errors and warnings logged with sl_log() get FILE:LINE in
 * front, as the front end's own diagnostics have.  NULL when the call returns. */
void sl_log_plugin_loc(const struct sl_loc *loc);
int sl_cfg_soft_error_count(void);  /* errors it runs past */
int sl_cfg_warn_count(void);
void sl_cfg_reset_counts(void);

/* Engine hookup: where internal messages go once the engine runs (NULL: stderr only). */
typedef void (*sl_log_sink_fn)(int severity, const char *text);
void sl_log_set_sink(sl_log_sink_fn fn);
void sl_log_set_stderr(int on);      /* foreground mode: also print to stderr */
void sl_log_set_debug(int on);       /* -d: debug messages to stderr */

#endif
