/*  test_msg_type.c - common/msg_type.h: the message-type table answers every
    lookup consistently, and it lists what the seed and the contract promise. */
#include <criterion/criterion.h>
#include <string.h>

#include "msg_type.h"

/*  The seed's "Placeholder Messages (Coming Soon)" list
    (seeds/000_d5aa1a1fadcac48c.txt), copied verbatim. */
static const char *const s_seed_placeholders[] = {
    "ad.create",
    "ad.list",
    "ad.update",
    "ad.delete",
    "ad.my_ads",
    "order.create",
    "order.list",
    "order.get",
    "order.cancel",
    "order.confirm_payment",
    "order.release_crypto",
    "chat.send_message",
    "chat.get_messages",
    "chat.mark_read",
    "dispute.raise",
    "dispute.get",
    "review.create",
    "review.list",
    "notification.list",
    "notification.mark_read",
};
#define SEED_PLACEHOLDER_COUNT (sizeof s_seed_placeholders / sizeof s_seed_placeholders[0])

Test(msg_type, name_and_type_round_trip_for_every_type)
{
    for (int i = 0; i < MSG_TYPE_COUNT; i++) {
        const char *name = msg_type_name((msg_type_t) i);
        cr_assert_not_null(name);
        cr_assert_str_neq(name, "?", "type %d has no name", i);
        cr_assert_eq(msg_type_from_name(name), (msg_type_t) i, "'%s' does not map back to %d", name, i);
    }
}

Test(msg_type, names_are_unique)
{
    for (int i = 0; i < MSG_TYPE_COUNT; i++)
        for (int j = i + 1; j < MSG_TYPE_COUNT; j++)
            cr_assert_str_neq(msg_type_name((msg_type_t) i), msg_type_name((msg_type_t) j));
}

Test(msg_type, known_names_map_to_their_enum)
{
    cr_assert_eq(msg_type_from_name("profile.get"), MSG_PROFILE_GET);
    cr_assert_eq(msg_type_from_name("profile.update"), MSG_PROFILE_UPDATE);
    cr_assert_eq(msg_type_from_name("profile.stats"), MSG_PROFILE_STATS);
    cr_assert_eq(msg_type_from_name("profile.search"), MSG_PROFILE_SEARCH);
    cr_assert_eq(msg_type_from_name("session.open"), MSG_SESSION_OPEN);
    cr_assert_eq(msg_type_from_name("notification.mark_read"), MSG_NOTIFICATION_MARK_READ);
}

Test(msg_type, unknown_names_are_msg_unknown)
{
    const char *names[] = {"",      "profile", "profile.", "PROFILE.GET", "profile.get ", "profile.delete",
                           "error", "?"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert_eq(msg_type_from_name(names[i]), MSG_UNKNOWN, "'%s'", names[i]);
    cr_assert_eq(msg_type_from_name(NULL), MSG_UNKNOWN);
}

Test(msg_type, out_of_range_types_are_answered_safely)
{
    const msg_type_t bad[] = {MSG_UNKNOWN, MSG_TYPE_COUNT, (msg_type_t) 9999};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_str_eq(msg_type_name(bad[i]), "?");
        cr_assert_eq(msg_type_service(bad[i]), SERVICE_NONE);
        cr_assert_not(msg_type_is_ws(bad[i]));
        cr_assert_not(msg_type_is_write(bad[i]));
        cr_assert_null(msg_type_placeholder(bad[i]));
    }
}

Test(msg_type, every_seed_placeholder_exists_and_is_served)
{
    /* the seed's "coming soon" list is the trading core, which trade-svc now serves */
    for (size_t i = 0; i < SEED_PLACEHOLDER_COUNT; i++) {
        msg_type_t t = msg_type_from_name(s_seed_placeholders[i]);
        cr_assert_neq(t, MSG_UNKNOWN, "seed placeholder '%s' is missing", s_seed_placeholders[i]);
        cr_assert(msg_type_is_ws(t), "'%s' must be sendable over the WebSocket", s_seed_placeholders[i]);
        cr_assert_eq(msg_type_service(t), SERVICE_TRADE, "'%s' is served by trade-svc",
                     s_seed_placeholders[i]);
        cr_assert_null(msg_type_placeholder(t), "'%s' still answers a placeholder", s_seed_placeholders[i]);
    }
}

Test(msg_type, placeholders_say_not_yet_implemented_and_have_no_service)
{
    for (int i = 0; i < MSG_TYPE_COUNT; i++) {
        const char *placeholder = msg_type_placeholder((msg_type_t) i);
        if (!placeholder)
            continue;
        cr_assert_not_null(strstr(placeholder, "not yet implemented"), "%s: '%s'",
                           msg_type_name((msg_type_t) i), placeholder);
        cr_assert_eq(msg_type_service((msg_type_t) i), SERVICE_NONE, "%s has a worker and a placeholder",
                     msg_type_name((msg_type_t) i));
    }
}

