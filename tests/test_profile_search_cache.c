/*  test_profile_search_cache.c - profile-svc/profile_search_cache.h: when a
    kept profile.search answer is served and when it is not; the database's
    state and the monotonic clock are simulated. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "profile_search_cache.h"

#define T0 5000000  /* monotonic ms */
#define NOW 1700000000000LL
#define AGE 10000

static profile_search_t
s_search(const char *text)
{
    return (profile_search_t){.search = text, .is_verified = TRISTATE_ANY, .is_merchant = TRISTATE_ANY,
                              .min_rating = 0, .limit = 20, .offset = 0};
}

static void
s_observe(profile_search_cache_t *cache, int64_t version, int64_t now_ms, int64_t next_end_ms)
{
    profile_search_state_t state = {.version = version, .now_ms = now_ms, .next_end_ms = next_end_ms};
    profile_search_cache_observe(cache, &state);
}

Test(profile_search_cache, an_answer_is_served_while_nothing_changed)
{
    profile_search_cache_t *c = profile_search_cache_new(16, AGE);
    profile_search_t s = s_search("alice");
    s_observe(c, 7, NOW, INT64_MAX);
    cr_assert_null(profile_search_cache_get(c, &s, T0));
    profile_search_cache_put(c, &s, "{\"profiles\":[]}", T0);
    s_observe(c, 7, NOW + 500, INT64_MAX);
    cr_assert_str_eq(profile_search_cache_get(c, &s, T0 + 500), "{\"profiles\":[]}");
    profile_search_cache_stats_t st;
    profile_search_cache_stats(c, &st);
    cr_assert_eq(st.hits, 1);
    cr_assert_eq(st.misses, 1);
    profile_search_cache_destroy(&c);
    cr_assert_null(c);
}

Test(profile_search_cache, a_new_version_drops_every_answer)
{
    profile_search_cache_t *c = profile_search_cache_new(16, AGE);
    profile_search_t a = s_search("alice"), b = s_search("bob");
    s_observe(c, 7, NOW, INT64_MAX);
    profile_search_cache_put(c, &a, "A", T0);
    profile_search_cache_put(c, &b, "B", T0);
    cr_assert_eq(profile_search_cache_size(c), 2);
    s_observe(c, 8, NOW + 1, INT64_MAX);
    cr_assert_eq(profile_search_cache_size(c), 0);
    cr_assert_null(profile_search_cache_get(c, &a, T0 + 1));
    /* answers built under the new version are served under it */
    profile_search_cache_put(c, &a, "A2", T0 + 2);
    s_observe(c, 8, NOW + 3, INT64_MAX);
    cr_assert_str_eq(profile_search_cache_get(c, &a, T0 + 3), "A2");
    profile_search_cache_destroy(&c);
}

Test(profile_search_cache, an_answer_ends_when_a_suspension_ends)
{
    profile_search_cache_t *c = profile_search_cache_new(16, AGE);
    profile_search_t s = s_search("alice");
    s_observe(c, 7, NOW, NOW + 2000); /* someone's suspension ends in 2 s */
    profile_search_cache_put(c, &s, "A", T0);
    s_observe(c, 7, NOW + 1999, NOW + 2000);
    cr_assert_str_eq(profile_search_cache_get(c, &s, T0 + 1999), "A");
    /* at the end the suspended profile is listable again: the answer is gone */
    s_observe(c, 7, NOW + 2000, INT64_MAX);
    cr_assert_null(profile_search_cache_get(c, &s, T0 + 2000));
    /* rebuilt after the end, it holds until the next end */
    profile_search_cache_put(c, &s, "A2", T0 + 2001);
    s_observe(c, 7, NOW + 60000, INT64_MAX);
    cr_assert_str_eq(profile_search_cache_get(c, &s, T0 + 5000), "A2");
    profile_search_cache_destroy(&c);
}

Test(profile_search_cache, an_answer_is_served_for_max_age_at_most)
{
    profile_search_cache_t *c = profile_search_cache_new(16, AGE);
    profile_search_t s = s_search("alice");
    s_observe(c, 7, NOW, INT64_MAX);
    profile_search_cache_put(c, &s, "A", T0);
    cr_assert_not_null(profile_search_cache_get(c, &s, T0 + AGE - 1));
    cr_assert_null(profile_search_cache_get(c, &s, T0 + AGE));
    cr_assert_eq(profile_search_cache_size(c), 0);
    profile_search_cache_destroy(&c);
}

