/*
 * imptcp_unix.c - imptcp's unix stream socket listener (input parameter path=), as rsyslog
 * 8.2302's imptcp (startupUXSrv): everything else - sessions, framing, multiLine, the
 * delimiter regex, limits, shutdown drain - is imtcp.c's TCP code, unchanged; only the
 * listening socket and the peer's name differ.
 *
 * rsyslog's order and facts, followed here: unlink="on" removes whatever is at path before
 * bind() (a stale socket file of an earlier run); without it an existing file makes bind()
 * fail with EADDRINUSE, the error is logged and this listener does not run (the rest of the
 * configuration does).  After listen(): chown(path, fileOwner/fileOwnerNum,
 * fileGroup/fileGroupNum) (-1: unchanged) and chmod(path, fileCreateMode, default 0644);
 * a failure of either is logged and stops the listener.  (rsyslog 8.2302 reads
 * failOnChOwnFailure under another name, "failonpermsfailure", so the parameter has no
 * effect there: a chown/chmod failure always stops the listener; sluice does the same and
 * warns when it is set.)  At shutdown the socket file is removed again when unlink="on".
 * A unix peer has no address: rsyslog names it with the local host name (%fromhost%) and
 * 127.0.0.1 (%fromhost-ip%, rsyslog's $LocalHostIPIF default), which is what the core
 * gives a message made with no peer (peerlen 0).  A path longer than sun_path is refused
 * (rsyslog silently binds the truncated path).
 *
 * Ownership: the listening descriptor goes into the instance's listener table (imtcp.c
 * closes it); the path string belongs to the core.  Concurrency & locking: called from
 * imtcp_open() and imtcp_destroy() on the main thread only; no shared state.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../imtcp/imtcp_int.h"

int imptcp_unix_listen(struct imtcp_inst *in, int backlog)
{
    const struct sl_host *h = in->h;
    const char *path = in->ptcp_path;
    struct sockaddr_un sa;

    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        h->log(SL_LOG_ERR, IM_NAME, "imptcp: unix socket path '%s' is longer than %zu bytes",
               path, sizeof sa.sun_path - 1);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        h->log(SL_LOG_ERR, IM_NAME, "imptcp: error creating unix socket: %s", strerror(errno));
        return -1;
    }
    if (in->ptcp_unlink) {
        (void)unlink(path);
    }
    const char *what = NULL;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        what = "error while binding unix socket";
    } else {
        in->ptcp_bound = 1;
        if (listen(fd, backlog) != 0) {
            what = "unix socket listen error";
        } else if (chown(path, (uid_t)in->ptcp_uid, (gid_t)in->ptcp_gid) != 0) {
            what = "unix socket chown error";
        } else if (chmod(path, (mode_t)in->ptcp_mode) != 0) {
            what = "unix socket chmod error";
        }
    }
    if (what != NULL) {
        h->log(SL_LOG_ERR, IM_NAME, "imptcp: %s '%s': %s", what, path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void imptcp_unix_cleanup(struct imtcp_inst *in)
{
    if (in->ptcp_bound && in->ptcp_unlink) {
        (void)unlink(in->ptcp_path);
    }
    in->ptcp_bound = 0;
}
