/*
 * chain.c - parser chains: parser(name= type="pmrfc3164" ...) objects and the
 * ruleset(parser=[...]) lists that name them, built into struct sl_parser_chain (msg.h)
 * for sl_msg_parse().
 *
 * As rsyslog 8.2302: the built-in names are "rsyslog.rfc5424" and "rsyslog.rfc3164"
 * (case-sensitive); a parser() object needs name= and type=, and the only parser module
 * type built in is pmrfc3164 (pmrfc5424 is not a parser() type); a name defined twice is an
 * error.  A ruleset without parser= uses the default chain (chain NULL).  Unlike rsyslog,
 * a parser() object may be defined after the ruleset that names it.
 *
 * Parser plugins (ABI 1.5, rsyslog's pm* modules): loading one makes an instance named by
 * its descriptor's parser_name ("rsyslog.lastline"), created with default parameters;
 * parser(name= type="pmsnare" ...) makes another with the object's parameters (the
 * module must be loaded, as in rsyslog).  Chains name them like the built-ins; the parse
 * driver (parse.c) calls them in order and goes on to the next on "not mine".
 *
 * Ownership: chains are malloc'd and owned by the caller (the engine's ruleset runtime);
 * plugin instances live in the engine's struct sl_parser_reg until sl_parser_reg_free().
 * Concurrency: config time only (main thread); a built chain is read-only afterwards.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/ir.h"
#include "log.h"
#include "msg.h"
#include "params.h"
#include "sluice/sl_plugin.h"
#include "parse/chain.h"
#include "parse/parse.h"

struct pm3164_conf {
    char *name;
    char *type;
    int sq, slash, at, colon, rmsp, year;
};

#define POFF(f) offsetof(struct pm3164_conf, f)
static const struct sl_param pm3164_params[] = {
    { "name", SL_PT_STRING, SL_P_REQUIRED, POFF(name), NULL, NULL, NULL, NULL },
    { "type", SL_PT_STRING, SL_P_REQUIRED, POFF(type), NULL, NULL, NULL, NULL },
    { "permit.squareBracketsInHostname", SL_PT_BOOL, 0, POFF(sq), "off", NULL, NULL, NULL },
    { "permit.slashesInHostname", SL_PT_BOOL, 0, POFF(slash), "off", NULL, NULL, NULL },
    { "permit.AtSignsInHostname", SL_PT_BOOL, 0, POFF(at), "off", NULL, NULL, NULL },
    { "force.tagEndingByColon", SL_PT_BOOL, 0, POFF(colon), "off", NULL, NULL, NULL },
    { "remove.msgFirstSpace", SL_PT_BOOL, 0, POFF(rmsp), "off", NULL, NULL, NULL },
    { "detect.YearAfterTimestamp", SL_PT_BOOL, 0, POFF(year), "off", NULL, NULL, NULL },
    SL_PARAM_END
};

static const char *kv_str(struct sl_kv *kvs, const char *name)
{
    struct sl_kv *k = sl_kv_find(kvs, name);
    return (k != NULL && !k->is_array) ? k->str : NULL;
}

static struct sl_parser_inst *reg_find(const struct sl_parser_reg *reg, const char *name)
{
    for (struct sl_parser_inst *pi = reg != NULL ? reg->head : NULL; pi != NULL; pi = pi->next) {
        if (strcmp(pi->name, name) == 0) {
            return pi;
        }
    }
    return NULL;
}

static const struct sl_parser_mod *mod_find(const struct sl_parser_mod *mods, size_t n,
                                            const char *type)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(mods[i].pl->name, type) == 0) {
            return &mods[i];
        }
    }
    return NULL;
}

/* A plugin instance: parameters from kvs (NULL: defaults), then create().  0 or 1 after
 * reporting. */
