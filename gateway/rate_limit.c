/*  rate_limit.c - token buckets in a czmq hash keyed by caller. */
#include "rate_limit.h"

#include <czmq.h>

/*  Tokens are counted in 1/60000ths so that refilling per_minute tokens a
    minute is exact integer arithmetic: with doubles, many small refills (one
    per take, one per sweep) sum to a hair under a whole token and refuse a
    caller whose token is due. */
#define TOKEN 60000

typedef struct {
    int64_t credit; /* tokens * TOKEN */
    int64_t updated_ms;
} s_bucket_t;

struct rate_limit {
    int per_minute;
    zhashx_t *buckets; /* key -> s_bucket_t, owned */
    uint64_t refusals;
};

static void
s_bucket_free(void **item)
{
    free(*item);
    *item = NULL;
}

rate_limit_t *
rate_limit_new(int per_minute)
{
    rate_limit_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->per_minute = per_minute;
    self->buckets = zhashx_new();
    zhashx_set_destructor(self->buckets, s_bucket_free);
    return self;
}

void
rate_limit_destroy(rate_limit_t **self_p)
{
    if (self_p && *self_p) {
        zhashx_destroy(&(*self_p)->buckets);
        free(*self_p);
        *self_p = NULL;
    }
}

/*  Refill a bucket for the time elapsed since it was last touched. */
static void
s_refill(const rate_limit_t *self, s_bucket_t *bucket, int64_t now_ms)
{
    int64_t full = (int64_t) self->per_minute * TOKEN;
    int64_t elapsed = now_ms - bucket->updated_ms;
    /* an hour of refill already fills any bucket; clamping keeps the product in range */
    if (elapsed > 3600000)
        elapsed = 3600000;
    bucket->credit += elapsed * self->per_minute;
    if (bucket->credit > full)
        bucket->credit = full;
    bucket->updated_ms = now_ms;
}

int
rate_limit_take(rate_limit_t *self, const char *key, int64_t now_ms)
{
    if (self->per_minute <= 0)
        return 0;
    s_bucket_t *bucket = zhashx_lookup(self->buckets, key);
    if (!bucket) {
        bucket = malloc(sizeof *bucket);
        if (!bucket)
            return 0; /* fail open: memory pressure must not lock users out */
        *bucket = (s_bucket_t){.credit = (int64_t) self->per_minute * TOKEN, .updated_ms = now_ms};
        zhashx_insert(self->buckets, key, bucket);
    }
    else
        s_refill(self, bucket, now_ms);
    if (bucket->credit >= TOKEN) {
        bucket->credit -= TOKEN;
        return 0;
    }
    self->refusals++;
    /* credit grows by per_minute each ms: round the wait up to whole ms, then seconds */
    int64_t wait_ms = (TOKEN - bucket->credit + self->per_minute - 1) / self->per_minute;
    int64_t secs = (wait_ms + 999) / 1000;
    return secs < 1 ? 1 : (int) secs;
}

void
rate_limit_sweep(rate_limit_t *self, int64_t now_ms)
{
    if (self->per_minute <= 0)
        return;
    zlistx_t *keys = zhashx_keys(self->buckets);
    for (const char *key = zlistx_first(keys); key; key = zlistx_next(keys)) {
        s_bucket_t *bucket = zhashx_lookup(self->buckets, key);
        s_refill(self, bucket, now_ms);
        if (bucket->credit >= (int64_t) self->per_minute * TOKEN)
            zhashx_delete(self->buckets, key);
    }
    zlistx_destroy(&keys);
}

uint64_t
rate_limit_refusals(const rate_limit_t *self)
{
    return self->refusals;
}
