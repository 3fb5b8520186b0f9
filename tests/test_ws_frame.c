/*  test_ws_frame.c - gateway/ws_frame.h: what a client frame parses to, which
    frames are refused, and that composed replies are valid JSON carrying
    "type" and "request_id" in front of the worker's body. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ws_frame.h"

/*  Parse a NUL-terminated frame. */
static int
s_parse(const char *text, ws_frame_t *frame, err_t *err)
{
    memset(err, 0, sizeof *err);
    return ws_frame_parse(text, strlen(text), frame, err);
}

/*  Assert the frame was refused as "Invalid message format". */
static void
s_assert_invalid(const char *text, size_t len)
{
    ws_frame_t frame;
    err_t err = {0};
    cr_assert_eq(ws_frame_parse(text, len, &frame, &err), -1, "accepted: %.*s", (int) len, text);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_str_eq(err.msg, "Invalid message format", "for %.*s", (int) len, text);
}

/*  Parse composed text with jansson; the caller decrefs. */
static json_t *
s_load(const unsigned char *text, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *) text, len, 0, &jerr);
    cr_assert_not_null(root, "composed frame is not JSON (%s): %.*s", jerr.text, (int) len, text);
    cr_assert(json_is_object(root));
    return root;
}

/* ---- parse: valid frames ---- */

Test(ws_frame, parses_a_valid_frame)
{
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse("{\"type\":\"profile.get\",\"data\":{\"profile_id\":\"x\"}}", &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_PROFILE_GET);
    cr_assert_str_eq(frame.type_name, "profile.get");
    cr_assert_not(frame.has_request_id);
    cr_assert_str_eq(frame.request_id, "");
}

Test(ws_frame, parses_every_client_profile_type)
{
    const msg_type_t types[] = {MSG_PROFILE_GET, MSG_PROFILE_UPDATE, MSG_PROFILE_STATS, MSG_PROFILE_SEARCH};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"type\":\"%s\"}", msg_type_name(types[i]));
        ws_frame_t frame;
        err_t err;
        cr_assert_eq(s_parse(text, &frame, &err), 0, "%s", text);
        cr_assert_eq(frame.type, types[i], "%s", text);
    }
}

Test(ws_frame, data_null_or_absent_is_accepted)
{
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse("{\"type\":\"profile.stats\"}", &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_PROFILE_STATS);
    cr_assert_eq(s_parse("{\"type\":\"profile.stats\",\"data\":null}", &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_PROFILE_STATS);
    cr_assert_eq(s_parse("{\"type\":\"profile.stats\",\"data\":{}}", &frame, &err), 0);
}

Test(ws_frame, reads_only_len_bytes)
{
    const char text[] = "{\"type\":\"profile.get\"}{\"garbage\"";
    ws_frame_t frame;
    err_t err = {0};
    cr_assert_eq(ws_frame_parse(text, strlen("{\"type\":\"profile.get\"}"), &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_PROFILE_GET);
    /* and a buffer that is not NUL-terminated at all */
    char raw[22];
    memcpy(raw, "{\"type\":\"profile.get\"}", sizeof raw);
    cr_assert_eq(ws_frame_parse(raw, sizeof raw, &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_PROFILE_GET);
}

Test(ws_frame, err_may_be_null)
{
    ws_frame_t frame;
    cr_assert_eq(ws_frame_parse("nope", 4, &frame, NULL), -1);
    cr_assert_eq(ws_frame_parse("{\"type\":\"profile.get\"}", 22, &frame, NULL), 0);
}

/* ---- parse: request_id ---- */

Test(ws_frame, request_id_is_echoed)
{
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse("{\"type\":\"profile.get\",\"request_id\":\"req-42\"}", &frame, &err), 0);
    cr_assert(frame.has_request_id);
    cr_assert_str_eq(frame.request_id, "req-42");
}

Test(ws_frame, request_id_null_counts_as_absent)
{
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse("{\"type\":\"profile.get\",\"request_id\":null}", &frame, &err), 0);
    cr_assert_not(frame.has_request_id);
    cr_assert_str_eq(frame.request_id, "");
}

Test(ws_frame, request_id_of_64_chars_is_accepted)
{
    char rid[WS_REQUEST_ID_MAX + 1];
    memset(rid, 'r', WS_REQUEST_ID_MAX);
    rid[WS_REQUEST_ID_MAX] = 0;
    char text[256];
    snprintf(text, sizeof text, "{\"type\":\"profile.get\",\"request_id\":\"%s\"}", rid);
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse(text, &frame, &err), 0);
    cr_assert(frame.has_request_id);
    cr_assert_str_eq(frame.request_id, rid);
}

