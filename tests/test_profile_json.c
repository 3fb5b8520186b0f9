/*  test_profile_json.c - profile-svc/profile_json.h: the profile.stats shape.
    (The profile shapes themselves are common/profile_row.h's: see
    test_profile_row.c.) */
#include <criterion/criterion.h>
#include <string.h>

#include "profile_json.h"

/*  The columns profile.stats reads, as the repository would return them. */
static profile_row_t
s_row(void)
{
    profile_row_t row = {{0}};
    row.values[PROFILE_COL_ID] = "123";
    row.values[PROFILE_COL_TOTAL_TRADES] = "15";
    row.values[PROFILE_COL_COMPLETED_TRADES] = "14";
    row.values[PROFILE_COL_CANCELLED_TRADES] = "1";
    row.values[PROFILE_COL_AVG_RATING] = "4.80";
    row.values[PROFILE_COL_TOTAL_REVIEWS] = "12";
    return row;
}

Test(profile_json, stats_shape_and_rate)
{
    profile_row_t row = s_row();
    json_t *s = profile_json_stats(&row);
    cr_assert_eq(json_integer_value(json_object_get(s, "profile_id")), 123);
    cr_assert_eq(json_integer_value(json_object_get(s, "total_trades")), 15);
    cr_assert_eq(json_integer_value(json_object_get(s, "completed_trades")), 14);
    cr_assert_eq(json_integer_value(json_object_get(s, "cancelled_trades")), 1);
    cr_assert_eq(json_integer_value(json_object_get(s, "total_reviews")), 12);
    cr_assert_float_eq(json_number_value(json_object_get(s, "completion_rate")), 93.33, 1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(s, "avg_rating")), 4.8, 1e-9);
    cr_assert_eq(json_object_size(s), 7);
    json_decref(s);
}

Test(profile_json, stats_of_a_new_profile_are_zero)
{
    profile_row_t row = {{0}};
    row.values[PROFILE_COL_ID] = "9";
    row.values[PROFILE_COL_TOTAL_TRADES] = "0";
    row.values[PROFILE_COL_COMPLETED_TRADES] = "0";
    row.values[PROFILE_COL_AVG_RATING] = "NaN";
    json_t *s = profile_json_stats(&row);
    cr_assert_eq(json_number_value(json_object_get(s, "completion_rate")), 0);
    cr_assert_eq(json_number_value(json_object_get(s, "avg_rating")), 0);
    cr_assert_eq(json_integer_value(json_object_get(s, "cancelled_trades")), 0);
    json_decref(s);
}
