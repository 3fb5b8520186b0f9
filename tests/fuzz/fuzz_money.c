/*  fuzz_money.c - libFuzzer harness for trade-svc/money.c, the parser every
    client amount and price goes through.

    Checks properties, not just crashes: a value that parses formats back to
    text that parses to the same value; the conversions never overflow
    silently (a result either fits and satisfies its rounding rule, or is
    refused); the formatter never writes past MONEY_TEXT_MAX. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

static void
s_check_round_trip(const char *text, int scale)
{
    money_t v;
    if (money_parse(text, scale, &v) != MONEY_OK)
        return;
    char buf[MONEY_TEXT_MAX];
    money_format(v, scale, buf);
    money_t again;
    if (money_parse(buf, scale, &again) != MONEY_OK || again != v)
        abort();
    /* the database form of the same value reads back the same */
    if (money_parse_db(buf, scale, &again) != MONEY_OK || again != v)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 256)
        return 0;
    int scale = data[0] % (MONEY_SCALE_MAX + 1);
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;

    s_check_round_trip(text, scale);
    money_t v;
    (void) money_parse_signed(text, scale, &v);
    (void) money_parse_db(text, scale, &v);

    /* "amount|price": the conversions and their rounding rules */
    char *bar = strchr(text, '|');
    if (bar) {
        *bar = 0;
        money_t a, price;
        if (money_parse(text, 2, &a) == MONEY_OK && money_parse(bar + 1, 2, &price) == MONEY_OK) {
            money_t crypto, fiat;
            if (money_fiat_to_crypto(a, price, scale, &crypto) == MONEY_OK) {
                /* rounded down: crypto * price <= fiat * 10^scale < (crypto + 1) * price */
                money_t lhs, rhs;
                if (!__builtin_mul_overflow(crypto, price, &lhs)
                    && !__builtin_mul_overflow(a, money_pow10(scale), &rhs)
                    && (lhs > rhs || rhs - lhs >= price))
                    abort();
            }
            if (money_crypto_to_fiat(a, scale, price, &fiat) == MONEY_OK && fiat < 0)
                abort();
            money_t margin;
            if (money_parse_signed(bar + 1, 2, &margin) == MONEY_OK
                && money_apply_margin(a, margin, &price) == MONEY_OK && price <= 0)
                abort();
        }
    }
    free(text);
    return 0;
}
