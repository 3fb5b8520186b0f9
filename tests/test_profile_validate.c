/*  test_profile_validate.c - profile-svc/profile_validate.h: the contract's
    field rules, unknown and protected fields, null clears, consent, and the
    get/stats/search bodies. Every error must be ERR_INVALID naming the field. */
#include <criterion/criterion.h>
#include <string.h>

#include "profile_validate.h"

static json_t *
s_json(const char *text)
{
    json_error_t error;
    json_t *value = json_loads(text, 0, &error);
    cr_assert_not_null(value, "bad test JSON %s: %s", text, error.text);
    return value;
}

/*  Validate {field: value_json} as an update; expect failure naming field. */
static void
s_update_fails(const char *field, const char *value_json)
{
    char body[8192];
    snprintf(body, sizeof body, "{\"%s\": %s}", field, value_json);
    json_t *data = s_json(body);
    profile_changes_t changes;
    err_t err = {0};
    cr_assert_eq(profile_validate_update(data, &changes, &err), -1, "accepted %s", body);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert(strstr(err.msg, field), "error '%s' does not name %s", err.msg, field);
    cr_assert_eq(changes.set, 0, "changes left behind after a failure");
    json_decref(data);
}

/*  Validate {field: value_json} as an update; expect the stored text. */
static void
s_update_stores(const char *field, const char *value_json, const char *stored)
{
    char body[8192];
    snprintf(body, sizeof body, "{\"%s\": %s}", field, value_json);
    json_t *data = s_json(body);
    profile_changes_t changes;
    err_t err = {0};
    cr_assert_eq(profile_validate_update(data, &changes, &err), 0, "%s refused: %s", body, err.msg);
    int index = -1;
    for (int i = 0; i < PROFILE_FIELD_COUNT; i++)
        if (strcmp(profile_field_name((profile_field_t) i), field) == 0)
            index = i;
    cr_assert_geq(index, 0);
    cr_assert_eq(changes.set, 1u << index);
    if (stored)
        cr_assert_str_eq(changes.values[index], stored);
    else
        cr_assert_null(changes.values[index]);
    profile_changes_reset(&changes);
    json_decref(data);
}

static char *
s_repeat(const char *unit, int n, const char *prefix, const char *suffix)
{
    size_t size = strlen(prefix) + strlen(unit) * n + strlen(suffix) + 3;
    char *out = malloc(size);
    strcpy(out, "\"");
    strcat(out, prefix);
    for (int i = 0; i < n; i++)
        strcat(out, unit);
    strcat(out, suffix);
    strcat(out, "\"");
    return out;
}

Test(profile_validate, username_rules)
{
    s_update_stores("username", "\"abc\"", "abc");
    s_update_stores("username", "\"Trader_123\"", "Trader_123");
    s_update_stores("username", "\"abcdefghijabcdefghijabcdefghij\"", "abcdefghijabcdefghijabcdefghij");
    s_update_fails("username", "\"ab\"");
    s_update_fails("username", "\"abcdefghijabcdefghijabcdefghijk\"");
    s_update_fails("username", "\"bad-name\"");
    s_update_fails("username", "\"bad name\"");
    s_update_fails("username", "\"caf\\u00e9_1\"");
    s_update_fails("username", "\"\"");
    s_update_fails("username", "5");
}

Test(profile_validate, email_rules)
{
    s_update_stores("email", "\"first.last@sub.example.org\"", "first.last@sub.example.org");
    s_update_fails("email", "\"no-at-sign.example.com\"");
    s_update_fails("email", "\"a@nodot\"");
    s_update_fails("email", "\"a@@example.com\"");
    s_update_fails("email", "\"a@b@example.com\"");
    s_update_fails("email", "\"@example.com\"");
    s_update_fails("email", "\"a@.com\"");
    s_update_fails("email", "\"a@example.\"");
    s_update_fails("email", "\"a b@example.com\"");
    s_update_fails("email", "5");
    char *long_email = s_repeat("x", 244, "", "@example.com"); /* 256 chars */
    s_update_fails("email", long_email);
    free(long_email);
    char *max_email = s_repeat("x", 243, "", "@example.com");       /* 255 chars */
    char *expected = strndup(max_email + 1, strlen(max_email) - 2); /* without the quotes */
    cr_assert_eq(strlen(expected), 255);
    s_update_stores("email", max_email, expected);
    free(expected);
    free(max_email);
}

