/*  money.c - exact decimal parsing, formatting and conversion (see money.h). */
#include "money.h"

#include <string.h>

/*  The largest magnitude a money_t may hold in an intermediate result:
    10^38 - 1 (2^127 is about 1.7 * 10^38). */
#define S_LIMIT_DIGITS 38

money_t
money_pow10(int n)
{
    money_t p = 1;
    for (int i = 0; i < n && i < S_LIMIT_DIGITS; i++)
        p *= 10;
    return p;
}

static bool
s_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*  The grammar shared by the parsers: [-]digits[.digits]. int_max and
    frac_max bound the digit counts (-1: unbounded); decimals past frac_max
    are accepted only when zero_tail allows them and they are zeros. */
static money_status_t
s_parse(const char *text, bool allow_sign, int int_max, int scale, bool zero_tail, money_t *out)
{
    if (!text)
        return MONEY_ESYNTAX;
    const char *p = text;
    bool negative = false;
    if (allow_sign && *p == '-') {
        negative = true;
        p++;
    }
    if (!s_digit(*p))
        return MONEY_ESYNTAX;
    money_t units = 0;
    int int_digits = 0;
    bool leading = true;
    for (; s_digit(*p); p++) {
        if (leading && *p == '0' && s_digit(p[1]))
            continue; /* leading zeros carry no magnitude */
        leading = false;
        if (++int_digits > (int_max < 0 ? S_LIMIT_DIGITS - MONEY_SCALE_MAX : int_max))
            return MONEY_EDIGITS;
        units = units * 10 + (*p - '0');
    }
    int decimals = 0;
    if (*p == '.') {
        p++;
        if (!s_digit(*p))
            return MONEY_ESYNTAX;
        for (; s_digit(*p); p++) {
            if (decimals < scale) {
                units = units * 10 + (*p - '0');
                decimals++;
            }
            else if (!zero_tail || *p != '0')
                return MONEY_ESCALE;
        }
    }
    if (*p)
        return MONEY_ESYNTAX;
    units *= money_pow10(scale - decimals);
    *out = negative ? -units : units;
    return MONEY_OK;
}

money_status_t
money_parse(const char *text, int scale, money_t *out)
{
    return s_parse(text, false, MONEY_INT_DIGITS_MAX, scale, false, out);
}

money_status_t
money_parse_signed(const char *text, int scale, money_t *out)
{
    return s_parse(text, true, MONEY_INT_DIGITS_MAX, scale, false, out);
}

money_status_t
money_parse_db(const char *text, int scale, money_t *out)
{
    return s_parse(text, true, -1, scale, true, out);
}

char *
money_format(money_t value, int scale, char *buf)
{
    char digits[S_LIMIT_DIGITS + 2];
    int n = 0;
    bool negative = value < 0;
    /* work on the magnitude as unsigned: -(2^127) has no positive money_t */
    unsigned __int128 magnitude =
        negative ? (unsigned __int128) 0 - (unsigned __int128) value : (unsigned __int128) value;
    do {
        digits[n++] = (char) ('0' + (int) (magnitude % 10));
        magnitude /= 10;
    } while (magnitude && n < (int) sizeof digits);
    while (n <= scale) /* at least one digit before the point */
        digits[n++] = '0';
    char *out = buf;
    if (negative)
        *out++ = '-';
    for (int i = n - 1; i >= 0; i--) {
        *out++ = digits[i];
        if (i == scale && scale > 0)
            *out++ = '.';
    }
    *out = 0;
    return buf;
}

const char *
money_status_text(money_status_t status)
{
    switch (status) {
    case MONEY_OK:
        return "ok";
    case MONEY_ESYNTAX:
        return "must be a decimal string of digits with an optional point (no sign, exponent or spaces)";
    case MONEY_ESCALE:
        return "has more decimals than allowed";
    case MONEY_EDIGITS:
        return "has more than 18 digits before the point";
    case MONEY_ERANGE:
        return "is out of range";
    }
    return "is invalid";
}

/*  q = n / d rounded half up, for n >= 0 and d > 0. */
static money_t
s_div_half_up(money_t n, money_t d)
{
    money_t q = n / d, r = n % d;
    return r * 2 >= d ? q + 1 : q;
}

money_status_t
money_fiat_to_crypto(money_t fiat, money_t price, int crypto_scale, money_t *crypto)
{
    money_t scaled;
    if (price <= 0 || fiat < 0 || __builtin_mul_overflow(fiat, money_pow10(crypto_scale), &scaled))
        return MONEY_ERANGE;
    *crypto = scaled / price; /* both non-negative: C's truncation is rounding down */
    return MONEY_OK;
}

money_status_t
money_crypto_to_fiat(money_t crypto, int crypto_scale, money_t price, money_t *fiat)
{
    money_t product;
    if (price <= 0 || crypto < 0 || __builtin_mul_overflow(crypto, price, &product))
        return MONEY_ERANGE;
    *fiat = s_div_half_up(product, money_pow10(crypto_scale));
    return MONEY_OK;
}

money_status_t
money_apply_margin(money_t index, money_t margin_pct, money_t *price)
{
    /* index * (1 + m/100) with m in hundredths: index * (10000 + m) / 10000 */
    money_t factor = 10000 + margin_pct, product;
    if (index <= 0 || factor <= 0 || __builtin_mul_overflow(index, factor, &product))
        return MONEY_ERANGE;
    money_t result = s_div_half_up(product, 10000);
    if (result <= 0)
        return MONEY_ERANGE;
    *price = result;
    return MONEY_OK;
}
