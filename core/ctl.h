/*
 * ctl.h - sluiced's control socket (sluicectl's server; see ctl.c for the protocol).
 * Concurrency: sl_ctl_open/start/stop on the main thread; the socket runs its own thread.
 */
#ifndef SLUICE_CORE_CTL_H
#define SLUICE_CORE_CTL_H

struct sl_engine;

/* Creates the socket at path (mode 0600, owned by uid/gid when >= 0; a stale socket is
 * replaced, a live one left alone): 0, or -1 with the reason logged (sluiced runs on). */
int sl_ctl_open(struct sl_engine *e, const char *path, long uid, long gid);
/* Starts the socket's thread (after the engine started; nothing when not opened). */
int sl_ctl_start(void);
/* Stops the thread, closes every client, removes the socket. */
void sl_ctl_stop(void);

#endif
