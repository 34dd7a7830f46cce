/*
 * engine.h - the runtime built from a loaded configuration.
 *
 * sl_engine_build() turns the IR into a runtime: global settings, templates, loaded
 * modules, rulesets with their queues, actions (each bound to its plugin, with an optional
 * queue of its own), and inputs.  Every problem is reported with file:line through
 * sl_cfg_error(); the caller checks sl_cfg_error_count() (that is -N1).
 *
 * Threads (see DESIGN.md 4.7): one thread per input instance (the plugin's run()); per
 * ruleset queue one worker per shard (queue.workerThreads) that parses messages, runs the
 * rules and delivers to direct actions or enqueues to action queues; per action queue its
 * worker threads.  The main thread only waits for signals.
 *
 * Shutdown (sl_engine_stop): inputs stop and are joined, ruleset queues drain, then action
 * queues drain.  An action that stays suspended is retried until the shutdown deadline
 * (queue.timeoutShutdown of the main queue, default 10 s), after which what it still holds is
 * counted as lost and reported.
 *
 * Concurrency & locking: build/start/stop/free run on the main thread.  hup() may run while
 * workers deliver (plugins lock what they share).  The engine is a process singleton for
 * the host functions that carry no context (template_find, max_message_size).
 */
#ifndef SLUICE_CORE_ENGINE_H
#define SLUICE_CORE_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "sluice/sl_plugin.h"

struct sl_cnf;
struct sl_engine;

struct sl_engine_opts {
    const char *plugin_dir;
    int foreground;
};

struct sl_engine *sl_engine_build(struct sl_cnf *cnf, const struct sl_engine_opts *o);
int sl_engine_open_inputs(struct sl_engine *e);   /* before privileges are dropped */
int sl_engine_start(struct sl_engine *e);
void sl_engine_hup(struct sl_engine *e);      /* sl_engine_reload, then sl_engine_reopen */
void sl_engine_reopen(struct sl_engine *e);   /* inputs' and outputs' hup(): files reopened */
void sl_engine_reload(struct sl_engine *e);   /* lookup tables reloaded */
/* The control socket's `queues`: one line per ruleset queue and action (core/ctl.c);
 * json: one JSON object a line. */
void sl_engine_queues(struct sl_engine *e, FILE *out, int json);
void sl_engine_stop(struct sl_engine *e, int signo);
void sl_engine_free(struct sl_engine *e);
void sl_engine_stats(struct sl_engine *e, FILE *out);
/* Every counter set (see sl_host.stats_foreach); SIGUSR1 and impstats use it. */
void sl_engine_stats_foreach(struct sl_engine *e, sl_stats_cb cb, void *arg, int reset);
/* global() settings by rsyslog name (NULL / dflt when unset or not of that type). */
const char *sl_engine_global_str(struct sl_engine *e, const char *name);
int64_t sl_engine_global_int(struct sl_engine *e, const char *name, int64_t dflt);
/* Print the bound runtime (modules, templates, actions with their plugin and queue) for -N --dump. */
void sl_engine_dump(struct sl_engine *e, FILE *out);
/* The plugin an action of the IR was built with (after sl_engine_build), or NULL. */
const struct sl_plugin *sl_engine_action_plugin(const struct sl_action_ir *ai);

#endif
