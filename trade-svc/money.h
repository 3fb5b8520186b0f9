/*  money.h - exact decimal amounts: crypto amounts, fiat amounts and prices.

    A value is an integer count of the smallest unit at a known scale
    (money_t 1500000 at scale 8 is "0.01500000"). The scale is never stored
    with the value: it is the asset's or the fiat currency's decimals, known
    from the tables p2p_assets and p2p_fiat_currencies, and every function
    takes it explicitly. 128-bit integers hold 38 digits, so an amount of at
    most 18 integer digits and 8 decimals (26 digits) fits with room for one
    conversion's intermediate product; a product that would not fit is
    refused as MONEY_ERANGE, never wrapped.

    No floating point anywhere: parsing, formatting, conversion and rounding
    are integer arithmetic. PostgreSQL NUMERIC holds the same values exactly. */
#ifndef P2P_MONEY_H
#define P2P_MONEY_H

#include <stdbool.h>
#include <stddef.h>

typedef __int128 money_t;

/*  The grammar's bounds (TRADING.md "Money"). */
#define MONEY_INT_DIGITS_MAX 18
#define MONEY_SCALE_MAX 8

/*  Longest formatted value: sign, 38 digits, point, NUL. */
#define MONEY_TEXT_MAX 48

typedef enum {
    MONEY_OK = 0,
    MONEY_ESYNTAX, /* not digits[.digits] (sign, exponent, spaces, empty, ...) */
    MONEY_ESCALE,  /* more decimals than the scale allows */
    MONEY_EDIGITS, /* more than MONEY_INT_DIGITS_MAX digits before the point */
    MONEY_ERANGE,  /* a result does not fit (or a division by zero) */
} money_status_t;

/*  Parse a client's amount: digits, optionally '.' and 1+ digits; no sign,
    exponent, spaces or '+'; at most MONEY_INT_DIGITS_MAX integer digits and at
    most scale decimals. Zero parses (callers decide whether it is allowed).
    Returns MONEY_OK and fills *out, else the reason (out untouched). */
money_status_t money_parse(const char *text, int scale, money_t *out);

/*  Like money_parse, with an optional leading '-' (e.g. a margin percentage). */
money_status_t money_parse_signed(const char *text, int scale, money_t *out);

/*  Parse PostgreSQL's text of a NUMERIC (optional '-', any number of
    decimals) into units of scale. Decimals past scale must be zeros (a
    NUMERIC(38,8) column holding a 6-decimal asset); else MONEY_ESCALE. */
money_status_t money_parse_db(const char *text, int scale, money_t *out);

/*  Write value at scale with exactly scale decimals ("0.01500000",
    "-3.50", "64250"). buf must hold MONEY_TEXT_MAX bytes. Returns buf. */
char *money_format(money_t value, int scale, char *buf);

/*  Human text for a parse status, naming nothing (callers add the field). */
const char *money_status_text(money_status_t status);

/*  10^n for 0 <= n <= 38. */
money_t money_pow10(int n);

/*  crypto = fiat / price, rounded DOWN to crypto_scale. fiat and price are
    both at the fiat's scale (a price is fiat per one unit of the asset).
    MONEY_ERANGE when price is not positive or the result does not fit. */
money_status_t money_fiat_to_crypto(money_t fiat, money_t price, int crypto_scale, money_t *crypto);

/*  fiat = crypto * price, rounded HALF UP to the fiat's scale (price's).
    MONEY_ERANGE when the product does not fit. */
money_status_t money_crypto_to_fiat(money_t crypto, int crypto_scale, money_t price, money_t *fiat);

/*  A floating ad's price: index * (1 + margin_pct / 100), rounded half up
    to the index's scale. margin_pct is in hundredths of a percent (scale 2,
    "-1.50" is -150). MONEY_ERANGE when it does not fit or is not positive. */
money_status_t money_apply_margin(money_t index, money_t margin_pct, money_t *price);

#endif