Test(msg_type, implemented_types_have_a_service_and_no_placeholder)
{
    for (int i = 0; i < MSG_TYPE_COUNT; i++)
        if (msg_type_service((msg_type_t) i) != SERVICE_NONE)
            cr_assert_null(msg_type_placeholder((msg_type_t) i), "%s", msg_type_name((msg_type_t) i));
        else
            cr_assert_not_null(msg_type_placeholder((msg_type_t) i),
                               "%s is served by nobody and answers nothing", msg_type_name((msg_type_t) i));
}

Test(msg_type, profile_types_belong_to_profile_service)
{
    const msg_type_t profile[] = {MSG_PROFILE_GET,    MSG_PROFILE_UPDATE, MSG_PROFILE_STATS,
                                  MSG_PROFILE_SEARCH, MSG_PROFILE_CHECK,  MSG_PROFILE_CREATE,
                                  MSG_PROFILE_ME,     MSG_PROFILE_PUT,    MSG_SESSION_OPEN};
    for (size_t i = 0; i < sizeof profile / sizeof profile[0]; i++)
        cr_assert_eq(msg_type_service(profile[i]), SERVICE_PROFILE, "%s", msg_type_name(profile[i]));
}

Test(msg_type, ws_flag_on_the_four_client_profile_types_only)
{
    cr_assert(msg_type_is_ws(MSG_PROFILE_GET));
    cr_assert(msg_type_is_ws(MSG_PROFILE_UPDATE));
    cr_assert(msg_type_is_ws(MSG_PROFILE_STATS));
    cr_assert(msg_type_is_ws(MSG_PROFILE_SEARCH));
    const msg_type_t internal[] = {MSG_PROFILE_CHECK, MSG_PROFILE_CREATE, MSG_PROFILE_ME, MSG_PROFILE_PUT,
                                   MSG_SESSION_OPEN};
    for (size_t i = 0; i < sizeof internal / sizeof internal[0]; i++)
        cr_assert_not(msg_type_is_ws(internal[i]), "%s must not be a client WebSocket type",
                      msg_type_name(internal[i]));
}

Test(msg_type, write_flag_on_the_types_that_change_data)
{
    cr_assert(msg_type_is_write(MSG_PROFILE_UPDATE));
    cr_assert(msg_type_is_write(MSG_PROFILE_CREATE));
    cr_assert(msg_type_is_write(MSG_PROFILE_PUT));
    const msg_type_t reads[] = {MSG_PROFILE_GET,   MSG_PROFILE_STATS, MSG_PROFILE_SEARCH,
                                MSG_PROFILE_CHECK, MSG_PROFILE_ME,    MSG_SESSION_OPEN};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
        cr_assert_not(msg_type_is_write(reads[i]), "%s is a read and may be retried",
                      msg_type_name(reads[i]));
}

Test(msg_type, batched_types_are_reads_served_by_a_worker)
{
    cr_assert(msg_type_is_batched(MSG_PROFILE_GET));
    cr_assert(msg_type_is_batched(MSG_PROFILE_STATS));
    cr_assert(msg_type_is_batched(MSG_PROFILE_ME));
    cr_assert(msg_type_is_batched(MSG_PROFILE_SEARCH), "searches of one drain share their statements");
    cr_assert(msg_type_is_packed(MSG_PROFILE_GET));
    cr_assert_not(msg_type_is_packed(MSG_PROFILE_SEARCH), "each search costs its worker CPU: spread them");
    cr_assert_not(msg_type_is_packed(MSG_PROFILE_UPDATE));
    for (int i = 0; i < MSG_TYPE_COUNT; i++)
        if (msg_type_is_batched((msg_type_t) i)) {
            cr_assert_not(msg_type_is_write((msg_type_t) i), "%s: only reads are batched",
                          msg_type_name((msg_type_t) i));
            cr_assert_neq(msg_type_service((msg_type_t) i), SERVICE_NONE, "%s",
                          msg_type_name((msg_type_t) i));
        }
    cr_assert_not(msg_type_is_batched(MSG_UNKNOWN));
}

Test(msg_type, service_names_round_trip)
{
    for (int i = 0; i < SERVICE_COUNT; i++)
        cr_assert_eq(service_from_name(service_name((service_t) i)), (service_t) i);
    cr_assert_str_eq(service_name(SERVICE_PROFILE), "profile");
    cr_assert_str_eq(service_name(SERVICE_ADMIN), "admin");
    cr_assert_eq(service_from_name("profile"), SERVICE_PROFILE);
    cr_assert_eq(service_from_name("admin"), SERVICE_ADMIN);
}

Test(msg_type, unknown_service_names_are_none)
{
    cr_assert_eq(service_from_name("billing"), SERVICE_NONE);
    cr_assert_eq(service_from_name(""), SERVICE_NONE);
    cr_assert_eq(service_from_name(NULL), SERVICE_NONE);
    cr_assert_str_eq(service_name(SERVICE_COUNT), "none");
    cr_assert_str_eq(service_name((service_t) -1), "none");
}