static int inst_new(const struct sl_parser_mod *pm, const char *name, struct sl_kv *kvs,
                    const struct sl_loc *loc, const struct sl_host *h,
                    const struct sl_parser_env *env, struct sl_parser_reg *reg)
{
    const struct sl_plugin *pl = pm->pl;
    struct sl_parser_inst *pi = calloc(1, sizeof *pi);
    void *inst = calloc(1, pl->inst_size > 0 ? pl->inst_size : 1);
    char *nm = strdup(name);
    if (pi == NULL || inst == NULL || nm == NULL) {
        free(pi);
        free(inst);
        free(nm);
        sl_cfg_error(loc, "out of memory");
        return 1;
    }
    pi->name = nm;
    pi->pl = pl;
    pi->inst = inst;
    pi->next = reg->head;
    reg->head = pi;
    int e = 0;
    if (pl->inst_params != NULL) {
        e += sl_params_apply(pl->inst_params, inst, kvs, NULL, "parser()", loc);
    }
    if (kvs != NULL) {
        /* reported; the parser is still made (rsyslog's nvlstChkUnused) */
        static const char *const known[] = { "name", "type", NULL };
        sl_params_check_unused(kvs, "parser()", known);
    }
    if (e != 0) {
        return e;
    }
    if (pl->parser->create != NULL &&
        pl->parser->create(inst, pm->modconf, h, env, name) != 0) {
        sl_cfg_error(loc, "parser '%s' (%s): initialisation failed", name, pl->name);
        return 1;
    }
    pi->created = 1;
    return 0;
}

static void mark_used(struct sl_kv *kvs)
{
    for (struct sl_kv *k = kvs; k != NULL; k = k->next) {
        k->used = 1;
    }
}

/* o->rt of a parser(type="pmrfc3164") object whose parameters are in error: rsyslog does
 * not make it, so chains that name it go on without it */
static char broken_obj;

static int builtin_name(const char *name)
{
    return strcmp(name, "rsyslog.rfc5424") == 0 || strcmp(name, "rsyslog.rfc3164") == 0;
}

int sl_parser_objs_check(struct sl_cnf *cnf, const struct sl_parser_mod *mods, size_t nmods,
                         const struct sl_host *h, const struct sl_parser_env *env,
                         struct sl_parser_reg *reg)
{
    int errs = 0;

    /* the modules' default instances, in load order */
    for (size_t i = 0; reg != NULL && i < nmods; i++) {
        const char *dn = mods[i].pl->parser_name;
        if (dn == NULL || reg_find(reg, dn) != NULL) {
            continue;
        }
        struct sl_loc none = { "", 0, 0 };
        errs += inst_new(&mods[i], dn, NULL, &none, h, env, reg);
    }
    for (struct sl_obj *o = cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_PARSER) {
            continue;
        }
        const char *type = kv_str(o->kv, "type");
        const char *name = kv_str(o->kv, "name");
        const struct sl_parser_mod *pm = NULL;
        if (type != NULL && strcmp(type, "pmrfc3164") != 0) {
            pm = mod_find(mods, nmods, type);
            if (pm == NULL) {
                sl_cfg_error(&o->loc, "parser module name '%s' is unknown", type);
                errs++;
                continue;
            }
            if (pm->pl->inst_params == NULL) {
                sl_cfg_error(&o->loc, "parser module '%s' does not support parser() statement",
                             type);
                errs++;
                mark_used(o->kv);
                continue;
            }
        }
        if (pm == NULL) {
            struct pm3164_conf pc;
            memset(&pc, 0, sizeof pc);
            int e = sl_params_apply(pm3164_params, &pc, o->kv, NULL, "parser()", &o->loc);
            errs += e + sl_params_check_unused(o->kv, "parser()", NULL);
            sl_params_free(pm3164_params, &pc);
            if (e != 0 || name == NULL) {
                o->rt = &broken_obj;
                continue;
            }
        } else if (name == NULL) {
            sl_cfg_error(&o->loc, "parser(): parameter 'name' is missing");
            errs++;
            continue;
        }
        int dup = builtin_name(name) || (reg != NULL && reg_find(reg, name) != NULL);
        for (struct sl_obj *p = cnf->objs; !dup && p != o; p = p->next) {
            const char *pn = p->type == SL_OBJ_PARSER ? kv_str(p->kv, "name") : NULL;
            dup = pn != NULL && p->rt != &broken_obj && strcmp(pn, name) == 0;
        }
        if (dup) {
            o->rt = &broken_obj;
            sl_cfg_error(&o->loc, "parser module name '%s' already exists", name);
            errs++;
            if (pm != NULL) {
                mark_used(o->kv);
            }
            continue;
        }
        if (pm != NULL && reg != NULL) {
            errs += inst_new(pm, name, o->kv, &o->loc, h, env, reg);
        }
    }
    return errs;
}

