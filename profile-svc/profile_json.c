/*  profile_json.c - p2p_profiles rows (text columns) to the JSON clients see.
    Conversion happens here rather than in SQL (json_build_object) to keep
    PostgreSQL's CPU per request low; the column table in profile_json.h
    decides which shape shows which column. */
#include "profile_json.h"

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

profile_kind_t
profile_json_column_kind(profile_col_t col)
{
    return (unsigned) col < PROFILE_COL_COUNT ? s_columns[col].kind : PROFILE_KIND_TEXT;
}

/*  One column's text as JSON; SQL NULL is JSON null, and so is text that is
    not what its kind promises (a NUMERIC NaN, invalid UTF-8). */
static void
s_write_value(json_text_t *out, const char *text, profile_kind_t kind)
{
    switch (text ? kind : PROFILE_KIND_JSON) {
    case PROFILE_KIND_INT:
    case PROFILE_KIND_NUMBER:
        if (json_text_is_number(text))
            json_text_raw(out, text, strlen(text));
        else
            json_text_raw(out, "null", 4);
        return;
    case PROFILE_KIND_BOOL:
        if (text[0] == 't')
            json_text_raw(out, "true", 4);
        else
            json_text_raw(out, "false", 5);
        return;
    case PROFILE_KIND_JSON: /* json/jsonb as PostgreSQL prints it: valid JSON */
        if (text)
            json_text_raw(out, text, strlen(text));
        else
            json_text_raw(out, "null", 4);
        return;
    case PROFILE_KIND_TEXT:
    case PROFILE_KIND_TIME:
        json_text_string(out, text);
        return;
    }
}

void
profile_json_write(json_text_t *out, const profile_row_t *row, unsigned show)
{
    json_text_raw(out, "{", 1);
    for (int i = 0; i < PROFILE_COL_COUNT; i++)
        if (show == 0 || (s_columns[i].show & show)) {
            json_text_key(out, s_columns[i].name);
            s_write_value(out, row->values[i], s_columns[i].kind);
        }
    json_text_raw(out, "}", 1);
}

/*  The json_t form, for replies that embed profiles in larger documents:
    parsed from the text form, so both always agree. */
static json_t *
s_object(const profile_row_t *row, unsigned show)
{
    json_text_t out = JSON_TEXT_INIT;
    profile_json_write(&out, row, show);
    char *text = json_text_finish(&out);
    json_t *obj = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return obj ? obj : json_object();
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
    json_object_set_new(obj, "profile_id", json_integer(profile_row_int(row, PROFILE_COL_ID)));
    json_object_set_new(obj, "total_trades", json_integer(total));
    json_object_set_new(obj, "completed_trades", json_integer(completed));
    json_object_set_new(obj, "cancelled_trades",
                        json_integer(profile_row_int(row, PROFILE_COL_CANCELLED_TRADES)));
    json_object_set_new(obj, "completion_rate", json_real(profile_json_completion_rate(total, completed)));
    const char *rating = row->values[PROFILE_COL_AVG_RATING];
    json_object_set_new(obj, "avg_rating",
                        json_real(rating && json_text_is_number(rating) ? strtod(rating, NULL) : 0));
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
