/*  stop_signal.c - the stop flag and the handlers that set it. */
#include "stop_signal.h"

#include <czmq.h>
#include <signal.h>

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal(int sig)
{
    (void) sig;
    s_stop = 1;
}

void
stop_signal_install(void)
{
    zsys_handler_set(NULL); /* czmq would take SIGINT/SIGTERM for itself */
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool
stop_signal_requested(void)
{
    return s_stop != 0;
}
