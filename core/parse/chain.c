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
 * Ownership: chains are malloc'd and owned by the caller (the engine's ruleset runtime).
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
#include "parse/chain.h"

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

int sl_parser_objs_check(struct sl_cnf *cnf)
{
    int errs = 0;

    for (struct sl_obj *o = cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_PARSER) {
            continue;
        }
        struct pm3164_conf pc;
        memset(&pc, 0, sizeof pc);
        const char *type = kv_str(o->kv, "type");
        const char *name = kv_str(o->kv, "name");
        if (type != NULL && strcmp(type, "pmrfc3164") != 0) {
            sl_cfg_error(&o->loc, "parser module name '%s' is unknown", type);
            errs++;
            continue;
        }
        int e = sl_params_apply(pm3164_params, &pc, o->kv, NULL, "parser()", &o->loc);
        e += sl_params_check_unused(o->kv, "parser()", NULL);
        sl_params_free(pm3164_params, &pc);
        errs += e;
        if (e != 0 || name == NULL) {
            continue;
        }
        if (strcmp(name, "rsyslog.rfc5424") == 0 || strcmp(name, "rsyslog.rfc3164") == 0) {
            sl_cfg_error(&o->loc, "parser module name '%s' already exists", name);
            errs++;
            continue;
        }
        for (struct sl_obj *p = cnf->objs; p != o; p = p->next) {
            const char *pn = p->type == SL_OBJ_PARSER ? kv_str(p->kv, "name") : NULL;
            if (pn != NULL && strcmp(pn, name) == 0) {
                sl_cfg_error(&o->loc, "parser module name '%s' already exists", name);
                errs++;
                break;
            }
        }
    }
    return errs;
}

/* One entry for the parser called name; 0, or 1 after reporting it unknown. */
static int chain_add(struct sl_cnf *cnf, struct sl_parser_chain *c, const char *name,
                     const struct sl_parse_opts *base, const struct sl_loc *loc)
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
        if (on == NULL || strcmp(on, name) != 0 || ot == NULL || strcmp(ot, "pmrfc3164") != 0) {
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
                          const struct sl_parse_opts *base, struct sl_parser_chain **out)
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
            errs += chain_add(cnf, c, parser_kv->arr.v[i], base, &parser_kv->loc);
        }
    } else if (parser_kv->str != NULL) {
        errs += chain_add(cnf, c, parser_kv->str, base, &parser_kv->loc);
    }
    if (errs != 0 || c->n == 0) {
        free(c);
        return errs;
    }
    *out = c;
    return 0;
}
