/*
 * trapmib.h - MIB names for imsnmptrap's $!snmp tree, from net-snmp's libsnmp MIB reader:
 * MIB files are read from directories once (at the first instance's create() and again at
 * SIGHUP), never per trap and never by running a program.
 *
 * Ownership: libsnmp's MIB tree is process-global; this module owns it (reference-counted
 * by the imsnmptrap instances that enabled MIBs).
 * Concurrency & locking: one mutex around loading and every lookup (input threads look up,
 * the main thread reloads).
 */
#ifndef SLUICE_IMSNMPTRAP_TRAPMIB_H
#define SLUICE_IMSNMPTRAP_TRAPMIB_H

#include <stddef.h>
#include <stdint.h>

/* Load every MIB file in dirs (':'-separated) unless loaded; counts a user.  0 or -1. */
int trapmib_acquire(const char *dirs);
void trapmib_release(void);
/* Read the directories again (SIGHUP): modules added since are loaded. */
void trapmib_reload(void);
/* "MODULE::name.suffix" for an OID into out, or 0 if no MIB names it.  label: the enum label
 * for an INTEGER value of that object (NULL if none), copied into lab (labcap bytes). */
size_t trapmib_name(const uint32_t *sub, size_t n, char *out, size_t cap, int has_int,
                    int64_t ival, char *lab, size_t labcap);

#endif
