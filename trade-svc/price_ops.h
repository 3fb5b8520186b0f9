/*  price_ops.h - index prices (TRADING.md "Prices"): operators set them,
    everyone lists them; a price older than P2P_PRICE_MAX_AGE_S is stale. */
#ifndef P2P_PRICE_OPS_H
#define P2P_PRICE_OPS_H

#include "catalog.h"
#include "money.h"
#include "trade_app.h"

/*  {"prices":[...]}. Caller frees; NULL with err. */
char *price_ops_list(trade_app_t *app, err_t *err);

/*  Set the pair's price as actor, audited in the same transaction:
    {"price":{...}}. Caller frees; NULL with err. */
char *price_ops_set(trade_app_t *app, const char *actor, const catalog_currency_t *asset,
                    const catalog_currency_t *fiat, money_t price, err_t *err);

#endif
