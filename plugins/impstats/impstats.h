/*
 * impstats.h - impstats internals shared with its unit test (tests/plugins/test_impstats.c).
 */
#ifndef SLUICE_PLUGINS_IMPSTATS_H
#define SLUICE_PLUGINS_IMPSTATS_H

struct impstats_inst;
struct sl_stat;

/* Formats one counter set as a line of this instance's format (into its line buffer). */
void sl_impstats_format(struct impstats_inst *in, const char *set, const char *origin,
                        const struct sl_stat *v, size_t n);
/* One interval: read every set, write log.file, submit the messages. */
void sl_impstats_emit(struct impstats_inst *in);

#endif
