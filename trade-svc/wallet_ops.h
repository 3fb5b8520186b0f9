/*  wallet_ops.h - the wallet operations: balances, history, and the
    operators' credits and debits (stand-ins for custody: deposits and
    withdrawals on chain are outside this service). Each change is one
    transaction: the movement, its journal row and the audit row. */
#ifndef P2P_WALLET_OPS_H
#define P2P_WALLET_OPS_H

#include <stdbool.h>

#include "ledger_repo.h"
#include "money.h"
#include "trade_app.h"

/*  {"balances":[...]} for every asset. Caller frees; NULL with err. */
char *wallet_ops_balances(trade_app_t *app, int64_t profile_id, err_t *err);

/*  {"entries":[...],"has_more":b}. Caller frees; NULL with err. */
char *wallet_ops_history(trade_app_t *app, const ledger_query_t *query, err_t *err);

typedef struct {
    int64_t profile_id;
    const catalog_currency_t *asset;
    money_t amount;        /* > 0 */
    const char *reference; /* 1-100 characters */
    const char *actor;     /* the operator */
    bool debit;
} wallet_adjust_t;

/*  Credit or debit a wallet once per reference: {"entry":{...},"balance":{...}}
    (caller frees). *created is true when this call applied it, false when
    the reference had been applied before (the original entry answers).
    NULL with err: 404 unknown profile, 409 INSUFFICIENT_BALANCE (nothing
    changed), 409 CONFLICT (the reference was used for something else). */
char *wallet_ops_adjust(trade_app_t *app, const wallet_adjust_t *adjust, bool *created, err_t *err);

#endif
