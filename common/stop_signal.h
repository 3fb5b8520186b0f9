/*  stop_signal.h - SIGINT/SIGTERM ask a process to stop cleanly; SIGHUP is
    logged and ignored. Every process installs the same handlers (and keeps
    czmq from installing its own); the flags they set are the only mutable
    globals in the project. */
#ifndef P2P_STOP_SIGNAL_H
#define P2P_STOP_SIGNAL_H

#include <stdbool.h>

/*  Install the handlers (no SA_RESTART: a blocking poll returns EINTR) and
    ignore SIGPIPE. Call once, before any czmq socket is created. */
void stop_signal_install(void);

/*  True once SIGINT or SIGTERM has arrived. */
bool stop_signal_requested(void);

/*  SIGHUP does not stop a process (a closed terminal or a habit of
    "reload" must not take a service down): the handler only counts it, and
    the main loop calls this to log a line for each one ("signal.hup"). Our
    logs go to stderr, so there is nothing to reopen or reload. */
void stop_signal_log_hup(void);

#endif
