/*  test_profile_activity.c - profile-svc/profile_activity.h: batching of
    last_active_at writes; time is simulated. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "profile_activity.h"

#define T0 1000000
#define QUIET 60000

static bool
s_has(char **batch, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(batch[i], id) == 0)
            return true;
    return false;
}

Test(profile_activity, a_user_is_queued_once_per_flush)
{
    profile_activity_t *a = profile_activity_new(100, QUIET);
    profile_activity_seen(a, "alice", T0);
    profile_activity_seen(a, "alice", T0 + 1);
    profile_activity_seen(a, "bob", T0 + 2);
    cr_assert_eq(profile_activity_pending(a), 2);
    size_t n;
    char **batch = profile_activity_take(a, &n);
    cr_assert_eq(n, 2);
    cr_assert(s_has(batch, n, "alice") && s_has(batch, n, "bob"));
    cr_assert_eq(profile_activity_pending(a), 0);
    profile_activity_flushed(a, batch, n, T0 + 10);
    profile_activity_batch_free(batch, n);
    cr_assert_null(profile_activity_take(a, &n));
    cr_assert_eq(n, 0);
    profile_activity_destroy(&a);
    cr_assert_null(a);
}

Test(profile_activity, recently_flushed_users_are_skipped_for_the_quiet_period)
{
    profile_activity_t *a = profile_activity_new(100, QUIET);
    profile_activity_seen(a, "alice", T0);
    size_t n;
    char **batch = profile_activity_take(a, &n);
    profile_activity_flushed(a, batch, n, T0);
    profile_activity_batch_free(batch, n);
    profile_activity_seen(a, "alice", T0 + QUIET - 1);
    cr_assert_eq(profile_activity_pending(a), 0);
    profile_activity_seen(a, "alice", T0 + QUIET);
    cr_assert_eq(profile_activity_pending(a), 1);
    profile_activity_destroy(&a);
}

Test(profile_activity, failed_flush_is_requeued)
{
    profile_activity_t *a = profile_activity_new(100, QUIET);
    profile_activity_seen(a, "alice", T0);
    size_t n;
    char **batch = profile_activity_take(a, &n);
    profile_activity_requeue(a, batch, n);
    profile_activity_batch_free(batch, n);
    cr_assert_eq(profile_activity_pending(a), 1);
    profile_activity_destroy(&a);
}

Test(profile_activity, queue_is_bounded)
{
    profile_activity_t *a = profile_activity_new(3, QUIET);
    const char *ids[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        profile_activity_seen(a, ids[i], T0);
    cr_assert_eq(profile_activity_pending(a), 3);
    profile_activity_seen(a, "", T0);
    profile_activity_seen(a, NULL, T0);
    cr_assert_eq(profile_activity_pending(a), 3);
    profile_activity_destroy(&a);
    profile_activity_destroy(&a); /* NULL-safe */
}

Test(profile_activity, old_flushes_are_forgotten)
{
    profile_activity_t *a = profile_activity_new(10, QUIET);
    size_t n;
    for (int round = 0; round < 3; round++) {
        char id[16];
        snprintf(id, sizeof id, "u%d", round);
        profile_activity_seen(a, id, T0 + round * QUIET * 2);
        char **batch = profile_activity_take(a, &n);
        profile_activity_flushed(a, batch, n, T0 + round * QUIET * 2);
        profile_activity_batch_free(batch, n);
    }
    /* u0 was flushed long ago: queued again */
    profile_activity_seen(a, "u0", T0 + 6 * QUIET);
    cr_assert_eq(profile_activity_pending(a), 1);
    profile_activity_destroy(&a);
}
