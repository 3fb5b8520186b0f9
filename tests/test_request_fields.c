/*  test_request_fields.c - declared request fields (common/request_fields.c):
    the same rules from a WebSocket data object, a REST body, a query string
    and a path parameter. */
#include <criterion/criterion.h>
#include <string.h>

#include "request_fields.h"

static const rf_field_t s_fields[] = {
    {.name = "order_id",
     .kind = RF_INT,
     .flags = RF_REQUIRED | RF_PATH,
     .min = 1,
     .max = INT64_MAX,
     .param = "id"},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 20},
    {.name = "label", .kind = RF_STRING, .min = 1, .max = 5},
    {.name = "amount", .kind = RF_DECIMAL, .max = 40},
    {.name = "flag", .kind = RF_BOOL},
    {.name = "details", .kind = RF_OBJECT},
    {.name = "methods", .kind = RF_INT_ARRAY, .min = 1, .max = 1000, .min_count = 1, .max_count = 5},
    {.name = "status", .kind = RF_STRINGS, .max_count = 3},
};
#define N (sizeof s_fields / sizeof s_fields[0])

/*  The JSON the values borrow from, freed after each test. */
static json_t *s_held[64];
static int s_held_count;

static void
s_release(void)
{
    while (s_held_count > 0)
        json_decref(s_held[--s_held_count]);
}

TestSuite(request_fields, .fini = s_release);

static int
s_parse(const char *data_text, const char *params_text, bool rest, rf_value_t *values, err_t *err)
{
    json_t *data = data_text ? json_loads(data_text, 0, NULL) : NULL;
    json_t *params = params_text ? json_loads(params_text, 0, NULL) : NULL;
    int rc = request_fields_parse_from(data, params, rest, s_fields, N, values, err);
    if (s_held_count < 62) {
        s_held[s_held_count++] = data;
        s_held[s_held_count++] = params;
    }
    return rc;
}

static void
s_fails(const char *data, const char *params, bool rest, const char *field)
{
    rf_value_t values[N];
    err_t err = {0};
    cr_assert_eq(s_parse(data, params, rest, values, &err), -1, "%s / %s should fail", data, params);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert(strstr(err.msg, field), "'%s' does not name %s", err.msg, field);
}

Test(request_fields, websocket_data)
{
    rf_value_t v[N];
    err_t err;
    cr_assert_eq(s_parse("{\"order_id\":7,\"label\":\"héllo\",\"amount\":\"1.50\",\"flag\":true,"
                         "\"details\":{\"a\":\"b\"},\"methods\":[3,1],\"status\":[\"PAID\",\"DISPUTED\"]}",
                         NULL, false, v, &err),
                 0, "%s", err.msg);
    cr_assert_eq(v[0].i, 7);
    cr_assert_not(v[1].present);
    cr_assert_eq(v[1].i, 20, "the default applies when absent");
    cr_assert_str_eq(v[2].s, "héllo"); /* 5 characters, 6 bytes */
    cr_assert_str_eq(v[3].s, "1.50");
    cr_assert(v[4].b);
    cr_assert(json_is_object(v[5].json));
    cr_assert_eq(v[6].count, 2);
    cr_assert_eq(v[6].ints[0], 3);
    cr_assert_eq(v[7].count, 2);
    cr_assert_str_eq(v[7].strings[1], "DISPUTED");
}

Test(request_fields, refusals_name_the_field)
{
    s_fails("{}", NULL, false, "order_id");                          /* required */
    s_fails("{\"order_id\":\"7\"}", NULL, false, "order_id");        /* a string is not an integer */
    s_fails("{\"order_id\":0}", NULL, false, "order_id");            /* below min */
    s_fails("{\"order_id\":1,\"limit\":101}", NULL, false, "limit"); /* above max */
    s_fails("{\"order_id\":1,\"limit\":1.0}", NULL, false, "limit"); /* a real */
    s_fails("{\"order_id\":1,\"label\":\"\"}", NULL, false, "label");
    s_fails("{\"order_id\":1,\"label\":\"toolong\"}", NULL, false, "label");
    s_fails("{\"order_id\":1,\"amount\":1.5}", NULL, false, "amount"); /* a JSON number for an amount */
    s_fails("{\"order_id\":1,\"flag\":1}", NULL, false, "flag");
    s_fails("{\"order_id\":1,\"details\":[]}", NULL, false, "details");
    s_fails("{\"order_id\":1,\"methods\":[]}", NULL, false, "methods");
    s_fails("{\"order_id\":1,\"methods\":[1,1]}", NULL, false, "methods");
    s_fails("{\"order_id\":1,\"methods\":[1,2,3,4,5,6]}", NULL, false, "methods");
    s_fails("{\"order_id\":1,\"methods\":[\"1\"]}", NULL, false, "methods");
    s_fails("{\"order_id\":1,\"status\":[]}", NULL, false, "status");
    s_fails("{\"order_id\":1,\"status\":[1]}", NULL, false, "status");
    s_fails("{\"order_id\":1,\"colour\":\"red\"}", NULL, false, "colour"); /* undeclared */
}

Test(request_fields, null_is_absent)
{
    rf_value_t v[N];
    err_t err;
    cr_assert_eq(s_parse("{\"order_id\":1,\"limit\":null,\"label\":null}", NULL, false, v, &err), 0);
    cr_assert_not(v[1].present);
    cr_assert_eq(v[1].i, 20);
    cr_assert_not(v[2].present);
}

Test(request_fields, rest_query_and_path)
{
    rf_value_t v[N];
    err_t err;
    cr_assert_eq(s_parse(NULL,
                         "{\"id\":\"42\",\"limit\":\"5\",\"flag\":\"false\",\"status\":\"PAID,EXPIRED\"}",
                         true, v, &err),
                 0, "%s", err.msg);
    cr_assert_eq(v[0].i, 42);
    cr_assert_eq(v[1].i, 5);
    cr_assert(v[4].present && !v[4].b);
    cr_assert_eq(v[7].count, 2);
    cr_assert_str_eq(v[7].strings[0], "PAID");
    cr_assert_str_eq(v[7].strings[1], "EXPIRED");
    /* the body wins over the query for the same field */
    cr_assert_eq(s_parse("{\"limit\":7}", "{\"id\":\"1\",\"limit\":\"5\"}", true, v, &err), 0);
    cr_assert_eq(v[1].i, 7);
    s_fails(NULL, "{\"id\":\"1\",\"limit\":\"5x\"}", true, "limit");
    s_fails(NULL, "{\"id\":\"1\",\"limit\":\" 5\"}", true, "limit");
    s_fails(NULL, "{\"id\":\"abc\"}", true, "order_id");
    s_fails(NULL, "{\"id\":\"1\",\"status\":\"PAID,,X\"}", true, "status");
    s_fails(NULL, "{\"id\":\"1\",\"flag\":\"yes\"}", true, "flag");
    /* a path parameter comes from the path only: a body cannot supply or override it */
    s_fails("{\"order_id\":5}", "{\"id\":\"1\"}", true, "order_id");
    s_fails("{}", "{}", true, "order_id");
}
