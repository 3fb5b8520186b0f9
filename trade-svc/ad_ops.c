/*  ad_ops.c - the ad operations (see ad_ops.h).

    Every change locks the ad row first (SELECT ... FOR UPDATE), so an update,
    a delete and a new order on the same ad are decided one after the other
    by the database: ad.delete after an order sees it open
    (AD_HAS_OPEN_ORDERS); an order after ad.delete sees the ad closed. */
#include "ad_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ledger_repo.h"
#include "payment_repo.h"
#include "price_repo.h"

/*  {"ad": <the ad as viewer sees it>}, read after the change. */
static char *
s_ad_reply(trade_app_t *app, int64_t ad_id, int64_t viewer, err_t *err)
{
    bool found = false;
    err_t failed = {.code = ERR_OK};
    char *ad = ad_repo_json(app->db, ad_id, viewer, app->cfg->price_max_age_s, &found, &failed);
    if (!ad) {
        /* a failed read is not "no such ad" */
        if (failed.code == ERR_OK)
            err_set(err, ERR_NOT_FOUND, "Ad not found");
        else if (err)
            *err = failed;
        return NULL;
    }
    char *out = NULL;
    if (asprintf(&out, "{\"ad\":%s}", ad) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(ad);
    return out;
}

/*  The listed methods must be active catalog entries (400 naming the field). */
static int
s_check_methods(db_t *db, const int64_t *ids, int count, err_t *err)
{
    int active = payment_repo_count_active(db, ids, count, err);
    if (active < 0)
        return -1;
    if (active != count)
        return err_set(err, ERR_INVALID, "field 'payment_method_ids' must list active payment methods only");
    return 0;
}

/*  A floating ad's price now: the pair's index with the margin applied. An
    ad without an index for its pair cannot be floating (400). */
static int
s_floating_price(trade_app_t *app, db_t *db, const catalog_currency_t *asset, const catalog_currency_t *fiat,
                 money_t margin, money_t *effective, err_t *err)
{
    char text[MONEY_TEXT_MAX];
    int fresh = 0;
    int found = price_repo_get(db, asset->code, fiat->code, app->cfg->price_max_age_s, text, &fresh, err);
    if (found < 0)
        return -1;
    money_t index;
    if (!found || money_parse_db(text, fiat->decimals, &index) != MONEY_OK)
        return err_set(err, ERR_INVALID,
                       "field 'price_type': there is no index price for %s/%s; use a fixed price",
                       asset->code, fiat->code);
    if (money_apply_margin(index, margin, effective) != MONEY_OK)
        return err_set(err, ERR_INVALID, "field 'margin_pct' gives no usable price");
    return 0;
}

/*  Move crypto of a sell ad between the maker's available and held balances:
    amount > 0 holds, < 0 gives back. */
static int
s_hold(db_t *db, int64_t profile_id, int64_t ad_id, const catalog_currency_t *asset, money_t amount,
       err_t *err)
{
    char avail[MONEY_TEXT_MAX], held[MONEY_TEXT_MAX], moved[MONEY_TEXT_MAX];
    money_format(-amount, asset->decimals, avail);
    money_format(amount, asset->decimals, held);
    money_format(amount < 0 ? -amount : amount, asset->decimals, moved);
    ledger_move_t move = {
        .profile_id = profile_id,
        .asset = asset->code,
        .kind = amount > 0 ? "ad_hold" : "ad_release",
        .available_delta = avail,
        .held_delta = held,
        .amount = moved,
        .ad_id = ad_id,
    };
    int rc = ledger_repo_move(db, &move, NULL, err);
    if (rc == LEDGER_INSUFFICIENT)
        return err_set(err, ERR_INSUFFICIENT_BALANCE, "available %s balance is lower than %s", asset->code,
                       moved);
    return rc == LEDGER_APPLIED ? 0 : rc < 0 ? -1 : err_set(err, ERR_INTERNAL, "unexpected ledger outcome");
}

/* ------------------------------------------------------------------ create */

typedef struct {
    trade_app_t *app;
    const party_t *caller;
    const ad_input_t *in;
    const ad_amounts_t *amounts;
    int64_t ad_id;
} s_create_t;

static int
s_create_tx(db_t *db, void *ctx, err_t *err)
{
    s_create_t *c = ctx;
    const ad_input_t *in = c->in;
    const ad_amounts_t *a = c->amounts;
    money_t effective = a->price;
    if (s_check_methods(db, in->method_ids, in->method_count, err) != 0
        || (in->floating
            && s_floating_price(c->app, db, in->asset, in->fiat, a->margin, &effective, err) != 0))
        return -1;
    if (in->sell) {
        int missing =
            ad_repo_missing_accounts(db, c->caller->profile_id, in->method_ids, in->method_count, err);
        if (missing < 0)
            return -1;
        if (missing > 0)
            return err_set(err, ERR_PAYMENT_ACCOUNT_REQUIRED,
                           "add a payment account for every listed payment method before selling");
    }
    char price[MONEY_TEXT_MAX], margin[MONEY_TEXT_MAX], eff[MONEY_TEXT_MAX], total[MONEY_TEXT_MAX],
        min[MONEY_TEXT_MAX], max[MONEY_TEXT_MAX];
    money_format(a->price, in->fiat->decimals, price);
    money_format(a->margin, 2, margin);
    money_format(effective, in->fiat->decimals, eff);
    money_format(a->total, in->asset->decimals, total);
    money_format(a->min_limit, in->fiat->decimals, min);
    money_format(a->max_limit, in->fiat->decimals, max);
    ad_insert_t row = {
        .profile_id = c->caller->profile_id,
        .type = in->sell ? "sell" : "buy",
        .asset = in->asset->code,
        .fiat = in->fiat->code,
        .price_type = in->floating ? "floating" : "fixed",
        .price = in->floating ? NULL : price,
        .margin_pct = in->floating ? margin : NULL,
        .effective_price = eff,
        .total_amount = total,
        .min_limit = min,
        .max_limit = max,
        .method_ids = in->method_ids,
        .method_count = in->method_count,
        .window_minutes = in->window_minutes,
        .terms = in->terms,
        .auto_reply = in->auto_reply,
        .req_min_trades = in->req_min_trades,
        .req_verified = in->req_verified,
    };
    if (ad_repo_insert(db, &row, &c->ad_id, err) != 0)
        return -1;
    /* a sell ad's crypto is set aside now: orders take it from the ad */
    return in->sell ? s_hold(db, c->caller->profile_id, c->ad_id, in->asset, a->total, err) : 0;
}

char *
ad_ops_create(trade_app_t *app, const party_t *caller, const ad_input_t *in, const ad_amounts_t *amounts,
              err_t *err)
{
    s_create_t c = {.app = app, .caller = caller, .in = in, .amounts = amounts};
    if (trade_app_tx(app, "ad.create", s_create_tx, &c, err) != 0)
        return NULL;
    return s_ad_reply(app, c.ad_id, caller->profile_id, err);
}

/* ------------------------------------------------------------------ update */

/*  Lock the caller's own ad, not closed: 404 / 403 / 409 otherwise. */
static int
s_lock_own(trade_app_t *app, db_t *db, const party_t *caller, int64_t ad_id, ad_row_t *ad, err_t *err)
{
    int found = ad_repo_lock(db, app->catalog, ad_id, app->cfg->price_max_age_s, ad, err);
    if (found < 0)
        return -1;
    if (!found)
        return err_set(err, ERR_NOT_FOUND, "Ad not found");
    if (ad->profile_id != caller->profile_id)
        return err_set(err, ERR_FORBIDDEN, "This ad is not yours");
    if (strcmp(ad->status, "closed") == 0)
        return err_set(err, ERR_AD_UNAVAILABLE, "This ad is closed and can no longer change");
    return 0;
}

typedef struct {
    trade_app_t *app;
    const party_t *caller;
    const ad_input_t *in;
} s_update_t;

static int
s_update_tx(db_t *db, void *ctx, err_t *err)
{
    s_update_t *u = ctx;
    const ad_input_t *in = u->in;
    ad_row_t ad;
    ad_amounts_t a = {0};
    if (s_lock_own(u->app, db, u->caller, in->ad_id, &ad, err) != 0
        || ad_validate_amounts(in, ad.asset, ad.fiat, ad.floating, &a, err) != 0)
        return -1;
    money_t min = in->has_min ? a.min_limit : ad.min_limit, max = in->has_max ? a.max_limit : ad.max_limit;
    if (min > max)
        return err_set(err, ERR_INVALID, "field '%s' must keep min_limit <= max_limit",
                       in->has_min ? "min_limit" : "max_limit");
    if (in->has_methods && s_check_methods(db, in->method_ids, in->method_count, err) != 0)
        return -1;
    if (in->has_total && a.total < ad.taken) {
        char taken[MONEY_TEXT_MAX];
        money_format(ad.taken, ad.asset->decimals, taken);
        return err_set(err, ERR_INVALID, "field 'total_amount' must be at least %s, what orders have taken",
                       taken);
    }
    money_t effective = ad.effective_price;
    if (in->has_price)
        effective = a.price;
    if (in->has_margin && s_floating_price(u->app, db, ad.asset, ad.fiat, a.margin, &effective, err) != 0)
        return -1;
    if (ad.sell && in->has_methods) {
        int missing =
            ad_repo_missing_accounts(db, u->caller->profile_id, in->method_ids, in->method_count, err);
        if (missing < 0)
            return -1;
        if (missing > 0)
            return err_set(err, ERR_PAYMENT_ACCOUNT_REQUIRED,
                           "add a payment account for every listed payment method before selling");
    }
    /* a sell ad holds exactly its remainder: hold or give back the difference */
    if (ad.sell && in->has_total && a.total != ad.total
        && s_hold(db, ad.profile_id, ad.id, ad.asset, a.total - ad.total, err) != 0)
        return -1;
    char price[MONEY_TEXT_MAX], margin[MONEY_TEXT_MAX], eff[MONEY_TEXT_MAX], total[MONEY_TEXT_MAX],
        smin[MONEY_TEXT_MAX], smax[MONEY_TEXT_MAX];
    money_format(a.price, ad.fiat->decimals, price);
    money_format(a.margin, 2, margin);
    money_format(effective, ad.fiat->decimals, eff);
    money_format(a.total, ad.asset->decimals, total);
    money_format(a.min_limit, ad.fiat->decimals, smin);
    money_format(a.max_limit, ad.fiat->decimals, smax);
    ad_changes_t changes = {
        .price = in->has_price ? price : NULL,
        .margin_pct = in->has_margin ? margin : NULL,
        .effective_price = in->has_price || in->has_margin ? eff : NULL,
        .total_amount = in->has_total ? total : NULL,
        .min_limit = in->has_min ? smin : NULL,
        .max_limit = in->has_max ? smax : NULL,
        .method_ids = in->method_ids,
        .method_count = in->has_methods ? in->method_count : 0,
        .window_minutes = in->has_window ? in->window_minutes : -1,
        .terms = in->has_terms ? in->terms : NULL,
        .auto_reply = in->has_auto_reply ? in->auto_reply : NULL,
        .req_min_trades = in->has_req_trades ? in->req_min_trades : -1,
        .req_verified = in->has_req_verified ? in->req_verified : -1,
        .status = in->has_status ? in->status : NULL,
    };
    return ad_repo_update(db, ad.id, &changes, err);
}

char *
ad_ops_update(trade_app_t *app, const party_t *caller, const ad_input_t *in, err_t *err)
{
    s_update_t u = {.app = app, .caller = caller, .in = in};
    if (trade_app_tx(app, "ad.update", s_update_tx, &u, err) != 0)
        return NULL;
    return s_ad_reply(app, in->ad_id, caller->profile_id, err);
}

/* ------------------------------------------------------------------ delete */

typedef struct {
    trade_app_t *app;
    const party_t *caller;
    int64_t ad_id;
} s_delete_t;

static int
s_delete_tx(db_t *db, void *ctx, err_t *err)
{
    s_delete_t *d = ctx;
    ad_row_t ad;
    if (s_lock_own(d->app, db, d->caller, d->ad_id, &ad, err) != 0)
        return -1;
    int64_t open = ad_repo_open_orders(db, ad.id, err);
    if (open < 0)
        return -1;
    if (open > 0)
        return err_set(err, ERR_AD_HAS_OPEN_ORDERS,
                       "this ad has %" PRId64 " order(s) in progress; close it once they end", open);
    if (ad_repo_close(db, ad.id, err) != 0)
        return -1;
    money_t remaining = ad.total - ad.taken;
    return ad.sell && remaining > 0 ? s_hold(db, ad.profile_id, ad.id, ad.asset, -remaining, err) : 0;
}

char *
ad_ops_delete(trade_app_t *app, const party_t *caller, int64_t ad_id, err_t *err)
{
    s_delete_t d = {.app = app, .caller = caller, .ad_id = ad_id};
    if (trade_app_tx(app, "ad.delete", s_delete_tx, &d, err) != 0)
        return NULL;
    return s_ad_reply(app, ad_id, caller->profile_id, err);
}

/* ------------------------------------------------------------------ reads */

char *
ad_ops_get(trade_app_t *app, const party_t *caller, int64_t ad_id, err_t *err)
{
    return s_ad_reply(app, ad_id, caller->profile_id, err);
}

/*  A listing's key in the answer cache: every field of the query. False
    when it does not fit (never for a valid query). */
static bool
s_list_key(const ad_query_t *q, char key[ANSWER_CACHE_KEY_MAX])
{
    return answer_cache_key(key, "%s|%s|%s|%" PRId64 "|%s|%d|%" PRId64 "|%d", q->type, q->asset ? q->asset : "",
                            q->fiat ? q->fiat : "", q->payment_method_id, q->amount ? q->amount : "", q->limit,
                            q->offset, q->max_age_s);
}

static char *
s_list_answer(trade_app_t *app, const ad_query_t *query, err_t *err)
{
    char *ads = NULL;
    int64_t total = 0;
    bool capped = false;
    if (ad_repo_list(app->db, query, &ads, &total, &capped, err) != 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"ads\":%s,\"total\":%" PRId64 ",\"total_is_lower_bound\":%s}", ads, total,
                 capped ? "true" : "false")
        < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(ads);
    return out;
}

/*  From the worker's answer cache while the answer still holds (the state
    is read first, unless the one read for the listings just before stands
    for this one too: common/answer_cache.h), else from the database, and
    kept. */
char *
ad_ops_list(trade_app_t *app, const ad_query_t *query, err_t *err)
{
    char key[ANSWER_CACHE_KEY_MAX];
    answer_cache_t *cache = app->list_cache && answer_cache_enabled(app->list_cache) ? app->list_cache : NULL;
    if (!cache || !s_list_key(query, key))
        return s_list_answer(app, query, err);
    if (!answer_cache_state_covers(cache, query->batch_seq, query->call_seq)) {
        answer_cache_state_t state;
        if (ad_repo_list_state(app->db, query->max_age_s, &state, err) != 0)
            return NULL;
        answer_cache_observe(cache, &state, query->batch_seq, query->call_seq);
    }
    const char *cached = answer_cache_get(cache, key, clock_mono_ms());
    if (cached) {
        char *copy = strdup(cached);
        if (!copy)
            err_set(err, ERR_INTERNAL, "out of memory");
        return copy;
    }
    char *answer = s_list_answer(app, query, err);
    if (answer)
        answer_cache_put(cache, key, answer, clock_mono_ms());
    return answer;
}

char *
ad_ops_mine(trade_app_t *app, const party_t *caller, const char *status, int limit, int64_t offset,
            err_t *err)
{
    char *ads = NULL;
    int64_t total = 0;
    if (ad_repo_mine(app->db, caller->profile_id, status, limit, offset, app->cfg->price_max_age_s, &ads,
                     &total, err)
        != 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"ads\":%s,\"total\":%" PRId64 "}", ads, total) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(ads);
    return out;
}
