/*  test_rate_limit.c - gateway/rate_limit.h: N requests per key per minute,
    refilled continuously; time is simulated through now_ms. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "rate_limit.h"

#define T0 1000000 /* an arbitrary monotonic start, not 0 */

Test(rate_limit, allows_n_then_refuses_with_a_retry_of_at_least_one_second)
{
    rate_limit_t *rl = rate_limit_new(5);
    cr_assert_not_null(rl);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(rate_limit_take(rl, "alice", T0), 0, "request %d refused", i + 1);
    int retry = rate_limit_take(rl, "alice", T0);
    cr_assert_geq(retry, 1);
    /* one token per 12 s at 5/min */
    cr_assert_eq(retry, 12);
    cr_assert_eq(rate_limit_refusals(rl), 1);
    rate_limit_destroy(&rl);
    cr_assert_null(rl);
}

Test(rate_limit, retry_after_counts_down_and_rounds_up)
{
    rate_limit_t *rl = rate_limit_new(60); /* one token per second */
    for (int i = 0; i < 60; i++)
        cr_assert_eq(rate_limit_take(rl, "k", T0), 0);
    cr_assert_eq(rate_limit_take(rl, "k", T0), 1);
    cr_assert_eq(rate_limit_take(rl, "k", T0 + 999), 1, "1 ms short is still a whole second");
    cr_assert_eq(rate_limit_take(rl, "k", T0 + 1000), 0, "a token after one second");
    cr_assert_eq(rate_limit_take(rl, "k", T0 + 1000), 1);
    rate_limit_destroy(&rl);
}

Test(rate_limit, one_per_minute_waits_a_minute)
{
    rate_limit_t *rl = rate_limit_new(1);
    cr_assert_eq(rate_limit_take(rl, "k", T0), 0);
    cr_assert_eq(rate_limit_take(rl, "k", T0), 60);
    cr_assert_eq(rate_limit_take(rl, "k", T0 + 30000), 30);
    cr_assert_eq(rate_limit_take(rl, "k", T0 + 59999), 1);
    cr_assert_eq(rate_limit_take(rl, "k", T0 + 60000), 0);
    rate_limit_destroy(&rl);
}

Test(rate_limit, keys_are_independent)
{
    rate_limit_t *rl = rate_limit_new(3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(rate_limit_take(rl, "alice", T0), 0);
    cr_assert_geq(rate_limit_take(rl, "alice", T0), 1);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(rate_limit_take(rl, "bob", T0), 0, "bob is not charged for alice");
        cr_assert_eq(rate_limit_take(rl, "ip:127.0.0.1", T0), 0);
    }
    cr_assert_geq(rate_limit_take(rl, "bob", T0), 1);
    cr_assert_geq(rate_limit_take(rl, "alice", T0), 1, "alice is still limited");
    cr_assert_eq(rate_limit_refusals(rl), 3);
    rate_limit_destroy(&rl);
}

Test(rate_limit, refills_continuously_over_time)
{
    rate_limit_t *rl = rate_limit_new(100);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(rate_limit_take(rl, "k", T0), 0);
    cr_assert_geq(rate_limit_take(rl, "k", T0), 1);
    /* 100/min: 30 s gives back 50 */
    int allowed = 0;
    while (rate_limit_take(rl, "k", T0 + 30000) == 0)
        allowed++;
    cr_assert_eq(allowed, 50);
    rate_limit_destroy(&rl);
}

Test(rate_limit, refill_never_exceeds_the_limit)
{
    rate_limit_t *rl = rate_limit_new(10);
    cr_assert_eq(rate_limit_take(rl, "k", T0), 0);
    /* an hour idle must not bank 600 requests */
    int allowed = 0;
    while (rate_limit_take(rl, "k", T0 + 3600 * 1000) == 0)
        allowed++;
    cr_assert_eq(allowed, 10);
    rate_limit_destroy(&rl);
}

Test(rate_limit, zero_disables_the_limit)
{
    rate_limit_t *rl = rate_limit_new(0);
    cr_assert_not_null(rl);
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(rate_limit_take(rl, "k", T0), 0);
    rate_limit_sweep(rl, T0);
    cr_assert_eq(rate_limit_refusals(rl), 0);
    rate_limit_destroy(&rl);
}

