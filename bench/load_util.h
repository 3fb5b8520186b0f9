/*  load_util.h - what the bench's load generators share besides the
    histogram: clocks, their own CPU, the JWT secret file and the HS256
    tokens they authenticate with (as the gateway's clients do: ?token=). */
#ifndef P2P_LOAD_UTIL_H
#define P2P_LOAD_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/*  CLOCK_MONOTONIC in ns. */
uint64_t load_util_mono_ns(void);

/*  Wall-clock unix time in ms (for windows several processes share). */
int64_t load_util_wall_ms(void);

/*  This process's user + system CPU, in seconds. */
double load_util_cpu_s(void);

/*  The first line of path without its line end (caller frees), or NULL
    with errno set. */
char *load_util_read_secret(const char *path);

/*  xorshift64*: the next pseudo-random number from *state (never 0).
    For picking load and WebSocket mask keys, not for secrets. */
uint64_t load_util_random(uint64_t *state);

/*  A nonzero seed for load_util_random, different per process and call. */
uint64_t load_util_seed(void);

/*  SIGINT and SIGTERM ask the loader to stop (load_util_stopped turns true);
    SIGPIPE is ignored, so a closed connection is a failed write, not death. */
void load_util_catch_signals(void);

/*  Whether a signal or load_util_stop asked the loader to stop. */
bool load_util_stopped(void);

/*  Stop the loader's loop (a fatal error, or its window is over). */
void load_util_stop(void);

/*  A HS256 token for user_id valid for a day (caller frees), or NULL. */
char *load_util_mint(const char *secret, const char *user_id);

#endif