void sl_parser_reg_free(struct sl_parser_reg *reg)
{
    if (reg == NULL) {
        return;
    }
    struct sl_parser_inst *pi = reg->head;
    while (pi != NULL) {
        struct sl_parser_inst *next = pi->next;
        if (pi->created && pi->pl->parser->destroy != NULL) {
            pi->pl->parser->destroy(pi->inst);
        }
        if (pi->pl->inst_params != NULL) {
            sl_params_free(pi->pl->inst_params, pi->inst);
        }
        free(pi->inst);
        free(pi->name);
        free(pi);
        pi = next;
    }
    reg->head = NULL;
}

/* One entry for the parser called name; 0, or 1 after reporting it unknown. */
static int chain_add(struct sl_cnf *cnf, struct sl_parser_chain *c, const char *name,
                     const struct sl_parse_opts *base, const struct sl_parser_reg *reg,
                     const struct sl_loc *loc)
{
    if (c->n >= SL_PARSER_CHAIN_MAX) {
        sl_cfg_error(loc, "more than %d parsers in one parser chain", SL_PARSER_CHAIN_MAX);
        return 1;
    }
    struct sl_parse_opts *po = &c->e[c->n].opts;
    *po = *base;
    po->chain = NULL;
    if (strcmp(name, "rsyslog.rfc5424") == 0) {
        c->e[c->n++].kind = SL_PARSER_RFC5424;
        return 0;
    }
    struct sl_parser_inst *pi = reg_find(reg, name);
    if (pi != NULL) {
        if (!pi->created) {
            return 1;   /* its error is reported already */
        }
        c->e[c->n].ops = pi->pl->parser;
        c->e[c->n].inst = pi->inst;
        c->e[c->n++].kind = SL_PARSER_PLUGIN;
        return 0;
    }
    po->permit_squared_tag = 0;
    po->permit_slashes = po->permit_atsigns = po->force_tag_colon = 0;
    po->remove_msg_first_space = po->detect_year_after_ts = 0;
    if (strcmp(name, "rsyslog.rfc3164") == 0) {
        c->e[c->n++].kind = SL_PARSER_RFC3164;
        return 0;
    }
    for (struct sl_obj *o = cnf->objs; o != NULL; o = o->next) {
        const char *on = o->type == SL_OBJ_PARSER ? kv_str(o->kv, "name") : NULL;
        const char *ot = on != NULL ? kv_str(o->kv, "type") : NULL;
        if (on == NULL || strcmp(on, name) != 0 || ot == NULL || strcmp(ot, "pmrfc3164") != 0 ||
            o->rt == &broken_obj) {
            continue;
        }
        struct pm3164_conf pc;
        memset(&pc, 0, sizeof pc);
        /* checked by sl_parser_objs_check(); applied again here to read the values */
        sl_params_apply(pm3164_params, &pc, o->kv, NULL, "parser()", &o->loc);
        po->permit_squared_tag = pc.sq;
        po->permit_slashes = pc.slash;
        po->permit_atsigns = pc.at;
        po->force_tag_colon = pc.colon;
        po->remove_msg_first_space = pc.rmsp;
        po->detect_year_after_ts = pc.year;
        sl_params_free(pm3164_params, &pc);
        c->e[c->n++].kind = SL_PARSER_RFC3164;
        return 0;
    }
    sl_cfg_error(loc, "parser '%s' unknown", name);
    return 1;
}

int sl_parser_chain_build(struct sl_cnf *cnf, struct sl_kv *parser_kv,
                          const struct sl_parse_opts *base, const struct sl_parser_reg *reg,
                          struct sl_parser_chain **out)
{
    int errs = 0;

