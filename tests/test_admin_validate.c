/*  test_admin_validate.c - admin-svc/admin_validate.h: strict parsing of REST
    parameters (all strings), the change bodies, and the
    rules every caller (REST and the operator API) goes through. Every error
    must be ERR_INVALID naming the parameter or field. */
#include <criterion/criterion.h>
#include <string.h>

#include "admin_validate.h"

static json_t *
s_json(const char *text)
{
    json_error_t error;
    json_t *value = json_loads(text, 0, &error);
    cr_assert_not_null(value, "bad test JSON %s: %s", text, error.text);
    return value;
}

static void
s_expect_error(int rc, const err_t *err, const char *name)
{
    cr_assert_eq(rc, -1, "accepted (expected an error naming %s)", name);
    cr_assert_eq(err->code, ERR_INVALID, "code %d for %s", err->code, name);
    cr_assert(strstr(err->msg, name), "error '%s' does not name %s", err->msg, name);
}

/* ---------------------------------------------------------------- list / audit params */

Test(admin_validate, list_params_defaults)
{
    json_t *params = s_json("{}");
    admin_list_query_t q;
    err_t err;
    cr_assert_eq(admin_validate_list_params(params, &q, &err), 0);
    cr_assert_null(q.search);
    cr_assert_eq(q.is_suspended, TRISTATE_ANY);
    cr_assert_eq(q.is_verified, TRISTATE_ANY);
    cr_assert_eq(q.is_merchant, TRISTATE_ANY);
    cr_assert_eq(q.limit, ADMIN_DEFAULT_LIMIT);
    cr_assert_eq(q.offset, 0);
    cr_assert_eq(admin_validate_list_query(&q, &err), 0);
    json_decref(params);
}

Test(admin_validate, list_params_parse_every_filter)
{
    json_t *params = s_json("{\"search\":\"ali\",\"is_suspended\":\"true\",\"is_verified\":\"false\","
                            "\"is_merchant\":\"true\",\"limit\":\"5\",\"offset\":\"10\"}");
    admin_list_query_t q;
    err_t err;
    cr_assert_eq(admin_validate_list_params(params, &q, &err), 0, "%s", err.msg);
    cr_assert_str_eq(q.search, "ali");
    cr_assert_eq(q.is_suspended, 1);
    cr_assert_eq(q.is_verified, 0);
    cr_assert_eq(q.is_merchant, 1);
    cr_assert_eq(q.limit, 5);
    cr_assert_eq(q.offset, 10);
    json_decref(params);
}

Test(admin_validate, list_params_empty_values_are_absent)
{
    json_t *params = s_json("{\"search\":\"\",\"is_suspended\":\"\",\"limit\":\"\",\"offset\":\"\"}");
    admin_list_query_t q;
    err_t err;
    cr_assert_eq(admin_validate_list_params(params, &q, &err), 0, "%s", err.msg);
    cr_assert_null(q.search);
    cr_assert_eq(q.is_suspended, TRISTATE_ANY);
    cr_assert_eq(q.limit, ADMIN_DEFAULT_LIMIT);
    json_decref(params);
}

