/*  test_event.c - common/event.h: names round-trip, each event is allowed
    only from the kinds its table line names, and nobody unregistered. */
#include <criterion/criterion.h>
#include <string.h>

#include "event.h"

Test(event, names_round_trip)
{
    for (int e = 0; e < EVENT_COUNT; e++)
        cr_assert_eq(event_from_name(event_name((event_t) e)), (event_t) e, "%s", event_name((event_t) e));
    cr_assert_eq(event_from_name("no.such.event"), EVENT_UNKNOWN);
    cr_assert_eq(event_from_name(NULL), EVENT_UNKNOWN);
    cr_assert_eq(event_from_name(""), EVENT_UNKNOWN);
    cr_assert_str_eq(event_name(EVENT_UNKNOWN), "?");
    cr_assert_str_eq(event_name(EVENT_COUNT), "?");
}

Test(event, suspension_comes_only_from_admin_workers)
{
    cr_assert_str_eq(event_name(EVENT_ACCOUNT_SUSPENDED), "account_suspended");
    cr_assert_eq(event_action(EVENT_ACCOUNT_SUSPENDED), EVENT_ACT_SUSPEND);
    cr_assert(event_may_send(EVENT_ACCOUNT_SUSPENDED, SERVICE_ADMIN));
    cr_assert_not(event_may_send(EVENT_ACCOUNT_SUSPENDED, SERVICE_PROFILE));
}

Test(event, the_generic_push_is_one_entry)
{
    cr_assert_str_eq(event_name(EVENT_USER_PUSH), "user.push");
    cr_assert_eq(event_action(EVENT_USER_PUSH), EVENT_ACT_PUSH);
    cr_assert(event_may_send(EVENT_USER_PUSH, SERVICE_ADMIN));
    cr_assert_not(event_may_send(EVENT_USER_PUSH, SERVICE_PROFILE));
}

Test(event, unregistered_peers_and_bad_kinds_send_nothing)
{
    for (int e = 0; e < EVENT_COUNT; e++) {
        cr_assert_not(event_may_send((event_t) e, SERVICE_NONE));
        cr_assert_not(event_may_send((event_t) e, SERVICE_COUNT));
        cr_assert_not(event_may_send((event_t) e, (service_t) -1));
    }
    cr_assert_not(event_may_send(EVENT_UNKNOWN, SERVICE_ADMIN));
    cr_assert_not(event_may_send(EVENT_COUNT, SERVICE_ADMIN));
}
