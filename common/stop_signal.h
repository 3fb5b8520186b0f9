/*  stop_signal.h - SIGINT/SIGTERM ask a process to stop cleanly. Every process
    installs the same handlers (and keeps czmq from installing its own); the
    flag they set is the only mutable global in the project. */
#ifndef P2P_STOP_SIGNAL_H
#define P2P_STOP_SIGNAL_H

#include <stdbool.h>

/*  Install the handlers (no SA_RESTART: a blocking poll returns EINTR) and
    ignore SIGPIPE. Call once, before any czmq socket is created. */
void stop_signal_install(void);

/*  True once SIGINT or SIGTERM has arrived. */
bool stop_signal_requested(void);

#endif
