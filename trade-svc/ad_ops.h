/*  ad_ops.h - the ad operations (TRADING.md "Ads"), each one transaction:
    a sell ad's crypto is held from the maker's balance when it is posted,
    the difference when its total changes, and what remains when it closes.
    Replies are the JSON clients receive as data; caller frees; NULL with err. */
#ifndef P2P_AD_OPS_H
#define P2P_AD_OPS_H

#include "ad_validate.h"
#include "party_repo.h"
#include "trade_app.h"

/*  {"ad":{...}} posted by caller. */
char *ad_ops_create(trade_app_t *app, const party_t *caller, const ad_input_t *in,
                    const ad_amounts_t *amounts, err_t *err);

/*  {"ad":{...}} after the given changes. */
char *ad_ops_update(trade_app_t *app, const party_t *caller, const ad_input_t *in, err_t *err);

/*  {"ad":{...}} closed. */
char *ad_ops_delete(trade_app_t *app, const party_t *caller, int64_t ad_id, err_t *err);

/*  {"ad":{...}} when the caller may see it (listed, or their own), else 404. */
char *ad_ops_get(trade_app_t *app, const party_t *caller, int64_t ad_id, err_t *err);

/*  {"ads":[...],"total":n,"total_is_lower_bound":b}: kept in app->list_cache
    and served from it while the answer holds (common/answer_cache.h). */
char *ad_ops_list(trade_app_t *app, const ad_query_t *query, err_t *err);

/*  {"ads":[...],"total":n}: the caller's own ads, newest first. */
char *ad_ops_mine(trade_app_t *app, const party_t *caller, const char *status, int limit, int64_t offset,
                  err_t *err);

#endif
