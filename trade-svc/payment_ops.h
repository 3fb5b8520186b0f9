/*  payment_ops.h - payment methods (the catalog operators keep) and users'
    payment accounts (TRADING.md "Payment methods and accounts"). Replies are
    the JSON objects clients receive as data; caller frees; NULL with err. */
#ifndef P2P_PAYMENT_OPS_H
#define P2P_PAYMENT_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "trade_app.h"

/*  A user may keep at most this many payment accounts (409 LIMIT_REACHED past it). */
#define PAYMENT_ACCOUNTS_MAX 20

/*  {"payment_methods":[...]}: the active ones. */
char *payment_ops_methods(trade_app_t *app, err_t *err);

/*  {"payment_method":{...}}, audited as actor. 409 CONFLICT for a code in use. */
char *payment_ops_method_create(trade_app_t *app, const char *actor, const char *code, const char *name,
                                const char *kind, err_t *err);

/*  {"payment_method":{...}} switched on or off, audited when it changed. 404 when missing. */
char *payment_ops_method_set_active(trade_app_t *app, const char *actor, int64_t id, bool active, err_t *err);

/*  {"payment_account":{...}}: 400 naming payment_method_id for a missing or
    inactive method, 409 LIMIT_REACHED past PAYMENT_ACCOUNTS_MAX. details is
    JSON object text (validated by the caller). */
char *payment_ops_account_create(trade_app_t *app, int64_t profile_id, int64_t method_id, const char *label,
                                 const char *details, err_t *err);

/*  {"payment_accounts":[...]} of the user. */
char *payment_ops_accounts(trade_app_t *app, int64_t profile_id, err_t *err);

/*  {"id":n,"deleted":true}; 404 when missing, 403 when someone else's. */
char *payment_ops_account_delete(trade_app_t *app, int64_t profile_id, int64_t id, err_t *err);

#endif
