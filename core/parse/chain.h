/*
 * chain.h - parser() objects and ruleset(parser=[...]) chains (see chain.c).
 *
 * Ownership: a built chain is malloc'd; the caller frees it with free().
 * Concurrency & locking: config time only.
 */
#ifndef SLUICE_CORE_PARSE_CHAIN_H
#define SLUICE_CORE_PARSE_CHAIN_H

#include "msg.h"

struct sl_cnf;
struct sl_kv;

/* Checks every parser() object of the config (type, name, parameters, duplicates);
 * returns the number of errors reported with sl_cfg_error(). */
int sl_parser_objs_check(struct sl_cnf *cnf);

/* The chain a ruleset's parser= value (NULL: none) names; each entry starts from base (the
 * global parser options).  *out is NULL for the default chain or after errors (reported,
 * their number returned). */
int sl_parser_chain_build(struct sl_cnf *cnf, struct sl_kv *parser_kv,
                          const struct sl_parse_opts *base, struct sl_parser_chain **out);

#endif
