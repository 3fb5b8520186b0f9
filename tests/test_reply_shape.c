/*  test_reply_shape.c - common/reply_shape.h: the seed's shapes per channel
    from one table. REST wraps a profile under "profile", the WebSocket sends
    it bare; a WebSocket conflict on profile.update carries the seed's
    prefix; types without a line reply the same on both channels; the text
    path and the json_t path agree byte for byte. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "reply_shape.h"

static worker_request_t
s_req(msg_type_t type, envelope_channel_t channel)
{
    worker_request_t req;
    memset(&req, 0, sizeof req);
    req.type = type;
    req.channel = channel;
    return req;
}

/*  The body of reply_shape_ok(type, channel) with data {"id":1} (caller frees). */
static char *
s_ok(msg_type_t type, envelope_channel_t channel, const char *message, int *status)
{
    worker_request_t req = s_req(type, channel);
    worker_reply_t reply = {0};
    reply_shape_ok(&reply, &req, 201, json_pack("{s:i}", "id", 1), message);
    *status = reply.status;
    return reply.body;
}

static char *
s_written(msg_type_t type, envelope_channel_t channel)
{
    worker_request_t req = s_req(type, channel);
    worker_reply_t reply = {0};
    json_text_t out = JSON_TEXT_INIT;
    reply_shape_open(&out, &req);
    json_text_raw(&out, "{\"id\":1}", 8);
    reply_shape_ok_written(&reply, &req, 200, &out);
    cr_assert_null(out.data, "out is reset");
    return reply.body;
}

Test(reply_shape, rest_wraps_a_profile_and_the_websocket_does_not)
{
    int status;
    char *body = s_ok(MSG_PROFILE_PUT, CHANNEL_REST, "Profile updated successfully", &status);
    cr_assert_str_eq(body, "{\"success\":true,\"data\":{\"profile\":{\"id\":1}},"
                           "\"message\":\"Profile updated successfully\"}");
    cr_assert_eq(status, 201);
    free(body);
    body = s_ok(MSG_PROFILE_UPDATE, CHANNEL_WEBSOCKET, "Profile updated successfully", &status);
    cr_assert_str_eq(body,
                     "{\"success\":true,\"data\":{\"id\":1},\"message\":\"Profile updated successfully\"}");
    free(body);
    body = s_ok(MSG_PROFILE_UPDATE, CHANNEL_REST, NULL, &status);
    cr_assert_str_eq(body, "{\"success\":true,\"data\":{\"profile\":{\"id\":1}}}", "the same type over REST");
    free(body);
}

Test(reply_shape, a_type_without_a_line_is_the_same_on_both_channels)
{
    int status;
    char *rest = s_ok(MSG_PROFILE_STATS, CHANNEL_REST, NULL, &status);
    char *ws = s_ok(MSG_PROFILE_STATS, CHANNEL_WEBSOCKET, NULL, &status);
    cr_assert_str_eq(rest, "{\"success\":true,\"data\":{\"id\":1}}");
    cr_assert_str_eq(rest, ws);
    free(rest);
    free(ws);
    cr_assert_null(reply_shape_key(MSG_ADMIN_LIST, CHANNEL_REST));
    cr_assert_null(reply_shape_key(MSG_UNKNOWN, CHANNEL_REST));
    cr_assert_null(reply_shape_key(MSG_TYPE_COUNT, CHANNEL_REST));
    cr_assert_str_eq(reply_shape_key(MSG_ADMIN_GET, CHANNEL_REST), "profile");
}

Test(reply_shape, the_text_path_matches_the_json_path)
{
    const msg_type_t types[] = {MSG_PROFILE_GET, MSG_PROFILE_ME, MSG_PROFILE_SEARCH, MSG_ADMIN_AUDIT};
    const envelope_channel_t channels[] = {CHANNEL_REST, CHANNEL_WEBSOCKET};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
        for (size_t c = 0; c < 2; c++) {
            int status;
            char *json = s_ok(types[t], channels[c], NULL, &status);
            char *text = s_written(types[t], channels[c]);
            cr_assert_str_eq(text, json, "type %d channel %d", types[t], channels[c]);
            free(json);
            free(text);
        }
}

Test(reply_shape, a_websocket_conflict_carries_the_seed_prefix)
{
    err_t taken;
    err_set(&taken, ERR_USERNAME_TAKEN, "username already taken");
    worker_request_t ws = s_req(MSG_PROFILE_UPDATE, CHANNEL_WEBSOCKET);
    worker_reply_t reply = {0};
    reply_shape_error(&reply, &ws, &taken);
    cr_assert_eq(reply.status, 409);
    cr_assert_str_eq(reply.body,
                     "{\"success\":false,\"error\":\"Failed to update profile: username already taken\","
                     "\"code\":\"USERNAME_TAKEN\"}");
    free(reply.body);

    /* REST: the plain text; other errors on the WebSocket: the plain text */
    worker_request_t rest = s_req(MSG_PROFILE_PUT, CHANNEL_REST);
    reply_shape_error(&reply, &rest, &taken);
    cr_assert_str_eq(reply.body,
                     "{\"success\":false,\"error\":\"username already taken\",\"code\":\"USERNAME_TAKEN\"}");
    free(reply.body);
    err_t invalid;
    err_set(&invalid, ERR_INVALID, "field 'username' is bad");
    reply_shape_error(&reply, &ws, &invalid);
    cr_assert_eq(reply.status, 400);
    cr_assert_str_eq(
        reply.body, "{\"success\":false,\"error\":\"field 'username' is bad\",\"code\":\"INVALID_REQUEST\"}");
    free(reply.body);
    /* a type without a prefix */
    worker_request_t create = s_req(MSG_PROFILE_CREATE, CHANNEL_WEBSOCKET);
    reply_shape_error(&reply, &create, &taken);
    cr_assert_str_eq(reply.body,
                     "{\"success\":false,\"error\":\"username already taken\",\"code\":\"USERNAME_TAKEN\"}");
    free(reply.body);
}
