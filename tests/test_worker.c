/*  test_worker.c - common/worker.h: the JSON object a handler sees for each
    request body (worker_request_data), and the replies handlers build. The
    loop itself (sockets, heartbeats) is covered by the integration tests. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

static json_t *
s_data(envelope_channel_t channel, const char *body, err_t *err)
{
    memset(err, 0, sizeof *err);
    return worker_request_data(channel, (const uint8_t *) body, strlen(body), err);
}

Test(worker, rest_body_object_is_the_data)
{
    err_t err;
    json_t *data = s_data(CHANNEL_REST, "{\"username\":\"alice\",\"n\":2}", &err);
    cr_assert_not_null(data, "%s", err.msg);
    cr_assert(json_is_object(data));
    cr_assert_str_eq(json_string_value(json_object_get(data, "username")), "alice");
    cr_assert_eq(json_integer_value(json_object_get(data, "n")), 2);
    cr_assert_eq(data->refcount, 1, "a new reference the caller owns");
    json_decref(data);
}

Test(worker, empty_body_is_an_empty_object)
{
    const envelope_channel_t channels[] = {CHANNEL_REST, CHANNEL_WEBSOCKET, CHANNEL_NONE};
    for (int i = 0; i < 3; i++) {
        err_t err = {0};
        json_t *data = worker_request_data(channels[i], NULL, 0, &err);
        cr_assert_not_null(data);
        cr_assert(json_is_object(data));
        cr_assert_eq(json_object_size(data), 0);
        json_decref(data);
    }
}

Test(worker, rest_body_that_is_not_an_object_is_refused)
{
    const char *bodies[] = {"[1,2]", "\"text\"", "42", "null", "true"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        err_t err;
        cr_assert_null(s_data(CHANNEL_REST, bodies[i], &err), "%s accepted", bodies[i]);
        cr_assert_eq(err.code, ERR_INVALID);
        /* jansson refuses top-level scalars while parsing; arrays parse and are refused after */
        cr_assert_not_null(strstr(err.msg, "JSON"), "%s", err.msg);
    }
    err_t err;
    cr_assert_null(s_data(CHANNEL_REST, "[{\"a\":1}]", &err));
    cr_assert_str_eq(err.msg, "request body must be a JSON object");
}

Test(worker, rest_body_that_is_not_json_is_refused)
{
    const char *bodies[] = {"{", "not json", "{\"a\":1} x", " "};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        err_t err;
        cr_assert_null(s_data(CHANNEL_REST, bodies[i], &err), "'%s' accepted", bodies[i]);
        cr_assert_eq(err.code, ERR_INVALID);
        cr_assert_not_null(strstr(err.msg, "not valid JSON"), "%s", err.msg);
    }
}

Test(worker, nul_character_in_a_string_is_refused_by_name)
{
    err_t err;
    cr_assert_null(s_data(CHANNEL_REST, "{\"a\":\"\\u0000\"}", &err));
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_str_eq(err.msg, "field 'a' must not contain NUL (\\u0000) characters");
    /* WebSocket: named as the handler sees the fields, inside "data" */
    cr_assert_null(s_data(CHANNEL_WEBSOCKET,
                          "{\"type\":\"profile.update\",\"data\":{\"ok\":1,\"list\":[\"x\\u0000\"]}}", &err));
    cr_assert_str_eq(err.msg, "field 'list[0]' must not contain NUL (\\u0000) characters");
    /* a key holding U+0000 is named as written */
    cr_assert_null(
        s_data(CHANNEL_WEBSOCKET, "{\"type\":\"profile.update\",\"data\":{\"k\\u0000\":1}}", &err));
    cr_assert_not_null(strstr(err.msg, "'k\\u0000'"), "%s", err.msg);
}

Test(worker, rest_body_with_invalid_utf8_is_refused)
{
    const char body[] = "{\"username\":\"\xff\xfe\"}";
    err_t err = {0};
    cr_assert_null(worker_request_data(CHANNEL_REST, (const uint8_t *) body, sizeof body - 1, &err));
    cr_assert_eq(err.code, ERR_INVALID);
}

Test(worker, body_is_read_to_len_only)
{
    const char body[] = "{\"a\":1}GARBAGE";
    err_t err = {0};
    json_t *data = worker_request_data(CHANNEL_REST, (const uint8_t *) body, 7, &err);
    cr_assert_not_null(data, "%s", err.msg);
    cr_assert_eq(json_integer_value(json_object_get(data, "a")), 1);
    json_decref(data);
}

