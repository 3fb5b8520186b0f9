/*  stop_signal.c - the stop flag and the handlers that set it. */
#include "stop_signal.h"

#include <czmq.h>
#include <signal.h>

#include "log.h"

static volatile sig_atomic_t s_stop = 0;
static volatile sig_atomic_t s_hups = 0; /* SIGHUPs not logged yet */

static void
s_on_signal(int sig)
{
    if (sig == SIGHUP)
        s_hups++;
    else
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
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool
stop_signal_requested(void)
{
    return s_stop != 0;
}

void
stop_signal_log_hup(void)
{
    while (s_hups > 0) {
        s_hups--;
        log_info("signal.hup", NULL,
                 json_pack("{s:s}", "action", "ignored: logs go to stderr, there is nothing to reopen"));
    }
}
