/*  test_money.c - the decimal parser, formatter and conversions (trade-svc/money.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "money.h"

static money_t
s_parse_ok(const char *text, int scale)
{
    money_t v = -1;
    money_status_t st = money_parse(text, scale, &v);
    cr_assert_eq(st, MONEY_OK, "'%s' at scale %d: %s", text, scale, money_status_text(st));
    return v;
}

static void
s_parse_fails(const char *text, int scale, money_status_t want)
{
    money_t v = 12345;
    money_status_t st = money_parse(text, scale, &v);
    cr_assert_eq(st, want, "'%s' at scale %d: got %d want %d", text, scale, st, want);
    cr_assert_eq(v, 12345, "output touched on failure");
}

static const char *
s_fmt(money_t v, int scale)
{
    static char buf[MONEY_TEXT_MAX];
    return money_format(v, scale, buf);
}

Test(money, parses_the_grammar)
{
    cr_assert_eq(s_parse_ok("0", 8), 0);
    cr_assert_eq(s_parse_ok("1", 8), 100000000);
    cr_assert_eq(s_parse_ok("0.015", 8), 1500000);
    cr_assert_eq(s_parse_ok("0.01500000", 8), 1500000);
    cr_assert_eq(s_parse_ok("64250.10", 2), 6425010);
    cr_assert_eq(s_parse_ok("64250", 0), 64250);
    cr_assert_eq(s_parse_ok("007.5", 2), 750);
    cr_assert_eq(s_parse_ok("123456789012345678", 0), (money_t) 123456789012345678LL);
    money_t big = s_parse_ok("999999999999999999.99999999", 8);
    cr_assert_str_eq(s_fmt(big, 8), "999999999999999999.99999999");
}

Test(money, refuses_what_the_grammar_forbids)
{
    s_parse_fails("", 8, MONEY_ESYNTAX);
    s_parse_fails(".5", 8, MONEY_ESYNTAX);
    s_parse_fails("5.", 8, MONEY_ESYNTAX);
    s_parse_fails("-1", 8, MONEY_ESYNTAX);
    s_parse_fails("+1", 8, MONEY_ESYNTAX);
    s_parse_fails("1e5", 8, MONEY_ESYNTAX);
    s_parse_fails(" 1", 8, MONEY_ESYNTAX);
    s_parse_fails("1 ", 8, MONEY_ESYNTAX);
    s_parse_fails("1,5", 8, MONEY_ESYNTAX);
    s_parse_fails("1.2.3", 8, MONEY_ESYNTAX);
    s_parse_fails("0x10", 8, MONEY_ESYNTAX);
    s_parse_fails("NaN", 8, MONEY_ESYNTAX);
    s_parse_fails("١", 8, MONEY_ESYNTAX); /* a non-ASCII digit */
    s_parse_fails("1.123", 2, MONEY_ESCALE);
    s_parse_fails("1.5", 0, MONEY_ESCALE);
    s_parse_fails("1.100", 2, MONEY_ESCALE); /* a client's trailing zeros count too */
    s_parse_fails("1234567890123456789", 8, MONEY_EDIGITS);
    cr_assert_eq(money_parse(NULL, 2, &(money_t){0}), MONEY_ESYNTAX);
}

Test(money, signed_values_for_margins)
{
    money_t v;
    cr_assert_eq(money_parse_signed("-1.50", 2, &v), MONEY_OK);
    cr_assert_eq(v, -150);
    cr_assert_eq(money_parse_signed("50.00", 2, &v), MONEY_OK);
    cr_assert_eq(v, 5000);
    cr_assert_eq(money_parse_signed("--1", 2, &v), MONEY_ESYNTAX);
    cr_assert_eq(money_parse_signed("-", 2, &v), MONEY_ESYNTAX);
    cr_assert_eq(money_parse_signed("+1", 2, &v), MONEY_ESYNTAX);
}

Test(money, reads_postgres_numeric_text)
{
    money_t v;
    cr_assert_eq(money_parse_db("0.01500000", 6, &v), MONEY_OK); /* a 6-decimal asset in NUMERIC(38,8) */
    cr_assert_eq(v, 15000);
    cr_assert_eq(money_parse_db("-12.50000000", 8, &v), MONEY_OK);
    cr_assert_eq(v, -1250000000);
    cr_assert_eq(money_parse_db("0.00000001", 6, &v), MONEY_ESCALE);
    cr_assert_eq(money_parse_db("1234567890123456789012.5", 2, &v), MONEY_OK);
    cr_assert_str_eq(s_fmt(v, 2), "1234567890123456789012.50");
}