Test(profile_validate, phone_rules)
{
    s_update_stores("phone_number", "\"+1234567\"", "+1234567");
    s_update_stores("phone_number", "\"+123456789012345\"", "+123456789012345");
    s_update_fails("phone_number", "\"254712345678\"");
    s_update_fails("phone_number", "\"+123456\"");
    s_update_fails("phone_number", "\"+1234567890123456\"");
    s_update_fails("phone_number", "\"+2547abc5678\"");
    s_update_fails("phone_number", "\"+\"");
    s_update_fails("phone_number", "true");
}

Test(profile_validate, currency_rules)
{
    s_update_stores("preferred_currency", "\"USD\"", "USD");
    s_update_stores("preferred_currency", "\"ABCDEFGHIJ\"", "ABCDEFGHIJ");
    s_update_fails("preferred_currency", "\"kes\"");
    s_update_fails("preferred_currency", "\"KE\"");
    s_update_fails("preferred_currency", "\"ABCDEFGHIJK\"");
    s_update_fails("preferred_currency", "\"K3S\"");
}

Test(profile_validate, payment_methods_rules)
{
    s_update_stores("preferred_payment_methods", "[1, 3, 5]", "[1,3,5]");
    s_update_stores("preferred_payment_methods", "[]", "[]");
    s_update_stores("preferred_payment_methods", "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]",
                    "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]");
    s_update_fails("preferred_payment_methods", "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21]");
    s_update_fails("preferred_payment_methods", "[0]");
    s_update_fails("preferred_payment_methods", "[-1]");
    s_update_fails("preferred_payment_methods", "[1, 1]");
    s_update_fails("preferred_payment_methods", "[\"a\"]");
    s_update_fails("preferred_payment_methods", "[1.5]");
    s_update_fails("preferred_payment_methods", "[1.0]");
    s_update_fails("preferred_payment_methods", "\"1,2\"");
    s_update_fails("preferred_payment_methods", "{}");
}

Test(profile_validate, auto_reply_counts_characters_not_bytes)
{
    char *ascii_max = s_repeat("x", 500, "", "");
    char *ascii_over = s_repeat("x", 501, "", "");
    char *accented_max = s_repeat("\\u00e9", 500, "", ""); /* 500 characters, 1000 bytes */
    char *accented_over = s_repeat("\\u00e9", 501, "", "");
    char *emoji_max = s_repeat("\\ud83d\\ude00", 500, "", ""); /* 4 bytes each */

    profile_changes_t changes;
    err_t err;
    char body[8192];
    snprintf(body, sizeof body, "{\"auto_reply_message\": %s}", accented_max);
    json_t *data = s_json(body);
    cr_assert_eq(profile_validate_update(data, &changes, &err), 0, "%s", err.msg);
    cr_assert_eq(strlen(changes.values[PROFILE_FIELD_AUTO_REPLY_MESSAGE]), 1000);
    profile_changes_reset(&changes);
    json_decref(data);

    snprintf(body, sizeof body, "{\"auto_reply_message\": %s}", emoji_max);
    data = s_json(body);
    cr_assert_eq(profile_validate_update(data, &changes, &err), 0, "%s", err.msg);
    profile_changes_reset(&changes);
    json_decref(data);

    s_update_fails("auto_reply_message", ascii_over);
    s_update_fails("auto_reply_message", accented_over);
    s_update_fails("auto_reply_message", "[\"x\"]");
    snprintf(body, sizeof body, "{\"auto_reply_message\": %s}", ascii_max);
    data = s_json(body);
    cr_assert_eq(profile_validate_update(data, &changes, &err), 0, "%s", err.msg);
    profile_changes_reset(&changes);
    json_decref(data);
    s_update_stores("auto_reply_message", "\"hello\"", "hello");
    free(ascii_max);
    free(ascii_over);
    free(accented_max);
    free(accented_over);
    free(emoji_max);
}

