/*  test_reply.c - common/reply.h: the JSON bodies clients receive, parsed
    back with jansson and checked member by member. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

/*  Parse body (and free it); the caller decrefs the result. */
static json_t *
s_parse(char *body)
{
    cr_assert_not_null(body);
    json_error_t jerr;
    json_t *root = json_loads(body, 0, &jerr);
    cr_assert_not_null(root, "not JSON (%s): %s", jerr.text, body);
    cr_assert(json_is_object(root));
    free(body);
    return root;
}

static const char *
s_str(json_t *root, const char *key)
{
    json_t *value = json_object_get(root, key);
    cr_assert(json_is_string(value), "\"%s\" is not a string", key);
    return json_string_value(value);
}

Test(reply, ok_body_with_data_and_message)
{
    json_t *data = json_pack("{s:s, s:i}", "username", "alice", "total_trades", 3);
    json_t *root = s_parse(reply_ok_body(data, "Profile retrieved"));
    cr_assert(json_is_true(json_object_get(root, "success")));
    cr_assert_str_eq(s_str(root, "message"), "Profile retrieved");
    json_t *got = json_object_get(root, "data");
    cr_assert_str_eq(json_string_value(json_object_get(got, "username")), "alice");
    cr_assert_eq(json_integer_value(json_object_get(got, "total_trades")), 3);
    cr_assert_null(json_object_get(root, "error"));
    cr_assert_eq(json_object_size(root), 3);
    json_decref(root);
}

Test(reply, ok_body_without_data_or_message)
{
    json_t *root = s_parse(reply_ok_body(NULL, NULL));
    cr_assert(json_is_true(json_object_get(root, "success")));
    cr_assert_null(json_object_get(root, "data"));
    cr_assert_null(json_object_get(root, "message"));
    cr_assert_eq(json_object_size(root), 1);
    json_decref(root);
}

Test(reply, ok_body_steals_data)
{
    json_t *data = json_object();
    json_incref(data); /* keep one reference to watch it */
    char *body = reply_ok_body(data, NULL);
    cr_assert_eq(data->refcount, 1, "reply_ok_body must consume the caller's reference");
    json_decref(data);
    json_t *root = s_parse(body);
    cr_assert(json_is_object(json_object_get(root, "data")));
    json_decref(root);
}

Test(reply, ok_body_is_compact_and_escapes_text)
{
    char *body = reply_ok_body(NULL, "say \"hi\"\n");
    cr_assert_null(strchr(body, '\n'), "one line: %s", body);
    json_t *root = s_parse(body);
    cr_assert_str_eq(s_str(root, "message"), "say \"hi\"\n");
    json_decref(root);
}

Test(reply, error_body_carries_text_and_wire_code)
{
    err_t err;
    err_set(&err, ERR_USERNAME_TAKEN, "username %s is taken", "alice");
    json_t *root = s_parse(reply_error_body(&err));
    cr_assert(json_is_false(json_object_get(root, "success")));
    cr_assert_str_eq(s_str(root, "error"), "username alice is taken");
    cr_assert_str_eq(s_str(root, "code"), "USERNAME_TAKEN");
    cr_assert_null(json_object_get(root, "data"));
    cr_assert_eq(json_object_size(root), 3);
    json_decref(root);
}

Test(reply, error_text_falls_back_to_the_wire_code)
{
    json_t *root = s_parse(reply_error_text(ERR_NOT_FOUND, ""));
    cr_assert_str_eq(s_str(root, "error"), "NOT_FOUND");
    cr_assert_str_eq(s_str(root, "code"), "NOT_FOUND");
    json_decref(root);
    root = s_parse(reply_error_text(ERR_INTERNAL, NULL));
    cr_assert_str_eq(s_str(root, "error"), "INTERNAL_ERROR");
    json_decref(root);
}

Test(reply, every_error_code_gives_a_valid_body)
{
    for (int code = 0; code < ERR_COUNT; code++) {
        json_t *root = s_parse(reply_error_text((err_code_t) code, "why"));
        cr_assert(json_is_false(json_object_get(root, "success")));
        cr_assert_str_eq(s_str(root, "code"), err_wire_code((err_code_t) code));
        json_decref(root);
        root = s_parse(reply_gateway_error((err_code_t) code, "why"));
        cr_assert(json_is_false(json_object_get(root, "success")));
        cr_assert_str_eq(s_str(root, "code"), err_wire_code((err_code_t) code));
        json_decref(root);
    }
}

Test(reply, gateway_error_puts_the_code_in_error_and_text_in_message)
{
    json_t *root = s_parse(reply_gateway_error(ERR_RATE_LIMITED, "Too many requests"));
    cr_assert(json_is_false(json_object_get(root, "success")));
    cr_assert_str_eq(s_str(root, "error"), "RATE_LIMITED");
    cr_assert_str_eq(s_str(root, "message"), "Too many requests");
    cr_assert_str_eq(s_str(root, "code"), "RATE_LIMITED");
    cr_assert_eq(json_object_size(root), 4);
    json_decref(root);

    root = s_parse(reply_gateway_error(ERR_UNAUTHORIZED, "token expired"));
    cr_assert_str_eq(s_str(root, "error"), "UNAUTHORIZED", "the contract's 401 envelope");
    json_decref(root);
}

Test(reply, gateway_error_without_text_has_no_message)
{
    const char *texts[] = {NULL, ""};
    for (int i = 0; i < 2; i++) {
        json_t *root = s_parse(reply_gateway_error(ERR_UNAVAILABLE, texts[i]));
        cr_assert_str_eq(s_str(root, "error"), "SERVICE_UNAVAILABLE");
        cr_assert_null(json_object_get(root, "message"));
        json_decref(root);
    }
}

Test(reply, gateway_error_invalid_keeps_the_reason_in_error)
{
    json_t *root = s_parse(reply_gateway_error(ERR_INVALID, "username must be 3-30 characters"));
    cr_assert_str_eq(s_str(root, "error"), "username must be 3-30 characters");
    cr_assert_str_eq(s_str(root, "code"), "INVALID_REQUEST");
    json_decref(root);
}
