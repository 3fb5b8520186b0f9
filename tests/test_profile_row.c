/*  test_profile_row.c - common/profile_row.h: the shared p2p_profiles row
    layout. Text rows to the own, public and summary shapes; SQL NULL and
    garbage to null; completion_rate; and the SQL select list against the
    column table (the database checks names at run time, this catches a
    drift without one). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <string.h>

#include "profile_row.h"

/*  A fully populated row, as the repository would return it. */
static profile_row_t
s_row(void)
{
    profile_row_t row = {{0}};
    row.values[PROFILE_COL_ID] = "123";
    row.values[PROFILE_COL_USER_ID] = "user_abc123";
    row.values[PROFILE_COL_USERNAME] = "trader123";
    row.values[PROFILE_COL_PHONE_NUMBER] = "+254712345678";
    row.values[PROFILE_COL_EMAIL] = "trader@example.com";
    row.values[PROFILE_COL_PROFILE_PICTURE_URL] = "https://example.com/avatar.jpg";
    row.values[PROFILE_COL_TOTAL_TRADES] = "15";
    row.values[PROFILE_COL_COMPLETED_TRADES] = "14";
    row.values[PROFILE_COL_CANCELLED_TRADES] = "1";
    row.values[PROFILE_COL_AVG_RATING] = "4.80";
    row.values[PROFILE_COL_TOTAL_REVIEWS] = "12";
    row.values[PROFILE_COL_IS_VERIFIED] = "t";
    row.values[PROFILE_COL_IS_MERCHANT] = "f";
    row.values[PROFILE_COL_IS_SUSPENDED] = "f";
    row.values[PROFILE_COL_SUSPENSION_REASON] = "old reason";
    row.values[PROFILE_COL_SUSPENDED_UNTIL] = "2025-01-01T00:00:00Z";
    row.values[PROFILE_COL_HAS_CONSENT] = "t";
    row.values[PROFILE_COL_CONSENTED_AT] = "2025-01-10T09:00:00Z";
    row.values[PROFILE_COL_PREFERRED_CURRENCY] = "KES";
    row.values[PROFILE_COL_PREFERRED_PAYMENT_METHODS] = "[1, 2, 3]";
    row.values[PROFILE_COL_AUTO_REPLY_MESSAGE] = "Hello";
    row.values[PROFILE_COL_METADATA] = "{\"kyc\": \"secret\"}";
    row.values[PROFILE_COL_LAST_ACTIVE_AT] = "2025-01-15T14:20:00Z";
    row.values[PROFILE_COL_JOINED_AT] = "2025-01-10T09:00:00Z";
    row.values[PROFILE_COL_CREATED_AT] = "2025-01-10T09:00:00Z";
    row.values[PROFILE_COL_UPDATED_AT] = "2025-01-15T10:30:00Z";
    return row;
}

static const char *s_private[] = {"phone_number", "email", "metadata", "suspension_reason",
                                  "preferred_payment_methods"};

Test(profile_row, own_profile_has_every_column_with_json_types)
{
    profile_row_t row = s_row();
    json_t *p = profile_row_json(&row, 0);
    cr_assert_eq(json_object_size(p), PROFILE_COL_COUNT);
    cr_assert_eq(json_integer_value(json_object_get(p, "id")), 123);
    cr_assert_str_eq(json_string_value(json_object_get(p, "user_id")), "user_abc123");
    cr_assert_str_eq(json_string_value(json_object_get(p, "phone_number")), "+254712345678");
    cr_assert_eq(json_integer_value(json_object_get(p, "total_trades")), 15);
    cr_assert(json_is_real(json_object_get(p, "avg_rating")));
    cr_assert_float_eq(json_real_value(json_object_get(p, "avg_rating")), 4.8, 1e-9);
    cr_assert(json_is_true(json_object_get(p, "is_verified")));
    cr_assert(json_is_false(json_object_get(p, "is_merchant")));
    cr_assert(json_is_false(json_object_get(p, "is_suspended")));
    json_t *methods = json_object_get(p, "preferred_payment_methods");
    cr_assert(json_is_array(methods));
    cr_assert_eq(json_array_size(methods), 3);
    cr_assert_eq(json_integer_value(json_array_get(methods, 2)), 3);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(p, "metadata"), "kyc")), "secret");
    cr_assert_str_eq(json_string_value(json_object_get(p, "updated_at")), "2025-01-15T10:30:00Z");
    json_decref(p);
}