Test(worker, ws_frame_data_is_the_data)
{
    err_t err;
    json_t *data =
        s_data(CHANNEL_WEBSOCKET,
               "{\"type\":\"profile.update\",\"request_id\":\"r\",\"data\":{\"bio\":\"hi\"}}", &err);
    cr_assert_not_null(data, "%s", err.msg);
    cr_assert_str_eq(json_string_value(json_object_get(data, "bio")), "hi");
    cr_assert_null(json_object_get(data, "type"), "the frame's envelope members are not data");
    cr_assert_null(json_object_get(data, "request_id"));
    cr_assert_eq(json_object_size(data), 1);
    cr_assert_eq(data->refcount, 1, "the frame is gone; the data is the caller's alone");
    json_decref(data);
}

Test(worker, ws_frame_without_data_gives_an_empty_object)
{
    err_t err;
    json_t *data = s_data(CHANNEL_WEBSOCKET, "{\"type\":\"profile.stats\"}", &err);
    cr_assert_not_null(data, "%s", err.msg);
    cr_assert(json_is_object(data));
    cr_assert_eq(json_object_size(data), 0);
    json_decref(data);
}

Test(worker, ws_frame_with_null_data_gives_an_empty_object)
{
    err_t err;
    json_t *data = s_data(CHANNEL_WEBSOCKET, "{\"type\":\"profile.stats\",\"data\":null}", &err);
    cr_assert_not_null(data, "%s", err.msg);
    cr_assert(json_is_object(data));
    cr_assert_eq(json_object_size(data), 0);
    json_decref(data);
}

Test(worker, ws_frame_data_that_is_not_an_object_is_refused)
{
    const char *frames[] = {"{\"type\":\"profile.get\",\"data\":[1]}",
                            "{\"type\":\"profile.get\",\"data\":\"x\"}",
                            "{\"type\":\"profile.get\",\"data\":7}"};
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        err_t err;
        cr_assert_null(s_data(CHANNEL_WEBSOCKET, frames[i], &err), "%s accepted", frames[i]);
        cr_assert_eq(err.code, ERR_INVALID);
        cr_assert_str_eq(err.msg, "data must be a JSON object");
    }
}

Test(worker, ws_frame_that_is_not_an_object_is_refused)
{
    const char *frames[] = {"[{\"data\":{}}]", "\"x\"", "null", "1"};
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        err_t err;
        cr_assert_null(s_data(CHANNEL_WEBSOCKET, frames[i], &err), "%s accepted", frames[i]);
        cr_assert_eq(err.code, ERR_INVALID);
    }
    err_t err;
    cr_assert_null(s_data(CHANNEL_WEBSOCKET, "[{\"data\":{}}]", &err));
    cr_assert_str_eq(err.msg, "Invalid message format");
    cr_assert_null(s_data(CHANNEL_WEBSOCKET, "{broken", &err));
    cr_assert_eq(err.code, ERR_INVALID);
}

Test(worker, err_may_be_null)
{
    cr_assert_null(worker_request_data(CHANNEL_REST, (const uint8_t *) "[]", 2, NULL));
    cr_assert_null(worker_request_data(CHANNEL_REST, (const uint8_t *) "{", 1, NULL));
}

Test(worker, reply_ok_fills_status_and_body)
{
    worker_reply_t reply = {0};
    worker_reply_ok(&reply, 201, json_pack("{s:s}", "username", "alice"), "Profile created");
    cr_assert_eq(reply.status, 201);
    cr_assert_not_null(reply.body);
    json_t *root = json_loads(reply.body, 0, NULL);
    cr_assert(json_is_true(json_object_get(root, "success")));
    cr_assert_str_eq(json_string_value(json_object_get(root, "message")), "Profile created");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "data"), "username")), "alice");
    json_decref(root);
    free(reply.body);
}

Test(worker, reply_error_maps_the_code_to_its_http_status)
{
    const struct {
        err_code_t code;
        int status;
    } cases[] = {{ERR_INVALID, 400},   {ERR_NOT_FOUND, 404},      {ERR_PROFILE_EXISTS, 409},
                 {ERR_SUSPENDED, 403}, {ERR_DB_UNAVAILABLE, 503}, {ERR_INTERNAL, 500}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_t err;
        err_set(&err, cases[i].code, "field x is bad");
        worker_reply_t reply = {0};
        worker_reply_error(&reply, &err);
        cr_assert_eq(reply.status, cases[i].status, "%s", err_wire_code(cases[i].code));
        json_t *root = json_loads(reply.body, 0, NULL);
        cr_assert_not_null(root);
        cr_assert(json_is_false(json_object_get(root, "success")));
        cr_assert_str_eq(json_string_value(json_object_get(root, "error")), "field x is bad");
        cr_assert_str_eq(json_string_value(json_object_get(root, "code")), err_wire_code(cases[i].code));
        json_decref(root);
        free(reply.body);
    }
}
