/*  order_handlers.c - validate, call order_ops, reply (see order_handlers.h).
    Replies: {"order": order} or {"orders": [...], "total": n}. A transition
    the order's state refuses is 409 ORDER_STATE_CHANGED with the order as it
    is now in the error's "data", so a client (or a retry) sees where it
    stands without another call. */
#include "order_handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order_ops.h"
#include "reply.h"
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

static const rf_field_t s_id_fields[] = {
    {.name = "order_id",
     .kind = RF_INT,
     .flags = RF_REQUIRED | RF_PATH,
     .min = 1,
     .max = INT64_MAX,
     .param = "id"},
};

static const rf_field_t s_create_fields[] = {
    {.name = "ad_id", .kind = RF_INT, .flags = RF_REQUIRED, .min = 1, .max = INT64_MAX},
    {.name = "fiat_amount", .kind = RF_DECIMAL, .max = 64},
    {.name = "crypto_amount", .kind = RF_DECIMAL, .max = 64},
    {.name = "payment_method_id", .kind = RF_INT, .flags = RF_REQUIRED, .min = 1, .max = INT32_MAX},
    {.name = "client_order_id", .kind = RF_STRING, .min = 1, .max = 64},
};

static int
s_client_order_id(const char *id, err_t *err)
{
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'
              || *c == '-'))
            return err_set(err, ERR_INVALID,
                           "field 'client_order_id' must be 1-64 characters of [A-Za-z0-9_-]");
    return 0;
}

void
order_handlers_create(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[5];
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, s_create_fields, 5, v, &err) != 0
        || (v[4].present && s_client_order_id(v[4].s, &err) != 0))
        goto fail;
    if (v[1].present == v[2].present) {
        err_set(&err, ERR_INVALID, "give exactly one of field 'fiat_amount' and field 'crypto_amount'");
        goto fail;
    }
    order_create_t in = {
        .ad_id = v[0].i,
        .fiat_amount = v[1].present ? v[1].s : NULL,
        .crypto_amount = v[2].present ? v[2].s : NULL,
        .payment_method_id = v[3].i,
        .client_order_id = v[4].present ? v[4].s : NULL,
    };
    bool created = false;
    char *data = order_ops_create(app, &caller, req->user_id, &in, &created, &err);
    s_reply(reply, created ? 201 : 200, data, &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

void
order_handlers_get(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[1];
    err_t err;
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, s_id_fields, 1, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, order_ops_get(app, &caller, v[0].i, &err), &err);
}

static const rf_field_t s_list_fields[] = {
    {.name = "status", .kind = RF_STRINGS, .max_count = ORDER_STATUS_COUNT},
    {.name = "role", .kind = RF_STRING, .min = 1, .max = 10},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 20},
    {.name = "offset", .kind = RF_INT, .min = 0, .max = 1000000, .default_int = 0},
};

void
order_handlers_list(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[4];
    err_t err;
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, s_list_fields, 4, v, &err) != 0)
        goto fail;
    for (int i = 0; v[0].present && i < v[0].count; i++)
        if (order_status_from_name(v[0].strings[i]) == ORDER_STATUS_NONE) {
            err_set(&err, ERR_INVALID, "field 'status' must name order states (PENDING_PAYMENT, PAID, ...)");
            goto fail;
        }
    if (v[1].present && strcmp(v[1].s, "buyer") != 0 && strcmp(v[1].s, "seller") != 0) {
        err_set(&err, ERR_INVALID, "field 'role' must be buyer or seller");
        goto fail;
    }
    s_reply(reply, 200,
            order_ops_list(app, &caller, v[0].present ? v[0].strings : NULL, v[0].present ? v[0].count : 0,
                           v[1].present ? v[1].s : NULL, (int) v[2].i, v[3].i, &err),
            &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

/*  ORDER_STATE_CHANGED carries the order as it is now. */
static void
s_state_changed(trade_app_t *app, const party_t *caller, int64_t order_id, const err_t *err,
                worker_reply_t *reply)
{
    char *body = reply_error_body(err);
    char *order = order_ops_view(app, order_id, caller->profile_id);
    size_t len = body ? strlen(body) : 0;
    char *with = NULL;
    if (body && order && len > 1 && body[len - 1] == '}'
        && asprintf(&with, "%.*s,\"data\":%s}", (int) (len - 1), body, order) < 0)
        with = NULL;
    reply->status = err_http_status(err->code);
    reply->body = with ? with : body;
    if (with)
        free(body);
    free(order);
}

static void
s_act(trade_app_t *app, const worker_request_t *req, worker_reply_t *reply, order_action_t action)
{
    party_t caller;
    rf_value_t v[1];
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, s_id_fields, 1, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    char *data = order_ops_act(app, &caller, req->user_id, v[0].i, action, &err);
    if (!data && err.code == ERR_ORDER_STATE_CHANGED) {
        s_state_changed(app, &caller, v[0].i, &err, reply);
        return;
    }
    s_reply(reply, 200, data, &err);
}

void
order_handlers_confirm_payment(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_act(app, req, reply, ORDER_ACT_CONFIRM_PAYMENT);
}

void
order_handlers_cancel(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_act(app, req, reply, ORDER_ACT_CANCEL);
}

void
order_handlers_release(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_act(app, req, reply, ORDER_ACT_RELEASE);
}
