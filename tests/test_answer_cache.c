/*  test_answer_cache.c - common/answer_cache.h: when a kept answer is served
    and when it is not; the database's state and the monotonic clock are
    simulated. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "answer_cache.h"

#define T0 5000000 /* monotonic ms */
#define NOW 1700000000000LL
#define AGE 10000
#define BYTES (1024 * 1024)

static void
s_observe(answer_cache_t *cache, int64_t version, int64_t now_ms, int64_t next_end_ms)
{
    answer_cache_state_t state = {.version = version, .now_ms = now_ms, .next_end_ms = next_end_ms};
    answer_cache_observe(cache, &state, 0, 0);
}

Test(answer_cache, an_answer_is_served_while_nothing_changed)
{
    answer_cache_t *c = answer_cache_new(16, BYTES, AGE);
    s_observe(c, 7, NOW, INT64_MAX);
    cr_assert_null(answer_cache_get(c, "alice", T0));
    answer_cache_put(c, "alice", "{\"profiles\":[]}", T0);
    s_observe(c, 7, NOW + 500, INT64_MAX);
    cr_assert_str_eq(answer_cache_get(c, "alice", T0 + 500), "{\"profiles\":[]}");
    cr_assert_null(answer_cache_get(c, "bob", T0 + 500));
    answer_cache_stats_t st;
    answer_cache_stats(c, &st);
    cr_assert_eq(st.hits, 1);
    cr_assert_eq(st.misses, 2);
    answer_cache_destroy(&c);
    cr_assert_null(c);
    answer_cache_destroy(&c); /* NULL-safe */
}

Test(answer_cache, a_new_version_drops_every_answer)
{
    answer_cache_t *c = answer_cache_new(16, BYTES, AGE);
    s_observe(c, 7, NOW, INT64_MAX);
    answer_cache_put(c, "a", "A", T0);
    answer_cache_put(c, "b", "B", T0);
    cr_assert_eq(answer_cache_size(c), 2);
    s_observe(c, 8, NOW + 1, INT64_MAX);
    cr_assert_eq(answer_cache_size(c), 0);
    cr_assert_null(answer_cache_get(c, "a", T0 + 1));
    /* answers built under the new version are served under it */
    answer_cache_put(c, "a", "A2", T0 + 2);
    s_observe(c, 8, NOW + 3, INT64_MAX);
    cr_assert_str_eq(answer_cache_get(c, "a", T0 + 3), "A2");
    answer_cache_stats_t st;
    answer_cache_stats(c, &st);
    cr_assert_eq(st.dropped, 2);
    answer_cache_destroy(&c);
}

Test(answer_cache, an_answer_ends_when_the_listing_changes_by_itself)
{
    answer_cache_t *c = answer_cache_new(16, BYTES, AGE);
    s_observe(c, 7, NOW, NOW + 2000); /* a suspension ends, or a price goes stale, in 2 s */
    answer_cache_put(c, "a", "A", T0);
    s_observe(c, 7, NOW + 1999, NOW + 2000);
    cr_assert_str_eq(answer_cache_get(c, "a", T0 + 1999), "A");
    s_observe(c, 7, NOW + 2000, INT64_MAX);
    cr_assert_null(answer_cache_get(c, "a", T0 + 2000));
    /* rebuilt after that moment, it holds until the next one */
    answer_cache_put(c, "a", "A2", T0 + 2001);
    s_observe(c, 7, NOW + 60000, INT64_MAX);
    cr_assert_str_eq(answer_cache_get(c, "a", T0 + 5000), "A2");
    answer_cache_destroy(&c);
}

Test(answer_cache, an_answer_is_served_for_max_age_at_most)
{
    answer_cache_t *c = answer_cache_new(16, BYTES, AGE);
    s_observe(c, 7, NOW, INT64_MAX);
    answer_cache_put(c, "a", "A", T0);
    cr_assert_not_null(answer_cache_get(c, "a", T0 + AGE - 1));
    cr_assert_null(answer_cache_get(c, "a", T0 + AGE));
    cr_assert_eq(answer_cache_size(c), 0);
    answer_cache_destroy(&c);
}

Test(answer_cache, a_full_cache_drops_what_no_longer_holds_first)
{
    answer_cache_t *c = answer_cache_new(4, BYTES, AGE);
    s_observe(c, 1, NOW, INT64_MAX);
    answer_cache_put(c, "n0", "old", T0);
    answer_cache_put(c, "n1", "old", T0);
    answer_cache_put(c, "n2", "new", T0 + AGE - 10);
    answer_cache_put(c, "n3", "new", T0 + AGE - 10);
    /* full: the two past their age go, the two young ones stay */
    answer_cache_put(c, "n4", "x", T0 + AGE + 1);
    cr_assert_eq(answer_cache_size(c), 3);
    cr_assert_not_null(answer_cache_get(c, "n2", T0 + AGE + 2));
    cr_assert_null(answer_cache_get(c, "n0", T0 + AGE + 2));
    /* full of live answers: all go, the new one stays */
    answer_cache_put(c, "n5", "y", T0 + AGE + 3);
    cr_assert_eq(answer_cache_size(c), 4);
    answer_cache_put(c, "n0", "z", T0 + AGE + 4);
    cr_assert_eq(answer_cache_size(c), 1);
    cr_assert_str_eq(answer_cache_get(c, "n0", T0 + AGE + 5), "z");
    answer_cache_destroy(&c);
}

