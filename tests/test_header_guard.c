/*  test_header_guard.c - gateway/header_guard.h: per address, past the cap
    the oldest waiting connection is evicted once it is past the grace
    period; a burst inside the grace period is let in up to the hard cap,
    where the oldest goes whatever its age; the newest always gets in;
    addresses do not affect each other; done forgets. */
#include <criterion/criterion.h>

#include "header_guard.h"

typedef struct {
    int evicted[256];
    int count;
} s_log_t;

static void
s_evict(void *conn, void *arg)
{
    s_log_t *log = arg;
    log->evicted[log->count++] = *(int *) conn;
}

static int s_conns[256];

static void *
s_conn(int i)
{
    s_conns[i] = i;
    return &s_conns[i];
}

Test(header_guard, under_the_cap_nothing_happens)
{
    s_log_t log = {0};
    header_guard_t *guard = header_guard_new(4, s_evict, &log);
    for (int i = 0; i < 4; i++)
        header_guard_waiting(guard, s_conn(i), "ip:192.0.2.1", 0);
    cr_assert_eq(header_guard_count(guard, "ip:192.0.2.1"), 4);
    cr_assert_eq(header_guard_size(guard), 4);
    cr_assert_eq(log.count, 0);
    header_guard_destroy(&guard);
    cr_assert_null(guard);
}

Test(header_guard, over_the_cap_the_oldest_past_grace_is_evicted)
{
    s_log_t log = {0};
    header_guard_t *guard = header_guard_new(4, s_evict, &log);
    for (int i = 0; i < 4; i++)
        header_guard_waiting(guard, s_conn(i), "ip:192.0.2.1", i);
    int64_t later = 3 + HEADER_GUARD_GRACE_MS;
    header_guard_waiting(guard, s_conn(4), "ip:192.0.2.1", later);
    cr_assert_eq(log.count, 1);
    cr_assert_eq(log.evicted[0], 0, "the oldest goes first");
    header_guard_waiting(guard, s_conn(5), "ip:192.0.2.1", later);
    cr_assert_eq(log.evicted[1], 1);
    cr_assert_eq(header_guard_count(guard, "ip:192.0.2.1"), 4);
    cr_assert_eq(header_guard_evicted(guard), 2);
    /* an evicted connection's own close later is a no-op */
    header_guard_done(guard, s_conn(0));
    cr_assert_eq(header_guard_count(guard, "ip:192.0.2.1"), 4);
    header_guard_destroy(&guard);
}

Test(header_guard, a_burst_is_let_in_up_to_the_hard_cap_then_the_oldest_goes_whatever_its_age)
{
    s_log_t log = {0};
    header_guard_t *guard = header_guard_new(2, s_evict, &log);
    int hard = 2 * HEADER_GUARD_HARD_FACTOR;
    for (int i = 0; i < hard; i++)
        header_guard_waiting(guard, s_conn(i), "ip:198.51.100.9", 10);
    cr_assert_eq(log.count, 0, "nobody in a fresh burst under the hard cap is evicted");
    cr_assert_eq(header_guard_count(guard, "ip:198.51.100.9"), (size_t) hard);
    /* at the hard cap the newest still gets in (a health probe), the oldest goes */
    header_guard_waiting(guard, s_conn(hard), "ip:198.51.100.9", 10);
    header_guard_waiting(guard, s_conn(hard + 1), "ip:198.51.100.9", 11);
    cr_assert_eq(log.count, 2);
    cr_assert_eq(log.evicted[0], 0);
    cr_assert_eq(log.evicted[1], 1);
    cr_assert_eq(header_guard_count(guard, "ip:198.51.100.9"), (size_t) hard);
    header_guard_done(guard, s_conn(hard + 1));
    cr_assert_eq(header_guard_count(guard, "ip:198.51.100.9"), (size_t) hard - 1, "the newest is tracked");
    header_guard_destroy(&guard);
}

Test(header_guard, addresses_are_independent)
{
    s_log_t log = {0};
    header_guard_t *guard = header_guard_new(1, s_evict, &log);
    header_guard_waiting(guard, s_conn(0), "ip:192.0.2.1", 0);
    header_guard_waiting(guard, s_conn(1), "ip:192.0.2.2", 0);
    header_guard_waiting(guard, s_conn(2), "ip:192.0.2.2", HEADER_GUARD_GRACE_MS);
    cr_assert_eq(log.count, 1);
    cr_assert_eq(log.evicted[0], 1);
    cr_assert_eq(header_guard_count(guard, "ip:192.0.2.1"), 1);
    cr_assert_eq(header_guard_count(guard, "ip:192.0.2.2"), 1);
    header_guard_destroy(&guard);
}

Test(header_guard, done_forgets_and_tracking_twice_changes_nothing)
{
    s_log_t log = {0};
    header_guard_t *guard = header_guard_new(3, s_evict, &log);
    header_guard_waiting(guard, s_conn(0), "ip:192.0.2.1", 0);
    header_guard_waiting(guard, s_conn(0), "ip:192.0.2.1", 5);
    cr_assert_eq(header_guard_size(guard), 1);
    header_guard_waiting(guard, s_conn(1), "ip:192.0.2.1", 0);
    header_guard_waiting(guard, s_conn(2), "ip:192.0.2.1", 0);
    header_guard_done(guard, s_conn(1)); /* from the middle */
    header_guard_done(guard, s_conn(0)); /* the oldest */
    header_guard_done(guard, s_conn(2)); /* the last: the address goes */
    cr_assert_eq(header_guard_size(guard), 0);
    cr_assert_eq(header_guard_count(guard, "ip:192.0.2.1"), 0);
    header_guard_done(guard, s_conn(7)); /* never tracked */
    /* the address comes back clean */
    header_guard_waiting(guard, s_conn(3), "ip:192.0.2.1", HEADER_GUARD_GRACE_MS * 2);
    cr_assert_eq(header_guard_count(guard, "ip:192.0.2.1"), 1);
    cr_assert_eq(log.count, 0);
    header_guard_destroy(&guard);
}

Test(header_guard, a_cap_of_one_evicts_the_only_one_and_keeps_the_new)
{
    s_log_t log = {0};
    header_guard_t *guard = header_guard_new(1, s_evict, &log);
    header_guard_waiting(guard, s_conn(0), "ip6:2001:db8::/64", 0);
    header_guard_waiting(guard, s_conn(1), "ip6:2001:db8::/64", HEADER_GUARD_GRACE_MS);
    cr_assert_eq(log.count, 1);
    cr_assert_eq(header_guard_count(guard, "ip6:2001:db8::/64"), 1);
    header_guard_done(guard, s_conn(1));
    cr_assert_eq(header_guard_size(guard), 0);
    header_guard_destroy(&guard);
}