Test(ws_frame, request_id_longer_than_64_is_refused)
{
    char rid[WS_REQUEST_ID_MAX + 2];
    memset(rid, 'r', WS_REQUEST_ID_MAX + 1);
    rid[WS_REQUEST_ID_MAX + 1] = 0;
    char text[256];
    snprintf(text, sizeof text, "{\"type\":\"profile.get\",\"request_id\":\"%s\"}", rid);
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse(text, &frame, &err), -1);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_not_null(strstr(err.msg, "request_id"), "error names the field: %s", err.msg);
    cr_assert_not(frame.has_request_id);
}

Test(ws_frame, request_id_limit_counts_characters)
{
    /* CONTRACT.md: "at most 64 chars": 64 four-byte characters (256 bytes) are
       accepted and echoed whole; 65 two-byte ones are refused */
    char text[512] = "{\"type\":\"profile.get\",\"request_id\":\"";
    for (int i = 0; i < 64; i++)
        strcat(text, "\xf0\x9f\x98\x80");
    strcat(text, "\"}");
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse(text, &frame, &err), 0, "%s", err.msg);
    cr_assert(frame.has_request_id);
    cr_assert_eq(strlen(frame.request_id), 256);
    strcpy(text, "{\"type\":\"profile.get\",\"request_id\":\"");
    for (int i = 0; i < 65; i++)
        strcat(text, "\xc3\xa9");
    strcat(text, "\"}");
    cr_assert_eq(s_parse(text, &frame, &err), -1);
    cr_assert_not(frame.has_request_id);
    cr_assert_str_eq(frame.request_id, "");
}

Test(ws_frame, non_string_request_id_is_refused)
{
    const char *frames[] = {
        "{\"type\":\"profile.get\",\"request_id\":42}",
        "{\"type\":\"profile.get\",\"request_id\":true}",
        "{\"type\":\"profile.get\",\"request_id\":{\"a\":1}}",
        "{\"type\":\"profile.get\",\"request_id\":[\"a\"]}",
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        ws_frame_t frame;
        err_t err;
        cr_assert_eq(s_parse(frames[i], &frame, &err), -1, "%s", frames[i]);
        cr_assert_eq(err.code, ERR_INVALID);
        cr_assert_not_null(strstr(err.msg, "request_id"), "%s", err.msg);
    }
}

Test(ws_frame, request_id_is_kept_when_the_rest_of_the_frame_is_invalid)
{
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse("{\"request_id\":\"r1\"}", &frame, &err), -1);
    cr_assert(frame.has_request_id);
    cr_assert_str_eq(frame.request_id, "r1");
    cr_assert_eq(s_parse("{\"type\":\"profile.get\",\"request_id\":\"r2\",\"data\":[1]}", &frame, &err), -1);
    cr_assert_str_eq(frame.request_id, "r2");
}

Test(ws_frame, request_id_is_echoed_for_unknown_types)
{
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse("{\"type\":\"no.such\",\"request_id\":\"r3\"}", &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_UNKNOWN);
    cr_assert_str_eq(frame.request_id, "r3");
}

/* ---- parse: invalid frames ---- */

