/*  profile_activity.h - who has been active since the last flush, so that
    last_active_at is written in one batched UPDATE per tick instead of once
    per request. A user flushed less than quiet_ms ago is not queued again.
    Both the queue and the "recently flushed" set are bounded. */
#ifndef P2P_PROFILE_ACTIVITY_H
#define P2P_PROFILE_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

typedef struct profile_activity profile_activity_t;

/*  New tracker: at most max_pending queued users (more are dropped until the
    next flush), and users flushed within quiet_ms are skipped. Caller destroys. */
profile_activity_t *profile_activity_new(size_t max_pending, int64_t quiet_ms);

/*  Free the tracker; NULL-safe, NULLs *self_p. */
void profile_activity_destroy(profile_activity_t **self_p);

/*  Note that user_id was active at now_ms (monotonic). */
void profile_activity_seen(profile_activity_t *self, const char *user_id, int64_t now_ms);

/*  Number of users waiting to be flushed. */
size_t profile_activity_pending(const profile_activity_t *self);

/*  Take the queued users (the queue is emptied). Returns an array of *count
    strings, or NULL when there are none; caller frees it with
    profile_activity_batch_free. */
char **profile_activity_take(profile_activity_t *self, size_t *count);

/*  The batch was written at now_ms: skip these users for quiet_ms. */
void profile_activity_flushed(profile_activity_t *self, char **batch, size_t count, int64_t now_ms);

/*  The batch could not be written: queue it again (within the bound). */
void profile_activity_requeue(profile_activity_t *self, char **batch, size_t count);

/*  Free a batch from profile_activity_take; NULL-safe. */
void profile_activity_batch_free(char **batch, size_t count);

#endif
