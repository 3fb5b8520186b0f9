/*  trade_validate.c - amounts and prices (see trade_validate.h). */
#include "trade_validate.h"

int
trade_validate_amount(const char *text, const catalog_currency_t *c, const char *field, money_t *out,
                      err_t *err)
{
    money_t v;
    money_status_t st = money_parse(text, c->decimals, &v);
    if (st == MONEY_ESCALE)
        return err_set(err, ERR_INVALID, "field '%s' has more than %d decimals (%s)", field, c->decimals,
                       c->code);
    if (st != MONEY_OK)
        return err_set(err, ERR_INVALID, "field '%s' %s", field, money_status_text(st));
    if (v <= 0)
        return err_set(err, ERR_INVALID, "field '%s' must be greater than zero", field);
    *out = v;
    return 0;
}
