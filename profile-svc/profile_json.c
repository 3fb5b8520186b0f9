/*  profile_json.c - p2p_profiles rows (text columns) to the JSON clients see.
    Conversion happens here rather than in SQL (json_build_object) to keep
    PostgreSQL's CPU per request low; the column table in profile_json.h
    decides which shape shows which column. */
#include "profile_json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    profile_kind_t kind;
    unsigned show;
} s_columns[] = {
#define X(name, column, kind, show) [name] = {column, kind, show},
    PROFILE_COLUMN_LIST(X)
#undef X
};

const char *
profile_json_column_name(profile_col_t col)
{
    return (unsigned) col < PROFILE_COL_COUNT ? s_columns[col].name : "?";
}

/*  One column's text as JSON; SQL NULL is JSON null. */
static json_t *
s_value(const char *text, profile_kind_t kind)
{
    if (!text)
        return json_null();
    switch (kind) {
    case PROFILE_KIND_INT: {
        errno = 0;
        char *end;
        long long n = strtoll(text, &end, 10);
        return errno || end == text || *end ? json_null() : json_integer(n);
    }
    case PROFILE_KIND_NUMBER: {
        char *end;
        double d = strtod(text, &end);
        return end == text || *end || !isfinite(d) ? json_null() : json_real(d);
    }
    case PROFILE_KIND_BOOL:
        return json_boolean(text[0] == 't');
    case PROFILE_KIND_JSON: {
        json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);
        return value ? value : json_null();
    }
    case PROFILE_KIND_TEXT:
    case PROFILE_KIND_TIME:
        break;
    }
    json_t *s = json_string(text);
    return s ? s : json_null();
}

/*  The columns whose show flags include mask (mask 0: every column). */
static json_t *
s_object(const profile_row_t *row, unsigned mask)
{
    json_t *obj = json_object();
    for (int i = 0; i < PROFILE_COL_COUNT; i++)
        if (mask == 0 || (s_columns[i].show & mask))
            json_object_set_new(obj, s_columns[i].name, s_value(row->values[i], s_columns[i].kind));
    return obj;
}

json_t *
profile_json_own(const profile_row_t *row)
{
    return s_object(row, 0);
}

json_t *
profile_json_public(const profile_row_t *row)
{
    return s_object(row, PROFILE_SHOW_PUBLIC);
}

json_t *
profile_json_summary(const profile_row_t *row)
{
    return s_object(row, PROFILE_SHOW_SUMMARY);
}

double
profile_json_completion_rate(int64_t total, int64_t completed)
{
    if (total <= 0)
        return 0;
    return round((double) completed * 100.0 / (double) total * 100.0) / 100.0;
}

json_t *
profile_json_stats(const profile_row_t *row)
{
    int64_t total = profile_row_int(row, PROFILE_COL_TOTAL_TRADES);
    int64_t completed = profile_row_int(row, PROFILE_COL_COMPLETED_TRADES);
    json_t *obj = json_object();
    json_object_set_new(obj, "profile_id", s_value(row->values[PROFILE_COL_ID], PROFILE_KIND_INT));
    json_object_set_new(obj, "total_trades", json_integer(total));
    json_object_set_new(obj, "completed_trades", json_integer(completed));
    json_object_set_new(obj, "cancelled_trades",
                        json_integer(profile_row_int(row, PROFILE_COL_CANCELLED_TRADES)));
    json_object_set_new(obj, "completion_rate", json_real(profile_json_completion_rate(total, completed)));
    json_t *rating = s_value(row->values[PROFILE_COL_AVG_RATING], PROFILE_KIND_NUMBER);
    json_object_set_new(obj, "avg_rating",
                        json_is_null(rating) ? (json_decref(rating), json_real(0)) : rating);
    json_object_set_new(obj, "total_reviews", json_integer(profile_row_int(row, PROFILE_COL_TOTAL_REVIEWS)));
    return obj;
}

int64_t
profile_row_int(const profile_row_t *row, profile_col_t col)
{
    const char *text = (unsigned) col < PROFILE_COL_COUNT ? row->values[col] : NULL;
    return text ? strtoll(text, NULL, 10) : 0;
}

bool
profile_row_bool(const profile_row_t *row, profile_col_t col)
{
    const char *text = (unsigned) col < PROFILE_COL_COUNT ? row->values[col] : NULL;
    return text && text[0] == 't';
}
