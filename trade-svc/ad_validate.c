/*  ad_validate.c - ad.create / ad.update fields (see ad_validate.h). */
#include "ad_validate.h"

#include <string.h>

#include "request_fields.h"
#include "trade_validate.h"

/*  The fields both calls know; create requires some, update forbids some. */
static const rf_field_t s_fields[] = {
    {.name = "ad_id", .kind = RF_INT, .flags = RF_PATH, .min = 1, .max = INT64_MAX, .param = "id"},
    {.name = "type", .kind = RF_STRING, .min = 1, .max = 10},
    {.name = "asset", .kind = RF_STRING, .min = 1, .max = CATALOG_CODE_MAX},
    {.name = "fiat", .kind = RF_STRING, .min = 1, .max = CATALOG_CODE_MAX},
    {.name = "price_type", .kind = RF_STRING, .min = 1, .max = 10},
    {.name = "price", .kind = RF_DECIMAL, .max = 64},
    {.name = "margin_pct", .kind = RF_DECIMAL, .max = 16},
    {.name = "total_amount", .kind = RF_DECIMAL, .max = 64},
    {.name = "min_limit", .kind = RF_DECIMAL, .max = 64},
    {.name = "max_limit", .kind = RF_DECIMAL, .max = 64},
    {.name = "payment_method_ids",
     .kind = RF_INT_ARRAY,
     .min = 1,
     .max = INT32_MAX,
     .min_count = 1,
     .max_count = AD_METHODS_MAX},
    {.name = "payment_window_minutes",
     .kind = RF_INT,
     .min = 15,
     .max = 1440,
     .default_int = AD_WINDOW_DEFAULT},
    {.name = "terms", .kind = RF_STRING, .min = 0, .max = AD_TERMS_MAX},
    {.name = "auto_reply", .kind = RF_STRING, .min = 0, .max = AD_AUTO_REPLY_MAX},
    {.name = "requirements", .kind = RF_OBJECT},
    {.name = "status", .kind = RF_STRING, .min = 1, .max = 10},
};
enum {
    S_AD_ID,
    S_TYPE,
    S_ASSET,
    S_FIAT,
    S_PRICE_TYPE,
    S_PRICE,
    S_MARGIN,
    S_TOTAL,
    S_MIN,
    S_MAX,
    S_METHODS,
    S_WINDOW,
    S_TERMS,
    S_AUTO_REPLY,
    S_REQUIREMENTS,
    S_STATUS,
    S_COUNT
};

static const rf_field_t s_requirement_fields[] = {
    {.name = "min_completed_trades", .kind = RF_INT, .min = 0, .max = 10000},
    {.name = "verified_only", .kind = RF_BOOL},
};

/*  requirements {min_completed_trades, verified_only}: its own unknown keys
    are refused too, named inside the object. */
static int
s_requirements(const json_t *obj, ad_input_t *in, err_t *err)
{
    rf_value_t v[2];
    if (request_fields_parse_from(obj, NULL, false, s_requirement_fields, 2, v, err) != 0) {
        char inner[ERR_MSG_MAX];
        memcpy(inner, err->msg, sizeof inner);
        return err_set(err, ERR_INVALID, "field 'requirements': %s", inner);
    }
    if (v[0].present) {
        in->has_req_trades = true;
        in->req_min_trades = (int) v[0].i;
    }
    if (v[1].present) {
        in->has_req_verified = true;
        in->req_verified = v[1].b;
    }
    return 0;
}

/*  Copy what every call shares from the parsed values into in. */
static int
s_common(const rf_value_t *v, ad_input_t *in, err_t *err)
{
    in->has_price = v[S_PRICE].present;
    in->price_text = v[S_PRICE].s;
    in->has_margin = v[S_MARGIN].present;
    in->margin_text = v[S_MARGIN].s;
    in->has_total = v[S_TOTAL].present;
    in->total_text = v[S_TOTAL].s;
    in->has_min = v[S_MIN].present;
    in->min_text = v[S_MIN].s;
    in->has_max = v[S_MAX].present;
    in->max_text = v[S_MAX].s;
    if ((in->has_methods = v[S_METHODS].present)) {
        in->method_count = v[S_METHODS].count;
        memcpy(in->method_ids, v[S_METHODS].ints, (size_t) in->method_count * sizeof in->method_ids[0]);
    }
    in->has_window = v[S_WINDOW].present;
    in->window_minutes = (int) v[S_WINDOW].i;
    in->has_terms = v[S_TERMS].present;
    in->terms = v[S_TERMS].present ? v[S_TERMS].s : "";
    in->has_auto_reply = v[S_AUTO_REPLY].present;
    in->auto_reply = v[S_AUTO_REPLY].present ? v[S_AUTO_REPLY].s : "";
    if (v[S_REQUIREMENTS].present && s_requirements(v[S_REQUIREMENTS].json, in, err) != 0)
        return -1;
    return 0;
}

static int
s_required(const rf_value_t *v, int index, err_t *err)
{
    return v[index].present ? 0 : err_set(err, ERR_INVALID, "field '%s' is required", s_fields[index].name);
}

