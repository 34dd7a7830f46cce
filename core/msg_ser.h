/*
 * msg_ser.h - messages to and from bytes (the disk spool's record payload).  See msg_ser.c
 * for the format.
 */
#ifndef SLUICE_CORE_MSG_SER_H
#define SLUICE_CORE_MSG_SER_H

#include <stddef.h>

#include "sluice/sl_plugin.h"

struct sl_msg;

/* Append m's record to out.  0, SL_EINVAL (a field too long) or SL_ENOMEM. */
int sl_msg_serialize(struct sl_msg *m, const char *ruleset_name, struct sl_buf *out);

/* A new message from a record, or NULL if the record is malformed.  The ruleset name is
 * copied into ruleset[rslen]; intern(arg, name) returns the stable input name to use. */
struct sl_msg *sl_msg_deserialize(const void *p, size_t len, char *ruleset, size_t rslen,
                                  const char *(*intern)(void *arg, const char *name), void *arg);

#endif
