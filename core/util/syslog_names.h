/*
 * util/syslog_names.h - facility and severity names in one place: the texts rsyslog prints
 * ($syslogfacility-text, $syslogseverity-text) and the names its two selector decoders
 * accept (legacy "facility.priority" selector lines, and RainerScript's prifilt() and
 * $syslogfacility-text / $syslogseverity-text comparisons).
 *
 * The two decoders do not accept the same facility names, and sluice keeps that on purpose
 * (rsyslog 8.2302 behaves so): selector lines know "audit" (13), "alert" (14) and "clock"
 * (15), RainerScript knows "console" (14) and none of those three.  Each name carries the
 * dialects that accept it (SL_NAMES_LEGACY, SL_NAMES_SCRIPT).  Numbers, "*" and "none" are
 * the callers' business: the dialects read numbers differently too (conf/legacy.c,
 * expr/prifilt.c).
 *
 * Ownership: static tables.  Concurrency & locking: read-only.
 */
#ifndef SLUICE_CORE_UTIL_SYSLOG_NAMES_H
#define SLUICE_CORE_UTIL_SYSLOG_NAMES_H

#include <stddef.h>

/* Output names by value, as rsyslog prints them (facility 24 is printed "invld" by the
 * caller). */
extern const char *const sl_facility_text[24];
extern const char *const sl_severity_text[8];

#define SL_NAMES_LEGACY 1u      /* selector lines of the legacy format */
#define SL_NAMES_SCRIPT 2u      /* RainerScript: prifilt(), $syslog*-text comparisons */
#define SL_FAC_MARK 25          /* "mark": a selector slot beyond the 25-entry masks */

/* s[0..len), case-insensitively, among the facility (is_fac) or severity names the dialect
 * accepts; the value (facility 0..24 or SL_FAC_MARK, severity 0..7) or -1. */
int sl_syslog_name_value(const char *s, size_t len, int is_fac, unsigned dialect);
/* The i-th facility (is_fac) or severity name the dialect accepts, NULL past the last (for
 * "did you mean"). */
const char *sl_syslog_name_nth(size_t i, int is_fac, unsigned dialect);

#endif
