/*  rate_limit.h - per-caller token buckets: N requests per minute, refilled
    continuously, keyed by user id (or "ip:<address>" for unauthenticated
    calls). Idle buckets are forgotten by rate_limit_sweep. */
#ifndef P2P_RATE_LIMIT_H
#define P2P_RATE_LIMIT_H

#include <stdint.h>

typedef struct rate_limit rate_limit_t;

/*  New limiter allowing per_minute requests per key; 0 disables it (every
    take succeeds). Caller destroys. */
rate_limit_t *rate_limit_new(int per_minute);

/*  NULL-safe; NULLs *self_p. */
void rate_limit_destroy(rate_limit_t **self_p);

/*  Take one request for key at monotonic time now_ms. Returns 0 when allowed,
    else the whole seconds (>= 1) until the next request would be. */
int rate_limit_take(rate_limit_t *self, const char *key, int64_t now_ms);

/*  Drop buckets that have refilled completely (their callers are idle). */
void rate_limit_sweep(rate_limit_t *self, int64_t now_ms);

/*  Number of refusals so far. */
uint64_t rate_limit_refusals(const rate_limit_t *self);

#endif