Test(ws_frame, missing_empty_or_non_string_type_is_invalid)
{
    const char *frames[] = {
        "{}",
        "{\"data\":{}}",
        "{\"type\":\"\"}",
        "{\"type\":null}",
        "{\"type\":42}",
        "{\"type\":true}",
        "{\"type\":[\"profile.get\"]}",
        "{\"type\":{\"name\":\"profile.get\"}}",
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        s_assert_invalid(frames[i], strlen(frames[i]));
}

Test(ws_frame, data_that_is_not_an_object_is_invalid)
{
    const char *frames[] = {
        "{\"type\":\"profile.get\",\"data\":[]}",
        "{\"type\":\"profile.get\",\"data\":\"x\"}",
        "{\"type\":\"profile.get\",\"data\":1}",
        "{\"type\":\"profile.get\",\"data\":false}",
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        s_assert_invalid(frames[i], strlen(frames[i]));
}

Test(ws_frame, text_that_is_not_a_json_object_is_invalid)
{
    const char *frames[] = {
        "",
        "{",
        "not json",
        "{\"type\":\"profile.get\"",
        "{\"type\":\"profile.get\"} trailing",
        "[{\"type\":\"profile.get\"}]",
        "\"profile.get\"",
        "null",
        "42",
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        s_assert_invalid(frames[i], strlen(frames[i]));
}

Test(ws_frame, invalid_utf8_is_invalid)
{
    const char bad[] = "{\"type\":\"profile.get\",\"data\":{\"username\":\"a\xff\xfe\"}}";
    s_assert_invalid(bad, sizeof bad - 1);
    const char overlong[] = "{\"type\":\"profile.get\",\"data\":{\"username\":\"\xc0\xaf\"}}";
    s_assert_invalid(overlong, sizeof overlong - 1);
    const char in_type[] = "{\"type\":\"profile.get\x80\"}";
    s_assert_invalid(in_type, sizeof in_type - 1);
}

Test(ws_frame, nul_escape_in_data_passes_so_the_worker_can_answer_with_type_and_request_id)
{
    const char *text =
        "{\"type\":\"profile.update\",\"request_id\":\"r1\",\"data\":{\"username\":\"a\\u0000b\"}}";
    ws_frame_t frame;
    err_t err = {0};
    cr_assert_eq(ws_frame_parse(text, strlen(text), &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_PROFILE_UPDATE);
    cr_assert_str_eq(frame.request_id, "r1");
}

Test(ws_frame, nul_escape_in_type_or_request_id_is_invalid)
{
    const char *text = "{\"type\":\"profile.get\\u0000x\"}";
    s_assert_invalid(text, strlen(text));
    ws_frame_t frame;
    err_t err = {0};
    const char *rid = "{\"type\":\"profile.get\",\"request_id\":\"a\\u0000\"}";
    cr_assert_eq(ws_frame_parse(rid, strlen(rid), &frame, &err), -1);
    cr_assert_eq(err.code, ERR_INVALID);
}

Test(ws_frame, raw_nul_byte_is_invalid)
{
    const char text[] = "{\"type\":\"profile.get\"}\0";
    s_assert_invalid(text, sizeof text - 1);
}

Test(ws_frame, duplicate_keys_are_invalid)
{
    const char text[] = "{\"type\":\"ad.create\",\"type\":\"profile.get\"}";
    s_assert_invalid(text, sizeof text - 1);
}

/* ---- parse: type lookup ---- */

Test(ws_frame, unknown_type_is_reported_with_its_name)
{
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse("{\"type\":\"profile.delete\",\"data\":{}}", &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_UNKNOWN);
    cr_assert_str_eq(frame.type_name, "profile.delete");
}

Test(ws_frame, long_unknown_type_name_is_truncated)
{
    char name[300];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = 0;
    char text[400];
    snprintf(text, sizeof text, "{\"type\":\"%s\"}", name);
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse(text, &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_UNKNOWN);
    cr_assert_eq(strlen(frame.type_name), WS_TYPE_ECHO_MAX);
    cr_assert_eq(strncmp(frame.type_name, name, WS_TYPE_ECHO_MAX), 0);
}

/*  Found by tests/fuzz/fuzz_ws_frame: a cut inside a multi-byte character left
    invalid UTF-8 in type_name, so the "Unknown message type" reply could not be
    composed and the client never got an answer. */
Test(ws_frame, long_type_name_is_cut_at_a_character_boundary)
{
    for (int ascii = WS_TYPE_ECHO_MAX - 3; ascii <= WS_TYPE_ECHO_MAX; ascii++) {
        char text[400];
        int n = snprintf(text, sizeof text, "{\"type\":\"");
        memset(text + n, 'x', (size_t) ascii);
        n += ascii;
        n += snprintf(text + n, sizeof text - (size_t) n,
                      "\xf0\x9f\x98\x80\xc3\xa9yyyy\",\"request_id\":\"r\"}");
        ws_frame_t frame;
        err_t err;
        cr_assert_eq(ws_frame_parse(text, (size_t) n, &frame, &err), 0);
        cr_assert_eq(frame.type, MSG_UNKNOWN);
        cr_assert_leq(strlen(frame.type_name), WS_TYPE_ECHO_MAX);
        cr_assert_geq(strlen(frame.type_name), (size_t) ascii, "cut more than the partial character");
        size_t len = 0;
        const char body[] = "{\"success\":false}";
        unsigned char *reply =
            ws_frame_compose(0, frame.type_name, frame.request_id, body, sizeof body - 1, &len);
        cr_assert_not_null(reply, "no reply for a type name cut after %d ASCII bytes", ascii);
        json_decref(s_load(reply, len));
        free(reply);
    }
}

Test(ws_frame, internal_types_are_unknown_to_clients)
{
    const msg_type_t internal[] = {MSG_PROFILE_CHECK, MSG_PROFILE_CREATE, MSG_PROFILE_ME, MSG_PROFILE_PUT,
                                   MSG_SESSION_OPEN};
    for (size_t i = 0; i < sizeof internal / sizeof internal[0]; i++) {
        const char *name = msg_type_name(internal[i]);
        char text[128];
        snprintf(text, sizeof text, "{\"type\":\"%s\",\"data\":{}}", name);
        ws_frame_t frame;
        err_t err;
        cr_assert_eq(s_parse(text, &frame, &err), 0, "%s", text);
        cr_assert_eq(frame.type, MSG_UNKNOWN, "%s must not be sendable over the WebSocket", name);
        cr_assert_str_eq(frame.type_name, name);
    }
}

Test(ws_frame, placeholder_type_parses_to_itself)
{
    ws_frame_t frame;
    err_t err;
    cr_assert_eq(s_parse("{\"type\":\"ad.create\",\"data\":{\"price\":1}}", &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_AD_CREATE);
    cr_assert_str_eq(frame.type_name, "ad.create");
    cr_assert_eq(s_parse("{\"type\":\"notification.mark_read\"}", &frame, &err), 0);
    cr_assert_eq(frame.type, MSG_NOTIFICATION_MARK_READ);
}

Test(ws_frame, type_match_is_exact)
{
    const char *near[] = {"Profile.get", "profile.get ", " profile.get", "profile.ge", "profile.gett"};
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"type\":\"%s\"}", near[i]);
        ws_frame_t frame;
        err_t err;
        cr_assert_eq(s_parse(text, &frame, &err), 0);
        cr_assert_eq(frame.type, MSG_UNKNOWN, "'%s' matched a type", near[i]);
    }
}

/* ---- compose ---- */

Test(ws_frame, compose_puts_type_and_request_id_in_front_of_the_body)
{
    const char body[] = "{\"success\":true,\"data\":{\"username\":\"alice\"},\"message\":\"ok\"}";
    size_t len = 0;
    unsigned char *buf = ws_frame_compose(0, "profile.get", "r-1", body, strlen(body), &len);
    cr_assert_not_null(buf);
    cr_assert_eq(len, strlen((char *) buf));
    cr_assert_eq(strncmp((char *) buf, "{\"type\":\"profile.get\",\"request_id\":\"r-1\",", 41), 0, "%s",
                 buf);

    json_t *root = s_load(buf, len);
    cr_assert_str_eq(json_string_value(json_object_get(root, "type")), "profile.get");
    cr_assert_str_eq(json_string_value(json_object_get(root, "request_id")), "r-1");
    cr_assert(json_is_true(json_object_get(root, "success")));
    cr_assert_str_eq(json_string_value(json_object_get(root, "message")), "ok");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "data"), "username")), "alice");
    cr_assert_eq(json_object_size(root), 5);
    json_decref(root);
    free(buf);
}

