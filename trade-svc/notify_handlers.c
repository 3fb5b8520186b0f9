/*  notify_handlers.c - validate, call notify_ops, reply (see notify_handlers.h). */
#include "notify_handlers.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notify_ops.h"
#include "outbox_send.h"
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

static const rf_field_t s_list_fields[] = {
    {.name = "unread_only", .kind = RF_BOOL},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 20},
    {.name = "before_id", .kind = RF_INT, .min = 1, .max = INT64_MAX},
};

void
notify_handlers_list(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[3];
    err_t err;
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, s_list_fields, 3, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200,
            notify_ops_list(app, caller.profile_id, v[0].present && v[0].b, v[2].present ? v[2].i : 0,
                            (int) v[1].i, &err),
            &err);
}

static const rf_field_t s_read_fields[] = {
    {.name = "ids",
     .kind = RF_INT_ARRAY,
     .min = 1,
     .max = INT64_MAX,
     .min_count = 1,
     .max_count = RF_MAX_ITEMS},
    {.name = "all", .kind = RF_BOOL},
};

void
notify_handlers_mark_read(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[2];
    err_t err;
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, s_read_fields, 2, v, &err) != 0)
        goto fail;
    bool all = v[1].present && v[1].b;
    if (!all && !v[0].present) {
        err_set(&err, ERR_INVALID, "field 'ids' is required (or \"all\": true)");
        goto fail;
    }
    if (all && v[0].present) {
        err_set(&err, ERR_INVALID, "field 'ids' cannot be sent with \"all\": true");
        goto fail;
    }
    s_reply(reply, 200, notify_ops_mark_read(app, caller.profile_id, v[0].ints, v[0].count, all, &err), &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

int
notify_handlers_check_url(const char *url, err_t *err)
{
    return outbox_send_check_webhook_url(url, err);
}

static const rf_field_t s_set_fields[] = {
    {.name = "url", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 10, .max = 2048},
    {.name = "secret", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 16, .max = 128},
};

void
notify_handlers_webhook_set(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[2];
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, s_set_fields, 2, v, &err) != 0
        || notify_handlers_check_url(v[0].s, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, notify_ops_webhook_set(app, caller.profile_id, v[0].s, v[1].s, &err), &err);
}

void
notify_handlers_webhook_get(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t none[1];
    err_t err;
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, NULL, 0, none, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, notify_ops_webhook_get(app, caller.profile_id, &err), &err);
}

void
notify_handlers_webhook_delete(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t none[1];
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, NULL, 0, none, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, notify_ops_webhook_delete(app, caller.profile_id, &err), &err);
}
