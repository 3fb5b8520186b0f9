/*  trade_validate.h - the trading rules' checks shared by every domain:
    amounts and prices against their currency's decimals (TRADING.md
    "Money"). Failures are ERR_INVALID naming the field. */
#ifndef P2P_TRADE_VALIDATE_H
#define P2P_TRADE_VALIDATE_H

#include <stdbool.h>

#include "catalog.h"
#include "err.h"
#include "money.h"

/*  Parse an amount or price of currency c from text (a JSON string the
    request fields already checked is a string). Must be > 0. 0, or -1 with err. */
int trade_validate_amount(const char *text, const catalog_currency_t *c, const char *field, money_t *out,
                          err_t *err);

#endif