Test(ws_frame, compose_without_request_id_adds_only_type)
{
    const char body[] = "{\"success\":false,\"error\":\"x\"}";
    const char *rids[] = {NULL, ""};
    for (int i = 0; i < 2; i++) {
        size_t len = 0;
        unsigned char *buf = ws_frame_compose(0, "profile.update", rids[i], body, strlen(body), &len);
        cr_assert_not_null(buf);
        json_t *root = s_load(buf, len);
        cr_assert_str_eq(json_string_value(json_object_get(root, "type")), "profile.update");
        cr_assert_null(json_object_get(root, "request_id"));
        cr_assert_eq(json_object_size(root), 3);
        json_decref(root);
        free(buf);
    }
}

Test(ws_frame, compose_empty_object_body_gives_valid_json)
{
    size_t len = 0;
    unsigned char *buf = ws_frame_compose(0, "pong", NULL, "{}", 2, &len);
    cr_assert_not_null(buf);
    cr_assert_str_eq((char *) buf, "{\"type\":\"pong\"}");
    cr_assert_eq(len, strlen("{\"type\":\"pong\"}"));
    free(buf);

    buf = ws_frame_compose(0, "pong", "abc", "{}", 2, &len);
    cr_assert_not_null(buf);
    cr_assert_str_eq((char *) buf, "{\"type\":\"pong\",\"request_id\":\"abc\"}");
    json_t *root = s_load(buf, len);
    cr_assert_eq(json_object_size(root), 2);
    json_decref(root);
    free(buf);
}