Test(profile_validate, picture_url_rules)
{
    s_update_stores("profile_picture_url", "\"https://example.com/a.png\"", "https://example.com/a.png");
    s_update_stores("profile_picture_url", "\"http://example.com/a.png\"", "http://example.com/a.png");
    s_update_fails("profile_picture_url", "\"ftp://example.com/a.png\"");
    s_update_fails("profile_picture_url", "\"javascript:alert(1)\"");
    s_update_fails("profile_picture_url", "\"file:///etc/passwd\"");
    s_update_fails("profile_picture_url", "\"https://\"");
    s_update_fails("profile_picture_url", "\"https://exa mple.com/\"");
    char *max = s_repeat("a", 480, "https://example.com/", ""); /* 500 chars */
    char *over = s_repeat("a", 481, "https://example.com/", "");
    char body[1024];
    snprintf(body, sizeof body, "{\"profile_picture_url\": %s}", max);
    json_t *data = s_json(body);
    profile_changes_t changes;
    err_t err;
    cr_assert_eq(profile_validate_update(data, &changes, &err), 0, "%s", err.msg);
    profile_changes_reset(&changes);
    json_decref(data);
    s_update_fails("profile_picture_url", over);
    free(max);
    free(over);
}

Test(profile_validate, null_and_empty_string_clear_a_field)
{
    s_update_stores("email", "null", NULL);
    s_update_stores("email", "\"\"", NULL);
    s_update_stores("phone_number", "null", NULL);
    s_update_stores("preferred_payment_methods", "null", NULL);
    s_update_stores("username", "null", NULL);
}

Test(profile_validate, nul_character_is_rejected)
{
    /* jansson refuses \u0000 unless asked; the worker may parse with it allowed */
    json_t *data = json_loads("{\"auto_reply_message\": \"a\\u0000b\"}", JSON_ALLOW_NUL, NULL);
    cr_assert_not_null(data);
    profile_changes_t changes;
    err_t err;
    cr_assert_eq(profile_validate_update(data, &changes, &err), -1);
    cr_assert(strstr(err.msg, "auto_reply_message"), "%s", err.msg);
    json_decref(data);
}

Test(profile_validate, unknown_field_is_named)
{
    s_update_fails("favourite_colour", "\"blue\"");
    s_update_fails("shoe_size", "42");
}

Test(profile_validate, protected_fields_cannot_be_set)
{
    const char *fields[] = {"id",
                            "user_id",
                            "total_trades",
                            "completed_trades",
                            "cancelled_trades",
                            "avg_rating",
                            "total_reviews",
                            "is_verified",
                            "is_merchant",
                            "is_suspended",
                            "suspension_reason",
                            "suspended_until",
                            "has_consent",
                            "consented_at",
                            "metadata",
                            "last_active_at",
                            "joined_at",
                            "created_at",
                            "updated_at"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"%s\": null}", fields[i]);
        json_t *data = s_json(body);
        profile_changes_t changes;
        err_t err;
        cr_assert_eq(profile_validate_update(data, &changes, &err), -1, "%s accepted", fields[i]);
        char want[128];
        snprintf(want, sizeof want, "field '%s' cannot be set", fields[i]);
        cr_assert_str_eq(err.msg, want);
        json_decref(data);
    }
}

Test(profile_validate, one_bad_field_rejects_the_whole_body)
{
    json_t *data = s_json("{\"auto_reply_message\": \"fine\", \"email\": \"broken\"}");
    profile_changes_t changes;
    err_t err;
    cr_assert_eq(profile_validate_update(data, &changes, &err), -1);
    cr_assert(strstr(err.msg, "email"));
    cr_assert_eq(changes.set, 0);
    for (int i = 0; i < PROFILE_FIELD_COUNT; i++)
        cr_assert_null(changes.values[i]);
    json_decref(data);
}

