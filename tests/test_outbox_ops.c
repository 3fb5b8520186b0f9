/*  test_outbox_ops.c - the retry schedule of deliveries
    (trade-svc/outbox_ops.c): doubling from the base, capped, jittered into
    the upper half of each step. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "outbox_ops.h"

Test(outbox_ops, first_retry_is_within_the_base)
{
    cr_expect_eq(outbox_ops_retry_delay_ms(1, 10000, 3600000, 0), 5000);
    cr_expect_eq(outbox_ops_retry_delay_ms(1, 10000, 3600000, 5000), 10000);
    cr_expect_eq(outbox_ops_retry_delay_ms(1, 10000, 3600000, UINT32_MAX) >= 5000, 1);
    cr_expect_eq(outbox_ops_retry_delay_ms(1, 10000, 3600000, UINT32_MAX) <= 10000, 1);
}

Test(outbox_ops, doubles_per_attempt_then_caps)
{
    int64_t step = 10000;
    for (int attempts = 1; attempts <= 40; attempts++) {
        int64_t expect = step < 3600000 ? step : 3600000;
        for (uint32_t r = 0; r < 5; r++) {
            int64_t d = outbox_ops_retry_delay_ms(attempts, 10000, 3600000, r * 977u + attempts);
            cr_expect(d >= expect - expect / 2 && d <= expect, "attempt %d: %lld not in [%lld, %lld]",
                      attempts, (long long) d, (long long) (expect - expect / 2), (long long) expect);
        }
        if (step < 3600000)
            step *= 2;
    }
}

/*  The jitter spreads deliveries that failed together. */
Test(outbox_ops, jitter_spreads)
{
    int64_t lo = INT64_MAX, hi = 0;
    for (uint32_t r = 0; r < 1000; r++) {
        int64_t d = outbox_ops_retry_delay_ms(3, 1000, 60000, r * 2654435761u);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    cr_expect(lo < 2500 && hi > 3500, "jitter range [%lld, %lld] of 4000", (long long) lo, (long long) hi);
}

/*  Tests run with a tiny base and cap (P2P_OUTBOX_RETRY_BASE_MS=100,
    _MAX_MS=500); huge attempt counts never overflow. */
Test(outbox_ops, small_settings_and_many_attempts)
{
    cr_expect_eq(outbox_ops_retry_delay_ms(1, 100, 500, 50), 100);
    cr_expect_eq(outbox_ops_retry_delay_ms(1000000, 100, 500, 250), 500);
    cr_expect_eq(outbox_ops_retry_delay_ms(3, 10, 10, 0), 5);
    cr_expect(outbox_ops_retry_delay_ms(1, 1, 1, 7) >= 1);
}