Test(ws_frame, compose_empty_object_with_whitespace_gives_valid_json)
{
    const char *bodies[] = {"{ }", "{\n}", " {}", "\n{ \n }", "{}\n", "\t{\t}\r\n", "\r\n{\r\n}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        size_t len = 0;
        unsigned char *buf = ws_frame_compose(0, "pong", "r", bodies[i], strlen(bodies[i]), &len);
        cr_assert_not_null(buf, "body %zu", i);
        json_t *root = s_load(buf, len);
        cr_assert_str_eq(json_string_value(json_object_get(root, "type")), "pong");
        cr_assert_str_eq(json_string_value(json_object_get(root, "request_id")), "r");
        cr_assert_eq(json_object_size(root), 2);
        json_decref(root);
        free(buf);
    }
}

Test(ws_frame, compose_escapes_quotes_in_request_id_and_type)
{
    const char *rid = "a\"b\\c\n}{\"";
    size_t len = 0;
    unsigned char *buf = ws_frame_compose(0, "x\"y", rid, "{\"success\":true}", 16, &len);
    cr_assert_not_null(buf);
    json_t *root = s_load(buf, len);
    cr_assert_str_eq(json_string_value(json_object_get(root, "request_id")), rid);
    cr_assert_str_eq(json_string_value(json_object_get(root, "type")), "x\"y");
    cr_assert(json_is_true(json_object_get(root, "success")));
    cr_assert_eq(json_object_size(root), 3, "the request_id must not inject members");
    json_decref(root);
    free(buf);
}

