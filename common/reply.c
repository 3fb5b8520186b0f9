/*  reply.c - build the seed's response envelope. */
#include "reply.h"

char *
reply_ok_body(json_t *data, const char *message)
{
    json_t *root = json_object();
    json_object_set_new(root, "success", json_true());
    if (data)
        json_object_set_new(root, "data", data);
    if (message)
        json_object_set_new(root, "message", json_string(message));
    char *text = json_dumps(root, REPLY_JSON_FLAGS);
    json_decref(root);
    return text;
}

char *
reply_error_text(err_code_t code, const char *text)
{
    json_t *root = json_object();
    json_object_set_new(root, "success", json_false());
    json_object_set_new(root, "error", json_string(text && *text ? text : err_wire_code(code)));
    json_object_set_new(root, "code", json_string(err_wire_code(code)));
    char *body = json_dumps(root, REPLY_JSON_FLAGS);
    json_decref(root);
    return body;
}

char *
reply_error_body(const err_t *err)
{
    return reply_error_text(err->code, err->msg);
}

char *
reply_gateway_error(err_code_t code, const char *text)
{
    if (code == ERR_INVALID)
        return reply_error_text(code, text);
    json_t *root = json_object();
    json_object_set_new(root, "success", json_false());
    json_object_set_new(root, "error", json_string(err_wire_code(code)));
    if (text && *text)
        json_object_set_new(root, "message", json_string(text));
    json_object_set_new(root, "code", json_string(err_wire_code(code)));
    char *body = json_dumps(root, REPLY_JSON_FLAGS);
    json_decref(root);
    return body;
}
