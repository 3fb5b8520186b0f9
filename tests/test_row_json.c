/*  test_row_json.c - common/row_json.h: each kind's text to JSON, show bits,
    and the text and json_t forms agreeing. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "row_json.h"

static const row_column_t s_columns[] = {
    {"id", ROW_KIND_INT, 1},  {"name", ROW_KIND_TEXT, 1}, {"rate", ROW_KIND_NUMBER, 0},
    {"ok", ROW_KIND_BOOL, 1}, {"at", ROW_KIND_TIME, 0},   {"doc", ROW_KIND_JSON, 1},
};
static const row_layout_t s_layout = {"test", s_columns, sizeof s_columns / sizeof s_columns[0]};

static char *
s_write(const char *const *values, unsigned show)
{
    json_text_t out = JSON_TEXT_INIT;
    row_json_write(&out, &s_layout, values, show);
    return json_text_finish(&out);
}

Test(row_json, every_kind)
{
    const char *values[] = {"-12", "a \"b\"", "4.50", "t", "2025-01-15T10:30:00Z", "{\"k\": [1, 2]}"};
    char *text = s_write(values, 0);
    cr_assert_str_eq(text, "{\"id\":-12,\"name\":\"a \\\"b\\\"\",\"rate\":4.50,\"ok\":true,"
                           "\"at\":\"2025-01-15T10:30:00Z\",\"doc\":{\"k\": [1, 2]}}");
    free(text);
}

Test(row_json, show_bits_pick_columns)
{
    const char *values[] = {"1", "x", "2", "f", "2025-01-15T10:30:00Z", "[]"};
    char *text = s_write(values, 1);
    cr_assert_str_eq(text, "{\"id\":1,\"name\":\"x\",\"ok\":false,\"doc\":[]}");
    free(text);
    text = s_write(values, 4); /* a shape no column belongs to */
    cr_assert_str_eq(text, "{}");
    free(text);
}

Test(row_json, null_and_garbage_become_null_never_a_wrong_value)
{
    const char *nulls[] = {NULL, NULL, NULL, NULL, NULL, NULL};
    char *text = s_write(nulls, 0);
    cr_assert_str_eq(text, "{\"id\":null,\"name\":null,\"rate\":null,\"ok\":null,\"at\":null,\"doc\":null}");
    free(text);
    const char *garbage[] = {"12abc", "bad \xff utf-8", "NaN", "f", "x", "1"};
    text = s_write(garbage, 0);
    cr_assert_str_eq(text, "{\"id\":null,\"name\":null,\"rate\":null,\"ok\":false,\"at\":\"x\",\"doc\":1}");
    free(text);
}

Test(row_json, object_form_agrees_with_the_text)
{
    const char *values[] = {"7", "\xc3\xa9t\xc3\xa9", "0.5", "t", NULL, "{\"a\": null}"};
    char *text = s_write(values, 0);
    json_t *parsed = json_loads(text, 0, NULL);
    cr_assert_not_null(parsed, "%s", text);
    json_t *obj = row_json_object(&s_layout, values, 0);
    cr_assert(json_equal(parsed, obj));
    cr_assert_eq(json_integer_value(json_object_get(obj, "id")), 7);
    json_decref(parsed);
    json_decref(obj);
    free(text);
}