Test(admin_validate, list_params_bad_values_name_the_parameter)
{
    static const struct {
        const char *params;
        const char *name;
    } cases[] = {
        {"{\"is_suspended\":\"yes\"}", "is_suspended"},
        {"{\"is_verified\":\"1\"}", "is_verified"},
        {"{\"is_merchant\":\"TRUE\"}", "is_merchant"},
        {"{\"limit\":\"ten\"}", "limit"},
        {"{\"limit\":\"5x\"}", "limit"},
        {"{\"offset\":\"-\"}", "offset"},
        {"{\"sort\":\"id\"}", "sort"},
        {"{\"limit\":5}", "limit"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *params = s_json(cases[i].params);
        admin_list_query_t q;
        err_t err = {0};
        s_expect_error(admin_validate_list_params(params, &q, &err), &err, cases[i].name);
        json_decref(params);
    }
}

Test(admin_validate, list_rules_bound_limit_offset_search)
{
    admin_list_query_t q;
    err_t err = {0};
    admin_list_query_init(&q);
    q.limit = 0;
    s_expect_error(admin_validate_list_query(&q, &err), &err, "limit");
    q.limit = 101;
    s_expect_error(admin_validate_list_query(&q, &err), &err, "limit");
    q.limit = 100;
    cr_assert_eq(admin_validate_list_query(&q, &err), 0);
    q.offset = -1;
    s_expect_error(admin_validate_list_query(&q, &err), &err, "offset");
    q.offset = 0;
    char long_search[ADMIN_SEARCH_MAX + 2];
    memset(long_search, 'a', sizeof long_search - 1);
    long_search[sizeof long_search - 1] = '\0';
    q.search = long_search;
    s_expect_error(admin_validate_list_query(&q, &err), &err, "search");
}

Test(admin_validate, audit_params)
{
    json_t *params = s_json("{\"profile_id\":\"12\",\"limit\":\"3\",\"offset\":\"6\"}");
    admin_audit_query_t q;
    err_t err = {0};
    cr_assert_eq(admin_validate_audit_params(params, &q, &err), 0, "%s", err.msg);
    cr_assert_eq(q.profile_id, 12);
    cr_assert_eq(q.limit, 3);
    cr_assert_eq(q.offset, 6);
    json_decref(params);

    const char *bad[][2] = {{"{\"profile_id\":\"0\"}", "profile_id"},
                            {"{\"profile_id\":\"-3\"}", "profile_id"},
                            {"{\"profile_id\":\"x\"}", "profile_id"},
                            {"{\"user\":\"x\"}", "user"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        params = s_json(bad[i][0]);
        s_expect_error(admin_validate_audit_params(params, &q, &err), &err, bad[i][1]);
        json_decref(params);
    }
    admin_audit_query_init(&q);
    q.limit = 1000;
    s_expect_error(admin_validate_audit_query(&q, &err), &err, "limit");
}

Test(admin_validate, id_param_is_a_positive_integer)
{
    const char *bad[] = {
        "{}", "{\"id\":\"0\"}", "{\"id\":\"-1\"}", "{\"id\":\"abc\"}", "{\"id\":\"1e3\"}", "{\"id\":\"\"}"};
    int64_t id;
    err_t err = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *params = s_json(bad[i]);
        s_expect_error(admin_validate_id_param(params, &id, &err), &err, "id");
        json_decref(params);
    }
    json_t *params = s_json("{\"id\":\"12\"}");
    cr_assert_eq(admin_validate_id_param(params, &id, &err), 0);
    cr_assert_eq(id, 12);
    json_decref(params);
}

/* ---------------------------------------------------------------- change bodies + rules */

#define S_NOW 1800000000000LL /* 2027-01-15T08:00:00Z */

/*  The last body s_change parsed: the change borrows its strings. */
static json_t *s_last_body = NULL;

static void
s_cleanup(void)
{
    json_decref(s_last_body);
    s_last_body = NULL;
}

TestSuite(admin_validate, .fini = s_cleanup);

static int
s_change(admin_change_kind_t kind, const char *body, admin_change_t *change, err_t *err)
{
    json_t *params = s_json("{\"id\":\"7\"}");
    json_t *data = s_json(body);
    json_decref(s_last_body);
    s_last_body = data;
    int rc = admin_validate_change_body(kind, params, data, change, err);
    if (rc == 0)
        rc = admin_validate_change(change, S_NOW, err);
    /* the strings are borrowed from data: keep it alive for the caller's checks */
    json_decref(params);
    return rc;
}

Test(admin_validate, suspend_with_until)
{
    admin_change_t c;
    err_t err = {0};
    cr_assert_eq(s_change(ADMIN_CHANGE_SUSPEND,
                          "{\"reason\":\"spam\",\"until\":\"2027-01-15T10:00:00+02:00\"}", &c, &err),
                 -1, "an until equal to now is not in the future");
    s_expect_error(-1, &err, "until");
    cr_assert_eq(s_change(ADMIN_CHANGE_SUSPEND,
                          "{\"reason\":\"spam\",\"until\":\"2027-01-15T10:00:01+02:00\"}", &c, &err),
                 0, "%s", err.msg);
    cr_assert_eq(c.profile_id, 7);
    cr_assert_str_eq(c.reason, "spam");
    cr_assert_str_eq(c.until_utc, "2027-01-15T08:00:01.000Z");
    cr_assert_str_eq(admin_change_action(&c), "suspend");
}

Test(admin_validate, suspend_without_until_is_indefinite)
{
    admin_change_t c;
    err_t err = {0};
    cr_assert_eq(s_change(ADMIN_CHANGE_SUSPEND, "{\"reason\":\"fraud\",\"until\":null}", &c, &err), 0, "%s",
                 err.msg);
    cr_assert_str_eq(c.until_utc, "");
}

Test(admin_validate, suspend_refusals_name_the_field)
{
    static const struct {
        const char *body;
        const char *name;
    } cases[] = {
        {"{}", "reason"},
        {"{\"reason\":\"\"}", "reason"},
        {"{\"reason\":\"   \"}", "reason"},
        {"{\"reason\":null}", "reason"},
        {"{\"reason\":5}", "reason"},
        {"{\"reason\":\"a\\u0000b\"}", "reason"},
        {"{\"reason\":\"x\",\"until\":\"soon\"}", "until"},
        {"{\"reason\":\"x\",\"until\":\"2020-01-01T00:00:00Z\"}", "until"},
        {"{\"reason\":\"x\",\"until\":123}", "until"},
        {"{\"reason\":\"x\",\"duration\":\"1d\"}", "duration"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        admin_change_t c;
        err_t err = {0};
        json_error_t jerr;
        json_t *data = json_loads(cases[i].body, JSON_ALLOW_NUL, &jerr);
        cr_assert_not_null(data, "%s", cases[i].body);
        json_t *params = s_json("{\"id\":\"7\"}");
        int rc = admin_validate_change_body(ADMIN_CHANGE_SUSPEND, params, data, &c, &err);
        if (rc == 0)
            rc = admin_validate_change(&c, S_NOW, &err);
        s_expect_error(rc, &err, cases[i].name);
        json_decref(params);
        json_decref(data);
    }
}

Test(admin_validate, reason_is_at_most_500_characters)
{
    char body[4096];
    /* 500 two-byte characters pass, 501 do not */
    strcpy(body, "{\"reason\":\"");
    for (int i = 0; i < 500; i++)
        strcat(body, "\xc3\xa9");
    strcat(body, "\"}");
    admin_change_t c;
    err_t err = {0};
    json_t *data = s_json(body);
    json_t *params = s_json("{\"id\":\"1\"}");
    cr_assert_eq(admin_validate_change_body(ADMIN_CHANGE_SUSPEND, params, data, &c, &err), 0);
    cr_assert_eq(admin_validate_change(&c, S_NOW, &err), 0, "%s", err.msg);
    json_decref(data);
    body[strlen(body) - 2] = '\0';
    strcat(body, "\xc3\xa9\"}");
    data = s_json(body);
    cr_assert_eq(admin_validate_change_body(ADMIN_CHANGE_SUSPEND, params, data, &c, &err), 0);
    s_expect_error(admin_validate_change(&c, S_NOW, &err), &err, "reason");
    json_decref(data);
    json_decref(params);
}

Test(admin_validate, unsuspend_body_is_optional)
{
    admin_change_t c;
    err_t err = {0};
    cr_assert_eq(s_change(ADMIN_CHANGE_UNSUSPEND, "{}", &c, &err), 0, "%s", err.msg);
    cr_assert_null(c.reason);
    cr_assert_eq(s_change(ADMIN_CHANGE_UNSUSPEND, "{\"reason\":\"  \"}", &c, &err), 0);
    cr_assert_null(c.reason, "a blank optional reason is no reason");
    cr_assert_eq(s_change(ADMIN_CHANGE_UNSUSPEND, "{\"reason\":\"appeal accepted\"}", &c, &err), 0);
    cr_assert_str_eq(c.reason, "appeal accepted");
    cr_assert_eq(s_change(ADMIN_CHANGE_UNSUSPEND, "{\"until\":\"2030-01-01T00:00:00Z\"}", &c, &err), -1);
    s_expect_error(-1, &err, "until");
}

Test(admin_validate, verify_and_merchant_need_a_boolean)
{
    admin_change_t c;
    err_t err = {0};
    cr_assert_eq(s_change(ADMIN_CHANGE_VERIFY, "{\"verified\":true}", &c, &err), 0, "%s", err.msg);
    cr_assert(c.flag);
    cr_assert_str_eq(admin_change_action(&c), "verify");
    cr_assert_eq(s_change(ADMIN_CHANGE_VERIFY, "{\"verified\":false,\"reason\":\"doc expired\"}", &c, &err),
                 0);
    cr_assert_not(c.flag);
    cr_assert_str_eq(admin_change_action(&c), "unverify");
    cr_assert_eq(s_change(ADMIN_CHANGE_MERCHANT, "{\"merchant\":true}", &c, &err), 0);
    cr_assert_str_eq(admin_change_action(&c), "grant_merchant");
    cr_assert_eq(s_change(ADMIN_CHANGE_MERCHANT, "{\"merchant\":false}", &c, &err), 0);
    cr_assert_str_eq(admin_change_action(&c), "revoke_merchant");

    cr_assert_eq(s_change(ADMIN_CHANGE_VERIFY, "{}", &c, &err), -1);
    s_expect_error(-1, &err, "verified");
    cr_assert_eq(s_change(ADMIN_CHANGE_VERIFY, "{\"verified\":\"true\"}", &c, &err), -1);
    s_expect_error(-1, &err, "verified");
    cr_assert_eq(s_change(ADMIN_CHANGE_MERCHANT, "{\"verified\":true}", &c, &err), -1);
    s_expect_error(-1, &err, "verified"); /* unknown field for merchant */
}

Test(admin_validate, change_rules_for_the_operator_api)
{
    /* the operator API builds the struct directly: the same rules apply */
    admin_change_t c;
    err_t err = {0};
    admin_change_init(&c, ADMIN_CHANGE_SUSPEND);
    c.profile_id = 0;
    c.reason = "x";
    s_expect_error(admin_validate_change(&c, S_NOW, &err), &err, "id");
    c.profile_id = 3;
    c.reason = NULL;
    s_expect_error(admin_validate_change(&c, S_NOW, &err), &err, "reason");
}

Test(admin_validate, operator)
{
    err_t err = {0};
    cr_assert_eq(admin_validate_operator("cli:alice", &err), 0);
    s_expect_error(admin_validate_operator("", &err), &err, "operator");
    s_expect_error(admin_validate_operator(NULL, &err), &err, "operator");
    s_expect_error(admin_validate_operator("a\nb", &err), &err, "operator");
    char long_name[300];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    s_expect_error(admin_validate_operator(long_name, &err), &err, "operator");
}
