/*
 * plugin.c - see plugin.h.
 */

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin.h"

/* The last field the core reads; a plugin's struct_size must reach past it. */
#define SL_PLUGIN_MIN_SIZE (offsetof(struct sl_plugin, out) + sizeof(void *))

int sl_plugin_check(const struct sl_plugin *pl, const char *expected_name, char *err,
                    size_t errlen)
{
    if (pl->abi_major != SL_ABI_MAJOR) {
        snprintf(err, errlen,
                 "plugin '%s' was built for plugin ABI %u.%u, this sluiced speaks %u.%u "
                 "(major versions must match): rebuild the plugin",
                 expected_name, pl->abi_major, pl->abi_minor, SL_ABI_MAJOR, SL_ABI_MINOR);
        return SL_EABI;
    }
    if (pl->abi_minor > SL_ABI_MINOR) {
        snprintf(err, errlen,
                 "plugin '%s' needs plugin ABI %u.%u, newer than this sluiced's %u.%u",
                 expected_name, pl->abi_major, pl->abi_minor, SL_ABI_MAJOR, SL_ABI_MINOR);
        return SL_EABI;
    }
    if (pl->struct_size < SL_PLUGIN_MIN_SIZE) {
        snprintf(err, errlen, "plugin '%s': descriptor too small (%u bytes, need %zu)",
                 expected_name, pl->struct_size, (size_t)SL_PLUGIN_MIN_SIZE);
        return SL_EABI;
    }
    if (pl->name == NULL || strcasecmp(pl->name, expected_name) != 0) {
        snprintf(err, errlen, "plugin file '%s' describes itself as '%s'", expected_name,
                 pl->name ? pl->name : "(null)");
        return SL_EABI;
    }
    if ((pl->kinds & SL_MODIFIER) &&
        (pl->struct_size < offsetof(struct sl_plugin, mod) + sizeof(void *) || pl->mod == NULL)) {
        snprintf(err, errlen, "plugin '%s': a modifier needs plugin ABI 1.1 and modifier "
                 "operations", expected_name);
        return SL_EABI;
    }
    if ((pl->kinds & SL_PARSER) && (!SL_PLUGIN_HAS(pl, parser_name) || pl->parser == NULL ||
                                     pl->parser->parse == NULL)) {
        snprintf(err, errlen, "plugin '%s': a parser needs plugin ABI 1.5 and parser "
                 "operations", expected_name);
        return SL_EABI;
    }
    if (((pl->kinds & SL_INPUT) && pl->in == NULL) || ((pl->kinds & SL_OUTPUT) && pl->out == NULL)) {
        snprintf(err, errlen, "plugin '%s': kinds and operation tables do not agree",
                 expected_name);
        return SL_EABI;
    }
    return 0;
}

/* lmnsd_*.so in the plugin directory are libraries the plugins load (the TLS stream
 * driver, plugins/common/sl_tls_dl.c), not plugins: listings skip them. */
static int sl_plugin_is_library(const char *file)
{
    return strncmp(file, "lmnsd_", 6) == 0;
}

static const char *g_dir_set;   /* -M, set once by main() before any thread starts */

void sl_plugin_dir_set(const char *dir)
{
    g_dir_set = dir;
}

const char *sl_plugin_dir(const char *opt_dir)
{
    if (opt_dir != NULL && *opt_dir != '\0') {
        return opt_dir;
    }
    if (g_dir_set != NULL && *g_dir_set != '\0') {
        return g_dir_set;
    }
    const char *env = getenv("SLUICE_PLUGIN_DIR");
    if (env != NULL && *env != '\0') {
        return env;
    }
    return SL_PKGLIBDIR;
}

