/*
 * chain.h - parser() objects and ruleset(parser=[...]) chains (see chain.c).
 *
 * Ownership: a built chain is malloc'd; the caller frees it with free().
 * Concurrency & locking: config time only.
 */
#ifndef SLUICE_CORE_PARSE_CHAIN_H
#define SLUICE_CORE_PARSE_CHAIN_H

#include <stdint.h>

#include "msg.h"

struct sl_cnf;
struct sl_kv;

/* A loaded parser module (ABI 1.5 plugin of kind SL_PARSER), as the engine hands it in. */
struct sl_parser_mod {
    const struct sl_plugin *pl;
    void *modconf;
};

/* The parser plugin instances of a config: each module's default instance (its
 * parser_name) and every parser(type=MODULE) object's.  Owned by the engine. */
struct sl_parser_inst {
    char *name;
    const struct sl_plugin *pl;
    void *inst;
    int created;                /* ops->create() succeeded: destroy() is due */
    struct sl_parser_inst *next;
};
struct sl_parser_reg {
    struct sl_parser_inst *head;
};

/* Checks every parser() object of the config (type, name, parameters, duplicates) and
 * creates the plugin parser instances into reg (mods: the loaded parser modules, env the
 * global settings they may read, h the host table); returns the number of errors reported
 * with sl_cfg_error().  mods/reg may be NULL/0 (built-in parsers only). */
int sl_parser_objs_check(struct sl_cnf *cnf, const struct sl_parser_mod *mods, size_t nmods,
                         const struct sl_host *h, const struct sl_parser_env *env,
                         struct sl_parser_reg *reg);
void sl_parser_reg_free(struct sl_parser_reg *reg);

/* The chain a ruleset's parser= value (NULL: none) names; each entry starts from base (the
 * global parser options).  A name that is unknown (or a parser() object in error) is
 * reported and left out, as rsyslog does; *out is NULL when no parser is left (the default
 * chain).  Returns the number of errors.  reg: the plugin instances (may be NULL). */
int sl_parser_chain_build(struct sl_cnf *cnf, struct sl_kv *parser_kv,
                          const struct sl_parse_opts *base, const struct sl_parser_reg *reg,
                          struct sl_parser_chain **out);

/* timezone(id= offset=) objects: zone names a 3164 timestamp may carry (pmciscoios). */
struct sl_tzinfo {
    char *id;
    char mode;              /* '+' or '-' */
    uint8_t hour, minute;
};
/* The table the zone names are looked up in (sorted by id, strcmp), set at config time
 * before any worker runs and left alone until they stopped; NULL/0: none. */
void sl_parse_set_timezones(const struct sl_tzinfo *tab, size_t n);

/* The timezone(id= offset=) objects of the config (rsyslog's format "+hh:mm", hours 0..12),
 * sorted for sl_parse_set_timezones(); errors are reported and those objects left out.
 * *tab is malloc'd (free with sl_timezones_free); returns the number of errors. */
int sl_timezones_build(struct sl_cnf *cnf, struct sl_tzinfo **tab, size_t *n);
void sl_timezones_free(struct sl_tzinfo *tab, size_t n);

#endif
