/*  price_handlers.c - validate, call price_ops, reply (see price_handlers.h). */
#include "price_handlers.h"

#include <stdlib.h>

#include "price_ops.h"
#include "request_fields.h"
#include "trade_access.h"
#include "trade_validate.h"

void
price_handlers_list(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    err_t err;
    rf_value_t none[1];
    char *data = NULL;
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, NULL, 0, none, &err) != 0 || !(data = price_ops_list(app, &err))) {
        worker_reply_error(reply, &err);
        return;
    }
    worker_reply_ok_text(reply, 200, data);
    free(data);
}

static const rf_field_t s_set_fields[] = {
    {.name = "asset", .kind = RF_STRING, .flags = RF_REQUIRED | RF_PATH, .min = 1, .max = CATALOG_CODE_MAX},
    {.name = "fiat", .kind = RF_STRING, .flags = RF_REQUIRED | RF_PATH, .min = 1, .max = CATALOG_CODE_MAX},
    {.name = "price", .kind = RF_DECIMAL, .flags = RF_REQUIRED, .max = 64},
};

void
price_handlers_set(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    trade_app_t *t = app;
    err_t err;
    rf_value_t v[3];
    const catalog_currency_t *asset, *fiat;
    money_t price;
    char *data = NULL;
    if (trade_access_admin(req, &err) != 0 || request_fields_parse(req, s_set_fields, 3, v, &err) != 0
        || !(asset = catalog_require(t->catalog, t->db, true, v[0].s, "asset", &err))
        || !(fiat = catalog_require(t->catalog, t->db, false, v[1].s, "fiat", &err))
        || trade_validate_amount(v[2].s, fiat, "price", &price, &err) != 0
        || !(data = price_ops_set(t, req->user_id, asset, fiat, price, &err))) {
        worker_reply_error(reply, &err);
        return;
    }
    worker_reply_ok_text(reply, 200, data);
    free(data);
}
