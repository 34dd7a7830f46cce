/*
 * conf/expr_bind.h - binding RainerScript calls that name configuration objects, once the
 * configuration (and the engine's template registry) exist: lookup("table", ...) to
 * lookup_table() objects, exec_template("name") to templates.  Implemented in
 * conf/expr_resolve.c, next to sl_expr_resolve.
 *
 * Ownership: bound data (loaded tables, template references) belongs to the nodes.
 * Concurrency & locking: main thread, at load time, before any evaluation.
 */
#ifndef SLUICE_CONF_EXPR_BIND_H
#define SLUICE_CONF_EXPR_BIND_H

struct sl_cnf;

/* Bind every lookup("table", key) call in c's rulesets to its lookup_table(name= file=)
 * object, loading each table file once (rsyslog's JSON format, version 1: types "string",
 * "array", "sparseArray"; "nomatch").  Call once after the configuration is loaded and
 * before any evaluation; reports "table not found" and file problems with sl_cfg_error() and
 * returns the number of errors.  Unbound lookup() calls evaluate to "TABLE-NOT-FOUND". */
int sl_expr_bind_lookups(struct sl_cnf *c);

/* exec_template(): bind every exec_template("name") node of the config to its template
 * (called by the engine once its template registry is built; the renderer is passed in so
 * that this module does not link the template code).  Returns the number of errors
 * (unknown template names, reported with sl_cfg_error). */
struct sl_template;
struct sl_tpl_registry;
struct sl_buf;
struct sl_msg;
typedef const struct sl_template *(*sl_expr_tpl_find_fn)(const struct sl_tpl_registry *r,
                                                         const char *name);
typedef int (*sl_expr_tpl_render_fn)(const struct sl_template *t, struct sl_msg *m,
                                     struct sl_buf *out);
int sl_expr_bind_templates(struct sl_cnf *c, const struct sl_tpl_registry *reg,
                           sl_expr_tpl_find_fn find, sl_expr_tpl_render_fn render);

#endif
