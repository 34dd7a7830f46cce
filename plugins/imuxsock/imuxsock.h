/*
 * imuxsock.h - test hooks of the imuxsock plugin (not part of the plugin ABI).
 * Ownership: returned strings belong to the instance.  No shared state.
 */
#ifndef SLUICE_PLUGINS_IMUXSOCK_H
#define SLUICE_PLUGINS_IMUXSOCK_H

/* Path of the socket the instance listens on, NULL if inactive (SysSock.Use="off"). */
const char *sl_imuxsock_path(const void *inst);
/* 1 if the socket was passed in by the service manager (LISTEN_FDS). */
int sl_imuxsock_from_systemd(const void *inst);

#endif