Test(profile_validate, empty_update_changes_nothing)
{
    json_t *data = s_json("{}");
    profile_changes_t changes;
    err_t err;
    cr_assert_eq(profile_validate_update(data, &changes, &err), 0);
    cr_assert_eq(changes.set, 0);
    json_decref(data);
}

Test(profile_validate, body_must_be_an_object)
{
    json_t *data = s_json("[1]");
    profile_changes_t changes;
    err_t err;
    cr_assert_eq(profile_validate_update(data, &changes, &err), -1);
    cr_assert_eq(err.code, ERR_INVALID);
    json_decref(data);
}

Test(profile_validate, create_needs_consent_true)
{
    const char *refused[] = {"{}", "{\"has_consent\": false}", "{\"username\": \"nocons_x1\"}"};
    for (size_t i = 0; i < 3; i++) {
        json_t *data = s_json(refused[i]);
        profile_changes_t changes;
        err_t err;
        cr_assert_eq(profile_validate_create(data, &changes, &err), -1, "%s", refused[i]);
        cr_assert_eq(err.code, ERR_INVALID);
        cr_assert_str_eq(err.msg, "You must accept the terms and conditions to create a P2P profile");
        json_decref(data);
    }
}

Test(profile_validate, create_checks_fields_before_consent)
{
    json_t *data = s_json("{\"has_consent\": false, \"favourite_colour\": \"blue\"}");
    profile_changes_t changes;
    err_t err;
    cr_assert_eq(profile_validate_create(data, &changes, &err), -1);
    cr_assert(strstr(err.msg, "favourite_colour"), "%s", err.msg);
    json_decref(data);

    data = s_json("{\"has_consent\": \"yes\"}");
    cr_assert_eq(profile_validate_create(data, &changes, &err), -1);
    cr_assert(strstr(err.msg, "has_consent"), "%s", err.msg);
    json_decref(data);

    data = s_json("{\"has_consent\": true, \"is_verified\": true}");
    cr_assert_eq(profile_validate_create(data, &changes, &err), -1);
    cr_assert_str_eq(err.msg, "field 'is_verified' cannot be set");
    json_decref(data);
}

Test(profile_validate, create_collects_fields)
{
    json_t *data = s_json("{\"username\": \"trader123\", \"phone_number\": \"+254712345678\","
                          " \"email\": \"trader@example.com\", \"preferred_currency\": \"KES\","
                          " \"preferred_payment_methods\": [1, 2, 3],"
                          " \"auto_reply_message\": \"Hello!\", \"has_consent\": true}");
    profile_changes_t changes;
    err_t err;
    cr_assert_eq(profile_validate_create(data, &changes, &err), 0, "%s", err.msg);
    cr_assert_str_eq(changes.values[PROFILE_FIELD_USERNAME], "trader123");
    cr_assert_str_eq(changes.values[PROFILE_FIELD_PREFERRED_PAYMENT_METHODS], "[1,2,3]");
    cr_assert_null(changes.values[PROFILE_FIELD_PROFILE_PICTURE_URL]);
    cr_assert_eq(changes.set & (1u << PROFILE_FIELD_PROFILE_PICTURE_URL), 0);
    profile_changes_reset(&changes);
    json_decref(data);
}

Test(profile_validate, profile_id)
{
    int64_t id = -1;
    err_t err;
    json_t *data = s_json("{}");
    cr_assert_eq(profile_validate_profile_id(data, &id, &err), 0);
    cr_assert_eq(id, 0);
    json_decref(data);
    data = s_json("{\"profile_id\": null}");
    cr_assert_eq(profile_validate_profile_id(data, &id, &err), 0);
    cr_assert_eq(id, 0);
    json_decref(data);
    data = s_json("{\"profile_id\": 4611686018427387904}");
    cr_assert_eq(profile_validate_profile_id(data, &id, &err), 0);
    cr_assert_eq(id, 4611686018427387904LL);
    json_decref(data);

    const char *bad[] = {"\"abc\"", "-1", "0", "1.5", "true", "[1]", "{\"id\": 1}", "\"123\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"profile_id\": %s}", bad[i]);
        data = s_json(body);
        cr_assert_eq(profile_validate_profile_id(data, &id, &err), -1, "%s accepted", body);
        cr_assert(strstr(err.msg, "profile_id"), "%s", err.msg);
        json_decref(data);
    }
    data = s_json("{\"user\": 1}");
    cr_assert_eq(profile_validate_profile_id(data, &id, &err), -1);
    cr_assert(strstr(err.msg, "'user'"), "%s", err.msg);
    json_decref(data);
}

