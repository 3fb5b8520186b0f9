/*  row_json.c - rows of text columns to JSON (see row_json.h). Conversion
    happens here rather than in SQL (json_build_object) to keep PostgreSQL's
    CPU per request low. */
#include "row_json.h"

#include <stdlib.h>
#include <string.h>

void
row_json_value(json_text_t *out, const char *text, row_kind_t kind)
{
    switch (text ? kind : ROW_KIND_JSON) {
    case ROW_KIND_INT:
    case ROW_KIND_NUMBER:
        if (json_text_is_number(text))
            json_text_raw(out, text, strlen(text));
        else
            json_text_raw(out, "null", 4);
        return;
    case ROW_KIND_BOOL:
        if (text[0] == 't')
            json_text_raw(out, "true", 4);
        else
            json_text_raw(out, "false", 5);
        return;
    case ROW_KIND_JSON: /* json/jsonb as PostgreSQL prints it: valid JSON */
        if (text)
            json_text_raw(out, text, strlen(text));
        else
            json_text_raw(out, "null", 4);
        return;
    case ROW_KIND_TEXT:
    case ROW_KIND_TIME:
        json_text_string(out, text);
        return;
    }
}

void
row_json_write(json_text_t *out, const row_layout_t *layout, const char *const *values, unsigned show)
{
    json_text_raw(out, "{", 1);
    for (size_t i = 0; i < layout->count; i++) {
        const row_column_t *column = &layout->columns[i];
        if (show == 0 || (column->show & show)) {
            json_text_key(out, column->name);
            row_json_value(out, values[i], column->kind);
        }
    }
    json_text_raw(out, "}", 1);
}

json_t *
row_json_object(const row_layout_t *layout, const char *const *values, unsigned show)
{
    json_text_t out = JSON_TEXT_INIT;
    row_json_write(&out, layout, values, show);
    char *text = json_text_finish(&out);
    json_t *obj = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return obj ? obj : json_object();
}