Test(rate_limit, sweep_forgets_idle_buckets)
{
    rate_limit_t *rl = rate_limit_new(2);
    char key[32];
    for (int k = 0; k < 1000; k++) {
        snprintf(key, sizeof key, "user-%d", k);
        cr_assert_eq(rate_limit_take(rl, key, T0), 0);
    }
    /* a full minute later every bucket is full again: the callers are idle */
    rate_limit_sweep(rl, T0 + 60000);
    /* an idle caller starts over with the whole allowance */
    for (int k = 0; k < 1000; k++) {
        snprintf(key, sizeof key, "user-%d", k);
        cr_assert_eq(rate_limit_take(rl, key, T0 + 60000), 0);
        cr_assert_eq(rate_limit_take(rl, key, T0 + 60000), 0);
        cr_assert_geq(rate_limit_take(rl, key, T0 + 60000), 1);
    }
    rate_limit_destroy(&rl);
}

Test(rate_limit, sweep_keeps_busy_buckets)
{
    rate_limit_t *rl = rate_limit_new(4);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(rate_limit_take(rl, "busy", T0), 0);
    cr_assert_eq(rate_limit_take(rl, "idle", T0 - 60000), 0);
    rate_limit_sweep(rl, T0 + 1000);
    /* sweeping must not hand the busy caller a fresh bucket */
    cr_assert_geq(rate_limit_take(rl, "busy", T0 + 1000), 1);
    /* 15 s per token at 4/min: one more after 15 s, not two */
    cr_assert_eq(rate_limit_take(rl, "busy", T0 + 15000), 0);
    cr_assert_geq(rate_limit_take(rl, "busy", T0 + 15000), 1);
    rate_limit_destroy(&rl);
}

/*  Regression: with floating-point tokens ten 0.1-token refills summed to
    0.999..., so a caller swept every second was refused when due. */
Test(rate_limit, sweep_repeatedly_does_not_change_what_a_busy_caller_gets)
{
    rate_limit_t *rl = rate_limit_new(6); /* one token per 10 s */
    for (int i = 0; i < 6; i++)
        cr_assert_eq(rate_limit_take(rl, "k", T0), 0);
    for (int64_t t = T0; t <= T0 + 9000; t += 1000)
        rate_limit_sweep(rl, t);
    cr_assert_geq(rate_limit_take(rl, "k", T0 + 9000), 1);
    cr_assert_eq(rate_limit_take(rl, "k", T0 + 10000), 0);
    rate_limit_destroy(&rl);
}

Test(rate_limit, refused_takes_do_not_delay_the_next_token)
{
    rate_limit_t *rl = rate_limit_new(6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(rate_limit_take(rl, "k", T0), 0);
    /* a client hammering every 100 ms gets its token exactly when it is due */
    for (int64_t t = T0; t < T0 + 10000; t += 100)
        cr_assert_geq(rate_limit_take(rl, "k", t), 1, "at +%lld ms", (long long) (t - T0));
    cr_assert_eq(rate_limit_take(rl, "k", T0 + 10000), 0);
    cr_assert_eq(rate_limit_refusals(rl), 100);
    rate_limit_destroy(&rl);
}

Test(rate_limit, refusals_are_counted)
{
    rate_limit_t *rl = rate_limit_new(1);
    cr_assert_eq(rate_limit_refusals(rl), 0);
    cr_assert_eq(rate_limit_take(rl, "a", T0), 0);
    cr_assert_eq(rate_limit_refusals(rl), 0, "an allowed request is no refusal");
    for (int i = 0; i < 7; i++)
        cr_assert_geq(rate_limit_take(rl, "a", T0), 1);
    cr_assert_eq(rate_limit_take(rl, "b", T0), 0);
    cr_assert_geq(rate_limit_take(rl, "b", T0), 1);
    cr_assert_eq(rate_limit_refusals(rl), 8);
    rate_limit_sweep(rl, T0 + 120000);
    cr_assert_eq(rate_limit_refusals(rl), 8, "sweeping keeps the counter");
    rate_limit_destroy(&rl);
}

Test(rate_limit, destroy_is_null_safe)
{
    rate_limit_t *none = NULL;
    rate_limit_destroy(&none);
    rate_limit_destroy(NULL);
    cr_assert_null(none);
}
