/*  test_trade_validate.c - trade-svc/trade_validate.c: an amount or price
    parsed with its currency's decimals (TRADING.md "Money"), refused with
    ERR_INVALID and a message naming the field, the output left untouched. */
#include <criterion/criterion.h>
#include <string.h>

#include "trade_validate.h"

static const catalog_currency_t s_btc = {.code = "BTC", .decimals = 8, .active = true};
static const catalog_currency_t s_usdt = {.code = "USDT", .decimals = 6, .active = true};
static const catalog_currency_t s_usd = {.code = "USD", .decimals = 2, .active = true};
static const catalog_currency_t s_jpy = {.code = "JPY", .decimals = 0, .active = true};

/*  An amount that passes: text at currency gives units. */
typedef struct {
    const char *text;
    const catalog_currency_t *currency;
    long long units;
} s_good_t;

static const s_good_t s_good[] = {
    {"0.015", &s_btc, 1500000},
    {"0.01500000", &s_btc, 1500000},
    {"1", &s_btc, 100000000},
    {"0.00000001", &s_btc, 1},
    {"21000000", &s_btc, 2100000000000000},
    {"1.000001", &s_usdt, 1000001},
    {"0.000001", &s_usdt, 1},
    {"64250.10", &s_usd, 6425010},
    {"64250.1", &s_usd, 6425010},
    {"0.01", &s_usd, 1},
    {"000001.5", &s_usd, 150},
    {"150", &s_jpy, 150},
    {"1", &s_jpy, 1},
    {"999999999999999999", &s_jpy, 999999999999999999LL},
};

Test(trade_validate, amounts_parse_to_exact_units)
{
    for (size_t i = 0; i < sizeof s_good / sizeof s_good[0]; i++) {
        money_t out = -1;
        err_t err = {0};
        int rc = trade_validate_amount(s_good[i].text, s_good[i].currency, "amount", &out, &err);
        cr_assert_eq(rc, 0, "'%s' %s: %s", s_good[i].text, s_good[i].currency->code, err.msg);
        cr_assert(out == (money_t) s_good[i].units, "'%s' %s: got %lld, want %lld", s_good[i].text,
                  s_good[i].currency->code, (long long) out, s_good[i].units);
    }
}

Test(trade_validate, the_largest_amount_fits_exactly)
{
    money_t out = 0;
    err_t err = {0};
    cr_assert_eq(trade_validate_amount("999999999999999999.99999999", &s_btc, "amount", &out, &err), 0, "%s",
                 err.msg);
    char text[MONEY_TEXT_MAX];
    cr_assert_str_eq(money_format(out, 8, text), "999999999999999999.99999999");
    cr_assert(out == money_pow10(26) - 1);
}

/*  An amount that fails: the whole message the client reads. */
typedef struct {
    const char *text;
    const catalog_currency_t *currency;
    const char *field, *msg;
} s_bad_t;

#define S_SYNTAX "must be a decimal string of digits with an optional point (no sign, exponent or spaces)"

static const s_bad_t s_bad[] = {
    /* too many decimals for the currency, trailing zeros included */
    {"0.000000001", &s_btc, "crypto_amount", "field 'crypto_amount' has more than 8 decimals (BTC)"},
    {"1.0000001", &s_usdt, "total_amount", "field 'total_amount' has more than 6 decimals (USDT)"},
    {"64250.101", &s_usd, "price", "field 'price' has more than 2 decimals (USD)"},
    {"1.100", &s_usd, "fiat_amount", "field 'fiat_amount' has more than 2 decimals (USD)"},
    {"1.5", &s_jpy, "price", "field 'price' has more than 0 decimals (JPY)"},
    {"1.0", &s_jpy, "price", "field 'price' has more than 0 decimals (JPY)"},
    /* zero, at any scale */
    {"0", &s_btc, "amount", "field 'amount' must be greater than zero"},
    {"0.00000000", &s_btc, "amount", "field 'amount' must be greater than zero"},
    {"0.0", &s_usd, "min_limit", "field 'min_limit' must be greater than zero"},
    {"000", &s_jpy, "max_limit", "field 'max_limit' must be greater than zero"},
    /* negative, signed, exponent */
    {"-1", &s_btc, "amount", "field 'amount' " S_SYNTAX},
    {"-0.5", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"+1", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"1e5", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"1E5", &s_jpy, "amount", "field 'amount' " S_SYNTAX},
    {"1.5e-3", &s_btc, "amount", "field 'amount' " S_SYNTAX},
    /* spaces anywhere */
    {" 1", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"1 ", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"1 000", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"\t1", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"1\n", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    /* other shapes */
    {"", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {".", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {".5", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"1.", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"1,50", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"1.2.3", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"0x10", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"NaN", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"Infinity", &s_usd, "amount", "field 'amount' " S_SYNTAX},
    {"\xd9\xa1", &s_usd, "amount", "field 'amount' " S_SYNTAX}, /* an Arabic-Indic one */
    /* huge: more than 18 integer digits, whatever the decimals */
    {"1234567890123456789", &s_jpy, "price", "field 'price' has more than 18 digits before the point"},
    {"1000000000000000000.5", &s_usd, "price", "field 'price' has more than 18 digits before the point"},
    {"99999999999999999999999999999999999999999", &s_btc, "amount",
     "field 'amount' has more than 18 digits before the point"},
};

Test(trade_validate, bad_amounts_name_the_field_and_touch_nothing)
{
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++) {
        money_t out = 12345;
        err_t err = {0};
        int rc = trade_validate_amount(s_bad[i].text, s_bad[i].currency, s_bad[i].field, &out, &err);
        cr_assert_eq(rc, -1, "'%s' %s accepted", s_bad[i].text, s_bad[i].currency->code);
        cr_assert_eq(err.code, ERR_INVALID, "'%s'", s_bad[i].text);
        cr_assert_str_eq(err.msg, s_bad[i].msg, "'%s' %s", s_bad[i].text, s_bad[i].currency->code);
        cr_assert(out == 12345, "'%s': output touched on failure", s_bad[i].text);
    }
}

Test(trade_validate, a_missing_text_is_refused)
{
    money_t out = 7;
    err_t err = {0};
    cr_assert_eq(trade_validate_amount(NULL, &s_usd, "price", &out, &err), -1);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_str_eq(err.msg, "field 'price' " S_SYNTAX);
    cr_assert(out == 7);
}
