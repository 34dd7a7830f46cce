/*
 * omsecret_plugin.c - a test-only output plugin ("omsecret") whose descriptor exercises
 * what the core promises about parameter descriptors: SL_P_SECRET values are never printed
 * (-N1 --dump, config error messages), $Directives come from the `legacy` fields, and
 * `sluiced --describe omsecret` prints names, types, defaults, help and the secret flag.
 * Used by tests/integration/secrets.sh; never installed.
 *
 * Ownership: the instance block and its strings belong to the core (sl_plugin.h).
 * Concurrency & locking: deliver() touches nothing shared (it accepts every batch).
 */
#include <stdint.h>
#include <stddef.h>

#include "sluice/sl_plugin.h"

struct omsecret_mod {
    char *realm;
};

struct omsecret_inst {
    char *user;
    char *token;                /* secret, name not matched by the key pattern */
    char *password;             /* secret, also matched by name */
    int64_t pin;                /* secret number: its error message must not show it */
    struct sl_strarr conf;      /* KEY=VALUE list: secret keys redacted by pattern */
    struct sl_strarr keys;      /* secret array: every element redacted */
    const struct sl_template *tpl;
};

#define MO(f) offsetof(struct omsecret_mod, f)
static const struct sl_param mod_params[] = {
    { "realm", SL_PT_STRING, 0, MO(realm), "TEST", NULL, "$OMSecretRealm",
      "realm sent to the peer" },
    SL_PARAM_END
};

#define IO(f) offsetof(struct omsecret_inst, f)
static const struct sl_param inst_params[] = {
    { "user", SL_PT_STRING, 0, IO(user), "nobody", NULL, "$OMSecretUser",
      "user name sent to the peer" },
    { "token", SL_PT_STRING, SL_P_SECRET, IO(token), NULL, NULL, "$OMSecretToken",
      "bearer token" },
    { "password", SL_PT_STRING, SL_P_SECRET, IO(password), NULL, NULL, NULL, "password" },
    { "pin", SL_PT_POSINT, SL_P_SECRET, IO(pin), "1", NULL, NULL, "numeric PIN" },
    { "confParam", SL_PT_ARRAY, 0, IO(conf), NULL, NULL, NULL, "KEY=VALUE settings" },
    { "keys", SL_PT_ARRAY, SL_P_SECRET, IO(keys), NULL, NULL, NULL, "private keys" },
    { "template", SL_PT_TEMPLATE, 0, IO(tpl), NULL, NULL, "$OMSecretDefaultTemplate",
      "template of the records" },
    SL_PARAM_END
};

static int os_create(void *inst, void *modconf, const struct sl_host *h)
{
    (void)inst;
    (void)modconf;
    (void)h;
    return 0;
}

static void os_destroy(void *inst)
{
    (void)inst;
}

static int os_wcreate(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
    return 0;
}

static void os_wdestroy(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
}

static int os_deliver(void *inst, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    (void)inst;
    (void)wrk;
    (void)b;
    (void)v;
    return SL_OK;
}

static const struct sl_output_ops ops = {
    .create = os_create,
    .destroy = os_destroy,
    .worker_create = os_wcreate,
    .worker_destroy = os_wdestroy,
    .deliver = os_deliver,
};

SL_PLUGIN_DEFINE(omsecret) = {
    SL_PLUGIN_HEADER(omsecret),
    .kinds = SL_OUTPUT,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct omsecret_mod),
    .inst_size = sizeof(struct omsecret_inst),
    .wrk_size = 8,
    .out = &ops,
};