int sl_plugin_open(const char *name, const char *dir, const struct sl_plugin **out,
                   void **handle, char *err, size_t errlen)
{
    const char *bare = name;
    int want_builtin = 0;
    if (strncasecmp(name, "builtin:", 8) == 0) {
        bare = name + 8;
        want_builtin = 1;
    }
    *handle = NULL;
    for (int i = 0; sl_builtin_plugins[i] != NULL; i++) {
        if (strcasecmp(sl_builtin_plugins[i]->name, bare) == 0) {
            *out = sl_builtin_plugins[i];
            return sl_plugin_check(*out, bare, err, errlen);
        }
    }
    if (want_builtin) {
        snprintf(err, errlen, "no built-in module '%s'", bare);
        return SL_ENOENT;
    }
    if (strchr(bare, '/') != NULL || bare[0] == '\0' || bare[0] == '.') {
        snprintf(err, errlen, "invalid module name '%s'", name);
        return SL_EINVAL;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.so", dir, bare);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        /* not a typo of the module: the whole directory is missing (a build tree run
         * without -M, a moved installation) */
        snprintf(path, sizeof path, ".libs/%s.so", bare);
        snprintf(err, errlen, "module '%s' cannot be loaded: the plugin directory %s does not "
                 "exist; %s", bare, dir,
                 access(path, F_OK) == 0 ? "from the build tree, run with -M .libs"
                                         : "give the plugin directory with -M DIR "
                                           "(or SLUICE_PLUGIN_DIR)");
        return SL_ENOENT;
    }
    if (access(path, F_OK) != 0) {
        char hint[512];
        sl_module_hint(bare, dir, hint, sizeof hint);
        snprintf(err, errlen, "module '%s' is unknown: sluice has no such module (no %s)%s",
                 bare, path, hint);
        return SL_ENOENT;
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        snprintf(err, errlen, "module '%s' could not be loaded: %s", bare, dlerror());
        return SL_ENOENT;
    }
    const struct sl_plugin *pl = dlsym(h, SL_PLUGIN_SYMBOL);
    if (pl == NULL) {
        snprintf(err, errlen, "'%s' is not a sluice plugin (no '%s' symbol)", path,
                 SL_PLUGIN_SYMBOL);
        dlclose(h);
        return SL_EABI;
    }
    int rc = sl_plugin_check(pl, bare, err, errlen);
    if (rc != 0) {
        dlclose(h);
        return rc;
    }
    *out = pl;
    *handle = h;
    return 0;
}

