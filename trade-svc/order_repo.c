/*  order_repo.c - the SQL of orders (see order_repo.h). */
#include "order_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade_sql.h"

/*  An order as a viewer sees it. o: the order; b, s: buyer and seller
    profiles; ac, fc: its currencies. $V: the viewer's profile id, $A: true
    for an operator, $W: the release window in ms. The seller's account copy
    is shown to the parties while the order is open, to operators while it is
    disputed, to nobody afterwards. */
// clang-format off
#define S_ORDER_JSON(V, A, W)                                                                                   \
    "json_build_object('id', o.id, 'reference', o.reference, 'ad_id', o.ad_id, 'type', o.type, "                \
    "'buyer', " TRADE_SQL_PARTY_JSON("b") ", 'seller', " TRADE_SQL_PARTY_JSON("s") ", "                         \
    "'maker_id', o.maker_id, 'taker_id', o.taker_id, 'asset', o.asset, 'fiat', o.fiat, "                        \
    "'price', " TRADE_SQL_AMOUNT("o.price", "fc.decimals") ", "                                                 \
    "'crypto_amount', " TRADE_SQL_AMOUNT("o.crypto_amount", "ac.decimals") ", "                                 \
    "'fiat_amount', " TRADE_SQL_AMOUNT("o.fiat_amount", "fc.decimals") ", "                                     \
    "'payment_method', json_build_object('id', o.payment_method_id, 'name', o.payment_method_name), "           \
    "'payment_account', CASE WHEN (o.status IN " TRADE_SQL_OPEN_STATUSES " AND NOT " A ") "                    \
    "OR (o.status = 'DISPUTED' AND " A ") THEN o.payment_account END, "                                         \
    "'payment_window_minutes', o.payment_window_minutes, 'status', o.status, "                                  \
    "'expires_at', " TRADE_SQL_TIME("o.expires_at") ", 'paid_at', " TRADE_SQL_TIME("o.paid_at") ", "            \
    "'completed_at', " TRADE_SQL_TIME("o.completed_at") ", "                                                    \
    "'cancelled_at', " TRADE_SQL_TIME("o.cancelled_at") ", "                                                    \
    "'created_at', " TRADE_SQL_TIME("o.created_at") ", 'updated_at', " TRADE_SQL_TIME("o.updated_at") ", "      \
    "'client_order_id', CASE WHEN o.taker_id = " V " THEN o.client_order_id END, "                             \
    "'dispute', (SELECT json_build_object('id', d.id, 'status', d.status, 'outcome', d.outcome) "               \
    "FROM p2p_disputes d WHERE d.order_id = o.id), "                                                            \
    "'events', (SELECT json_agg(json_build_object('status', e.status, 'at', " TRADE_SQL_TIME("e.created_at")    \
    ", 'by', e.actor) ORDER BY e.id) FROM p2p_order_events e WHERE e.order_id = o.id), "                         \
    "'_role', CASE WHEN o.buyer_id = " V " THEN 'buyer' WHEN o.seller_id = " V " THEN 'seller' END, "          \
    "'_expired', o.status = 'PENDING_PAYMENT' AND o.expires_at <= now(), "                                      \
    "'_release_ok', o.paid_at IS NOT NULL AND o.paid_at + make_interval(secs => " W " / 1000.0) <= now(), "    \
    "'_reviewed', EXISTS (SELECT 1 FROM p2p_reviews r WHERE r.order_id = o.id AND r.reviewer_id = " V "))"
// clang-format on

#define S_ORDER_FROM                                                                                         \
    " FROM p2p_orders o JOIN p2p_profiles b ON b.id = o.buyer_id JOIN p2p_profiles s ON s.id = o.seller_id " \
    "JOIN p2p_assets ac ON ac.code = o.asset JOIN p2p_fiat_currencies fc ON fc.code = o.fiat "