int
ad_validate_amounts(const ad_input_t *in, const catalog_currency_t *asset, const catalog_currency_t *fiat,
                    bool floating, ad_amounts_t *a, err_t *err)
{
    if (in->has_price && floating)
        return err_set(err, ERR_INVALID,
                       "field 'price' is for fixed-price ads; a floating ad has a margin_pct");
    if (in->has_margin && !floating)
        return err_set(err, ERR_INVALID,
                       "field 'margin_pct' is for floating-price ads; a fixed ad has a price");
    if (in->has_price && trade_validate_amount(in->price_text, fiat, "price", &a->price, err) != 0)
        return -1;
    if (in->has_margin) {
        money_status_t st = money_parse_signed(in->margin_text, 2, &a->margin);
        if (st != MONEY_OK || a->margin < -5000 || a->margin > 5000)
            return err_set(err, ERR_INVALID,
                           "field 'margin_pct' must be a decimal string from \"-50.00\" to \"50.00\"");
    }
    if (in->has_total && trade_validate_amount(in->total_text, asset, "total_amount", &a->total, err) != 0)
        return -1;
    if (in->has_min && trade_validate_amount(in->min_text, fiat, "min_limit", &a->min_limit, err) != 0)
        return -1;
    if (in->has_max && trade_validate_amount(in->max_text, fiat, "max_limit", &a->max_limit, err) != 0)
        return -1;
    if (in->has_min && in->has_max && a->min_limit > a->max_limit)
        return err_set(err, ERR_INVALID, "field 'min_limit' must not be greater than max_limit");
    return 0;
}

int
ad_validate_create(const worker_request_t *req, catalog_t *catalog, db_t *db, ad_input_t *in,
                   ad_amounts_t *amounts, err_t *err)
{
    rf_value_t v[S_COUNT];
    memset(in, 0, sizeof *in);
    memset(amounts, 0, sizeof *amounts);
    /* ad_id and status belong to updates: here they are unknown fields */
    if (request_fields_parse(req, s_fields + 1, S_STATUS - 1, v + 1, err) != 0)
        return -1;
    static const int required[] = {S_TYPE, S_ASSET, S_FIAT, S_PRICE_TYPE, S_TOTAL, S_MIN, S_MAX, S_METHODS};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (s_required(v, required[i], err) != 0)
            return -1;
    if (strcmp(v[S_TYPE].s, "buy") != 0 && strcmp(v[S_TYPE].s, "sell") != 0)
        return err_set(err, ERR_INVALID, "field 'type' must be buy or sell");
    in->sell = strcmp(v[S_TYPE].s, "sell") == 0;
    if (strcmp(v[S_PRICE_TYPE].s, "fixed") != 0 && strcmp(v[S_PRICE_TYPE].s, "floating") != 0)
        return err_set(err, ERR_INVALID, "field 'price_type' must be fixed or floating");
    in->floating = strcmp(v[S_PRICE_TYPE].s, "floating") == 0;
    if (!(in->asset = catalog_require(catalog, db, true, v[S_ASSET].s, "asset", err))
        || !(in->fiat = catalog_require(catalog, db, false, v[S_FIAT].s, "fiat", err)))
        return -1;
    if (s_required(v, in->floating ? S_MARGIN : S_PRICE, err) != 0 || s_common(v, in, err) != 0)
        return -1;
    return ad_validate_amounts(in, in->asset, in->fiat, in->floating, amounts, err);
}

int
ad_validate_update(const worker_request_t *req, ad_input_t *in, err_t *err)
{
    rf_value_t v[S_COUNT];
    memset(in, 0, sizeof *in);
    if (request_fields_parse(req, s_fields, S_COUNT, v, err) != 0 || s_required(v, S_AD_ID, err) != 0)
        return -1;
    static const int fixed[] = {S_TYPE, S_ASSET, S_FIAT, S_PRICE_TYPE};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (v[fixed[i]].present)
            return err_set(err, ERR_INVALID, "field '%s' cannot be changed; close the ad and post a new one",
                           s_fields[fixed[i]].name);
    in->ad_id = v[S_AD_ID].i;
    if (s_common(v, in, err) != 0)
        return -1;
    if ((in->has_status = v[S_STATUS].present)) {
        in->status = v[S_STATUS].s;
        if (strcmp(in->status, "active") != 0 && strcmp(in->status, "paused") != 0)
            return err_set(err, ERR_INVALID,
                           "field 'status' must be active or paused (ad.delete closes an ad)");
    }
    return 0;
}

static const rf_field_t s_id_fields[] = {
    {.name = "ad_id",
     .kind = RF_INT,
     .flags = RF_REQUIRED | RF_PATH,
     .min = 1,
     .max = INT64_MAX,
     .param = "id"},
};

int
ad_validate_id(const worker_request_t *req, int64_t *ad_id, err_t *err)
{
    rf_value_t v[1];
    if (request_fields_parse(req, s_id_fields, 1, v, err) != 0)
        return -1;
    *ad_id = v[0].i;
    return 0;
}