Test(ws_frame, compose_refuses_a_body_that_is_not_an_object)
{
    const char *bodies[] = {"", " ", "{", "[]", "[1,2]", "\"text\"", "42", "null", "true"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        size_t len = 12345;
        unsigned char *buf = ws_frame_compose(0, "t", "r", bodies[i], strlen(bodies[i]), &len);
        cr_assert_null(buf, "body '%s' was accepted", bodies[i]);
        free(buf);
    }
}

Test(ws_frame, compose_reads_only_body_len_bytes)
{
    const char body[] = "{\"a\":1}{\"b\":2}";
    size_t len = 0;
    unsigned char *buf = ws_frame_compose(0, "t", NULL, body, 7, &len);
    cr_assert_not_null(buf);
    json_t *root = s_load(buf, len);
    cr_assert_eq(json_integer_value(json_object_get(root, "a")), 1);
    cr_assert_null(json_object_get(root, "b"));
    json_decref(root);
    free(buf);
}

Test(ws_frame, compose_leaves_headroom_before_the_text)
{
    enum { HEADROOM = 16 };
    const char body[] = "{\"success\":true}";
    size_t len = 0;
    unsigned char *buf = ws_frame_compose(HEADROOM, "profile.stats", "r9", body, strlen(body), &len);
    cr_assert_not_null(buf);
    /* the headroom is ours to write (lws puts its header there) */
    memset(buf, 0xAB, HEADROOM);
    const char *text = (const char *) buf + HEADROOM;
    cr_assert_eq(text[0], '{');
    cr_assert_eq(len, strlen(text));
    cr_assert_str_eq(text, "{\"type\":\"profile.stats\",\"request_id\":\"r9\",\"success\":true}");
    json_t *root = s_load((const unsigned char *) text, len);
    json_decref(root);
    free(buf);
}

Test(ws_frame, compose_json_splices_an_object)
{
    json_t *obj = json_pack("{s:b, s:{s:i}}", "success", 1, "data", "total_trades", 3);
    size_t len = 0;
    unsigned char *buf = ws_frame_compose_json(8, "profile.stats", "q", obj, &len);
    cr_assert_not_null(buf);
    json_t *root = s_load(buf + 8, len);
    cr_assert_str_eq(json_string_value(json_object_get(root, "type")), "profile.stats");
    cr_assert_str_eq(json_string_value(json_object_get(root, "request_id")), "q");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(root, "data"), "total_trades")), 3);
    cr_assert_eq(obj->refcount, 1, "the object is borrowed");
    json_decref(root);
    json_decref(obj);
    free(buf);
}

Test(ws_frame, compose_json_of_empty_object_and_of_non_object)
{
    json_t *empty = json_object();
    size_t len = 0;
    unsigned char *buf = ws_frame_compose_json(0, "t", NULL, empty, &len);
    cr_assert_not_null(buf);
    cr_assert_str_eq((char *) buf, "{\"type\":\"t\"}");
    free(buf);
    json_decref(empty);

    json_t *array = json_pack("[i]", 1);
    cr_assert_null(ws_frame_compose_json(0, "t", NULL, array, &len));
    json_decref(array);
}

Test(ws_frame, composed_reply_parses_back_as_a_client_frame)
{
    /* what the gateway sends must itself be well-formed by the client rules */
    size_t len = 0;
    unsigned char *buf = ws_frame_compose(0, "profile.get", "rt", "{\"data\":{\"a\":1}}", 16, &len);
    cr_assert_not_null(buf);
    ws_frame_t frame;
    err_t err = {0};
    cr_assert_eq(ws_frame_parse((const char *) buf, len, &frame, &err), 0, "%s", err.msg);
    cr_assert_eq(frame.type, MSG_PROFILE_GET);
    cr_assert_str_eq(frame.request_id, "rt");
    free(buf);
}
