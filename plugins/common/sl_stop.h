/*
 * sl_stop.h - the stop() of the inputs whose run() waits in poll/epoll on an eventfd
 * (imjournal, imklog, imkmsg, immark, imuxsock and the UDP listener of sl_udp.c): raise the
 * stopping flag, then wake run() through the eventfd.  Header-only (static inline); not
 * part of the plugin ABI.
 *
 * Ownership: the eventfd is the caller's (created at open, closed at destroy).
 * Concurrency & locking: called on the core's thread while run() waits on another; the flag
 * is atomic and is set before the write, so run() sees it when the eventfd wakes it.
 */
#ifndef SLUICE_PLUGINS_SL_STOP_H
#define SLUICE_PLUGINS_SL_STOP_H

#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

static inline void sl_stop_wake(atomic_int *stopping, int stopfd)
{
    atomic_store(stopping, 1);
    if (stopfd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(stopfd, &one, sizeof one);
        (void)w;    /* nothing to do if it fails: a wake-up is already pending */
    }
}

#endif
