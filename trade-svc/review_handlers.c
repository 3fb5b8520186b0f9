/*  review_handlers.c - validate, call review_ops, reply (see review_handlers.h). */
#include "review_handlers.h"

#include <stdlib.h>

#include "request_fields.h"
#include "review_ops.h"
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

static const rf_field_t s_create_fields[] = {
    {.name = "order_id",
     .kind = RF_INT,
     .flags = RF_REQUIRED | RF_PATH,
     .min = 1,
     .max = INT64_MAX,
     .param = "id"},
    {.name = "rating", .kind = RF_INT, .flags = RF_REQUIRED, .min = 1, .max = 5},
    {.name = "comment", .kind = RF_STRING, .min = 0, .max = 500},
};

void
review_handlers_create(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[3];
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, s_create_fields, 3, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 201,
            review_ops_create(app, &caller, v[0].i, (int) v[1].i, v[2].present ? v[2].s : "", &err), &err);
}

static const rf_field_t s_list_fields[] = {
    {.name = "profile_id", .kind = RF_INT, .flags = RF_PATH, .min = 1, .max = INT64_MAX, .param = "id"},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 20},
    {.name = "offset", .kind = RF_INT, .min = 0, .max = 1000000, .default_int = 0},
};

void
review_handlers_list(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[3];
    err_t err;
    if (trade_access_reader(app, req, &caller, &err) != 0
        || request_fields_parse(req, s_list_fields, 3, v, &err) != 0)
        goto fail;
    int64_t profile = v[0].present ? v[0].i : caller.profile_id;
    if (!profile) {
        err_set(&err, ERR_NOT_JOINED, "You have not joined P2P trading yet; name a profile_id");
        goto fail;
    }
    s_reply(reply, 200, review_ops_list(app, profile, (int) v[1].i, v[2].i, &err), &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

static const rf_field_t s_hide_fields[] = {
    {.name = "review_id",
     .kind = RF_INT,
     .flags = RF_REQUIRED | RF_PATH,
     .min = 1,
     .max = INT64_MAX,
     .param = "id"},
    {.name = "reason", .kind = RF_STRING, .min = 1, .max = 500},
};

static void
s_set_hidden(void *app, const worker_request_t *req, worker_reply_t *reply, bool hidden)
{
    rf_value_t v[2];
    err_t err;
    if (trade_access_admin(req, &err) != 0 || request_fields_parse(req, s_hide_fields, 2, v, &err) != 0)
        goto fail;
    if (hidden && !v[1].present) {
        err_set(&err, ERR_INVALID, "field 'reason' is required to hide a review");
        goto fail;
    }
    s_reply(reply, 200,
            review_ops_set_hidden(app, req->user_id, v[0].i, hidden, v[1].present ? v[1].s : NULL, &err),
            &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

void
review_handlers_hide(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_set_hidden(app, req, reply, true);
}

void
review_handlers_unhide(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_set_hidden(app, req, reply, false);
}
