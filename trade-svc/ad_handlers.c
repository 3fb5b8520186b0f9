/*  ad_handlers.c - validate, call ad_ops, reply (see ad_handlers.h). Every
    reply's data is {"ad": ad} or a page {"ads": [...], "total": n}. */
#include "ad_handlers.h"

#include <stdlib.h>
#include <string.h>

#include "ad_ops.h"
#include "request_fields.h"
#include "trade_access.h"
#include "trade_validate.h"

static void
s_reply(worker_reply_t *reply, int status, char *data, const err_t *err)
{
    if (data)
        worker_reply_ok_text(reply, status, data);
    else
        worker_reply_error(reply, err);
    free(data);
}

void
ad_handlers_create(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    trade_app_t *t = app;
    party_t caller;
    ad_input_t in;
    ad_amounts_t amounts;
    err_t err;
    if (trade_access_user(t, req, true, &caller, &err) != 0
        || ad_validate_create(req, t->catalog, t->db, &in, &amounts, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 201, ad_ops_create(t, &caller, &in, &amounts, &err), &err);
}

void
ad_handlers_update(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    ad_input_t in;
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0 || ad_validate_update(req, &in, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, ad_ops_update(app, &caller, &in, &err), &err);
}

void
ad_handlers_delete(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    int64_t ad_id;
    err_t err;
    if (trade_access_user(app, req, true, &caller, &err) != 0 || ad_validate_id(req, &ad_id, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, ad_ops_delete(app, &caller, ad_id, &err), &err);
}

void
ad_handlers_get(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    int64_t ad_id;
    err_t err;
    if (trade_access_reader(app, req, &caller, &err) != 0 || ad_validate_id(req, &ad_id, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, ad_ops_get(app, &caller, ad_id, &err), &err);
}

static const rf_field_t s_list_fields[] = {
    {.name = "type", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = 10},
    {.name = "asset", .kind = RF_STRING, .min = 1, .max = CATALOG_CODE_MAX},
    {.name = "fiat", .kind = RF_STRING, .min = 1, .max = CATALOG_CODE_MAX},
    {.name = "payment_method_id", .kind = RF_INT, .min = 1, .max = INT32_MAX},
    {.name = "amount", .kind = RF_DECIMAL, .max = 64},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 20},
    {.name = "offset", .kind = RF_INT, .min = 0, .max = 100000, .default_int = 0},
};
enum { S_L_TYPE, S_L_ASSET, S_L_FIAT, S_L_METHOD, S_L_AMOUNT, S_L_LIMIT, S_L_OFFSET, S_L_COUNT };

void
ad_handlers_list(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    trade_app_t *t = app;
    rf_value_t v[S_L_COUNT];
    err_t err;
    const catalog_currency_t *fiat = NULL;
    money_t amount = 0;
    char amount_text[MONEY_TEXT_MAX];
    /* public: the caller is not looked up (who asks changes nothing in the
       answer), which leaves a kept answer one statement away */
    if (request_fields_parse(req, s_list_fields, S_L_COUNT, v, &err) != 0)
        goto fail;
    if (strcmp(v[S_L_TYPE].s, "buy") != 0 && strcmp(v[S_L_TYPE].s, "sell") != 0) {
        err_set(&err, ERR_INVALID, "field 'type' must be buy or sell (the maker's side)");
        goto fail;
    }
    if ((v[S_L_ASSET].present && !catalog_require(t->catalog, t->db, true, v[S_L_ASSET].s, "asset", &err))
        || (v[S_L_FIAT].present
            && !(fiat = catalog_require(t->catalog, t->db, false, v[S_L_FIAT].s, "fiat", &err))))
        goto fail;
    if (v[S_L_AMOUNT].present) {
        if (!fiat) {
            err_set(&err, ERR_INVALID, "field 'amount' is a fiat amount: give 'fiat' with it");
            goto fail;
        }
        if (trade_validate_amount(v[S_L_AMOUNT].s, fiat, "amount", &amount, &err) != 0)
            goto fail;
        money_format(amount, fiat->decimals, amount_text);
    }
    ad_query_t q = {
        .type = v[S_L_TYPE].s,
        .asset = v[S_L_ASSET].present ? v[S_L_ASSET].s : NULL,
        .fiat = v[S_L_FIAT].present ? v[S_L_FIAT].s : NULL,
        .payment_method_id = v[S_L_METHOD].present ? v[S_L_METHOD].i : 0,
        .amount = v[S_L_AMOUNT].present ? amount_text : NULL,
        .limit = (int) v[S_L_LIMIT].i,
        .offset = v[S_L_OFFSET].i,
        .max_age_s = t->cfg->price_max_age_s,
        .batch_seq = req->batch_seq,
        .call_seq = req->call_seq,
    };
    s_reply(reply, 200, ad_ops_list(t, &q, &err), &err);
    return;
fail:
    worker_reply_error(reply, &err);
}

static const rf_field_t s_mine_fields[] = {
    {.name = "status", .kind = RF_STRING, .min = 1, .max = 10},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 20},
    {.name = "offset", .kind = RF_INT, .min = 0, .max = 100000, .default_int = 0},
};

void
ad_handlers_mine(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    rf_value_t v[3];
    err_t err;
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, s_mine_fields, 3, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    const char *status = v[0].present ? v[0].s : NULL;
    if (status && strcmp(status, "active") != 0 && strcmp(status, "paused") != 0
        && strcmp(status, "closed") != 0) {
        err_set(&err, ERR_INVALID, "field 'status' must be active, paused or closed");
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, ad_ops_mine(app, &caller, status, (int) v[1].i, v[2].i, &err), &err);
}
