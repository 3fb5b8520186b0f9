/*  review_ops.h - reviews and reputation (TRADING.md "Reviews"): a party of a
    completed order reviews the other party once; the reviewee's average and
    count change in the same transaction; moderators hide and unhide reviews
    (audited), which leave or rejoin the list and the average at once.
    Replies are the JSON clients receive as data; caller frees; NULL with err. */
#ifndef P2P_REVIEW_OPS_H
#define P2P_REVIEW_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "party_repo.h"
#include "trade_app.h"

/*  {"review":{...}} by the caller on order_id. */
char *review_ops_create(trade_app_t *app, const party_t *caller, int64_t order_id, int rating,
                        const char *comment, err_t *err);

/*  {"reviews":[...],"total":n,"avg_rating":x} of profile_id's visible reviews. */
char *review_ops_list(trade_app_t *app, int64_t profile_id, int limit, int64_t offset, err_t *err);

/*  {"review":{"id","hidden"}}: hidden or shown again by an admin, audited. */
char *review_ops_set_hidden(trade_app_t *app, const char *admin_user_id, int64_t review_id, bool hidden,
                            const char *reason, err_t *err);

#endif