Test(answer_cache, a_newer_answer_replaces_the_older)
{
    answer_cache_t *c = answer_cache_new(4, BYTES, AGE);
    s_observe(c, 1, NOW, INT64_MAX);
    answer_cache_put(c, "k", "first", T0);
    answer_cache_put(c, "k", "second", T0 + 1);
    cr_assert_eq(answer_cache_size(c), 1);
    cr_assert_str_eq(answer_cache_get(c, "k", T0 + 2), "second");
    answer_cache_destroy(&c);
}

Test(answer_cache, a_cache_of_no_entries_keeps_nothing)
{
    answer_cache_t *c = answer_cache_new(0, BYTES, AGE);
    cr_assert_not(answer_cache_enabled(c));
    s_observe(c, 1, NOW, INT64_MAX);
    answer_cache_put(c, "a", "A", T0);
    cr_assert_null(answer_cache_get(c, "a", T0));
    cr_assert_eq(answer_cache_size(c), 0);
    answer_cache_destroy(&c);
}

Test(answer_cache, nothing_is_kept_or_served_before_a_state_was_read)
{
    answer_cache_t *c = answer_cache_new(4, BYTES, AGE);
    answer_cache_put(c, "a", "A", T0);
    cr_assert_eq(answer_cache_size(c), 0);
    cr_assert_null(answer_cache_get(c, "a", T0));
    answer_cache_destroy(&c);
}

Test(answer_cache, a_key_too_long_is_never_kept)
{
    answer_cache_t *c = answer_cache_new(4, BYTES, AGE);
    s_observe(c, 1, NOW, INT64_MAX);
    char key[ANSWER_CACHE_KEY_MAX + 8];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    answer_cache_put(c, key, "A", T0);
    cr_assert_eq(answer_cache_size(c), 0);
    answer_cache_destroy(&c);
}

Test(answer_cache, a_state_stands_for_the_next_calls_of_its_batch_only)
{
    answer_cache_t *c = answer_cache_new(4, BYTES, AGE);
    answer_cache_state_t state = {.version = 1, .now_ms = NOW, .next_end_ms = INT64_MAX};
    cr_assert_not(answer_cache_state_covers(c, 5, 10)); /* nothing read yet */
    answer_cache_observe(c, &state, 5, 10);             /* read by batch 5, call 10 */
    cr_assert(answer_cache_state_covers(c, 5, 11));      /* the very next call, same batch */
    cr_assert(answer_cache_state_covers(c, 5, 12));      /* and the one after */
    cr_assert_not(answer_cache_state_covers(c, 5, 14));  /* call 13 ran something else */
    answer_cache_observe(c, &state, 5, 14);
    cr_assert_not(answer_cache_state_covers(c, 6, 15)); /* a later batch: not waiting at the read */
    answer_cache_observe(c, &state, 0, 0);
    cr_assert_not(answer_cache_state_covers(c, 0, 1)); /* not from a gateway: never */
    answer_cache_stats_t st;
    answer_cache_stats(c, &st);
    cr_assert_eq(st.states_read, 3);
    cr_assert_eq(st.states_reused, 2);
    answer_cache_destroy(&c);
}

Test(answer_cache, a_new_connection_drops_every_answer)
{
    answer_cache_t *c = answer_cache_new(4, BYTES, AGE);
    answer_cache_state_t state = {.version = 7, .now_ms = NOW, .next_end_ms = INT64_MAX, .epoch = 1};
    answer_cache_observe(c, &state, 0, 0);
    answer_cache_put(c, "a", "A", T0);
    /* the same version on another connection (maybe another server): not trusted */
    state.epoch = 2;
    answer_cache_observe(c, &state, 0, 0);
    cr_assert_eq(answer_cache_size(c), 0);
    cr_assert_null(answer_cache_get(c, "a", T0 + 1));
    answer_cache_destroy(&c);
}

Test(answer_cache, the_text_held_stays_within_the_byte_budget)
{
    answer_cache_t *c = answer_cache_new(100, 4000, AGE);
    s_observe(c, 1, NOW, INT64_MAX);
    char text[901];
    memset(text, 'x', 900);
    text[900] = '\0';
    char key[8];
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "k%d", i);
        answer_cache_put(c, key, text, T0);
    }
    answer_cache_stats_t st;
    answer_cache_stats(c, &st);
    cr_assert_eq(st.bytes, 4 * 901);
    /* a fifth does not fit: they all go (none has expired), it stays */
    answer_cache_put(c, "k4", text, T0);
    answer_cache_stats(c, &st);
    cr_assert_eq(answer_cache_size(c), 1);
    cr_assert_eq(st.bytes, 901);
    /* replacing an answer counts its bytes once */
    answer_cache_put(c, "k4", "short", T0);
    answer_cache_stats(c, &st);
    cr_assert_eq(st.bytes, 6);
    /* an answer over a quarter of the budget is never kept */
    char big[1100];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    answer_cache_put(c, "big", big, T0);
    cr_assert_null(answer_cache_get(c, "big", T0));
    answer_cache_destroy(&c);
}

Test(answer_cache, a_key_that_does_not_fit_is_reported)
{
    char key[ANSWER_CACHE_KEY_MAX];
    cr_assert(answer_cache_key(key, "%s|%d", "ab", 7));
    cr_assert_str_eq(key, "ab|7");
    char long_text[ANSWER_CACHE_KEY_MAX + 1];
    memset(long_text, 'k', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    cr_assert_not(answer_cache_key(key, "%s", long_text));
    cr_assert_not(answer_cache_key(key, "x%s", long_text + 1)); /* exactly one too many */
}