static void print_one(FILE *out, const struct sl_plugin *pl, const char *where)
{
    fprintf(out, "%-12s %-8s abi %u.%u  %s%s%s%s  %s\n", pl->name, pl->version ? pl->version : "-",
            pl->abi_major, pl->abi_minor, (pl->kinds & SL_INPUT) ? "input " : "",
            (pl->kinds & SL_OUTPUT) ? "output " : "", (pl->kinds & SL_PARSER) ? "parser " : "",
            (pl->kinds & SL_MODIFIER) ? "modifier " : "", where);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_LISTED 512

/* The plugins in dir (NAME of every NAME.so but the libraries), sorted, into names[0..n)
 * (at most MAX_LISTED, each strndup'ed: the caller frees them; one out of memory is left out).
 * The count, or -1 when dir cannot be read.  Shared by the listing and the man page. */
static ssize_t plugin_names(const char *dir, char **names)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return -1;
    }
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAX_LISTED) {
        size_t l = strlen(e->d_name);
        if (l > 3 && strcmp(e->d_name + l - 3, ".so") == 0 && !sl_plugin_is_library(e->d_name)) {
            char *name = strndup(e->d_name, l - 3);
            if (name != NULL) {
                names[n++] = name;
            }
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return (ssize_t)n;
}

void sl_plugin_list(const char *dir, FILE *out)
{
    for (int i = 0; sl_builtin_plugins[i] != NULL; i++) {
        print_one(out, sl_builtin_plugins[i], "built-in");
    }
    char *names[MAX_LISTED];
    ssize_t n = plugin_names(dir, names);
    if (n < 0) {
        fprintf(out, "(plugin directory %s cannot be read)\n", dir);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        const struct sl_plugin *pl;
        void *h;
        char err[512];
        char where[PATH_MAX + 16];
        snprintf(where, sizeof where, "%s/%s.so", dir, names[i]);
        if (sl_plugin_open(names[i], dir, &pl, &h, err, sizeof err) == 0) {
            print_one(out, pl, where);
            dlclose(h);
        } else {
            fprintf(out, "%-12s REFUSED: %s\n", names[i], err);
        }
        free(names[i]);
    }
}

/* ---- descriptors for the config front end ---- */

struct lookup_ent {
    char *name;
    const struct sl_plugin *pl;   /* NULL: not there */
    void *dl;
    struct lookup_ent *next;
};
static struct lookup_ent *lookup_cache;

const struct sl_plugin *sl_plugin_lookup(const char *name, void *dir)
{
    for (struct lookup_ent *e = lookup_cache; e != NULL; e = e->next) {
        if (strcasecmp(e->name, name) == 0) {
            return e->pl;
        }
    }
    struct lookup_ent *e = calloc(1, sizeof *e);
    char err[512];
    if (e == NULL || (e->name = strdup(name)) == NULL) {
        free(e);
        return NULL;
    }
    if (sl_plugin_open(name, dir, &e->pl, &e->dl, err, sizeof err) != 0) {
        e->pl = NULL;
        e->dl = NULL;
    }
    e->next = lookup_cache;
    lookup_cache = e;
    return e->pl;
}

void sl_plugin_lookup_clear(void)
{
    while (lookup_cache != NULL) {
        struct lookup_ent *n = lookup_cache->next;
        if (lookup_cache->dl != NULL) {
            dlclose(lookup_cache->dl);
        }
        free(lookup_cache->name);
        free(lookup_cache);
        lookup_cache = n;
    }
}

static const char *ptype_name(enum sl_ptype t)
{
    switch (t) {
    case SL_PT_BOOL: return "binary";
    case SL_PT_INT: return "integer";
    case SL_PT_NONNEG: return "integer>=0";
    case SL_PT_POSINT: return "integer>0";
    case SL_PT_PORT: return "port";
    case SL_PT_SIZE: return "size";
    case SL_PT_STRING: return "string";
    case SL_PT_WORD: return "word";
    case SL_PT_ARRAY: return "array";
    case SL_PT_FILEMODE: return "filemode";
    case SL_PT_UID: return "user";
    case SL_PT_GID: return "group";
    case SL_PT_TEMPLATE: return "template";
    case SL_PT_RULESET: return "ruleset";
    case SL_PT_ENUM: return "enum";
    }
    return "?";
}

static void describe_params(FILE *out, const char *title, const struct sl_param *t)
{
    if (t == NULL || t->name == NULL) {
        return;
    }
    fprintf(out, "%s:\n", title);
    for (; t->name != NULL; t++) {
        fprintf(out, "  %s  %s", t->name, ptype_name(t->type));
        if (t->type == SL_PT_ENUM && t->enums != NULL) {
            fputs(" (", out);
            for (size_t i = 0; t->enums[i] != NULL; i++) {
                fprintf(out, "%s%s", i ? "|" : "", t->enums[i]);
            }
            fputc(')', out);
        }
        if ((t->flags & SL_P_SECRET) && t->def != NULL) {
            fputs("  default: (secret)", out);   /* not even a default is shown */
        } else if (t->def != NULL) {
            fprintf(out, "  default: \"%s\"", t->def);
        } else {
            fputs("  default: none", out);
        }
        if (t->flags & SL_P_REQUIRED) {
            fputs("  required", out);
        }
        if (t->flags & SL_P_SECRET) {
            fputs("  secret", out);
        }
        if (t->flags & (SL_P_DEPRECATED | SL_P_DEPRECATED_ERROR)) {
            fputs("  deprecated", out);
        }
        if (t->legacy != NULL) {
            fprintf(out, "  legacy: %s", t->legacy);
        }
        fputc('\n', out);
        if (t->help != NULL && t->help[0] != '\0') {
            fprintf(out, "      %s\n", t->help);
        }
    }
}

int sl_plugin_describe(const char *name, const char *dir, FILE *out)
{
    const struct sl_plugin *pl;
    void *dl;
    char err[512];
    if (sl_plugin_open(name, dir, &pl, &dl, err, sizeof err) != 0) {
        fprintf(stderr, "sluiced: %s\n", err);
        return SL_ENOENT;
    }
    fprintf(out, "%s %s, plugin ABI %u.%u, %s:%s%s%s%s\n", pl->name,
            pl->version != NULL ? pl->version : "-", pl->abi_major, pl->abi_minor,
            dl != NULL ? "loadable" : "built-in", (pl->kinds & SL_INPUT) ? " input" : "",
            (pl->kinds & SL_OUTPUT) ? " output" : "", (pl->kinds & SL_PARSER) ? " parser" : "",
            (pl->kinds & SL_MODIFIER) ? " modifier" : "");
    if (SL_PLUGIN_HAS(pl, default_template) && pl->default_template != NULL) {
        fprintf(out, "default template: %s\n", pl->default_template);
    }
    if (sl_module_is_parser(pl) && SL_PLUGIN_HAS(pl, parser_name) && pl->parser_name != NULL) {
        fprintf(out, "parser name (for ruleset parser= lists): %s\n", pl->parser_name);
    }
    describe_params(out, "module parameters (module(load=\"NAME\" ...))", pl->module_params);
    describe_params(out, (pl->kinds & SL_INPUT) ? "input parameters (input(type=\"NAME\" ...))"
                         : (pl->kinds & SL_PARSER)
                             ? "parser parameters (parser(name=\"...\" type=\"NAME\" ...))"
                             : "action parameters (action(type=\"NAME\" ...))",
                    pl->inst_params);
    if (dl != NULL) {
        dlclose(dl);
    }
    return 0;
}

/* ---- sluice.conf(5): the modules section, from the descriptors ---- */

/* roff-safe text: backslashes doubled, a leading '.' or '\'' escaped, and no "@word@" (the
 * install test rejects unsubstituted patterns in man pages) */
static void man_text(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'') {
        fputs("\\&", out);
    }
    for (; *s != '\0'; s++) {
        if (*s == '\\') {
            fputs("\\e", out);
        } else if (*s == '-') {
            fputs("\\-", out);
        } else if (*s == ':') {
            fputs(":\\:", out);   /* a place to break long paths lists */
        } else if (*s == '@') {
            fputs("@\\&", out);
        } else {
            fputc(*s, out);
        }
    }
}

