/*  profile_activity.c - the last_active_at batcher (see profile_activity.h).
    Two czmq hash tables keyed by user id: `pending` (a set) and `recent`
    (user id -> monotonic ms of its last flush + 1, never NULL). */
#include "profile_activity.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

/*  The recently-flushed set is cleared wholesale beyond this many entries:
    the worst case is a few extra writes, never unbounded memory. */
#define S_RECENT_FACTOR 10

struct profile_activity {
    zhashx_t *pending;
    zhashx_t *recent;
    size_t max_pending;
    int64_t quiet_ms;
    int64_t last_prune_ms;
};

profile_activity_t *
profile_activity_new(size_t max_pending, int64_t quiet_ms)
{
    profile_activity_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->pending = zhashx_new();
    self->recent = zhashx_new();
    if (!self->pending || !self->recent) {
        profile_activity_destroy(&self);
        return NULL;
    }
    self->max_pending = max_pending;
    self->quiet_ms = quiet_ms;
    return self;
}

void
profile_activity_destroy(profile_activity_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->pending);
    zhashx_destroy(&(*self_p)->recent);
    free(*self_p);
    *self_p = NULL;
}

void
profile_activity_seen(profile_activity_t *self, const char *user_id, int64_t now_ms)
{
    if (!user_id || !*user_id)
        return;
    void *flushed = zhashx_lookup(self->recent, user_id);
    if (flushed && now_ms - ((int64_t) (intptr_t) flushed - 1) < self->quiet_ms)
        return;
    if (zhashx_size(self->pending) >= self->max_pending)
        return; /* bounded: this user is queued again on a later request */
    zhashx_insert(self->pending, user_id, (void *) (intptr_t) 1);
}

size_t
profile_activity_pending(const profile_activity_t *self)
{
    return zhashx_size(self->pending);
}

char **
profile_activity_take(profile_activity_t *self, size_t *count)
{
    *count = 0;
    size_t n = zhashx_size(self->pending);
    if (n == 0)
        return NULL;
    char **batch = calloc(n, sizeof *batch);
    if (!batch)
        return NULL;
    for (void *item = zhashx_first(self->pending); item && *count < n; item = zhashx_next(self->pending)) {
        char *id = strdup((const char *) zhashx_cursor(self->pending));
        if (id)
            batch[(*count)++] = id;
    }
    zhashx_purge(self->pending);
    return batch;
}

/*  Forget flushes older than quiet_ms (at most once per quiet_ms). */
static void
s_prune(profile_activity_t *self, int64_t now_ms)
{
    if (zhashx_size(self->recent) > self->max_pending * S_RECENT_FACTOR) {
        zhashx_purge(self->recent);
        self->last_prune_ms = now_ms;
        return;
    }
    if (now_ms - self->last_prune_ms < self->quiet_ms)
        return;
    self->last_prune_ms = now_ms;
    zlistx_t *keys = zhashx_keys(self->recent);
    for (const char *key = zlistx_first(keys); key; key = zlistx_next(keys)) {
        int64_t flushed = (int64_t) (intptr_t) zhashx_lookup(self->recent, key) - 1;
        if (now_ms - flushed >= self->quiet_ms)
            zhashx_delete(self->recent, key);
    }
    zlistx_destroy(&keys);
}

void
profile_activity_flushed(profile_activity_t *self, char **batch, size_t count, int64_t now_ms)
{
    s_prune(self, now_ms);
    for (size_t i = 0; i < count; i++)
        zhashx_update(self->recent, batch[i], (void *) (intptr_t) (now_ms + 1));
}

void
profile_activity_requeue(profile_activity_t *self, char **batch, size_t count)
{
    for (size_t i = 0; i < count && zhashx_size(self->pending) < self->max_pending; i++)
        zhashx_insert(self->pending, batch[i], (void *) (intptr_t) 1);
}

void
profile_activity_batch_free(char **batch, size_t count)
{
    if (!batch)
        return;
    for (size_t i = 0; i < count; i++)
        free(batch[i]);
    free(batch);
}
