/*  log_cost.c - what one request's log lines cost a process (issue 16).

    Writes N request.done lines (the gateway's per-request line, with its
    fields) to stderr exactly as the gateway does: buffered, flushed every
    FLUSH_EVERY lines as the end of an event-loop turn would, and prints the
    process CPU per line as JSON on stdout. bench/run sends stderr to a file.

    usage: p2p-log-cost [LINES [FLUSH_EVERY]] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

static double
s_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

int
main(int argc, char **argv)
{
    long lines = argc > 1 ? atol(argv[1]) : 200000;
    long flush_every = argc > 2 ? atol(argv[2]) : 14; /* requests per loop turn at 32 connections */
    if (lines <= 0 || flush_every <= 0) {
        fprintf(stderr, "usage: p2p-log-cost [LINES [FLUSH_EVERY]]\n");
        return 2;
    }
    log_init("gateway", "info");
    log_set_buffered();
    double start = s_cpu_us();
    for (long i = 0; i < lines; i++) {
        char rid[LOG_ID_SIZE];
        log_format_id(rid, (unsigned long long) i);
        if (log_begin(P2P_LOG_INFO, "request.done", rid)) {
            log_str("type", "profile.get");
            log_str("channel", "websocket");
            log_int("status", 200);
            log_usec_as_ms("ms", 1234);
            log_str("worker", "0123456789abcdef");
            log_int("attempts", 1);
            log_end();
        }
        if ((i + 1) % flush_every == 0)
            log_flush();
    }
    log_flush();
    double us = (s_cpu_us() - start) / (double) lines;
    printf("{\"lines\":%ld,\"flush_every\":%ld,\"cpu_us_per_line\":%.3f}\n", lines, flush_every, us);
    return 0;
}
