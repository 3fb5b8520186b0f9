/*  profile_row.c - the p2p_profiles row layout and its JSON (see
    profile_row.h). */
#include "profile_row.h"

#include <math.h>
#include <stdlib.h>

static const row_column_t s_columns[] = {
#define X(name, column, kind, show) [name] = {column, kind, show},
    PROFILE_COLUMN_LIST(X)
#undef X
};

static const row_layout_t s_layout = {"profile", s_columns, PROFILE_COL_COUNT};

const row_layout_t *
profile_row_layout(void)
{
    return &s_layout;
}

const char *
profile_row_column_name(profile_col_t col)
{
    return (unsigned) col < PROFILE_COL_COUNT ? s_columns[col].name : "?";
}

void
profile_row_write(json_text_t *out, const profile_row_t *row, unsigned show)
{
    row_json_write(out, &s_layout, row->values, show);
}

json_t *
profile_row_json(const profile_row_t *row, unsigned show)
{
    return row_json_object(&s_layout, row->values, show);
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

double
profile_row_completion_rate(int64_t total, int64_t completed)
{
    if (total <= 0)
        return 0;
    return round((double) completed * 100.0 / (double) total * 100.0) / 100.0;
}
