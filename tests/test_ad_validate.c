/*  test_ad_validate.c - trade-svc/ad_validate.c: every field rule of
    TRADING.md "Ads" for ad.create, ad.update and ad.get/delete, without a
    database. The catalog is filled in memory; its database handle points
    nowhere, so an unknown but well-formed code takes the "reload and still
    not found" path. Each refusal is ERR_INVALID naming its field; each
    acceptance is checked value by value. */
#include <criterion/criterion.h>
#include <string.h>

#include "ad_validate.h"
#include "catalog_repo.h"
#include "clock.h"
#include "log.h"

static catalog_t *s_catalog;
static db_t *s_db;

/*  The JSON the inputs borrow from, freed after each test. */
static json_t *s_held[512];
static int s_held_count;

static void
s_setup(void)
{
    log_init("test", getenv("TEST_LOG") ? getenv("TEST_LOG") : "error");
    s_catalog = catalog_new();
    cr_assert_not_null(s_catalog);
    const catalog_currency_t assets[] = {
        {.code = "BTC", .decimals = 8, .active = true},
        {.code = "USDT", .decimals = 6, .active = true},
        {.code = "OLD", .decimals = 8, .active = false},
    };
    const catalog_currency_t fiats[] = {
        {.code = "USD", .decimals = 2, .active = true},
        {.code = "JPY", .decimals = 0, .active = true},
        {.code = "XAF", .decimals = 0, .active = false},
    };
    catalog_set(s_catalog, true, assets, 3, clock_mono_ms());
    catalog_set(s_catalog, false, fiats, 3, clock_mono_ms());
    size_t n;
    const db_statement_t *statements = catalog_repo_statements(&n);
    /* no server there: a reload fails at once and the loaded catalog stays */
    s_db = db_new("host=/nonexistent-p2p-test-dir port=1 connect_timeout=1", statements, n);
    cr_assert_not_null(s_db);
}

static void
s_teardown(void)
{
    while (s_held_count > 0)
        json_decref(s_held[--s_held_count]);
    catalog_destroy(&s_catalog);
    db_destroy(&s_db);
}

TestSuite(ad_validate, .init = s_setup, .fini = s_teardown);

static json_t *
s_hold(json_t *j)
{
    cr_assert_lt(s_held_count, 512);
    s_held[s_held_count++] = j;
    return j;
}

static json_t *
s_json(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    cr_assert_not_null(j, "bad JSON in the test: %s: %s", text, e.text);
    return s_hold(j);
}

/*  A request of channel with data (borrowed JSON) and REST params text. */
static worker_request_t
s_req(envelope_channel_t channel, json_t *data, const char *params)
{
    worker_request_t req = {
        .type = MSG_AD_CREATE,
        .channel = channel,
        .user_id = "u1",
        .role = "",
        .data = data,
        .params = s_json(params ? params : "{}"),
    };
    return req;
}

/*  A fixed sell ad that passes; cases change one key of it. */
static const char *s_fixed_ad =
    "{\"type\":\"sell\",\"asset\":\"BTC\",\"fiat\":\"USD\",\"price_type\":\"fixed\","
    "\"price\":\"64250.10\",\"total_amount\":\"0.015\",\"min_limit\":\"10\","
    "\"max_limit\":\"1000.50\",\"payment_method_ids\":[3,1]}";

/*  A floating buy ad that passes. */
static const char *s_floating_ad = "{\"type\":\"buy\",\"asset\":\"USDT\",\"fiat\":\"JPY\","
                                   "\"price_type\":\"floating\",\"margin_pct\":\"-1.50\","
                                   "\"total_amount\":\"100.123456\",\"min_limit\":\"1000\","
                                   "\"max_limit\":\"1000\",\"payment_method_ids\":[7]}";

/*  base with key set to value (JSON text), or removed when value is NULL. */
static json_t *
s_with(const char *base, const char *key, const char *value)
{
    json_t *data = json_deep_copy(s_json(base));
    s_hold(data);
    if (!key)
        return data;
    if (value)
        json_object_set(data, key, s_json(value));
    else
        json_object_del(data, key);
    return data;
}