Test(money, formats_exactly_the_scale)
{
    cr_assert_str_eq(s_fmt(0, 8), "0.00000000");
    cr_assert_str_eq(s_fmt(1, 8), "0.00000001");
    cr_assert_str_eq(s_fmt(1500000, 8), "0.01500000");
    cr_assert_str_eq(s_fmt(6425010, 2), "64250.10");
    cr_assert_str_eq(s_fmt(64250, 0), "64250");
    cr_assert_str_eq(s_fmt(0, 0), "0");
    cr_assert_str_eq(s_fmt(-350, 2), "-3.50");
    cr_assert_str_eq(s_fmt(-5, 2), "-0.05");
    /* the extremes of the type do not overflow the buffer */
    money_t min = (money_t) ((unsigned __int128) 1 << 127);
    char buf[MONEY_TEXT_MAX];
    money_format(min, 8, buf);
    cr_assert_eq(buf[0], '-');
    cr_assert_lt(strlen(buf), MONEY_TEXT_MAX);
}

Test(money, round_trips)
{
    const char *samples[] = {"0.00000001", "1.00000000", "21000000.00000000", "0.12345678"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        cr_assert_str_eq(s_fmt(s_parse_ok(samples[i], 8), 8), samples[i]);
}

Test(money, fiat_to_crypto_rounds_down)
{
    money_t crypto;
    /* 100.00 USD at 64250.10 USD/BTC = 0.001556417... -> 0.00155641 */
    cr_assert_eq(money_fiat_to_crypto(10000, 6425010, 8, &crypto), MONEY_OK);
    cr_assert_str_eq(s_fmt(crypto, 8), "0.00155641");
    /* exact division stays exact */
    cr_assert_eq(money_fiat_to_crypto(5000, 10000, 6, &crypto), MONEY_OK);
    cr_assert_str_eq(s_fmt(crypto, 6), "0.500000");
    /* JPY (0 decimals): 1000 JPY at 3 JPY/USDT = 333.333333 USDT */
    cr_assert_eq(money_fiat_to_crypto(1000, 3, 6, &crypto), MONEY_OK);
    cr_assert_str_eq(s_fmt(crypto, 6), "333.333333");
    /* rounds to zero: the caller refuses it */
    cr_assert_eq(money_fiat_to_crypto(1, 100000000000, 8, &crypto), MONEY_OK);
    cr_assert_eq(crypto, 0);
    cr_assert_eq(money_fiat_to_crypto(100, 0, 8, &crypto), MONEY_ERANGE);
}

Test(money, crypto_to_fiat_rounds_half_up)
{
    money_t fiat;
    /* 0.00155641 BTC * 64250.10 = 99.99946... -> 100.00 */
    cr_assert_eq(money_crypto_to_fiat(155641, 8, 6425010, &fiat), MONEY_OK);
    cr_assert_str_eq(s_fmt(fiat, 2), "100.00");
    /* exactly half a cent rounds up: 0.5 USDT at 0.01 = 0.005 -> 0.01 */
    cr_assert_eq(money_crypto_to_fiat(500000, 6, 1, &fiat), MONEY_OK);
    cr_assert_str_eq(s_fmt(fiat, 2), "0.01");
    /* just under half rounds down: 0.499999 USDT at 0.01 = 0.00499999 -> 0.00 */
    cr_assert_eq(money_crypto_to_fiat(499999, 6, 1, &fiat), MONEY_OK);
    cr_assert_eq(fiat, 0);
    /* a product past 38 digits is refused, not wrapped */
    money_t huge;
    cr_assert_eq(money_parse("999999999999999999.99999999", 8, &huge), MONEY_OK);
    cr_assert_eq(money_crypto_to_fiat(huge, 8, huge, &fiat), MONEY_ERANGE);
}

Test(money, margin_is_applied_half_up)
{
    money_t price;
    /* 64250.10 * 1.015 = 65213.8515 -> 65213.85 */
    cr_assert_eq(money_apply_margin(6425010, 150, &price), MONEY_OK);
    cr_assert_str_eq(s_fmt(price, 2), "65213.85");
    /* 100.10 * 0.985 = 98.5985 -> 98.60 */
    cr_assert_eq(money_apply_margin(10010, -150, &price), MONEY_OK);
    cr_assert_str_eq(s_fmt(price, 2), "98.60");
    /* 1.00 * 0.995 = 0.995 -> 1.00 (half up) */
    cr_assert_eq(money_apply_margin(100, -50, &price), MONEY_OK);
    cr_assert_str_eq(s_fmt(price, 2), "1.00");
    cr_assert_eq(money_apply_margin(0, 0, &price), MONEY_ERANGE);
    cr_assert_eq(money_apply_margin(100, -10000, &price), MONEY_ERANGE);
}