static const db_statement_t s_statements[] = {
    {"order_by_client_id", "SELECT id FROM p2p_orders WHERE taker_id = $1::bigint AND client_order_id = $2",
     2},
    /* the seller's newest account for the method is copied in: none, no row */
    {"order_insert",
     "INSERT INTO p2p_orders (reference, ad_id, type, maker_id, taker_id, buyer_id, seller_id, asset, fiat, "
     "price, "
     "crypto_amount, fiat_amount, payment_method_id, payment_method_name, payment_account, "
     "payment_window_minutes, "
     "expires_at, client_order_id) "
     "SELECT $1, $2::bigint, $3, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8, $9, $10::numeric, "
     "$11::numeric, $12::numeric, m.id, m.name, "
     "json_build_object('id', pa.id, 'label', pa.label, 'details', pa.details, 'payment_method', m.name), "
     "$13::int, now() + make_interval(secs => $14::bigint / 1000.0), $15 "
     "FROM p2p_payment_methods m JOIN LATERAL (SELECT * FROM p2p_payment_accounts pa "
     "WHERE pa.profile_id = $7::bigint AND pa.payment_method_id = m.id ORDER BY pa.id DESC LIMIT 1) pa ON "
     "true "
     "WHERE m.id = $16::int AND m.active RETURNING id",
     16},
    {"order_lock",
     "SELECT o.id, o.ad_id, o.type, o.maker_id, o.taker_id, o.buyer_id, o.seller_id, o.asset, o.fiat, "
     "o.crypto_amount, o.fiat_amount, o.status, o.status = 'PENDING_PAYMENT' AND o.expires_at <= now(), "
     "o.paid_at IS NOT NULL AND o.paid_at + make_interval(secs => $2::bigint / 1000.0) <= now(), "
     "a.status = 'closed', b.user_id, s.user_id, o.reference FROM p2p_orders o JOIN p2p_ads a ON a.id = "
     "o.ad_id "
     "JOIN p2p_profiles b ON b.id = o.buyer_id JOIN p2p_profiles s ON s.id = o.seller_id "
     "WHERE o.id = $1::bigint FOR UPDATE OF o",
     2},
    {"order_set_status",
     "UPDATE p2p_orders SET status = $3, updated_at = now(), "
     "paid_at = CASE WHEN $3 = 'PAID' THEN now() ELSE paid_at END, "
     "completed_at = CASE WHEN $3 = 'COMPLETED' THEN now() ELSE completed_at END, "
     "cancelled_at = CASE WHEN $3 IN ('CANCELLED', 'EXPIRED', 'REFUNDED') THEN now() ELSE cancelled_at END, "
     "escrow_settled_at = CASE WHEN $3 IN ('COMPLETED', 'CANCELLED', 'EXPIRED', 'REFUNDED') THEN now() "
     "ELSE escrow_settled_at END WHERE id = $1::bigint AND status = $2 RETURNING id",
     3},
    {"order_event",
     "INSERT INTO p2p_order_events (order_id, status, actor, actor_id) VALUES ($1::bigint, $2, $3, $4)", 4},
    /* completed: both parties count a completed trade; otherwise the buyer a cancelled one */
    {"order_count_trade",
     "UPDATE p2p_profiles SET total_trades = total_trades + 1, "
     "completed_trades = completed_trades + CASE WHEN $3::boolean THEN 1 ELSE 0 END, "
     "cancelled_trades = cancelled_trades + CASE WHEN $3::boolean THEN 0 ELSE 1 END, updated_at = now() "
     "WHERE id = $1::bigint OR ($3::boolean AND id = $2::bigint)",
     3},
    {"order_buyer_limits",
     "SELECT count(*) FILTER (WHERE status = 'PENDING_PAYMENT' AND expires_at > now()), "
     "count(*) FILTER (WHERE (status IN ('CANCELLED', 'EXPIRED') AND cancelled_at > now() - interval '24 "
     "hours') "
     "OR (status = 'PENDING_PAYMENT' AND expires_at <= now())) FROM p2p_orders WHERE buyer_id = $1::bigint "
     "AND (status = 'PENDING_PAYMENT' OR (status IN ('CANCELLED', 'EXPIRED') AND cancelled_at > now() - "
     "interval "
     "'24 hours'))",
     1},
    {"order_party_standing", "SELECT completed_trades, is_verified FROM p2p_profiles WHERE id = $1::bigint",
     1},
    {"order_json",
     "SELECT " S_ORDER_JSON("$2::bigint", "$3::boolean", "$4::bigint") S_ORDER_FROM
     "WHERE o.id = $1::bigint AND ($3::boolean OR $2::bigint IN (o.buyer_id, o.seller_id))",
     4},
    /* both parties' views at once, and who they are: the pushes after a change */
    /* clang-format off */
    {"order_party_views",
     "SELECT o.buyer_id, o.seller_id, b.user_id, s.user_id, "
     S_ORDER_JSON("o.buyer_id", "false", "$2::bigint") ", "
     S_ORDER_JSON("o.seller_id", "false", "$2::bigint")
     S_ORDER_FROM "WHERE o.id = $1::bigint",
     2},
    /* clang-format on */
    {"order_list",
     "SELECT coalesce(json_agg(x.j ORDER BY x.id DESC), '[]'), (SELECT count(*) FROM p2p_orders o "
     "WHERE (($5::text IS NULL AND $1::bigint IN (o.buyer_id, o.seller_id)) OR ($5 = 'buyer' AND o.buyer_id "
     "= "
     "$1::bigint) OR ($5 = 'seller' AND o.seller_id = $1::bigint)) "
     "AND ($2::text[] IS NULL OR o.status = ANY ($2::text[]))) FROM "
     "(SELECT " S_ORDER_JSON("$1::bigint", "false",
                             "$6::bigint") " AS j, o.id" S_ORDER_FROM
                                           "WHERE (($5::text IS NULL AND $1::bigint IN (o.buyer_id, "
                                           "o.seller_id)) OR ($5 = 'buyer' AND o.buyer_id = "
                                           "$1::bigint) OR ($5 = 'seller' AND o.seller_id = $1::bigint)) "
                                           "AND ($2::text[] IS NULL OR o.status = ANY ($2::text[])) ORDER BY "
                                           "o.id DESC LIMIT $3::int OFFSET $4::bigint) x",
     6},
    /* the status as judged now: unpaid past its deadline is EXPIRED, swept or not */
    {"order_parties",
     "SELECT o.buyer_id, o.seller_id, b.user_id, s.user_id, "
     "CASE WHEN o.status = 'PENDING_PAYMENT' AND o.expires_at <= now() THEN 'EXPIRED' ELSE o.status END, "
     "EXISTS (SELECT 1 FROM p2p_disputes d WHERE d.order_id = o.id) FROM p2p_orders o JOIN p2p_profiles b "
     "ON b.id = "
     "o.buyer_id "
     "JOIN p2p_profiles s ON s.id = o.seller_id WHERE o.id = $1::bigint",
     1},
    /* operators: every order, or a profile's, newest first */
    {"order_admin_list",
     "SELECT coalesce(json_agg(x.j ORDER BY x.id DESC), '[]'), (SELECT count(*) FROM p2p_orders o "
     "WHERE ($1::text[] IS NULL OR o.status = ANY ($1::text[])) "
     "AND ($2::bigint IS NULL OR $2::bigint IN (o.buyer_id, o.seller_id))) FROM "
     "(SELECT " S_ORDER_JSON(
         "0", "true", "$5::bigint") " AS j, o.id" S_ORDER_FROM
                                    "WHERE ($1::text[] IS NULL OR o.status = ANY ($1::text[])) "
                                    "AND ($2::bigint IS NULL OR $2::bigint IN (o.buyer_id, o.seller_id)) "
                                    "ORDER BY o.id DESC LIMIT $3::int OFFSET $4::bigint) x",
     5},
    {"order_due",
     "SELECT id FROM p2p_orders WHERE status = 'PENDING_PAYMENT' AND expires_at <= now() ORDER BY expires_at "
     "LIMIT $1::int FOR UPDATE SKIP LOCKED",
     1},
};