Test(profile_search_cache, every_filter_is_part_of_the_key)
{
    profile_search_cache_t *c = profile_search_cache_new(64, AGE);
    s_observe(c, 1, NOW, INT64_MAX);
    profile_search_t base = s_search("ab");
    profile_search_t variants[] = {base, base, base, base, base, base, base, base};
    variants[1].search = NULL;
    variants[2].search = "abc";
    variants[3].is_verified = TRISTATE_TRUE;
    variants[4].is_merchant = TRISTATE_FALSE;
    variants[5].min_rating = 4.5;
    variants[6].limit = 21;
    variants[7].offset = 20;
    size_t n = sizeof variants / sizeof variants[0];
    for (size_t i = 0; i < n; i++) {
        char text[8];
        snprintf(text, sizeof text, "%zu", i);
        profile_search_cache_put(c, &variants[i], text, T0);
    }
    cr_assert_eq(profile_search_cache_size(c), n);
    for (size_t i = 0; i < n; i++) {
        char text[8];
        snprintf(text, sizeof text, "%zu", i);
        cr_assert_str_eq(profile_search_cache_get(c, &variants[i], T0 + 1), text, "variant %zu", i);
    }
    /* a text that looks like the key's separators stays its own key */
    profile_search_t tricky = s_search("ab|{t,f}");
    cr_assert_null(profile_search_cache_get(c, &tricky, T0 + 1));
    profile_search_cache_destroy(&c);
}

Test(profile_search_cache, a_full_cache_drops_what_no_longer_holds_first)
{
    profile_search_cache_t *c = profile_search_cache_new(4, AGE);
    s_observe(c, 1, NOW, INT64_MAX);
    char names[6][8];
    profile_search_t s[6];
    for (int i = 0; i < 6; i++) {
        snprintf(names[i], sizeof names[i], "n%d", i);
        s[i] = s_search(names[i]);
    }
    profile_search_cache_put(c, &s[0], "old", T0);
    profile_search_cache_put(c, &s[1], "old", T0);
    profile_search_cache_put(c, &s[2], "new", T0 + AGE - 10);
    profile_search_cache_put(c, &s[3], "new", T0 + AGE - 10);
    /* full: the two past their age go, the two young ones stay */
    profile_search_cache_put(c, &s[4], "x", T0 + AGE + 1);
    cr_assert_eq(profile_search_cache_size(c), 3);
    cr_assert_not_null(profile_search_cache_get(c, &s[2], T0 + AGE + 2));
    /* full of live answers: all go, the new one stays */
    profile_search_cache_put(c, &s[5], "y", T0 + AGE + 3);
    cr_assert_eq(profile_search_cache_size(c), 4);
    profile_search_cache_put(c, &s[0], "z", T0 + AGE + 4);
    cr_assert_eq(profile_search_cache_size(c), 1);
    cr_assert_str_eq(profile_search_cache_get(c, &s[0], T0 + AGE + 5), "z");
    profile_search_cache_destroy(&c);
}

Test(profile_search_cache, a_cache_of_no_entries_keeps_nothing)
{
    profile_search_cache_t *c = profile_search_cache_new(0, AGE);
    cr_assert_not(profile_search_cache_enabled(c));
    profile_search_t s = s_search("alice");
    s_observe(c, 1, NOW, INT64_MAX);
    profile_search_cache_put(c, &s, "A", T0);
    cr_assert_null(profile_search_cache_get(c, &s, T0));
    cr_assert_eq(profile_search_cache_size(c), 0);
    profile_search_cache_destroy(&c);
}

Test(profile_search_cache, nothing_is_served_before_a_state_was_read)
{
    profile_search_cache_t *c = profile_search_cache_new(4, AGE);
    profile_search_t s = s_search("alice");
    profile_search_cache_put(c, &s, "A", T0);
    cr_assert_null(profile_search_cache_get(c, &s, T0));
    profile_search_cache_destroy(&c);
}