Test(profile_row, sql_null_is_json_null)
{
    profile_row_t row = s_row();
    row.values[PROFILE_COL_USERNAME] = NULL;
    row.values[PROFILE_COL_PREFERRED_PAYMENT_METHODS] = NULL;
    row.values[PROFILE_COL_SUSPENDED_UNTIL] = NULL;
    row.values[PROFILE_COL_AVG_RATING] = NULL;
    json_t *p = profile_row_json(&row, 0);
    cr_assert(json_is_null(json_object_get(p, "username")));
    cr_assert(json_is_null(json_object_get(p, "preferred_payment_methods")));
    cr_assert(json_is_null(json_object_get(p, "suspended_until")));
    cr_assert(json_is_null(json_object_get(p, "avg_rating")));
    json_decref(p);
}

Test(profile_row, public_profile_hides_private_fields)
{
    profile_row_t row = s_row();
    json_t *p = profile_row_json(&row, PROFILE_SHOW_PUBLIC);
    for (size_t i = 0; i < sizeof s_private / sizeof s_private[0]; i++)
        cr_assert_null(json_object_get(p, s_private[i]), "%s exposed", s_private[i]);
    const char *kept[] = {"id",
                          "user_id",
                          "username",
                          "profile_picture_url",
                          "total_trades",
                          "completed_trades",
                          "cancelled_trades",
                          "avg_rating",
                          "total_reviews",
                          "is_verified",
                          "is_merchant",
                          "preferred_currency",
                          "auto_reply_message",
                          "last_active_at",
                          "joined_at",
                          "created_at"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        cr_assert_not_null(json_object_get(p, kept[i]), "%s missing", kept[i]);
    cr_assert_eq(json_object_size(p), sizeof kept / sizeof kept[0]);
    char *text = json_dumps(p, 0);
    cr_assert_null(strstr(text, "secret"));
    cr_assert_null(strstr(text, "example.com\""), "%s", text); /* the email; the avatar URL differs */
    cr_assert_null(strstr(text, "old reason"));
    free(text);
    json_decref(p);
}

Test(profile_row, summary_is_the_check_shape)
{
    profile_row_t row = s_row();
    json_t *p = profile_row_json(&row, PROFILE_SHOW_SUMMARY);
    const char *keys[] = {"id",         "user_id",     "username",   "total_trades", "completed_trades",
                          "avg_rating", "is_verified", "is_merchant"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert_not_null(json_object_get(p, keys[i]), "%s missing", keys[i]);
    cr_assert_eq(json_object_size(p), sizeof keys / sizeof keys[0]);
    json_decref(p);
}

Test(profile_row, completion_rate_rounds_to_two_decimals)
{
    cr_assert_eq(profile_row_completion_rate(0, 0), 0);
    cr_assert_eq(profile_row_completion_rate(-1, 0), 0);
    cr_assert_float_eq(profile_row_completion_rate(15, 14), 93.33, 1e-9);
    cr_assert_float_eq(profile_row_completion_rate(3, 2), 66.67, 1e-9);
    cr_assert_float_eq(profile_row_completion_rate(3, 1), 33.33, 1e-9);
    cr_assert_float_eq(profile_row_completion_rate(8, 1), 12.5, 1e-9);
    cr_assert_float_eq(profile_row_completion_rate(7, 7), 100, 1e-9);
    cr_assert_float_eq(profile_row_completion_rate(6, 0), 0, 1e-9);
    cr_assert_float_eq(profile_row_completion_rate(9, 8), 88.89, 1e-9);
    cr_assert_float_eq(profile_row_completion_rate(2000000000, 1999999999), 100, 1e-9);
}

Test(profile_row, garbage_numbers_become_null_not_crashes)
{
    profile_row_t row = s_row();
    row.values[PROFILE_COL_TOTAL_TRADES] = "abc";
    row.values[PROFILE_COL_AVG_RATING] = "NaN";
    row.values[PROFILE_COL_USERNAME] = "bad \xff utf-8";
    json_t *p = profile_row_json(&row, 0);
    cr_assert(json_is_null(json_object_get(p, "total_trades")));
    cr_assert(json_is_null(json_object_get(p, "avg_rating")));
    cr_assert(json_is_null(json_object_get(p, "username")));
    json_decref(p);
}

Test(profile_row, column_names_follow_the_table)
{
    cr_assert_str_eq(profile_row_column_name(PROFILE_COL_ID), "id");
    cr_assert_str_eq(profile_row_column_name(PROFILE_COL_UPDATED_AT), "updated_at");
    cr_assert_str_eq(profile_row_column_name(PROFILE_COL_COUNT), "?");
}

Test(profile_row, row_helpers)
{
    profile_row_t row = s_row();
    cr_assert_eq(profile_row_int(&row, PROFILE_COL_ID), 123);
    cr_assert(profile_row_bool(&row, PROFILE_COL_HAS_CONSENT));
    cr_assert(!profile_row_bool(&row, PROFILE_COL_IS_SUSPENDED));
    row.values[PROFILE_COL_HAS_CONSENT] = NULL;
    cr_assert(!profile_row_bool(&row, PROFILE_COL_HAS_CONSENT));
}

/*  The names PROFILE_ROW_SQL_COLUMNS selects: split at top-level commas (not
    inside parentheses or quotes), each item's name after its last " AS ". */
static size_t
s_select_names(const char *sql, char names[][64], size_t max)
{
    size_t n = 0, depth = 0;
    bool quoted = false;
    const char *start = sql;
    for (const char *p = sql;; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && *p == '(')
            depth++;
        else if (!quoted && *p == ')')
            depth--;
        if (*p == '\0' || (*p == ',' && depth == 0 && !quoted)) {
            char item[512];
            snprintf(item, sizeof item, "%.*s", (int) (p - start), start);
            const char *as = item, *next;
            while ((next = strstr(as, " AS ")))
                as = next + 4;
            while (isspace((unsigned char) *as))
                as++;
            cr_assert_lt(n, max);
            snprintf(names[n], sizeof names[n], "%.63s", as);
            names[n][strcspn(names[n], " ")] = '\0';
            n++;
            if (*p == '\0')
                break;
            start = p + 1;
        }
    }
    return n;
}

Test(profile_row, sql_select_list_follows_the_column_table)
{
    char names[64][64];
    size_t n = s_select_names(PROFILE_ROW_SQL_COLUMNS, names, 64);
    cr_assert_eq(n, PROFILE_COL_COUNT, "the select list has %zu columns", n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(names[i], profile_row_column_name((profile_col_t) i), "column %zu", i);
    cr_assert_eq(profile_row_layout()->count, PROFILE_COL_COUNT);
}

Test(profile_row, write_and_json_agree)
{
    profile_row_t row = s_row();
    json_text_t out = JSON_TEXT_INIT;
    profile_row_write(&out, &row, PROFILE_SHOW_PUBLIC);
    char *text = json_text_finish(&out);
    json_t *parsed = json_loads(text, 0, NULL);
    json_t *obj = profile_row_json(&row, PROFILE_SHOW_PUBLIC);
    cr_assert(json_equal(parsed, obj), "%s", text);
    json_decref(parsed);
    json_decref(obj);
    free(text);
}