    *out = NULL;
    if (parser_kv == NULL) {
        return 0;
    }
    parser_kv->used = 1;
    struct sl_parser_chain *c = calloc(1, sizeof *c);
    if (c == NULL) {
        sl_cfg_error(&parser_kv->loc, "out of memory");
        return 1;
    }
    if (parser_kv->is_array) {
        for (size_t i = 0; i < parser_kv->arr.n; i++) {
            errs += chain_add(cnf, c, parser_kv->arr.v[i], base, reg, &parser_kv->loc);
        }
    } else if (parser_kv->str != NULL) {
        errs += chain_add(cnf, c, parser_kv->str, base, reg, &parser_kv->loc);
    }
    /* as rsyslog, a parser it cannot find is left out of the chain (reported above); a
     * chain left empty is the default one */
    if (c->n == 0) {
        free(c);
        return errs;
    }
    *out = c;
    return errs;
}

/* ---------------------------------------------------------------------------------------
 * timezone() objects (used by RFC 3164 timestamps with a zone name: pmciscoios)
 * ------------------------------------------------------------------------------------- */
struct tz_conf {
    char *id;
    char *offset;
};
#define TOFF(f) offsetof(struct tz_conf, f)
static const struct sl_param tz_params[] = {
    { "id", SL_PT_STRING, SL_P_REQUIRED, TOFF(id), NULL, NULL, NULL, NULL },
    { "offset", SL_PT_STRING, SL_P_REQUIRED, TOFF(offset), NULL, NULL, NULL, NULL },
    SL_PARAM_END
};

static int tz_sort_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sl_tzinfo *)a)->id, ((const struct sl_tzinfo *)b)->id);
}

int sl_timezones_build(struct sl_cnf *cnf, struct sl_tzinfo **tab, size_t *n)
{
    int errs = 0;
    size_t cap = 0;
    *tab = NULL;
    *n = 0;
    for (struct sl_obj *o = cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_TIMEZONE) {
            continue;
        }
        struct tz_conf tc;
        memset(&tc, 0, sizeof tc);
        int e = sl_params_apply(tz_params, &tc, o->kv, NULL, "timezone()", &o->loc);
        errs += sl_params_check_unused(o->kv, "timezone()", NULL);   /* reported, still used */
        const char *off = tc.offset;
        if (e == 0 && (strlen(off) != 6 || (off[0] != '+' && off[0] != '-') ||
                       off[1] < '0' || off[1] > '9' || off[2] < '0' || off[2] > '9' ||
                       off[3] != ':' || off[4] < '0' || off[4] > '9' || off[5] < '0' ||
                       off[5] > '9')) {
            sl_cfg_error(&o->loc, "timezone offset has invalid format. Must be +/-hh:mm, "
                                  "e.g. \"-07:00\".");
            e++;
        }
        int hh = e == 0 ? (off[1] - '0') * 10 + (off[2] - '0') : 0;
        int mm = e == 0 ? (off[4] - '0') * 10 + (off[5] - '0') : 0;
        if (e == 0 && (hh > 12 || mm > 59)) {
            sl_cfg_error(&o->loc, "timezone offset outside of supported range (hours 0..12, "
                                  "minutes 0..59)");
            e++;
        }
        if (e == 0) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                struct sl_tzinfo *nt = realloc(*tab, cap * sizeof **tab);
                if (nt == NULL) {
                    sl_params_free(tz_params, &tc);
                    sl_cfg_error(&o->loc, "out of memory");
                    return errs + 1;
                }
                *tab = nt;
            }
            char *id = strdup(tc.id);
            if (id == NULL) {
                sl_params_free(tz_params, &tc);
                sl_cfg_error(&o->loc, "out of memory");
                return errs + 1;
            }
            (*tab)[(*n)++] = (struct sl_tzinfo){ id, off[0], (uint8_t)hh, (uint8_t)mm };
        }
        sl_params_free(tz_params, &tc);
        errs += e;
    }
    if (*n > 1) {
        qsort(*tab, *n, sizeof **tab, tz_sort_cmp);
    }
    return errs;
}

void sl_timezones_free(struct sl_tzinfo *tab, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(tab[i].id);
    }
    free(tab);
}
