/*
 * template.h - templates and the property replacer (core).
 *
 * A template is compiled once at config time into a list of elements (constant text or a
 * property reference with replacer options: from/to, regex, field, date format, case,
 * escaping...).  Rendering a message walks the list and appends to an sl_buf; no property
 * name is looked up per message.
 *
 * Ownership: templates live in a registry (struct sl_tpl_registry) owned by the loaded
 * config; pointers handed out stay valid until sl_tpl_registry_free().
 *
 * Concurrency & locking: compiled templates are immutable; sl_template_render() may be
 * called from any number of threads at once (per-call scratch only; regexes compiled per
 * thread where glibc's regexec would serialise).
 */
#ifndef SLUICE_CORE_TEMPLATE_H
#define SLUICE_CORE_TEMPLATE_H

#include <stddef.h>
#include "sluice/sl_plugin.h"

struct sl_msg;
struct sl_template;
struct sl_tpl_registry;

/* An error description filled by the compile functions: what is wrong, without location
 * (the caller prefixes file:line). */
struct sl_tpl_err {
    char text[256];
    /* a warning for a template that is kept (empty: none); the caller logs it with the
     * template's FILE:LINE */
    char warn[256];
};

/* sl_tpl_list_property()'s soft error: err->text says what, the element is kept (it
 * renders as rsyslog renders it) but no further element may be added: rsyslog logs the
 * error, stops building the list there and uses the template as it stands. */
#define SL_TPL_SOFT 1

/* The registry starts with every built-in RSYSLOG_* template of rsyslog 8.2302. */
struct sl_tpl_registry *sl_tpl_registry_new(void);
void sl_tpl_registry_free(struct sl_tpl_registry *r);
const struct sl_template *sl_tpl_find(const struct sl_tpl_registry *r, const char *name);
/* "; did you mean 'NAME'?" for an unknown template name, or "" (into buf). */
const char *sl_tpl_suggest(const struct sl_tpl_registry *r, const char *name, char *buf,
                           size_t size);

/* template(type="string" string="...") and legacy $template name,"...".
 * options: "sql", "stdsql", "json", "jsonf" (as the template option= parameter and the
 * legacy ",option" suffix).  Returns the template (added to the registry) or NULL with err. */
const struct sl_template *sl_tpl_add_string(struct sl_tpl_registry *r, const char *name,
                                            const char *str, const char *option,
                                            struct sl_tpl_err *err);

/* template(type="list") built element by element: property(name= ...options) and
 * constant(value= ...).  keys/vals are the element's parameters as written in the config
 * (e.g. "name","msg","position.from","1","format","jsonf","outname","m"). */
struct sl_tpl_builder;
struct sl_tpl_builder *sl_tpl_list_begin(struct sl_tpl_registry *r, const char *name,
                                         const char *option);
int sl_tpl_list_property(struct sl_tpl_builder *b, const char *const *keys,
                         const char *const *vals, size_t n, struct sl_tpl_err *err);
int sl_tpl_list_constant(struct sl_tpl_builder *b, const char *const *keys,
                         const char *const *vals, size_t n, struct sl_tpl_err *err);
const struct sl_template *sl_tpl_list_end(struct sl_tpl_builder *b, struct sl_tpl_err *err);

/* template(type="plugin" plugin="NAME") / "$template name,=NAME": bound to one of rsyslog's
 * string generators (RSYSLOG_FileFormat, RSYSLOG_TraditionalFileFormat,
 * RSYSLOG_ForwardFormat, RSYSLOG_TraditionalForwardFormat); NULL with err otherwise. */
const struct sl_template *sl_tpl_add_strgen(struct sl_tpl_registry *r, const char *name,
                                            const char *strgen, struct sl_tpl_err *err);

/* template(type="subtree" subtree="$!..."). */
const struct sl_template *sl_tpl_add_subtree(struct sl_tpl_registry *r, const char *name,
                                             const char *subtree, struct sl_tpl_err *err);

/* dynaFile confinement (sluice; rsyslog 8.2608 does the like with secpath-replace under
 * global(compatibility.defaults.secure="strict")): a view of t in which every property
 * element that has neither secpath-drop nor secpath-replace is confined: each '/' becomes
 * '_' and a value "." or ".." becomes "_" (an empty value stays empty, unlike secpath-replace,
 * so names built from empty properties stay rsyslog's), so no property value can add a path
 * segment or climb out of the directory the template's constant text names.  The view is owned by r (one per template,
 * reused), shares t's elements and is not found by name.  sl_tpl_unconfined() counts the
 * property elements the view changes and names the first one (for load-time warnings). */
const struct sl_template *sl_tpl_confined(struct sl_tpl_registry *r, const struct sl_template *t);
size_t sl_tpl_unconfined(const struct sl_template *t, const char **first);

/* Render: append the template's output for m to out.  Returns 0 or SL_ENOMEM. */
int sl_template_render(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out);
/* ABI 1.8 render_json: rsyslog's tplToJSON - a new object (the caller puts it): a subtree
 * template's subtree (an empty object when missing); for the elements of a list template
 * their outname= (a property's name, without "$!", when not given) and value: constants
 * with an outname, $!/$./$/ properties as their JSON value, other properties rendered
 * with their options, left out when empty or missing unless mandatory. */
struct fjson_object;
int sl_template_render_json(const struct sl_template *t, struct sl_msg *m,
                            struct fjson_object **out);
const char *sl_template_name(const struct sl_template *t);

/* Dump a template in a stable text form (for -N --dump). */
void sl_template_dump(const struct sl_template *t, struct sl_buf *out);

/* Legacy "$template name,<line>": line is everything after "name," exactly as written
 * ("\"...%msg%...\\n\",sql"); rsyslog's legacy escapes and ",option" suffixes apply.
 * sl_tpl_add_string() takes the v6 string= value as the front end unescaped it. (added by
 * "template") */
const struct sl_template *sl_tpl_add_legacy(struct sl_tpl_registry *r, const char *name,
                                            const char *line, struct sl_tpl_err *err);

#endif
