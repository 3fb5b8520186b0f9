/*  ad_validate.h - the fields of ad.create and ad.update (TRADING.md "Ads"),
    checked before any state is read: types, bounds, decimals, and the rules
    between fields. Failures are ERR_INVALID naming the field. */
#ifndef P2P_AD_VALIDATE_H
#define P2P_AD_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "ad_repo.h"
#include "catalog.h"
#include "money.h"
#include "worker.h"

#define AD_TERMS_MAX 2500
#define AD_AUTO_REPLY_MAX 500
#define AD_WINDOW_DEFAULT 30

/*  An ad's fields as a request gives them. For an update, has_* says which
    were given; a create has them all (or their defaults). Strings are
    borrowed from the request. */
typedef struct {
    int64_t ad_id; /* update */
    bool sell;
    const catalog_currency_t *asset, *fiat; /* create */
    bool floating;                          /* create */
    bool has_price, has_margin, has_total, has_min, has_max, has_methods, has_window, has_terms,
        has_auto_reply, has_req_trades, has_req_verified, has_status;
    const char *price_text, *margin_text, *total_text, *min_text,
        *max_text; /* parsed once the ad's currencies are known */
    int64_t method_ids[AD_METHODS_MAX];
    int method_count;
    int window_minutes;
    const char *terms, *auto_reply;
    int req_min_trades;
    bool req_verified;
    const char *status; /* update: active | paused */
} ad_input_t;

/*  The amounts of an ad parsed with its currencies' decimals. */
typedef struct {
    money_t price, margin, total, min_limit, max_limit;
} ad_amounts_t;

/*  ad.create: every field; amounts parsed into *amounts. 0, or -1 with err. */
int ad_validate_create(const worker_request_t *req, catalog_t *catalog, db_t *db, ad_input_t *in,
                       ad_amounts_t *amounts, err_t *err);

/*  ad.update: ad_id and the fields given (type, asset, fiat and price_type
    cannot change). Amounts are parsed later, once the ad's currencies are
    known (ad_validate_amounts). 0, or -1 with err. */
int ad_validate_update(const worker_request_t *req, ad_input_t *in, err_t *err);

/*  Parse the given amounts of in for an ad of these currencies and price
    type; refuse a price on a floating ad or a margin on a fixed one. 0, or
    -1 with err. */
int ad_validate_amounts(const ad_input_t *in, const catalog_currency_t *asset, const catalog_currency_t *fiat,
                        bool floating, ad_amounts_t *amounts, err_t *err);

/*  ad.delete / ad.get: {ad_id} (REST: the path's id). 0, or -1 with err. */
int ad_validate_id(const worker_request_t *req, int64_t *ad_id, err_t *err);

#endif
