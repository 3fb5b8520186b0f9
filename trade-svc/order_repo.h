/*  order_repo.h - orders (p2p_orders, p2p_order_events): the only SQL for
    orders. A transition is a compare-and-set on the status (UPDATE ... WHERE
    status = $old) under the row lock the operation took first. */
#ifndef P2P_ORDER_REPO_H
#define P2P_ORDER_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "db.h"
#include "money.h"
#include "order_fsm.h"

/*  An order as the operations need it, read under a row lock. */
typedef struct {
    int64_t id;
    int64_t ad_id;
    bool sell_ad; /* the ad's type: the maker sells */
    int64_t maker_id, taker_id, buyer_id, seller_id;
    const catalog_currency_t *asset, *fiat;
    money_t crypto_amount, fiat_amount;
    order_status_t status;
    bool expired_now;       /* PENDING_PAYMENT past expires_at (by the database's clock) */
    bool release_window_ok; /* paid at least the release window ago */
    bool ad_closed;         /* its ad is closed (escrow goes back to the seller, not the ad) */
    char buyer_user_id[256], seller_user_id[256]; /* whom pushes reach */
    char reference[9];
} order_row_t;

/*  What order.create stores; amounts as decimal text. */
typedef struct {
    const char *reference;
    int64_t ad_id;
    bool sell_ad;
    int64_t maker_id, taker_id, buyer_id, seller_id;
    const char *asset, *fiat;
    const char *price, *crypto_amount, *fiat_amount;
    int64_t payment_method_id;
    int window_minutes;
    int64_t window_ms;           /* after the time scale */
    const char *client_order_id; /* may be NULL */
} order_insert_t;

/*  Statements to prepare (static). */
const db_statement_t *order_repo_statements(size_t *count);

/*  The order taker placed with client_order_id: its id, or 0. -1 with err. */
int64_t order_repo_by_client_id(db_t *db, int64_t taker_id, const char *client_order_id, err_t *err);

/*  Insert (status PENDING_PAYMENT, expires_at = now + window_ms), copying the
    seller's newest payment account for the method and the method's name.
    *id receives the order id: 0 when the seller has no account for the
    method (nothing inserted). *duplicate says which unique key was taken
    when the statement failed (ORDER_DUP_*; roll back). 0, or -1 with err. */
enum { ORDER_DUP_NONE, ORDER_DUP_REFERENCE, ORDER_DUP_CLIENT_ID };
int order_repo_insert(db_t *db, const order_insert_t *in, int64_t *id, int *duplicate, err_t *err);

/*  Lock order id and read it into *row. release_window_ms: the buyer's wait
    after payment before a dispute. 1 found, 0 none, -1 with err. */
int order_repo_lock(db_t *db, catalog_t *catalog, int64_t id, int64_t release_window_ms, order_row_t *row,
                    err_t *err);

/*  Compare-and-set the status from -> to, stamping paid_at / completed_at /
    cancelled_at and escrow_settled_at as the new status says. 1 applied, 0
    the status was not from, -1 with err. */
int order_repo_set_status(db_t *db, int64_t id, order_status_t from, order_status_t to, err_t *err);

/*  Append an event: the order entered status, moved by actor (a role name)
    with the actor's user id (NULL for the system). 0, or -1 with err. */
int order_repo_event(db_t *db, int64_t id, order_status_t status, const char *actor,
                     const char *actor_user_id, err_t *err);

/*  Profile counters of TRADING.md "Orders" for a final status. 0, or -1. */
int order_repo_count_trade(db_t *db, const order_row_t *order, order_status_t final, err_t *err);

/*  The buyer's unpaid orders, and their cancelled or expired orders of the
    last 24 hours. 0, or -1 with err. */
int order_repo_buyer_limits(db_t *db, int64_t buyer_id, int64_t *open, int64_t *cancelled_today, err_t *err);

/*  A profile's completed trades and verification (the ad's requirements). 1, 0 none, -1. */
int order_repo_party_standing(db_t *db, int64_t profile_id, int64_t *completed, bool *verified, err_t *err);

/*  The order as viewer sees it (JSON object text, caller frees), with
    helper fields "_role" (the viewer's: "buyer", "seller" or null),
    "_status", "_expired", "_release_ok" for the operation to compute "can"
    and drop. viewer 0 with admin: an operator. NULL with *found false when
    there is none or viewer is not a party; NULL with err on failure. */
char *order_repo_json(db_t *db, int64_t id, int64_t viewer, bool admin, int64_t release_window_ms,
                      bool *found, err_t *err);

/*  An order as one party sees it (order_repo_json's form), and who they are. */
typedef struct {
    int64_t profile_id;
    char user_id[256];
    char *json; /* caller frees */
} order_party_view_t;

/*  Both parties' views of order id in one read: views[0] the buyer's,
    views[1] the seller's. 1, 0 none, -1 with err. */
int order_repo_party_views(db_t *db, int64_t id, int64_t release_window_ms, order_party_view_t views[2],
                           err_t *err);

/*  A page of viewer's orders, newest first, as a JSON array of the same
    objects (caller frees), and the total. statuses: NULL/0 for any; role:
    NULL, "buyer" or "seller". 0, or -1 with err. */
int order_repo_list(db_t *db, int64_t viewer, const char *const *statuses, int status_count, const char *role,
                    int limit, int64_t offset, int64_t release_window_ms, char **orders_json, int64_t *total,
                    err_t *err);

typedef struct {
    int64_t buyer_id, seller_id;
    char buyer_user_id[256], seller_user_id[256];
    order_status_t status;
    bool disputed; /* it has (or had) a dispute */
} order_parties_t;

/*  Who the parties of order id are (for pushes). 1, 0 none, -1 with err. */
int order_repo_parties(db_t *db, int64_t id, order_parties_t *parties, err_t *err);

/*  Operators' list: every order (statuses as order_repo_list; profile_id 0:
    anyone's, else those it is a party to), newest first, as operators see
    them. 0, or -1 with err. */
int order_repo_admin_list(db_t *db, const char *const *statuses, int status_count, int64_t profile_id,
                          int limit, int64_t offset, int64_t release_window_ms, char **orders_json,
                          int64_t *total, err_t *err);

/*  Up to max unpaid orders past their deadline, oldest first, that no other
    transaction holds (FOR UPDATE SKIP LOCKED): ids into ids, count returned,
    -1 with err. Run inside the transaction that expires them. */
int order_repo_due(db_t *db, int64_t *ids, int max, err_t *err);

#endif
