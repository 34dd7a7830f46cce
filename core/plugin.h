/*
 * plugin.h - finding, loading and checking plugins.
 *
 * Built-in plugins (omfile, omfwd) are compiled into sluiced and registered in builtin.c
 * through the same descriptor as .so plugins (rsyslog's "builtin:omfile" names work too).
 * Other plugins are dlopen'ed from the plugin directory (-M, $SLUICE_PLUGIN_DIR, or
 * $(pkglibdir)) by their rsyslog names: module(load="imudp") loads imudp.so.
 *
 * ABI check: abi_major must equal SL_ABI_MAJOR, abi_minor must not be newer than the core's,
 * struct_size must cover every field the core reads, and the name in the descriptor must be
 * the name it was loaded by.  A plugin that fails is refused with a message saying why.
 *
 * Concurrency & locking: config time only (main thread).
 */
#ifndef SLUICE_CORE_PLUGIN_H
#define SLUICE_CORE_PLUGIN_H

#include <stddef.h>
#include <stdio.h>

#include "sluice/sl_plugin.h"

/* The built-in table (builtin.c); NULL-terminated. */
extern const struct sl_plugin *const sl_builtin_plugins[];

/* 0 if usable; otherwise SL_EABI with a reason in err. */
int sl_plugin_check(const struct sl_plugin *pl, const char *expected_name, char *err,
                    size_t errlen);

/* Find name ("imudp", "builtin:omfile") as a built-in or as DIR/name.so.
 * On success *out is the descriptor and *handle the dlopen handle (NULL for built-ins). */
int sl_plugin_open(const char *name, const char *dir, const struct sl_plugin **out,
                   void **handle, char *err, size_t errlen);

/* The config front end's view of plugins (sl_cnf_set_plugins): the descriptor of the
 * plugin called name in directory dir (a const char *), or NULL if there is none or it is
 * refused (the engine reports why when it loads it).  Opened once and kept open until
 * sl_plugin_lookup_clear(). */
const struct sl_plugin *sl_plugin_lookup(const char *name, void *dir);
void sl_plugin_lookup_clear(void);

/* --describe NAME: the plugin's kinds, flags and every parameter (name, type, default,
 * flags with secrets marked, legacy directive, help).  0, or SL_ENOENT with a message. */
int sl_plugin_describe(const char *name, const char *dir, FILE *out);

/* Is pl a parser plugin (ABI 1.5, kind SL_PARSER with parser operations)? */
static inline int sl_module_is_parser(const struct sl_plugin *pl)
{
    return (pl->kinds & SL_PARSER) && SL_PLUGIN_HAS(pl, parser) && pl->parser != NULL;
}

/* --list-plugins: every built-in and every *.so in dir, with ABI, kinds and status. */
void sl_plugin_list(const char *dir, FILE *out);

/* --describe-man: roff for sluice.conf(5): every plugin present (built in, or a .so in DIR) with
 * its parameters, then rsyslog's modules sluice does not have and what to use instead. */
void sl_plugin_describe_man(const char *dir, FILE *out);

/* modhint.c: rsyslog's modules sluice lacks ({NULL, NULL}-terminated), whether a plugin
 * is present, and the hint appended to "module 'X' is unknown" ("; did you mean ..."). */
struct sl_missing_module {
    const char *name;
    const char *alt;   /* what sluice offers instead */
};
const struct sl_missing_module *sl_missing_modules(void);
int sl_plugin_present(const char *name, const char *dir);
void sl_module_hint(const char *name, const char *dir, char *buf, size_t len);

/* The plugin directory in effect: opt_dir, else what sl_plugin_dir_set() was given (-M),
 * else $SLUICE_PLUGIN_DIR, else SL_PKGLIBDIR. */
const char *sl_plugin_dir(const char *opt_dir);
/* -M for later sl_plugin_dir(NULL) calls (the TLS stream driver's loader makes one). */
void sl_plugin_dir_set(const char *dir);

#endif