/*  A JSON string of n copies of piece (a UTF-8 character), as JSON text. */
static const char *
s_repeat(const char *piece, size_t n)
{
    size_t len = strlen(piece);
    char *text = malloc(n * len + 1);
    cr_assert_not_null(text);
    for (size_t i = 0; i < n; i++)
        memcpy(text + i * len, piece, len);
    text[n * len] = 0;
    json_t *str = json_string(text);
    free(text);
    cr_assert_not_null(str, "not UTF-8");
    char *dump = json_dumps(str, JSON_ENCODE_ANY);
    json_decref(str);
    /* held as a JSON string whose value is the dump, freed with the rest */
    const char *kept = json_string_value(s_hold(json_string(dump)));
    free(dump);
    return kept;
}

/*  A failing request names field in an ERR_INVALID message. */
static void
s_names(int rc, const err_t *err, const char *field, const char *what)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", field);
    cr_assert_eq(rc, -1, "%s: accepted", what);
    cr_assert_eq(err->code, ERR_INVALID, "%s: code %d (%s)", what, err->code, err->msg);
    cr_assert(strstr(err->msg, quoted), "%s: '%s' does not name %s", what, err->msg, quoted);
}

static int
s_create(json_t *data, ad_input_t *in, ad_amounts_t *amounts, err_t *err)
{
    worker_request_t req = s_req(CHANNEL_WEBSOCKET, data, NULL);
    return ad_validate_create(&req, s_catalog, s_db, in, amounts, err);
}

/* ------------------------------------------------------------------ ad.create */

Test(ad_validate, create_fixed_gives_the_exact_values)
{
    ad_input_t in;
    ad_amounts_t a;
    err_t err = {0};
    cr_assert_eq(s_create(s_with(s_fixed_ad, NULL, NULL), &in, &a, &err), 0, "%s", err.msg);
    cr_assert(in.sell);
    cr_assert_not(in.floating);
    cr_assert_str_eq(in.asset->code, "BTC");
    cr_assert_eq(in.asset->decimals, 8);
    cr_assert_str_eq(in.fiat->code, "USD");
    cr_assert(a.price == 6425010);
    cr_assert(a.total == 1500000);
    cr_assert(a.min_limit == 1000);
    cr_assert(a.max_limit == 100050);
    cr_assert(a.margin == 0);
    cr_assert(in.has_price && !in.has_margin);
    cr_assert_eq(in.method_count, 2);
    cr_assert_eq(in.method_ids[0], 3, "the client's order is kept");
    cr_assert_eq(in.method_ids[1], 1);
    cr_assert_not(in.has_window);
    cr_assert_eq(in.window_minutes, AD_WINDOW_DEFAULT);
    cr_assert_str_eq(in.terms, "");
    cr_assert_str_eq(in.auto_reply, "");
    cr_assert_not(in.has_req_trades || in.has_req_verified || in.has_status);
}

Test(ad_validate, create_floating_with_every_optional_field)
{
    json_t *data = s_with(s_floating_ad, NULL, NULL);
    json_object_set(data, "payment_window_minutes", s_json("1440"));
    json_object_set(data, "terms", s_json("\"Bank transfer only\""));
    json_object_set(data, "auto_reply", s_json("\"Hello\""));
    json_object_set(data, "requirements", s_json("{\"min_completed_trades\":10000,\"verified_only\":true}"));
    json_object_set(data, "payment_method_ids", s_json("[5,4,3,2,1]"));
    ad_input_t in;
    ad_amounts_t a;
    err_t err = {0};
    cr_assert_eq(s_create(data, &in, &a, &err), 0, "%s", err.msg);
    cr_assert_not(in.sell);
    cr_assert(in.floating);
    cr_assert_str_eq(in.asset->code, "USDT");
    cr_assert_str_eq(in.fiat->code, "JPY");
    cr_assert(a.margin == -150);
    cr_assert(a.price == 0);
    cr_assert(!in.has_price && in.has_margin);
    cr_assert(a.total == 100123456);
    cr_assert(a.min_limit == 1000 && a.max_limit == 1000, "min_limit may equal max_limit");
    cr_assert_eq(in.method_count, 5);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(in.method_ids[i], 5 - i);
    cr_assert(in.has_window);
    cr_assert_eq(in.window_minutes, 1440);
    cr_assert_str_eq(in.terms, "Bank transfer only");
    cr_assert_str_eq(in.auto_reply, "Hello");
    cr_assert(in.has_req_trades && in.has_req_verified);
    cr_assert_eq(in.req_min_trades, 10000);
    cr_assert(in.req_verified);
}

