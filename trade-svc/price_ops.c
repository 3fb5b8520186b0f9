/*  price_ops.c - index prices (see price_ops.h). */
#include "price_ops.h"

#include <stdio.h>
#include <stdlib.h>

#include "ad_repo.h"
#include "audit_repo.h"
#include "price_repo.h"

char *
price_ops_list(trade_app_t *app, err_t *err)
{
    char *list = price_repo_list(app->db, app->cfg->price_max_age_s, err);
    if (!list)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"prices\":%s}", list) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(list);
    return out;
}

typedef struct {
    trade_app_t *app;
    const char *actor;
    const catalog_currency_t *asset, *fiat;
    char price[MONEY_TEXT_MAX];
    char *after;
} s_set_t;

static int
s_set_tx(db_t *db, void *ctx, err_t *err)
{
    s_set_t *s = ctx;
    char *before = NULL;
    free(s->after);
    s->after = NULL;
    if (price_repo_set(db, s->asset->code, s->fiat->code, s->price, s->actor, s->app->cfg->price_max_age_s,
                       &s->after, &before, err)
        != 0)
        return -1;
    /* floating ads follow the index in the same transaction: no listing
       ever sorts on a price the index no longer gives */
    int64_t repriced = 0;
    if (ad_repo_reprice(db, s->asset->code, s->fiat->code, s->price, &repriced, err) != 0) {
        free(before);
        return -1;
    }
    char target[40];
    snprintf(target, sizeof target, "price:%s/%s", s->asset->code, s->fiat->code);
    audit_row_t row = {.actor = s->actor,
                       .action = "set_price",
                       .target = target,
                       .before_json = before,
                       .after_json = s->after};
    int rc = audit_repo_insert(db, &row, err);
    free(before);
    return rc;
}

char *
price_ops_set(trade_app_t *app, const char *actor, const catalog_currency_t *asset,
              const catalog_currency_t *fiat, money_t price, err_t *err)
{
    s_set_t s = {.app = app, .actor = actor, .asset = asset, .fiat = fiat};
    money_format(price, fiat->decimals, s.price);
    if (trade_app_tx(app, "price.set", s_set_tx, &s, err) != 0) {
        free(s.after);
        return NULL;
    }
    char *out = NULL;
    if (asprintf(&out, "{\"price\":%s}", s.after) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(s.after);
    return out;
}
