/*  profile_json.c - profile.stats from a profile row (see profile_json.h). */
#include "profile_json.h"

#include <stdlib.h>

json_t *
profile_json_stats(const profile_row_t *row)
{
    int64_t total = profile_row_int(row, PROFILE_COL_TOTAL_TRADES);
    int64_t completed = profile_row_int(row, PROFILE_COL_COMPLETED_TRADES);
    json_t *obj = json_object();
    json_object_set_new(obj, "profile_id", json_integer(profile_row_int(row, PROFILE_COL_ID)));
    json_object_set_new(obj, "total_trades", json_integer(total));
    json_object_set_new(obj, "completed_trades", json_integer(completed));
    json_object_set_new(obj, "cancelled_trades",
                        json_integer(profile_row_int(row, PROFILE_COL_CANCELLED_TRADES)));
    json_object_set_new(obj, "completion_rate", json_real(profile_row_completion_rate(total, completed)));
    const char *rating = row->values[PROFILE_COL_AVG_RATING];
    json_object_set_new(obj, "avg_rating",
                        json_real(rating && json_text_is_number(rating) ? strtod(rating, NULL) : 0));
    json_object_set_new(obj, "total_reviews", json_integer(profile_row_int(row, PROFILE_COL_TOTAL_REVIEWS)));
    return obj;
}
