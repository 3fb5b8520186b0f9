/*  reply_shape.c - replies shaped per channel from one table (see
    reply_shape.h). */
#include "reply_shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *rest_key;
    const char *ws_conflict_prefix;
} s_shape_t;

static const s_shape_t s_shapes[MSG_TYPE_COUNT] = {
#define X(type, rest_key, ws_prefix) [type] = {rest_key, ws_prefix},
    REPLY_SHAPE_LIST(X)
#undef X
};

static const s_shape_t *
s_shape(msg_type_t type)
{
    static const s_shape_t none = {NULL, NULL};
    return type >= 0 && type < MSG_TYPE_COUNT ? &s_shapes[type] : &none;
}

const char *
reply_shape_key(msg_type_t type, envelope_channel_t channel)
{
    return channel == CHANNEL_WEBSOCKET ? NULL : s_shape(type)->rest_key;
}

void
reply_shape_ok(worker_reply_t *reply, const worker_request_t *req, int status, json_t *data,
               const char *message)
{
    const char *key = reply_shape_key(req->type, req->channel);
    if (key && data) {
        json_t *wrapped = json_object();
        json_object_set_new(wrapped, key, data);
        data = wrapped;
    }
    worker_reply_ok(reply, status, data, message);
}

void
reply_shape_open(json_text_t *out, const worker_request_t *req)
{
    const char *key = reply_shape_key(req->type, req->channel);
    if (key) {
        json_text_raw(out, "{", 1);
        json_text_key(out, key);
    }
}

void
reply_shape_ok_written(worker_reply_t *reply, const worker_request_t *req, int status, json_text_t *out)
{
    if (reply_shape_key(req->type, req->channel))
        json_text_raw(out, "}", 1);
    char *data = json_text_finish(out);
    if (data) {
        worker_reply_ok_text(reply, status, data);
        free(data);
        return;
    }
    err_t err;
    err_set(&err, ERR_INTERNAL, "out of memory");
    worker_reply_error(reply, &err);
}

void
reply_shape_error(worker_reply_t *reply, const worker_request_t *req, const err_t *err)
{
    const char *prefix = s_shape(req->type)->ws_conflict_prefix;
    if (!prefix || req->channel != CHANNEL_WEBSOCKET || err_http_status(err->code) != 409) {
        worker_reply_error(reply, err);
        return;
    }
    err_t shaped = {.code = err->code};
    snprintf(shaped.msg, sizeof shaped.msg, "%s%s", prefix, err->msg);
    worker_reply_error(reply, &shaped);
}
