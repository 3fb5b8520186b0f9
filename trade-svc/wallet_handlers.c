/*  wallet_handlers.c - validate, call wallet_ops, reply (see wallet_handlers.h).
    Replies: wallet.balance {"balances":[{asset, available, held}]};
    wallet.history / admin.ledger {"entries":[...], "has_more"}; a credit or
    debit {"entry", "balance"}, 201 when applied, 200 when the reference had
    been applied before. */
#include "wallet_handlers.h"

#include <stdlib.h>

#include "request_fields.h"
#include "trade_access.h"
#include "trade_validate.h"
#include "wallet_ops.h"

#define S_ID_MAX INT64_MAX

static void
s_reply_text(worker_reply_t *reply, int status, char *data, const err_t *err)
{
    if (data)
        worker_reply_ok_text(reply, status, data);
    else
        worker_reply_error(reply, err);
    free(data);
}

void
wallet_handlers_balance(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    trade_app_t *t = app;
    party_t caller;
    err_t err;
    rf_value_t none[1];
    if (trade_access_user(t, req, false, &caller, &err) != 0
        || request_fields_parse(req, NULL, 0, none, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply_text(reply, 200, wallet_ops_balances(t, caller.profile_id, &err), &err);
}

/*  The history's filters, shared by users (their own) and operators (any). */
static const rf_field_t s_history_fields[] = {
    {.name = "asset", .kind = RF_STRING, .min = 1, .max = CATALOG_CODE_MAX},
    {.name = "limit", .kind = RF_INT, .min = 1, .max = 100, .default_int = 20},
    {.name = "before_id", .kind = RF_INT, .min = 1, .max = S_ID_MAX},
    {.name = "profile_id", .kind = RF_INT, .min = 1, .max = S_ID_MAX},
};
enum { S_H_ASSET, S_H_LIMIT, S_H_BEFORE, S_H_PROFILE, S_H_COUNT };

static int
s_history_query(trade_app_t *t, const worker_request_t *req, bool admin, ledger_query_t *q, err_t *err)
{
    rf_value_t v[S_H_COUNT];
    /* users have no profile_id filter: it is always their own */
    size_t count = admin ? S_H_COUNT : S_H_COUNT - 1;
    if (request_fields_parse(req, s_history_fields, count, v, err) != 0)
        return -1;
    if (v[S_H_ASSET].present && !catalog_require(t->catalog, t->db, true, v[S_H_ASSET].s, "asset", err))
        return -1;
    *q = (ledger_query_t){
        .profile_id = admin ? v[S_H_PROFILE].i : 0,
        .asset = v[S_H_ASSET].present ? v[S_H_ASSET].s : NULL,
        .before_id = v[S_H_BEFORE].present ? v[S_H_BEFORE].i : 0,
        .limit = (int) v[S_H_LIMIT].i,
        .admin = admin,
    };
    return 0;
}

void
wallet_handlers_history(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    trade_app_t *t = app;
    party_t caller;
    ledger_query_t q;
    err_t err;
    if (trade_access_user(t, req, false, &caller, &err) != 0
        || s_history_query(t, req, false, &q, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    q.profile_id = caller.profile_id;
    s_reply_text(reply, 200, wallet_ops_history(t, &q, &err), &err);
}

void
wallet_handlers_ledger(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    trade_app_t *t = app;
    ledger_query_t q;
    err_t err;
    if (trade_access_admin(req, &err) != 0 || s_history_query(t, req, true, &q, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply_text(reply, 200, wallet_ops_history(t, &q, &err), &err);
}

static const rf_field_t s_adjust_fields[] = {
    {.name = "profile_id", .kind = RF_INT, .flags = RF_REQUIRED | RF_PATH, .min = 1, .max = S_ID_MAX},
    {.name = "asset", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = CATALOG_CODE_MAX},
    {.name = "amount", .kind = RF_DECIMAL, .flags = RF_REQUIRED, .max = 64},
    {.name = "reference", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = 100},
};
enum { S_A_PROFILE, S_A_ASSET, S_A_AMOUNT, S_A_REFERENCE, S_A_COUNT };

static void
s_adjust(trade_app_t *t, const worker_request_t *req, worker_reply_t *reply, bool debit)
{
    rf_value_t v[S_A_COUNT];
    err_t err;
    wallet_adjust_t in = {.debit = debit, .actor = req->user_id};
    if (trade_access_admin(req, &err) != 0
        || request_fields_parse(req, s_adjust_fields, S_A_COUNT, v, &err) != 0
        || !(in.asset = catalog_require(t->catalog, t->db, true, v[S_A_ASSET].s, "asset", &err))
        || trade_validate_amount(v[S_A_AMOUNT].s, in.asset, "amount", &in.amount, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    in.profile_id = v[S_A_PROFILE].i;
    in.reference = v[S_A_REFERENCE].s;
    bool created = false;
    char *data = wallet_ops_adjust(t, &in, &created, &err);
    s_reply_text(reply, created ? 201 : 200, data, &err);
}

void
wallet_handlers_credit(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_adjust(app, req, reply, false);
}

void
wallet_handlers_debit(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_adjust(app, req, reply, true);
}