Test(profile_validate, search_defaults)
{
    json_t *data = s_json("{}");
    profile_search_t s;
    err_t err;
    cr_assert_eq(profile_validate_search(data, &s, &err), 0);
    cr_assert_null(s.search);
    cr_assert_eq(s.is_verified, -1);
    cr_assert_eq(s.is_merchant, -1);
    cr_assert_eq(s.limit, 20);
    cr_assert_eq(s.offset, 0);
    cr_assert_eq(s.min_rating, 0);
    json_decref(data);
}

Test(profile_validate, search_fields)
{
    json_t *data = s_json("{\"search\": \"trader\", \"is_verified\": true, \"is_merchant\": false,"
                          " \"min_rating\": 4, \"limit\": 100, \"offset\": 10000}");
    profile_search_t s;
    err_t err;
    cr_assert_eq(profile_validate_search(data, &s, &err), 0, "%s", err.msg);
    cr_assert_str_eq(s.search, "trader");
    cr_assert_eq(s.is_verified, 1);
    cr_assert_eq(s.is_merchant, 0);
    cr_assert_eq(s.min_rating, 4.0);
    cr_assert_eq(s.limit, 100);
    cr_assert_eq(s.offset, 10000);
    json_decref(data);
}

Test(profile_validate, search_bad_fields_are_named)
{
    struct {
        const char *body, *field;
    } cases[] = {
        {"{\"limit\": -1}", "limit"},
        {"{\"limit\": 0}", "limit"},
        {"{\"limit\": 101}", "limit"},
        {"{\"limit\": \"ten\"}", "limit"},
        {"{\"limit\": 2.5}", "limit"},
        {"{\"offset\": -5}", "offset"},
        {"{\"offset\": 10001}", "offset"},
        {"{\"min_rating\": \"high\"}", "min_rating"},
        {"{\"min_rating\": 5.01}", "min_rating"},
        {"{\"min_rating\": -0.5}", "min_rating"},
        {"{\"is_verified\": \"yes\"}", "is_verified"},
        {"{\"is_merchant\": 1}", "is_merchant"},
        {"{\"search\": 42}", "search"},
        {"{\"sort\": \"name\"}", "sort"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *data = s_json(cases[i].body);
        profile_search_t s;
        err_t err;
        cr_assert_eq(profile_validate_search(data, &s, &err), -1, "%s accepted", cases[i].body);
        cr_assert_eq(err.code, ERR_INVALID);
        cr_assert(strstr(err.msg, cases[i].field), "'%s' does not name %s", err.msg, cases[i].field);
        json_decref(data);
    }
}

Test(profile_validate, search_text_length_in_characters)
{
    char body[1024];
    char *hundred = s_repeat("\\u00e9", 100, "", "");
    snprintf(body, sizeof body, "{\"search\": %s}", hundred);
    json_t *data = s_json(body);
    profile_search_t s;
    err_t err;
    cr_assert_eq(profile_validate_search(data, &s, &err), 0, "%s", err.msg);
    json_decref(data);
    char *over = s_repeat("a", 101, "", "");
    snprintf(body, sizeof body, "{\"search\": %s}", over);
    data = s_json(body);
    cr_assert_eq(profile_validate_search(data, &s, &err), -1);
    cr_assert(strstr(err.msg, "search"));
    json_decref(data);
    free(hundred);
    free(over);
}
