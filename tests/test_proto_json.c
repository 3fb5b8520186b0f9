/*  test_proto_json.c - common/proto_json.h: the descriptor-driven protobuf
    <-> JSON mapping the operator APIs and the p2p-admin CLI share. */
#include <criterion/criterion.h>
#include <string.h>

#include "admin.pb-c.h"
#include "proto_json.h"

Test(proto_json, profile_json_round_trip)
{
    const char *text =
        "{\"id\":3,\"user_id\":\"u3\",\"username\":\"bob\",\"phone_number\":null,\"avg_rating\":4.5,"
        "\"is_verified\":true,\"is_suspended\":false,\"preferred_payment_methods\":[1,2],"
        "\"metadata\":{\"k\":\"v\"},\"total_trades\":10}";
    json_t *in = json_loads(text, 0, NULL);
    P2p__AdminProfile *profile = malloc(sizeof *profile);
    p2p__admin_profile__init(profile);
    cr_assert_eq(proto_json_to_message(in, &profile->base), 0);
    cr_assert_str_eq(profile->username, "bob");
    cr_assert_null(profile->phone_number);
    cr_assert_str_eq(profile->preferred_payment_methods_json, "[1,2]");
    cr_assert(profile->has_avg_rating && profile->avg_rating == 4.5);

    json_t *out = proto_json_from_message(&profile->base);
    const char *key;
    json_t *value;
    json_object_foreach(in, key, value)
        cr_assert(json_equal(value, json_object_get(out, key)), "field %s differs", key);
    /* absent fields come back as null, like a SQL NULL in the REST shape */
    cr_assert(json_is_null(json_object_get(out, "email")));
    cr_assert(json_is_null(json_object_get(out, "has_consent")));
    cr_assert_null(json_object_get(out, "metadata_json"), "the _json suffix is not a JSON key");
    json_decref(out);
    json_decref(in);
    protobuf_c_message_free_unpacked(&profile->base, NULL);
}

Test(proto_json, from_json_refuses_wrong_types)
{
    json_t *in = json_loads("{\"id\":\"3\"}", 0, NULL);
    P2p__AdminProfile profile = P2P__ADMIN_PROFILE__INIT;
    cr_assert_eq(proto_json_to_message(in, &profile.base), -1);
    json_decref(in);
}
