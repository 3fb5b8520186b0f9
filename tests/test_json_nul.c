/*  test_json_nul.c - common/json_nul.h: the first U+0000 is found in keys,
    strings and array elements at any depth, named by its path, and the path
    is cut safely when it does not fit. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "json_nul.h"

static json_t *
s_parse(const char *text)
{
    json_t *root = json_loads(text, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
    cr_assert_not_null(root, "test input must parse: %s", text);
    return root;
}

static void
s_assert_path(const char *text, const char *want)
{
    json_t *root = s_parse(text);
    char path[JSON_NUL_PATH_MAX];
    bool found = json_nul_find(root, path, sizeof path);
    if (want) {
        cr_assert(found, "no NUL found in %s", text);
        cr_assert_str_eq(path, want, "in %s", text);
    }
    else
        cr_assert_not(found, "NUL reported in %s (path %s)", text, path);
    json_decref(root);
}

Test(json_nul, clean_values_hold_none)
{
    s_assert_path("{}", NULL);
    s_assert_path("{\"a\":\"b\",\"n\":1,\"t\":true,\"z\":null,\"l\":[1,\"x\",{\"y\":\"z\"}]}", NULL);
    s_assert_path("\"caf\\u00e9\"", NULL);
    s_assert_path("[]", NULL);
}

Test(json_nul, names_the_string_member)
{
    s_assert_path("{\"username\":\"ab\\u0000cd\"}", "username");
    s_assert_path("{\"ok\":\"fine\",\"email\":\"\\u0000\"}", "email");
}

Test(json_nul, nested_members_and_elements_get_their_path)
{
    s_assert_path("{\"metadata\":{\"note\":\"a\\u0000\"}}", "metadata.note");
    s_assert_path("{\"methods\":[1,2,\"x\\u0000\"]}", "methods[2]");
    s_assert_path("{\"a\":[{\"b\":[0,{\"c\":\"\\u0000\"}]}]}", "a[0].b[1].c");
    s_assert_path("[\"ok\",\"no\\u0000\"]", "[1]");
}

Test(json_nul, a_key_is_named_as_written)
{
    /* jansson's parser refuses such keys, but a tree built in code may hold one */
    json_t *root = json_object(), *inner = json_object();
    json_object_set_new(root, "ok", json_string("fine"));
    json_object_setn_new(inner, "a\0b", 3, json_integer(1));
    json_object_set_new(root, "outer", inner);
    char path[JSON_NUL_PATH_MAX];
    cr_assert(json_nul_find(root, path, sizeof path));
    cr_assert_str_eq(path, "outer.a\\u0000b");
    json_decref(root);
}

Test(json_nul, loadb_names_a_key_holding_nul)
{
    err_t err;
    const char text[] = "{\"x\":{\"y\":[1,{\"k\\u0000\":2}]}}";
    cr_assert_null(json_nul_loadb(text, strlen(text), 0, &err));
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_str_eq(err.msg, "field 'k\\u0000' must not contain NUL (\\u0000) characters");
}

Test(json_nul, the_first_in_document_order_wins)
{
    s_assert_path("{\"z\":\"\\u0000\",\"a\":\"\\u0000\"}", "z");
    s_assert_path("{\"list\":[\"\\u0000\"],\"b\":\"\\u0000\"}", "list[0]");
}

Test(json_nul, the_root_string_has_an_empty_path)
{
    s_assert_path("\"\\u0000\"", "");
    json_t *root = s_parse("\"\\u0000\"");
    err_t err;
    cr_assert_eq(json_nul_check(root, &err), -1);
    cr_assert(strstr(err.msg, "request body") != NULL, "%s", err.msg);
    json_decref(root);
}

Test(json_nul, a_long_path_is_cut_at_a_character_boundary)
{
    /* 60 two-byte characters (120 bytes) then a NUL: the path does not fit 16 bytes */
    char text[512] = "{\"";
    for (int i = 0; i < 60; i++)
        strcat(text, "\xc3\xa9");
    strcat(text, "\":\"\\u0000\"}");
    json_t *root = s_parse(text);
    char path[16];
    cr_assert(json_nul_find(root, path, sizeof path));
    cr_assert_eq(strlen(path), 14, "cut inside a character: %zu bytes", strlen(path));
    cr_assert_str_eq(path, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    cr_assert(json_nul_find(root, NULL, 0), "path may be NULL");
    json_decref(root);
}

Test(json_nul, check_names_the_field_in_the_error)
{
    json_t *root = s_parse("{\"auto_reply_message\":\"a\\u0000b\"}");
    err_t err;
    cr_assert_eq(json_nul_check(root, &err), -1);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_str_eq(err.msg, "field 'auto_reply_message' must not contain NUL (\\u0000) characters");
    json_decref(root);
    root = s_parse("{\"a\":\"b\"}");
    cr_assert_eq(json_nul_check(root, NULL), 0);
    json_decref(root);
}

Test(json_nul, loadb_parses_refuses_nul_and_reports_bad_json)
{
    err_t err;
    const char ok[] = "{\"a\":[1,2]}";
    json_t *root = json_nul_loadb(ok, strlen(ok), JSON_REJECT_DUPLICATES, &err);
    cr_assert(json_is_object(root));
    json_decref(root);

    const char nul[] = "{\"name\":\"x\\u0000\"}";
    cr_assert_null(json_nul_loadb(nul, strlen(nul), 0, &err));
    cr_assert(strstr(err.msg, "'name'") != NULL, "%s", err.msg);

    const char bad[] = "{\"a\":";
    cr_assert_null(json_nul_loadb(bad, strlen(bad), 0, &err));
    cr_assert(strncmp(err.msg, "request body is not valid JSON", 30) == 0, "%s", err.msg);

    const char dup[] = "{\"a\":1,\"a\":2}";
    cr_assert_null(json_nul_loadb(dup, strlen(dup), JSON_REJECT_DUPLICATES, &err), "flags are honoured");

    /* invalid UTF-8 is not quoted back: the message must fit in a JSON reply */
    const char utf8[] = "{\"a\":\"bad \xff\xfe\"}";
    cr_assert_null(json_nul_loadb(utf8, strlen(utf8), 0, &err));
    json_t *reply = json_string(err.msg);
    cr_assert_not_null(reply, "not valid UTF-8: %s", err.msg);
    json_decref(reply);

    /* a raw 0 byte in the text (not the \u0000 escape) is not JSON */
    const char raw[] = "{\"a\":\"b\0\"}";
    cr_assert_null(json_nul_loadb(raw, sizeof raw - 1, 0, &err));
}
