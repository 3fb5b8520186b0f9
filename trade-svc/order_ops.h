/*  order_ops.h - the order operations (TRADING.md "Orders"). Each is one
    transaction that locks what it reads, checks, moves the escrow, changes
    the state with a compare-and-set, counts the trade and records the event;
    both parties' sessions hear order.updated only after the commit.
    Replies are the JSON clients receive as data; caller frees; NULL with err. */
#ifndef P2P_ORDER_OPS_H
#define P2P_ORDER_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "money.h"
#include "order_fsm.h"
#include "party_repo.h"
#include "order_repo.h"
#include "trade_app.h"
#include "trade_push.h"

typedef struct {
    int64_t ad_id;
    const char *fiat_amount; /* exactly one of the two amounts, as sent */
    const char *crypto_amount;
    int64_t payment_method_id;
    const char *client_order_id; /* may be NULL */
} order_create_t;

/*  {"order":{...}} placed by caller on the ad. *created is false when
    client_order_id named an order the caller had placed already (that order
    answers; nothing is created). */
char *order_ops_create(trade_app_t *app, const party_t *caller, const char *user_id, const order_create_t *in,
                       bool *created, err_t *err);

/*  Take action on order_id as the caller (a party): {"order":{...}} after it.
    404 for a non-party, 403 out of role, 409 ORDER_STATE_CHANGED when the
    order's state does not allow it now (the order as it is rides along in the
    error's data). */
char *order_ops_act(trade_app_t *app, const party_t *caller, const char *user_id, int64_t order_id,
                    order_action_t action, err_t *err);

/*  {"order":{...}} as the caller sees it; 404 for a non-party. */
char *order_ops_get(trade_app_t *app, const party_t *caller, int64_t order_id, err_t *err);

/*  {"orders":[...],"total":n}, newest first. */
char *order_ops_list(trade_app_t *app, const party_t *caller, const char *const *statuses, int status_count,
                     const char *role, int limit, int64_t offset, err_t *err);

/*  Expire unpaid orders past their deadline (the timer): at most max per
    call, each in its own transaction; another trade-svc process never
    expires the same order (row locks, SKIP LOCKED). Returns how many. */
int order_ops_expire_due(trade_app_t *app, int max);

/*  The order as it is now, for an error reply's data: {"order":{...}} as
    viewer sees it, or NULL. Caller frees. */
char *order_ops_view(trade_app_t *app, int64_t order_id, int64_t viewer);

/*  Operators: {"orders":[...],"total":n}. */
char *order_ops_admin_list(trade_app_t *app, const char *const *statuses, int status_count,
                           int64_t profile_id, int limit, int64_t offset, err_t *err);

/*  Operators: {"order":{...},"messages":[...]} (the whole chat). */
char *order_ops_admin_get(trade_app_t *app, int64_t order_id, err_t *err);

/*  Inside a transaction: move the locked order o by action as who (the state
    machine decides: 403 / 409 otherwise), with the escrow, the counters and
    the event; parties' and the timer's transitions are announced (chat line,
    notifications queued on push); a ruling's are the caller's to announce.
    0, or -1 with err. */
int order_ops_transition(trade_app_t *app, db_t *db, trade_push_t *push, order_row_t *o,
                         order_action_t action, order_role_t who, const char *actor_user_id, err_t *err);

/*  After a commit: order.updated to both parties of o. */
void order_ops_push(trade_app_t *app, const order_row_t *o);

/*  The buyer's wait after payment before a dispute, after the time scale. */
int64_t order_ops_release_window_ms(const trade_app_t *app);

#endif