const db_statement_t *
order_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

#define S_ID(buf, v) snprintf(buf, sizeof buf, "%" PRId64, (int64_t) (v))

int64_t
order_repo_by_client_id(db_t *db, int64_t taker_id, const char *client_order_id, err_t *err)
{
    char taker[24];
    S_ID(taker, taker_id);
    const char *params[] = {taker, client_order_id};
    PGresult *res = db_exec(db, "order_by_client_id", params, 2, err);
    if (!res)
        return -1;
    int64_t id = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return id;
}

int
order_repo_insert(db_t *db, const order_insert_t *in, int64_t *id, int *duplicate, err_t *err)
{
    char ad[24], maker[24], taker[24], buyer[24], seller[24], window[16], window_ms[24], method[24];
    S_ID(ad, in->ad_id);
    S_ID(maker, in->maker_id);
    S_ID(taker, in->taker_id);
    S_ID(buyer, in->buyer_id);
    S_ID(seller, in->seller_id);
    snprintf(window, sizeof window, "%d", in->window_minutes);
    S_ID(window_ms, in->window_ms);
    S_ID(method, in->payment_method_id);
    const char *params[] = {in->reference,
                            ad,
                            in->sell_ad ? "sell" : "buy",
                            maker,
                            taker,
                            buyer,
                            seller,
                            in->asset,
                            in->fiat,
                            in->price,
                            in->crypto_amount,
                            in->fiat_amount,
                            window,
                            window_ms,
                            in->client_order_id,
                            method};
    *id = 0;
    *duplicate = 0;
    PGresult *res = db_exec(db, "order_insert", params, 16, err);
    if (!res) {
        /* which unique key: the random reference (run again) or the client's id */
        if (strcmp(db_last_sqlstate(db), "23505") == 0)
            *duplicate = strcmp(db_last_constraint(db), "p2p_orders_reference_uniq") == 0
                             ? ORDER_DUP_REFERENCE
                             : ORDER_DUP_CLIENT_ID;
        return -1;
    }
    if (PQntuples(res) == 1)
        *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

int
order_repo_lock(db_t *db, catalog_t *catalog, int64_t id, int64_t release_window_ms, order_row_t *row,
                err_t *err)
{
    char sid[24], window[24];
    S_ID(sid, id);
    S_ID(window, release_window_ms);
    const char *params[] = {sid, window};
    PGresult *res = db_exec(db, "order_lock", params, 2, err);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    memset(row, 0, sizeof *row);
    row->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    row->ad_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    row->sell_ad = strcmp(PQgetvalue(res, 0, 2), "sell") == 0;
    row->maker_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    row->taker_id = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    row->buyer_id = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    row->seller_id = strtoll(PQgetvalue(res, 0, 6), NULL, 10);
    row->asset = catalog_asset(catalog, PQgetvalue(res, 0, 7));
    row->fiat = catalog_fiat(catalog, PQgetvalue(res, 0, 8));
    if (!row->asset || !row->fiat) {
        PQclear(res);
        return err_set(err, ERR_INTERNAL, "the catalog does not know this order's currencies");
    }
    money_parse_db(PQgetvalue(res, 0, 9), row->asset->decimals, &row->crypto_amount);
    money_parse_db(PQgetvalue(res, 0, 10), row->fiat->decimals, &row->fiat_amount);
    row->status = order_status_from_name(PQgetvalue(res, 0, 11));
    row->expired_now = PQgetvalue(res, 0, 12)[0] == 't';
    row->release_window_ok = PQgetvalue(res, 0, 13)[0] == 't';
    row->ad_closed = PQgetvalue(res, 0, 14)[0] == 't';
    snprintf(row->buyer_user_id, sizeof row->buyer_user_id, "%s", PQgetvalue(res, 0, 15));
    snprintf(row->seller_user_id, sizeof row->seller_user_id, "%s", PQgetvalue(res, 0, 16));
    snprintf(row->reference, sizeof row->reference, "%s", PQgetvalue(res, 0, 17));
    PQclear(res);
    return 1;
}

int
order_repo_set_status(db_t *db, int64_t id, order_status_t from, order_status_t to, err_t *err)
{
    char sid[24];
    S_ID(sid, id);
    const char *params[] = {sid, order_status_name(from), order_status_name(to)};
    PGresult *res = db_exec(db, "order_set_status", params, 3, err);
    if (!res)
        return -1;
    int applied = PQntuples(res) == 1;
    PQclear(res);
    return applied;
}

int
order_repo_event(db_t *db, int64_t id, order_status_t status, const char *actor, const char *actor_user_id,
                 err_t *err)
{
    char sid[24];
    S_ID(sid, id);
    const char *params[] = {sid, order_status_name(status), actor, actor_user_id};
    PGresult *res = db_exec(db, "order_event", params, 4, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
order_repo_count_trade(db_t *db, const order_row_t *order, order_status_t final, err_t *err)
{
    char buyer[24], seller[24];
    S_ID(buyer, order->buyer_id);
    S_ID(seller, order->seller_id);
    const char *params[] = {buyer, seller, final == ORDER_COMPLETED ? "true" : "false"};
    PGresult *res = db_exec(db, "order_count_trade", params, 3, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
order_repo_buyer_limits(db_t *db, int64_t buyer_id, int64_t *open, int64_t *cancelled_today, err_t *err)
{
    char buyer[24];
    S_ID(buyer, buyer_id);
    const char *params[] = {buyer};
    PGresult *res = db_exec(db, "order_buyer_limits", params, 1, err);
    if (!res)
        return -1;
    *open = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *cancelled_today = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return 0;
}

int
order_repo_party_standing(db_t *db, int64_t profile_id, int64_t *completed, bool *verified, err_t *err)
{
    char sid[24];
    S_ID(sid, profile_id);
    const char *params[] = {sid};
    PGresult *res = db_exec(db, "order_party_standing", params, 1, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        *completed = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *verified = PQgetvalue(res, 0, 1)[0] == 't';
    }
    PQclear(res);
    return found;
}

char *
order_repo_json(db_t *db, int64_t id, int64_t viewer, bool admin, int64_t release_window_ms, bool *found,
                err_t *err)
{
    char sid[24], sviewer[24], window[24];
    S_ID(sid, id);
    S_ID(sviewer, viewer);
    S_ID(window, release_window_ms);
    const char *params[] = {sid, sviewer, admin ? "true" : "false", window};
    PGresult *res = db_exec(db, "order_json", params, 4, err);
    *found = false;
    if (!res)
        return NULL;
    char *json = NULL;
    if (PQntuples(res) == 1) {
        *found = true;
        if (!(json = strdup(PQgetvalue(res, 0, 0))))
            err_set(err, ERR_INTERNAL, "out of memory");
    }
    PQclear(res);
    return json;
}

int
order_repo_party_views(db_t *db, int64_t id, int64_t release_window_ms, order_party_view_t views[2],
                       err_t *err)
{
    char sid[24], window[24];
    S_ID(sid, id);
    S_ID(window, release_window_ms);
    const char *params[] = {sid, window};
    PGresult *res = db_exec(db, "order_party_views", params, 2, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    for (int i = 0; found && i < 2; i++) {
        views[i].profile_id = strtoll(PQgetvalue(res, 0, i), NULL, 10);
        snprintf(views[i].user_id, sizeof views[i].user_id, "%s", PQgetvalue(res, 0, 2 + i));
        views[i].json = strdup(PQgetvalue(res, 0, 4 + i));
    }
    PQclear(res);
    if (found && (!views[0].json || !views[1].json)) {
        free(views[0].json);
        free(views[1].json);
        views[0].json = views[1].json = NULL;
        return err_set(err, ERR_INTERNAL, "out of memory");
    }
    return found;
}

int
order_repo_list(db_t *db, int64_t viewer, const char *const *statuses, int status_count, const char *role,
                int limit, int64_t offset, int64_t release_window_ms, char **orders_json, int64_t *total,
                err_t *err)
{
    char sviewer[24], slimit[16], soffset[24], window[24], list[256];
    S_ID(sviewer, viewer);
    snprintf(slimit, sizeof slimit, "%d", limit);
    S_ID(soffset, offset);
    S_ID(window, release_window_ms);
    /* statuses were checked against the state names: no quoting needed */
    size_t used = (size_t) snprintf(list, sizeof list, "{");
    for (int i = 0; i < status_count && used < sizeof list; i++)
        used += (size_t) snprintf(list + used, sizeof list - used, "%s%s", i ? "," : "", statuses[i]);
    if (used < sizeof list)
        snprintf(list + used, sizeof list - used, "}");
    const char *params[] = {sviewer, status_count ? list : NULL, slimit, soffset, role, window};
    PGresult *res = db_exec(db, "order_list", params, 6, err);
    if (!res)
        return -1;
    *orders_json = strdup(PQgetvalue(res, 0, 0));
    *total = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    if (!*orders_json)
        return err_set(err, ERR_INTERNAL, "out of memory");
    return 0;
}

int
order_repo_due(db_t *db, int64_t *ids, int max, err_t *err)
{
    char smax[16];
    snprintf(smax, sizeof smax, "%d", max);
    const char *params[] = {smax};
    PGresult *res = db_exec(db, "order_due", params, 1, err);
    if (!res)
        return -1;
    int n = PQntuples(res) < max ? PQntuples(res) : max;
    for (int i = 0; i < n; i++)
        ids[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    PQclear(res);
    return n;
}

int
order_repo_parties(db_t *db, int64_t id, order_parties_t *p, err_t *err)
{
    char sid[24];
    S_ID(sid, id);
    const char *params[] = {sid};
    PGresult *res = db_exec(db, "order_parties", params, 1, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        p->buyer_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        p->seller_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        snprintf(p->buyer_user_id, sizeof p->buyer_user_id, "%s", PQgetvalue(res, 0, 2));
        snprintf(p->seller_user_id, sizeof p->seller_user_id, "%s", PQgetvalue(res, 0, 3));
        p->status = order_status_from_name(PQgetvalue(res, 0, 4));
        p->disputed = PQgetvalue(res, 0, 5)[0] == 't';
    }
    PQclear(res);
    return found;
}

int
order_repo_admin_list(db_t *db, const char *const *statuses, int status_count, int64_t profile_id, int limit,
                      int64_t offset, int64_t release_window_ms, char **orders_json, int64_t *total,
                      err_t *err)
{
    char profile[24], slimit[16], soffset[24], window[24], list[256];
    S_ID(profile, profile_id);
    snprintf(slimit, sizeof slimit, "%d", limit);
    S_ID(soffset, offset);
    S_ID(window, release_window_ms);
    size_t used = (size_t) snprintf(list, sizeof list, "{");
    for (int i = 0; i < status_count && used < sizeof list; i++)
        used += (size_t) snprintf(list + used, sizeof list - used, "%s%s", i ? "," : "", statuses[i]);
    if (used < sizeof list)
        snprintf(list + used, sizeof list - used, "}");
    const char *params[] = {status_count ? list : NULL, profile_id ? profile : NULL, slimit, soffset, window};
    PGresult *res = db_exec(db, "order_admin_list", params, 5, err);
    if (!res)
        return -1;
    *orders_json = strdup(PQgetvalue(res, 0, 0));
    *total = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return *orders_json ? 0 : err_set(err, ERR_INTERNAL, "out of memory");
}