/*  Values at the edges that must pass: {key, value} on the fixed ad. */
Test(ad_validate, create_accepts_the_bounds)
{
    static const struct {
        const char *base, *key, *value;
    } cases[] = {
        {NULL, "payment_window_minutes", "15"},
        {NULL, "payment_window_minutes", "1440"},
        {NULL, "payment_method_ids", "[2147483647]"},
        {NULL, "terms", "\"\""},
        {NULL, "auto_reply", "\"\""},
        {NULL, "requirements", "{}"},
        {NULL, "requirements", "{\"min_completed_trades\":0,\"verified_only\":false}"},
        {NULL, "price", "\"0.01\""},
        {NULL, "price", "\"999999999999999999.99\""},
        {NULL, "total_amount", "\"0.00000001\""},
        {NULL, "type", "\"buy\""},
        {"floating", "margin_pct", "\"50.00\""},
        {"floating", "margin_pct", "\"-50\""},
        {"floating", "margin_pct", "\"0\""},
        {"floating", "total_amount", "\"0.000001\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ad_input_t in;
        ad_amounts_t a;
        err_t err = {0};
        json_t *data = s_with(cases[i].base ? s_floating_ad : s_fixed_ad, cases[i].key, cases[i].value);
        cr_assert_eq(s_create(data, &in, &a, &err), 0, "%s=%s: %s", cases[i].key, cases[i].value, err.msg);
    }
    /* the longest terms and auto_reply, counted in characters, not bytes */
    ad_input_t in;
    ad_amounts_t a;
    err_t err = {0};
    json_t *data = s_with(s_fixed_ad, "terms", s_repeat("\u00e9", AD_TERMS_MAX));
    json_object_set(data, "auto_reply", s_json(s_repeat("\u20ac", AD_AUTO_REPLY_MAX)));
    cr_assert_eq(s_create(data, &in, &a, &err), 0, "%s", err.msg);
    cr_assert_eq(strlen(in.terms), 2 * AD_TERMS_MAX);
    cr_assert_eq(strlen(in.auto_reply), 3 * AD_AUTO_REPLY_MAX);
}

/*  {base (NULL fixed, else floating), key, value (NULL removes it), the field named}. */
typedef struct {
    const char *base, *key, *value, *field;
} s_bad_t;

static const s_bad_t s_bad_creates[] = {
    /* required fields */
    {NULL, "type", NULL, "type"},
    {NULL, "asset", NULL, "asset"},
    {NULL, "fiat", NULL, "fiat"},
    {NULL, "price_type", NULL, "price_type"},
    {NULL, "total_amount", NULL, "total_amount"},
    {NULL, "min_limit", NULL, "min_limit"},
    {NULL, "max_limit", NULL, "max_limit"},
    {NULL, "payment_method_ids", NULL, "payment_method_ids"},
    {NULL, "price", NULL, "price"},
    {"floating", "margin_pct", NULL, "margin_pct"},
    {NULL, "type", "null", "type"},
    /* type and price_type */
    {NULL, "type", "\"BUY\"", "type"},
    {NULL, "type", "\"\"", "type"},
    {NULL, "type", "1", "type"},
    {NULL, "type", "\"trade\"", "type"},
    {NULL, "price_type", "\"market\"", "price_type"},
    {NULL, "price_type", "true", "price_type"},
    /* currencies: unknown, inactive, of the other kind, malformed */
    {NULL, "asset", "\"DOGE\"", "asset"},
    {NULL, "asset", "\"OLD\"", "asset"},
    {NULL, "asset", "\"USD\"", "asset"},
    {NULL, "asset", "\"btc\"", "asset"},
    {NULL, "asset", "\"BTCBTCBTCBTC\"", "asset"},
    {NULL, "asset", "8", "asset"},
    {NULL, "fiat", "\"EUR\"", "fiat"},
    {NULL, "fiat", "\"XAF\"", "fiat"},
    {NULL, "fiat", "\"BTC\"", "fiat"},
    {NULL, "fiat", "[\"USD\"]", "fiat"},
    /* fixed vs floating */
    {NULL, "margin_pct", "\"1.00\"", "margin_pct"},
    {"floating", "price", "\"100\"", "price"},
    /* the price in the fiat's decimals (USD 2, JPY 0), > 0, a string */
    {NULL, "price", "\"64250.101\"", "price"},
    {NULL, "price", "\"64250.10 \"", "price"},
    {NULL, "price", "\"0\"", "price"},
    {NULL, "price", "\"0.00\"", "price"},
    {NULL, "price", "\"-1\"", "price"},
    {NULL, "price", "\"1e3\"", "price"},
    {NULL, "price", "\"\"", "price"},
    {NULL, "price", "64250.1", "price"},
    {NULL, "price", "\"1234567890123456789\"", "price"},
    /* the total in the asset's decimals (BTC 8, USDT 6) */
    {NULL, "total_amount", "\"0.000000001\"", "total_amount"},
    {NULL, "total_amount", "\"0\"", "total_amount"},
    {NULL, "total_amount", "1", "total_amount"},
    {"floating", "total_amount", "\"0.0000001\"", "total_amount"},
    /* limits in the fiat's decimals, > 0, min <= max */
    {NULL, "min_limit", "\"10.001\"", "min_limit"},
    {NULL, "min_limit", "\"0\"", "min_limit"},
    {NULL, "max_limit", "\"+1000\"", "max_limit"},
    {NULL, "min_limit", "\"1000.51\"", "min_limit"},
    {"floating", "min_limit", "\"1000.5\"", "min_limit"},
    {"floating", "max_limit", "\"999\"", "min_limit"},
    /* margin: -50.00 .. 50.00, two decimals */
    {"floating", "margin_pct", "\"50.01\"", "margin_pct"},
    {"floating", "margin_pct", "\"-50.01\"", "margin_pct"},
    {"floating", "margin_pct", "\"51\"", "margin_pct"},
    {"floating", "margin_pct", "\"1.505\"", "margin_pct"},
    {"floating", "margin_pct", "\"+1\"", "margin_pct"},
    {"floating", "margin_pct", "\"--1\"", "margin_pct"},
    {"floating", "margin_pct", "\"1e1\"", "margin_pct"},
    {"floating", "margin_pct", "-1.5", "margin_pct"},
    {"floating", "margin_pct", "\"00000000000001.00\"", "margin_pct"}, /* 17 bytes */
    /* payment methods: 1 to 5 distinct catalog ids */
    {NULL, "payment_method_ids", "[]", "payment_method_ids"},
    {NULL, "payment_method_ids", "[1,2,3,4,5,6]", "payment_method_ids"},
    {NULL, "payment_method_ids", "[0]", "payment_method_ids"},
    {NULL, "payment_method_ids", "[-3]", "payment_method_ids"},
    {NULL, "payment_method_ids", "[2147483648]", "payment_method_ids"},
    {NULL, "payment_method_ids", "[1,1]", "payment_method_ids"},
    {NULL, "payment_method_ids", "[\"1\"]", "payment_method_ids"},
    {NULL, "payment_method_ids", "[1.5]", "payment_method_ids"},
    {NULL, "payment_method_ids", "1", "payment_method_ids"},
    /* window 15..1440 minutes */
    {NULL, "payment_window_minutes", "14", "payment_window_minutes"},
    {NULL, "payment_window_minutes", "1441", "payment_window_minutes"},
    {NULL, "payment_window_minutes", "\"30\"", "payment_window_minutes"},
    {NULL, "payment_window_minutes", "30.5", "payment_window_minutes"},
    /* texts */
    {NULL, "terms", "5", "terms"},
    {NULL, "auto_reply", "false", "auto_reply"},
    /* requirements */
    {NULL, "requirements", "\"verified\"", "requirements"},
    {NULL, "requirements", "{\"min_completed_trades\":-1}", "min_completed_trades"},
    {NULL, "requirements", "{\"min_completed_trades\":10001}", "min_completed_trades"},
    {NULL, "requirements", "{\"min_completed_trades\":\"5\"}", "min_completed_trades"},
    {NULL, "requirements", "{\"verified_only\":\"yes\"}", "verified_only"},
    {NULL, "requirements", "{\"verified_only\":1}", "verified_only"},
    {NULL, "requirements", "{\"kyc\":true}", "kyc"},
    /* fields that are not create's */
    {NULL, "ad_id", "5", "ad_id"},
    {NULL, "status", "\"active\"", "status"},
    {NULL, "colour", "\"red\"", "colour"},
};

Test(ad_validate, create_refuses_each_bad_field_by_name)
{
    for (size_t i = 0; i < sizeof s_bad_creates / sizeof s_bad_creates[0]; i++) {
        const s_bad_t *c = &s_bad_creates[i];
        ad_input_t in;
        ad_amounts_t a;
        err_t err = {0};
        json_t *data = s_with(c->base ? s_floating_ad : s_fixed_ad, c->key, c->value);
        char what[160];
        snprintf(what, sizeof what, "%s ad, %s=%s", c->base ? "floating" : "fixed", c->key,
                 c->value ? c->value : "(absent)");
        s_names(s_create(data, &in, &a, &err), &err, c->field, what);
    }
}

Test(ad_validate, create_refuses_texts_one_character_too_long)
{
    const struct {
        const char *key;
        size_t max;
    } texts[] = {{"terms", AD_TERMS_MAX}, {"auto_reply", AD_AUTO_REPLY_MAX}};
    for (size_t i = 0; i < 2; i++) {
        ad_input_t in;
        ad_amounts_t a;
        err_t err = {0};
        json_t *data = s_with(s_fixed_ad, texts[i].key, s_repeat("x", texts[i].max + 1));
        s_names(s_create(data, &in, &a, &err), &err, texts[i].key, texts[i].key);
    }
}

Test(ad_validate, create_over_rest_reads_the_body_and_never_a_path_id)
{
    ad_input_t in;
    ad_amounts_t a;
    err_t err = {0};
    worker_request_t req = s_req(CHANNEL_REST, s_with(s_fixed_ad, NULL, NULL), "{\"id\":\"9\"}");
    cr_assert_eq(ad_validate_create(&req, s_catalog, s_db, &in, &a, &err), 0, "%s", err.msg);
    cr_assert_eq(in.ad_id, 0);
    cr_assert(a.price == 6425010);
    /* an array must come in the body: a query string cannot carry it */
    req =
        s_req(CHANNEL_REST, s_with(s_fixed_ad, "payment_method_ids", NULL), "{\"payment_method_ids\":\"1\"}");
    s_names(ad_validate_create(&req, s_catalog, s_db, &in, &a, &err), &err, "payment_method_ids",
            "query ids");
}

/* ------------------------------------------------------------------ ad.update */

static int
s_update(const char *data, ad_input_t *in, err_t *err)
{
    worker_request_t req = s_req(CHANNEL_WEBSOCKET, s_json(data), NULL);
    return ad_validate_update(&req, in, err);
}

Test(ad_validate, update_says_exactly_which_fields_were_given)
{
    ad_input_t in;
    err_t err = {0};
    cr_assert_eq(s_update("{\"ad_id\":7,\"price\":\"1.5\"}", &in, &err), 0, "%s", err.msg);
    cr_assert_eq(in.ad_id, 7);
    cr_assert(in.has_price);
    cr_assert_str_eq(in.price_text, "1.5");
    cr_assert_not(in.has_margin || in.has_total || in.has_min || in.has_max || in.has_methods || in.has_window
                      || in.has_terms || in.has_auto_reply || in.has_req_trades || in.has_req_verified
                      || in.has_status,
                  "only the price was given");

    /* an empty text clears it (given); null is the same as absent */
    cr_assert_eq(s_update("{\"ad_id\":7,\"terms\":\"\",\"auto_reply\":null}", &in, &err), 0, "%s", err.msg);
    cr_assert(in.has_terms);
    cr_assert_str_eq(in.terms, "");
    cr_assert_not(in.has_auto_reply);
    cr_assert_not(in.has_price);

    /* requirements: each key on its own */
    cr_assert_eq(s_update("{\"ad_id\":7,\"requirements\":{\"verified_only\":false}}", &in, &err), 0);
    cr_assert(in.has_req_verified);
    cr_assert_not(in.req_verified);
    cr_assert_not(in.has_req_trades);
    cr_assert_eq(s_update("{\"ad_id\":7,\"requirements\":{}}", &in, &err), 0);
    cr_assert_not(in.has_req_verified || in.has_req_trades);

    /* everything update may change */
    cr_assert_eq(s_update("{\"ad_id\":9223372036854775807,\"margin_pct\":\"2\",\"total_amount\":\"3\","
                          "\"min_limit\":\"4\",\"max_limit\":\"5\",\"payment_method_ids\":[9,8],"
                          "\"payment_window_minutes\":15,\"terms\":\"t\",\"auto_reply\":\"r\","
                          "\"requirements\":{\"min_completed_trades\":3},\"status\":\"paused\"}",
                          &in, &err),
                 0, "%s", err.msg);
    cr_assert_eq(in.ad_id, INT64_MAX);
    cr_assert(in.has_margin && in.has_total && in.has_min && in.has_max && in.has_methods && in.has_window
              && in.has_terms && in.has_auto_reply && in.has_req_trades && in.has_status);
    cr_assert_not(in.has_price || in.has_req_verified);
    cr_assert_str_eq(in.margin_text, "2");
    cr_assert_str_eq(in.total_text, "3");
    cr_assert_str_eq(in.min_text, "4");
    cr_assert_str_eq(in.max_text, "5");
    cr_assert_eq(in.method_count, 2);
    cr_assert_eq(in.method_ids[0], 9);
    cr_assert_eq(in.method_ids[1], 8);
    cr_assert_eq(in.window_minutes, 15);
    cr_assert_str_eq(in.terms, "t");
    cr_assert_str_eq(in.auto_reply, "r");
    cr_assert_eq(in.req_min_trades, 3);
    cr_assert_str_eq(in.status, "paused");
    cr_assert_eq(s_update("{\"ad_id\":1,\"status\":\"active\"}", &in, &err), 0);
    cr_assert_str_eq(in.status, "active");
}

Test(ad_validate, update_over_rest_takes_the_id_from_the_path_only)
{
    ad_input_t in;
    err_t err = {0};
    worker_request_t req = s_req(CHANNEL_REST, s_json("{\"status\":\"paused\"}"), "{\"id\":\"12\"}");
    cr_assert_eq(ad_validate_update(&req, &in, &err), 0, "%s", err.msg);
    cr_assert_eq(in.ad_id, 12);
    req = s_req(CHANNEL_REST, s_json("{\"ad_id\":12}"), "{\"id\":\"12\"}");
    s_names(ad_validate_update(&req, &in, &err), &err, "ad_id", "ad_id in a REST body");
    req = s_req(CHANNEL_REST, s_json("{}"), "{\"id\":\"twelve\"}");
    s_names(ad_validate_update(&req, &in, &err), &err, "ad_id", "a path id that is not a number");
}

static const struct {
    const char *data, *field;
} s_bad_updates[] = {
    {"{}", "ad_id"},
    {"{\"price\":\"1\"}", "ad_id"},
    {"{\"ad_id\":0}", "ad_id"},
    {"{\"ad_id\":-4}", "ad_id"},
    {"{\"ad_id\":\"7\"}", "ad_id"},
    {"{\"ad_id\":7.5}", "ad_id"},
    {"{\"ad_id\":7,\"type\":\"buy\"}", "type"},
    {"{\"ad_id\":7,\"asset\":\"BTC\"}", "asset"},
    {"{\"ad_id\":7,\"fiat\":\"USD\"}", "fiat"},
    {"{\"ad_id\":7,\"price_type\":\"fixed\"}", "price_type"},
    {"{\"ad_id\":7,\"status\":\"closed\"}", "status"},
    {"{\"ad_id\":7,\"status\":\"PAUSED\"}", "status"},
    {"{\"ad_id\":7,\"status\":\"\"}", "status"},
    {"{\"ad_id\":7,\"status\":1}", "status"},
    {"{\"ad_id\":7,\"price\":5}", "price"},
    {"{\"ad_id\":7,\"price\":\"\"}", "price"},
    {"{\"ad_id\":7,\"payment_method_ids\":[]}", "payment_method_ids"},
    {"{\"ad_id\":7,\"payment_method_ids\":[4,4]}", "payment_method_ids"},
    {"{\"ad_id\":7,\"payment_window_minutes\":1441}", "payment_window_minutes"},
    {"{\"ad_id\":7,\"payment_window_minutes\":0}", "payment_window_minutes"},
    {"{\"ad_id\":7,\"requirements\":{\"min_completed_trades\":10001}}", "min_completed_trades"},
    {"{\"ad_id\":7,\"requirements\":[]}", "requirements"},
    {"{\"ad_id\":7,\"remaining_amount\":\"1\"}", "remaining_amount"},
};

Test(ad_validate, update_refuses_each_bad_field_by_name)
{
    for (size_t i = 0; i < sizeof s_bad_updates / sizeof s_bad_updates[0]; i++) {
        ad_input_t in;
        err_t err = {0};
        s_names(s_update(s_bad_updates[i].data, &in, &err), &err, s_bad_updates[i].field,
                s_bad_updates[i].data);
    }
}

Test(ad_validate, update_cannot_change_what_defines_the_ad)
{
    ad_input_t in;
    err_t err = {0};
    cr_assert_eq(s_update("{\"ad_id\":7,\"asset\":\"ETH\"}", &in, &err), -1);
    cr_assert(strstr(err.msg, "cannot be changed"), "%s", err.msg);
}

/* ------------------------------------------------------------------ amounts of an update */

static const catalog_currency_t s_btc = {.code = "BTC", .decimals = 8, .active = true};
static const catalog_currency_t s_usdt = {.code = "USDT", .decimals = 6, .active = true};
static const catalog_currency_t s_usd = {.code = "USD", .decimals = 2, .active = true};
static const catalog_currency_t s_jpy = {.code = "JPY", .decimals = 0, .active = true};

/*  One update's amounts parsed for an ad of (asset, fiat, floating): the
    field named on failure (NULL: passes with want). */
typedef struct {
    const char *data;
    const catalog_currency_t *asset, *fiat;
    bool floating;
    const char *field;
    long long price, margin, total, min_limit, max_limit;
} s_amount_case_t;

static const s_amount_case_t s_amount_cases[] = {
    {"{\"ad_id\":1,\"price\":\"64250.10\"}", &s_btc, &s_usd, false, NULL, 6425010, 0, 0, 0, 0},
    {"{\"ad_id\":1,\"price\":\"150\"}", &s_usdt, &s_jpy, false, NULL, 150, 0, 0, 0, 0},
    {"{\"ad_id\":1,\"margin_pct\":\"-50.00\"}", &s_btc, &s_usd, true, NULL, 0, -5000, 0, 0, 0},
    {"{\"ad_id\":1,\"margin_pct\":\"12.3\"}", &s_btc, &s_usd, true, NULL, 0, 1230, 0, 0, 0},
    {"{\"ad_id\":1,\"total_amount\":\"1.00000001\"}", &s_btc, &s_usd, false, NULL, 0, 0, 100000001, 0, 0},
    {"{\"ad_id\":1,\"total_amount\":\"1.000001\"}", &s_usdt, &s_usd, false, NULL, 0, 0, 1000001, 0, 0},
    {"{\"ad_id\":1,\"min_limit\":\"5\",\"max_limit\":\"5\"}", &s_btc, &s_jpy, false, NULL, 0, 0, 0, 5, 5},
    /* one limit alone is checked against the stored other later, not here */
    {"{\"ad_id\":1,\"min_limit\":\"900.99\"}", &s_btc, &s_usd, false, NULL, 0, 0, 0, 90099, 0},
    {"{\"ad_id\":1,\"price\":\"1\"}", &s_btc, &s_usd, true, "price", 0, 0, 0, 0, 0},
    {"{\"ad_id\":1,\"margin_pct\":\"1\"}", &s_btc, &s_usd, false, "margin_pct", 0, 0, 0, 0, 0},
    {"{\"ad_id\":1,\"price\":\"150.5\"}", &s_btc, &s_jpy, false, "price", 0, 0, 0, 0, 0},
    {"{\"ad_id\":1,\"total_amount\":\"1.0000001\"}", &s_usdt, &s_usd, false, "total_amount", 0, 0, 0, 0, 0},
    {"{\"ad_id\":1,\"total_amount\":\"0.00000000\"}", &s_btc, &s_usd, false, "total_amount", 0, 0, 0, 0, 0},
    {"{\"ad_id\":1,\"min_limit\":\"6\",\"max_limit\":\"5\"}", &s_btc, &s_jpy, false, "min_limit", 0, 0, 0, 0,
     0},
    {"{\"ad_id\":1,\"max_limit\":\"5.5\"}", &s_btc, &s_jpy, false, "max_limit", 0, 0, 0, 0, 0},
    {"{\"ad_id\":1,\"margin_pct\":\"50.001\"}", &s_btc, &s_usd, true, "margin_pct", 0, 0, 0, 0, 0},
    {"{\"ad_id\":1,\"margin_pct\":\"-\"}", &s_btc, &s_usd, true, "margin_pct", 0, 0, 0, 0, 0},
};

Test(ad_validate, update_amounts_use_the_ads_currencies_and_price_type)
{
    for (size_t i = 0; i < sizeof s_amount_cases / sizeof s_amount_cases[0]; i++) {
        const s_amount_case_t *c = &s_amount_cases[i];
        ad_input_t in;
        ad_amounts_t a;
        memset(&a, 0, sizeof a);
        err_t err = {0};
        cr_assert_eq(s_update(c->data, &in, &err), 0, "%s: %s", c->data, err.msg);
        int rc = ad_validate_amounts(&in, c->asset, c->fiat, c->floating, &a, &err);
        if (c->field) {
            s_names(rc, &err, c->field, c->data);
            continue;
        }
        cr_assert_eq(rc, 0, "%s: %s", c->data, err.msg);
        cr_assert(a.price == c->price && a.margin == c->margin && a.total == c->total
                      && a.min_limit == c->min_limit && a.max_limit == c->max_limit,
                  "%s: wrong values", c->data);
    }
}

/* ------------------------------------------------------------------ ad.get / ad.delete */

Test(ad_validate, id_from_data_or_the_rest_path)
{
    static const struct {
        envelope_channel_t channel;
        const char *data, *params;
        long long want; /* 0: refused naming ad_id */
    } cases[] = {
        {CHANNEL_WEBSOCKET, "{\"ad_id\":5}", NULL, 5},
        {CHANNEL_WEBSOCKET, "{\"ad_id\":9223372036854775807}", NULL, INT64_MAX},
        {CHANNEL_REST, "{}", "{\"id\":\"12\"}", 12},
        {CHANNEL_WEBSOCKET, "{}", NULL, 0},
        {CHANNEL_WEBSOCKET, "{\"ad_id\":null}", NULL, 0},
        {CHANNEL_WEBSOCKET, "{\"ad_id\":0}", NULL, 0},
        {CHANNEL_WEBSOCKET, "{\"ad_id\":-1}", NULL, 0},
        {CHANNEL_WEBSOCKET, "{\"ad_id\":\"5\"}", NULL, 0},
        {CHANNEL_WEBSOCKET, "{\"ad_id\":5,\"x\":1}", NULL, 0},
        {CHANNEL_REST, "{}", "{\"id\":\"0\"}", 0},
        {CHANNEL_REST, "{}", "{\"id\":\"5x\"}", 0},
        {CHANNEL_REST, "{}", "{\"id\":\"99999999999999999999\"}", 0},
        {CHANNEL_REST, "{\"ad_id\":5}", "{}", 0},
        {CHANNEL_REST, "{}", "{}", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        worker_request_t req = s_req(cases[i].channel, s_json(cases[i].data), cases[i].params);
        int64_t id = -7;
        err_t err = {0};
        int rc = ad_validate_id(&req, &id, &err);
        char what[128];
        snprintf(what, sizeof what, "%s %s", cases[i].data, cases[i].params ? cases[i].params : "");
        if (!cases[i].want) {
            /* "x" is refused as itself; every other case names ad_id */
            s_names(rc, &err, strstr(cases[i].data, "\"x\"") ? "x" : "ad_id", what);
            cr_assert_eq(id, -7, "%s: output touched on failure", what);
            continue;
        }
        cr_assert_eq(rc, 0, "%s: %s", what, err.msg);
        cr_assert_eq(id, cases[i].want, "%s", what);
    }
}