static void man_params(FILE *out, const char *title, const struct sl_param *t)
{
    if (t == NULL || t->name == NULL) {
        return;
    }
    fprintf(out, ".PP\n%s:\n", title);
    for (; t->name != NULL; t++) {
        fputs(".TP\n.B ", out);
        man_text(out, t->name);
        fputs("\n", out);
        man_text(out, ptype_name(t->type));
        if (t->type == SL_PT_ENUM && t->enums != NULL) {
            fputs(" (", out);
            for (size_t i = 0; t->enums[i] != NULL; i++) {
                fputs(i ? "|" : "", out);
                man_text(out, t->enums[i]);
            }
            fputc(')', out);
        }
        if (t->flags & SL_P_SECRET) {
            fputs(", secret", out);
        } else if (t->def != NULL && t->def[0] != '\0') {
            fputs(", default \"", out);
            man_text(out, t->def);
            fputc('"', out);
        }
        if (t->flags & SL_P_REQUIRED) {
            fputs(", required", out);
        }
        if (t->flags & (SL_P_DEPRECATED | SL_P_DEPRECATED_ERROR)) {
            fputs(", deprecated", out);
        }
        if (t->legacy != NULL) {
            fputs(", legacy ", out);
            man_text(out, t->legacy);
        }
        if (t->flags & SL_P_IGNORED) {
            fputs(". Accepted for rsyslog compatibility, no effect (warned)", out);
        } else if (t->help != NULL && t->help[0] != '\0') {
            fputs(": ", out);
            man_text(out, t->help);
        }
        fputs("\n", out);
    }
}

static void man_plugin(FILE *out, const struct sl_plugin *pl, int builtin)
{
    fputs(".SS ", out);
    man_text(out, pl->name);
    fprintf(out, " (%s%s%s%s%s)\n", (pl->kinds & SL_INPUT) ? "input" : "",
            (pl->kinds & SL_OUTPUT) ? "output" : "", (pl->kinds & SL_PARSER) ? "parser" : "",
            (pl->kinds & SL_MODIFIER) ? "modifier" : "", builtin ? ", built in" : "");
    man_params(out, "Module parameters (module(load=...))", pl->module_params);
    man_params(out, (pl->kinds & SL_INPUT) ? "Input parameters (input(type=...))"
                                           : "Action parameters (action(type=...))",
               pl->inst_params);
}

void sl_plugin_describe_man(const char *dir, FILE *out)
{
    fputs(".\\\" generated by sluiced \\-\\-describe\\-man from the plugin descriptors\n"
          ".SH MODULES\n"
          "The modules of this build, with every parameter their descriptors declare "
          "(type, default, legacy directive).\n"
          "Values follow rsyslog's parameter types: binary values are exactly \\(lqon\\(rq or "
          "\\(lqoff\\(rq; sizes take k/m/g (1024) and K/M/G (1000) suffixes.\n"
          "Parameters marked \\(lqno effect\\(rq are accepted so that rsyslog "
          "configurations load, and warned about with FILE:LINE.\n", out);
    for (int i = 0; sl_builtin_plugins[i] != NULL; i++) {
        man_plugin(out, sl_builtin_plugins[i], 1);
    }
    char *names[MAX_LISTED];
    ssize_t n = plugin_names(dir, names);
    for (ssize_t i = 0; i < n; i++) {
        const struct sl_plugin *pl;
        void *h;
        char err[512];
        if (sl_plugin_open(names[i], dir, &pl, &h, err, sizeof err) == 0) {
            man_plugin(out, pl, 0);
            dlclose(h);
        }
        free(names[i]);
    }
    fputs(".SH RSYSLOG MODULES SLUICE DOES NOT HAVE\n"
          "Loading one of these is a configuration error (or, with "
          "global(sluice.unknownModules=\"warn\"), a warning, and what uses it is skipped); "
          "the error names the alternative given here.\n", out);
    for (const struct sl_missing_module *m = sl_missing_modules(); m->name != NULL; m++) {
        if (sl_plugin_present(m->name, dir)) {
            continue;
        }
        fputs(".TP\n.B ", out);
        man_text(out, m->name);
        fputs("\n", out);
        man_text(out, m->alt);
        fputs("\n", out);
    }
}
