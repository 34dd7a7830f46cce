/*
 * builtin.c - the plugins compiled into sluiced (rsyslog's built-in modules).
 */

#include "plugin.h"

extern const struct sl_plugin sl_builtin_omfile;
extern const struct sl_plugin sl_builtin_omfwd;
extern const struct sl_plugin sl_builtin_ompipe;
extern const struct sl_plugin sl_builtin_omusrmsg;

const struct sl_plugin *const sl_builtin_plugins[] = {
    &sl_builtin_omfile,
    &sl_builtin_omfwd,
    &sl_builtin_ompipe,
    &sl_builtin_omusrmsg,
    NULL,
};
