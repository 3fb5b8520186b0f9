/*  chat_handlers.c - validate, call chat_ops, reply (see chat_handlers.h).
    Replies: {"message": m}; {"messages": [...], "has_more", "unread_count"};
    {"updated", "unread_count"}; an upload {"attachment_id", "content_type",
    "size", "sha256"} (201); a download is the file itself. */
#include "chat_handlers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_ops.h"
#include "request_fields.h"
#include "trade_access.h"

static void
s_reply(worker_reply_t *reply, int status, char *data, const err_t *err)
{
    if (data)
        worker_reply_ok_text(reply, status, data);
    else
        worker_reply_error(reply, err);
    free(data);
}

#define S_ORDER_ID                                                                                      \
    {                                                                                                   \
        .name = "order_id", .kind = RF_INT, .flags = RF_REQUIRED | RF_PATH, .min = 1, .max = INT64_MAX, \
        .param = "id"                                                                                   \
    }

static const rf_field_t s_send_fields[] = {
    S_ORDER_ID,
    {.name = "text", .kind = RF_STRING, .min = 1, .max = 2000},
    {.name = "attachment_id", .kind = RF_INT, .min = 1, .max = INT64_MAX},
};

/*  The caller is looked up by the send's own statement (one round trip a
    message); only a request refused before it looks them up first, so the
    caller's access still answers before the fields (TRADING.md "Errors"). */
void
chat_handlers_send(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    rf_value_t v[3];
    err_t err;
    bool fields_ok = request_fields_parse(req, s_send_fields, 3, v, &err) == 0;
    if (fields_ok && !v[1].present && !v[2].present) {
        err_set(&err, ERR_INVALID,
                "field 'text' is required (1-2000 characters) unless an attachment_id is sent");
        fields_ok = false;
    }
    if (!fields_ok) {
        party_t caller;
        err_t access;
        worker_reply_error(reply, trade_access_user(app, req, true, &caller, &access) != 0 ? &access : &err);
        return;
    }
    s_reply(reply, 201,
            chat_ops_send(app, req->user_id, v[0].i, v[1].present ? v[1].s : NULL, v[2].present ? v[2].i : 0,
                          &err),
            &err);
}

static const rf_field_t s_page_fields[] = {
    S_ORDER_ID,
    {.name = "before_id", .kind = RF_INT, .min = 1, .max = INT64_MAX},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 50},
};

void
chat_handlers_messages(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[3];
    err_t err;
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, s_page_fields, 3, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200,
            chat_ops_messages(app, &caller, v[0].i, v[1].present ? v[1].i : 0, (int) v[2].i, &err), &err);
}

static const rf_field_t s_read_fields[] = {
    S_ORDER_ID,
    {.name = "up_to_id", .kind = RF_INT, .flags = RF_REQUIRED, .min = 1, .max = INT64_MAX},
};

void
chat_handlers_mark_read(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[2];
    err_t err;
    /* reading is not writing: a suspended party may still mark what they read */
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, s_read_fields, 2, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, chat_ops_mark_read(app, &caller, v[0].i, v[1].i, &err), &err);
}

static const rf_field_t s_upload_fields[] = {S_ORDER_ID};

void
chat_handlers_attachment_add(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[1];
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, s_upload_fields, 1, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 201,
            chat_ops_attachment_add(app, &caller, v[0].i, req->content_type, req->body, req->body_len, &err),
            &err);
}

static const rf_field_t s_download_fields[] = {
    {.name = "attachment_id",
     .kind = RF_INT,
     .flags = RF_REQUIRED | RF_PATH,
     .min = 1,
     .max = INT64_MAX,
     .param = "id"},
};

static const char *
s_extension(const char *content_type)
{
    return strcmp(content_type, "image/png") == 0    ? "png"
           : strcmp(content_type, "image/jpeg") == 0 ? "jpg"
                                                     : "pdf";
}

static const char *
s_static_type(const char *content_type)
{
    return strcmp(content_type, "image/png") == 0    ? "image/png"
           : strcmp(content_type, "image/jpeg") == 0 ? "image/jpeg"
                                                     : "application/pdf";
}

void
chat_handlers_attachment_get(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    trade_app_t *t = app;
    party_t caller = {0};
    rf_value_t v[1];
    err_t err;
    bool admin = req->role && strcmp(req->role, "admin") == 0;
    /* an admin need not have a profile; anyone else reads as their profile */
    if ((admin ? trade_access_reader(t, req, &caller, &err) : trade_access_user(t, req, false, &caller, &err))
            != 0
        || request_fields_parse(req, s_download_fields, 1, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    char *type = NULL;
    unsigned char *data = NULL;
    size_t size = 0;
    if (chat_ops_attachment_get(t, caller.profile_id, admin, v[0].i, &type, &data, &size, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "attachment-%" PRId64 ".%s", v[0].i, s_extension(type));
    worker_reply_file(reply, data, size, s_static_type(type), name);
    free(type);
}
