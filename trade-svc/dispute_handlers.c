/*  dispute_handlers.c - validate, call dispute_ops / order_ops, reply (see
    dispute_handlers.h). */
#include "dispute_handlers.h"

#include <stdlib.h>
#include <string.h>

#include "dispute_ops.h"
#include "order_fsm.h"
#include "order_ops.h"
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
#define S_DISPUTE_ID                                                                                      \
    {                                                                                                     \
        .name = "dispute_id", .kind = RF_INT, .flags = RF_REQUIRED | RF_PATH, .min = 1, .max = INT64_MAX, \
        .param = "id"                                                                                     \
    }

static const rf_field_t s_raise_fields[] = {
    S_ORDER_ID,
    {.name = "reason", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = 40},
    {.name = "description", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 10, .max = 2000},
};

static int
s_reason(const char *reason, err_t *err)
{
    static const char *reasons[] = {"payment_not_received", "paid_but_not_released", "wrong_amount", "fraud",
                                    "other"};
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (strcmp(reason, reasons[i]) == 0)
            return 0;
    return err_set(
        err, ERR_INVALID,
        "field 'reason' must be payment_not_received, paid_but_not_released, wrong_amount, fraud or other");
}

void
dispute_handlers_raise(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[3];
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, s_raise_fields, 3, v, &err) != 0 || s_reason(v[1].s, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 201, dispute_ops_raise(app, &caller, req->user_id, v[0].i, v[1].s, v[2].s, &err), &err);
}

static const rf_field_t s_evidence_fields[] = {
    S_ORDER_ID,
    {.name = "text", .kind = RF_STRING, .min = 1, .max = 2000},
    {.name = "attachment_id", .kind = RF_INT, .min = 1, .max = INT64_MAX},
};

void
dispute_handlers_add_evidence(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[3];
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, s_evidence_fields, 3, v, &err) != 0)
        goto fail;
    if (!v[1].present && !v[2].present) {
        err_set(&err, ERR_INVALID,
                "field 'text' is required (1-2000 characters) unless an attachment_id is sent");
        goto fail;
    }
    s_reply(reply, 201,
            dispute_ops_add_evidence(app, &caller, v[0].i, v[1].present ? v[1].s : NULL,
                                     v[2].present ? v[2].i : 0, &err),
            &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

static const rf_field_t s_get_fields[] = {S_ORDER_ID};

void
dispute_handlers_get(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[1];
    err_t err;
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, s_get_fields, 1, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, dispute_ops_get(app, &caller, v[0].i, &err), &err);
}

static const rf_field_t s_list_fields[] = {
    {.name = "status", .kind = RF_STRING, .min = 1, .max = 10},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 20},
    {.name = "offset", .kind = RF_INT, .min = 0, .max = 1000000, .default_int = 0},
};

void
dispute_handlers_admin_list(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    rf_value_t v[3];
    err_t err;
    if (trade_access_admin(req, &err) != 0 || request_fields_parse(req, s_list_fields, 3, v, &err) != 0)
        goto fail;
    if (v[0].present && strcmp(v[0].s, "open") != 0 && strcmp(v[0].s, "resolved") != 0) {
        err_set(&err, ERR_INVALID, "field 'status' must be open or resolved");
        goto fail;
    }
    s_reply(reply, 200, dispute_ops_list(app, v[0].present ? v[0].s : NULL, (int) v[1].i, v[2].i, &err),
            &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

static const rf_field_t s_dispute_fields[] = {S_DISPUTE_ID};

void
dispute_handlers_admin_get(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    rf_value_t v[1];
    err_t err;
    if (trade_access_admin(req, &err) != 0 || request_fields_parse(req, s_dispute_fields, 1, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, dispute_ops_case(app, v[0].i, &err), &err);
}

static const rf_field_t s_message_fields[] = {
    S_DISPUTE_ID,
    {.name = "text", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = 2000},
};

void
dispute_handlers_admin_message(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    rf_value_t v[2];
    err_t err;
    if (trade_access_admin(req, &err) != 0 || request_fields_parse(req, s_message_fields, 2, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 201, dispute_ops_admin_message(app, req->user_id, v[0].i, v[1].s, &err), &err);
}

static const rf_field_t s_resolve_fields[] = {
    S_DISPUTE_ID,
    {.name = "outcome", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = 10},
    {.name = "note", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = 2000},
};

void
dispute_handlers_admin_resolve(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    rf_value_t v[3];
    err_t err;
    if (trade_access_admin(req, &err) != 0 || request_fields_parse(req, s_resolve_fields, 3, v, &err) != 0)
        goto fail;
    bool release = strcmp(v[1].s, "release") == 0;
    if (!release && strcmp(v[1].s, "refund") != 0) {
        err_set(&err, ERR_INVALID, "field 'outcome' must be release or refund");
        goto fail;
    }
    s_reply(reply, 200, dispute_ops_resolve(app, req->user_id, v[0].i, release, v[2].s, &err), &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

static const rf_field_t s_orders_fields[] = {
    {.name = "status", .kind = RF_STRINGS, .max_count = ORDER_STATUS_COUNT},
    {.name = "profile_id", .kind = RF_INT, .min = 1, .max = INT64_MAX},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 20},
    {.name = "offset", .kind = RF_INT, .min = 0, .max = 1000000, .default_int = 0},
};

void
dispute_handlers_admin_orders(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    rf_value_t v[4];
    err_t err;
    if (trade_access_admin(req, &err) != 0 || request_fields_parse(req, s_orders_fields, 4, v, &err) != 0)
        goto fail;
    for (int i = 0; v[0].present && i < v[0].count; i++)
        if (order_status_from_name(v[0].strings[i]) == ORDER_STATUS_NONE) {
            err_set(&err, ERR_INVALID, "field 'status' must name order states (PENDING_PAYMENT, PAID, ...)");
            goto fail;
        }
    s_reply(reply, 200,
            order_ops_admin_list(app, v[0].present ? v[0].strings : NULL, v[0].present ? v[0].count : 0,
                                 v[1].present ? v[1].i : 0, (int) v[2].i, v[3].i, &err),
            &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

void
dispute_handlers_admin_order(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    rf_value_t v[1];
    err_t err;
    if (trade_access_admin(req, &err) != 0 || request_fields_parse(req, s_get_fields, 1, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, order_ops_admin_get(app, v[0].i, &err), &err);
}
