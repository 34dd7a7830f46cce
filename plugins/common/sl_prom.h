/*
 * sl_prom.h - counters in the Prometheus text exposition format, shared by impstats
 * (format="prometheus") and imhttp (metricspath).  Both write what newer rsyslog releases
 * write for the same counter set, so a scrape config made for rsyslog works unchanged.
 *
 * Ownership: the caller's buffer; nothing is kept.  Concurrency: reentrant.
 */
#ifndef SLUICE_PLUGINS_SL_PROM_H
#define SLUICE_PLUGINS_SL_PROM_H

#include <stdint.h>

#include "sluice/sl_plugin.h"

/* Append one counter of set/origin as rsyslog does:
 *   # HELP N rsyslog stats: origin="O" object="SET", counter="C"
 *   # TYPE N counter
 *   N VALUE
 * N is "SET_C_total" when that is a legal classic metric name, else "U__" + the name with
 * '_' doubled and every other character outside [A-Za-z0-9:] written as _HEX_ (its code
 * point; _xHH_ for a byte that is not UTF-8), so distinct sets never share a name.
 * 0, or SL_ENOMEM when the buffer could not grow (b is then left as it was). */
int sl_prom_counter(const struct sl_host *h, struct sl_buf *b, const char *set,
                    const char *origin, const char *counter, uint64_t value);

#endif
