/*  ad_repo.c - the SQL of ads (see ad_repo.h). */
#include "ad_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade_sql.h"

/*  Every ad query reads from here: the ad (a), its maker (p), its currencies
    (ac, fc) and, for a floating ad, its pair's index (ix). */
#define S_FROM                                                                                 \
    " FROM p2p_ads a JOIN p2p_profiles p ON p.id = a.profile_id "                              \
    "JOIN p2p_assets ac ON ac.code = a.asset JOIN p2p_fiat_currencies fc ON fc.code = a.fiat " \
    "LEFT JOIN p2p_prices ix ON ix.asset = a.asset AND ix.fiat = a.fiat AND a.price_type = 'floating' "

/*  The one visibility rule (TRADING.md "Ads"), for every listing, count,
    ad.get and order. age: the staleness bound's parameter. The remainder
    covers min_limit when min_limit's crypto, rounded down, fits in it:
    floor(min / price) <= remaining, i.e. min < (remaining + one unit) * price,
    exact in NUMERIC. */
#define S_AVAILABLE(age)                                                   \
    " a.status = 'active' AND p.has_consent AND NOT " TRADE_SQL_SUSPENDED( \
        "p") " "                                                           \
             "AND (a.price_type = 'fixed' OR ix.updated_at >= now() - make_interval(secs => " age ")) "
#define S_VISIBLE(age)                                                                        \
    S_AVAILABLE(age)                                                                          \
    "AND a.min_limit < (a.total_amount - a.taken_amount + power(10::numeric, -ac.decimals)) " \
    "* a.effective_price "

/*  The field list reads as JSON, one field per line. */
/* clang-format off */
#define S_AD_FIELDS                                                                         \
    "'id', a.id, 'profile_id', a.profile_id, "                                              \
    "'maker', " TRADE_SQL_PARTY_JSON("p") ", "                                              \
    "'type', a.type, 'asset', a.asset, 'fiat', a.fiat, 'price_type', a.price_type, "        \
    "'price', " TRADE_SQL_AMOUNT("a.price", "fc.decimals") ", "                             \
    "'margin_pct', " TRADE_SQL_AMOUNT("a.margin_pct", "2") ", "                             \
    "'effective_price', " TRADE_SQL_AMOUNT("a.effective_price", "fc.decimals") ", "         \
    "'total_amount', " TRADE_SQL_AMOUNT("a.total_amount", "ac.decimals") ", "               \
    "'remaining_amount', " TRADE_SQL_AMOUNT("a.total_amount - a.taken_amount",              \
                                            "ac.decimals") ", "                             \
    "'min_limit', " TRADE_SQL_AMOUNT("a.min_limit", "fc.decimals") ", "                     \
    "'max_limit', " TRADE_SQL_AMOUNT("a.max_limit", "fc.decimals") ", "                     \
    "'payment_method_ids', to_json(a.payment_method_ids), "                                 \
    "'payment_methods', (SELECT json_agg(json_build_object('id', m.id, 'name', m.name) "    \
    "ORDER BY array_position(a.payment_method_ids, m.id)) FROM p2p_payment_methods m "      \
    "WHERE m.id = ANY (a.payment_method_ids)), "                                            \
    "'payment_window_minutes', a.payment_window_minutes, 'terms', a.terms, "                \
    "'auto_reply', a.auto_reply, "                                                          \
    "'requirements', json_build_object('min_completed_trades', a.req_min_completed_trades, " \
    "'verified_only', a.req_verified_only), 'status', a.status, "                           \
    "'created_at', " TRADE_SQL_TIME("a.created_at") ", "                                    \
    "'updated_at', " TRADE_SQL_TIME("a.updated_at")
/* clang-format on */
#define S_AD_JSON "json_build_object(" S_AD_FIELDS ")"

/*  The listing's optional filters. For one pair there is a statement per
    combination, the filter written in and its parameter numbered in turn: a
    filter spelled "$n IS NULL OR ..." made the generic plan expect a handful
    of rows, so it read and sorted every ad of the pair instead of walking the
    side's index in price order and stopping after the page. */
#define S_METHOD(n) " AND " n "::int = ANY (a.payment_method_ids)"
#define S_AMOUNT(n)                                                               \
    " AND a.min_limit <= " n "::numeric AND " n "::numeric <= a.max_limit AND " n \
    "::numeric < (a.total_amount - a.taken_amount + power(10::numeric, -ac.decimals)) * a.effective_price"
/*  Without a pair no index gives the order: one statement, $4 and $5 optional. */
#define S_ANY_FILTERS                                                 \
    " AND ($4::int IS NULL OR $4::int = ANY (a.payment_method_ids)) " \
    "AND ($5::numeric IS NULL OR (TRUE" S_AMOUNT("$5") ")) "

/*  A listing page: $1 max age, the scope's and filters' parameters, then
    lim and off. The inner query picks the page's ids in order (walking the
    side's index for one pair); only then is each row's JSON built, so rows
    skipped by the offset cost no JSON. The page and its length together. */
#define S_LIST(side, dir, scope, filters, lim, off)                                                         \
    "SELECT coalesce(json_agg(" S_AD_JSON " ORDER BY k.price " dir ", k.rate DESC, k.id), '[]'), count(*) " \
    "FROM (SELECT a.id, a.effective_price AS price, " TRADE_SQL_COMPLETION_RATE(                            \
        "p") " AS rate" S_FROM "WHERE a.type = '" side "' AND " scope " AND " S_VISIBLE("$1::int") filters  \
        " ORDER BY a.effective_price " dir ", " TRADE_SQL_COMPLETION_RATE(                                  \
            "p") " DESC, a.id "                                                                             \
                 "LIMIT " lim "::int OFFSET " off "::bigint) k "                                            \
                 "JOIN p2p_ads a ON a.id = k.id JOIN p2p_profiles p ON p.id = a.profile_id "                \
                 "JOIN p2p_assets ac ON ac.code = a.asset JOIN p2p_fiat_currencies fc ON fc.code = a.fiat"

/*  The count of the same rows, up to cap. One statement per side, like the
    listing: with the side a parameter the generic plan could not use the
    side's partial index and counted by scanning every ad. */
#define S_COUNT(side, scope, filters, cap)                                         \
    "SELECT count(*) FROM (SELECT 1" S_FROM "WHERE a.type = '" side "' AND " scope \
    " AND " S_VISIBLE("$1::int") filters " LIMIT " cap "::bigint) c"

#define S_PAIR "a.asset = $2 AND a.fiat = $3"
#define S_ANY "($2::text IS NULL OR a.asset = $2) AND ($3::text IS NULL OR a.fiat = $3)"

#define S_LOCK_COLUMNS                                                                                   \
    "a.id, a.profile_id, a.type, a.asset, a.fiat, a.price_type, a.status, a.price, a.margin_pct, "       \
    "a.effective_price, a.total_amount, a.taken_amount, a.min_limit, a.max_limit, "                      \
    "array_to_string(a.payment_method_ids, ','), a.payment_window_minutes, a.req_min_completed_trades, " \
    "a.req_verified_only, a.auto_reply, (" S_VISIBLE("$2::int") "), (" S_AVAILABLE("$2::int") ")"

enum {
    S_C_ID,
    S_C_PROFILE,
    S_C_TYPE,
    S_C_ASSET,
    S_C_FIAT,
    S_C_PRICE_TYPE,
    S_C_STATUS,
    S_C_PRICE,
    S_C_MARGIN,
    S_C_EFFECTIVE,
    S_C_TOTAL,
    S_C_TAKEN,
    S_C_MIN,
    S_C_MAX,
    S_C_METHODS,
    S_C_WINDOW,
    S_C_REQ_TRADES,
    S_C_REQ_VERIFIED,
    S_C_AUTO_REPLY,
    S_C_VISIBLE,
    S_C_AVAILABLE,
};

static const db_statement_t s_statements[] = {
    {"ad_insert",
     "INSERT INTO p2p_ads (profile_id, type, asset, fiat, price_type, price, margin_pct, effective_price, "
     "total_amount, min_limit, max_limit, payment_method_ids, payment_window_minutes, terms, auto_reply, "
     "req_min_completed_trades, req_verified_only) VALUES ($1::bigint, $2, $3, $4, $5, $6::numeric, "
     "$7::numeric, $8::numeric, $9::numeric, $10::numeric, $11::numeric, $12::int[], $13::int, $14, $15, "
     "$16::int, $17::boolean) RETURNING id",
     17},
    {"ad_lock", "SELECT " S_LOCK_COLUMNS S_FROM "WHERE a.id = $1::bigint FOR UPDATE OF a", 2},
    {"ad_update",
     "UPDATE p2p_ads SET price = coalesce($2::numeric, price), margin_pct = coalesce($3::numeric, "
     "margin_pct), "
     "effective_price = coalesce($4::numeric, effective_price), total_amount = coalesce($5::numeric, "
     "total_amount), "
     "min_limit = coalesce($6::numeric, min_limit), max_limit = coalesce($7::numeric, max_limit), "
     "payment_method_ids = coalesce($8::int[], payment_method_ids), "
     "payment_window_minutes = coalesce($9::int, payment_window_minutes), terms = coalesce($10, terms), "
     "auto_reply = coalesce($11, auto_reply), req_min_completed_trades = coalesce($12::int, "
     "req_min_completed_trades), "
     "req_verified_only = coalesce($13::boolean, req_verified_only), status = coalesce($14, status), "
     "updated_at = now() WHERE id = $1::bigint",
     14},
    {"ad_close",
     "UPDATE p2p_ads SET status = 'closed', closed_at = now(), updated_at = now() WHERE id = $1::bigint", 1},
    {"ad_take",
     "UPDATE p2p_ads SET taken_amount = taken_amount + $2::numeric WHERE id = $1::bigint "
     "AND ($2::numeric < 0 OR (status = 'active' AND total_amount - taken_amount >= $2::numeric)) RETURNING "
     "id",
     2},
    {"ad_open_orders",
     "SELECT count(*) FROM p2p_orders WHERE ad_id = $1::bigint AND status IN " TRADE_SQL_OPEN_STATUSES, 1},
    {"ad_missing_accounts",
     "SELECT count(*) FROM unnest($2::int[]) AS m(id) WHERE NOT EXISTS (SELECT 1 FROM p2p_payment_accounts "
     "pa "
     "WHERE pa.profile_id = $1::bigint AND pa.payment_method_id = m.id)",
     2},
    {"ad_json",
     "SELECT " S_AD_JSON S_FROM
     "WHERE a.id = $1::bigint AND (a.profile_id = $2::bigint OR (" S_VISIBLE("$3::int") "))",
     3},
    /* the listing: one pair without filters, by method ($4), by amount ($4),
       by both ($4, $5); any pair ($4, $5 optional). Then their counts. */
    {"ad_list_sell_pair", S_LIST("sell", "ASC", S_PAIR, "", "$4", "$5"), 5},
    {"ad_list_sell_pair_method", S_LIST("sell", "ASC", S_PAIR, S_METHOD("$4"), "$5", "$6"), 6},
    {"ad_list_sell_pair_amount", S_LIST("sell", "ASC", S_PAIR, S_AMOUNT("$4"), "$5", "$6"), 6},
    {"ad_list_sell_pair_method_amount",
     S_LIST("sell", "ASC", S_PAIR, S_METHOD("$4") S_AMOUNT("$5"), "$6", "$7"), 7},
    {"ad_list_sell_any", S_LIST("sell", "ASC", S_ANY, S_ANY_FILTERS, "$6", "$7"), 7},
    {"ad_list_buy_pair", S_LIST("buy", "DESC", S_PAIR, "", "$4", "$5"), 5},
    {"ad_list_buy_pair_method", S_LIST("buy", "DESC", S_PAIR, S_METHOD("$4"), "$5", "$6"), 6},
    {"ad_list_buy_pair_amount", S_LIST("buy", "DESC", S_PAIR, S_AMOUNT("$4"), "$5", "$6"), 6},
    {"ad_list_buy_pair_method_amount",
     S_LIST("buy", "DESC", S_PAIR, S_METHOD("$4") S_AMOUNT("$5"), "$6", "$7"), 7},
    {"ad_list_buy_any", S_LIST("buy", "DESC", S_ANY, S_ANY_FILTERS, "$6", "$7"), 7},
    {"ad_count_sell_pair", S_COUNT("sell", S_PAIR, "", "$4"), 4},
    {"ad_count_sell_pair_method", S_COUNT("sell", S_PAIR, S_METHOD("$4"), "$5"), 5},
    {"ad_count_sell_pair_amount", S_COUNT("sell", S_PAIR, S_AMOUNT("$4"), "$5"), 5},
    {"ad_count_sell_pair_method_amount", S_COUNT("sell", S_PAIR, S_METHOD("$4") S_AMOUNT("$5"), "$6"), 6},
    {"ad_count_sell_any", S_COUNT("sell", S_ANY, S_ANY_FILTERS, "$6"), 6},
    {"ad_count_buy_pair", S_COUNT("buy", S_PAIR, "", "$4"), 4},
    {"ad_count_buy_pair_method", S_COUNT("buy", S_PAIR, S_METHOD("$4"), "$5"), 5},
    {"ad_count_buy_pair_amount", S_COUNT("buy", S_PAIR, S_AMOUNT("$4"), "$5"), 5},
    {"ad_count_buy_pair_method_amount", S_COUNT("buy", S_PAIR, S_METHOD("$4") S_AMOUNT("$5"), "$6"), 6},
    {"ad_count_buy_any", S_COUNT("buy", S_ANY, S_ANY_FILTERS, "$6"), 6},
    /* the listing's state for kept answers (common/answer_cache.h, migration
       008): the version of every table a listing reads, now(), and the next
       moment a listing changes by itself: a suspension ends, or an index
       price ($1 its max age) goes stale. Times as unix ms (floor keeps their
       order). */
    {"ad_list_state",
     "SELECT (SELECT sum(profiles + ads + prices + payment_methods + assets + fiat_currencies) "
     "FROM p2p_change_versions)::bigint, "
     "floor(extract(epoch FROM now()) * 1000)::bigint, "
     "floor(extract(epoch FROM least("
     "(SELECT min(suspended_until) FROM p2p_profiles WHERE is_suspended AND suspended_until IS NOT NULL "
     "AND suspended_until > now()), "
     "(SELECT min(updated_at) + make_interval(secs => $1::int) FROM p2p_prices "
     "WHERE updated_at + make_interval(secs => $1::int) > now()))) * 1000)::bigint",
     1},
    {"ad_mine",
     "SELECT coalesce(json_agg(x.j ORDER BY x.id DESC), '[]'), "
     "(SELECT count(*) FROM p2p_ads WHERE profile_id = $1::bigint AND ($2::text IS NULL OR status = $2)) "
     "FROM "
     "(SELECT json_build_object(" S_AD_FIELDS ", 'listed', " S_VISIBLE(
         "$5::int") ") AS j, a.id" S_FROM
                    "WHERE a.profile_id = $1::bigint AND ($2::text IS NULL OR a.status = $2) "
                    "ORDER BY a.id DESC LIMIT $3::int OFFSET $4::bigint) x",
     5},
    {"ad_reprice",
     "UPDATE p2p_ads a SET effective_price = round($3::numeric * (1 + a.margin_pct / 100), fc.decimals) "
     "FROM p2p_fiat_currencies fc WHERE fc.code = a.fiat AND a.asset = $1 AND a.fiat = $2 "
     "AND a.price_type = 'floating' AND a.status <> 'closed'",
     3},
};

const db_statement_t *
ad_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

/*  "{1,2,3}" for an int[] parameter. */
static void
s_int_array(const int64_t *ids, int count, char *buf, size_t size)
{
    size_t used = (size_t) snprintf(buf, size, "{");
    for (int i = 0; i < count && used < size; i++)
        used += (size_t) snprintf(buf + used, size - used, "%s%" PRId64, i ? "," : "", ids[i]);
    if (used < size)
        snprintf(buf + used, size - used, "}");
}

static char *
s_dup(const char *text, err_t *err)
{
    char *copy = strdup(text);
    if (!copy)
        err_set(err, ERR_INTERNAL, "out of memory");
    return copy;
}

int
ad_repo_insert(db_t *db, const ad_insert_t *in, int64_t *id, err_t *err)
{
    char profile[24], methods[128], window[16], trades[16];
    snprintf(profile, sizeof profile, "%" PRId64, in->profile_id);
    s_int_array(in->method_ids, in->method_count, methods, sizeof methods);
    snprintf(window, sizeof window, "%d", in->window_minutes);
    snprintf(trades, sizeof trades, "%d", in->req_min_trades);
    const char *params[] = {profile,
                            in->type,
                            in->asset,
                            in->fiat,
                            in->price_type,
                            in->price,
                            in->margin_pct,
                            in->effective_price,
                            in->total_amount,
                            in->min_limit,
                            in->max_limit,
                            methods,
                            window,
                            in->terms,
                            in->auto_reply,
                            trades,
                            in->req_verified ? "true" : "false"};
    PGresult *res = db_exec(db, "ad_insert", params, 17, err);
    if (!res)
        return -1;
    *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

/*  A NUMERIC column at scale into *out; 0 for NULL. */
static void
s_money(PGresult *res, int col, int scale, money_t *out)
{
    *out = 0;
    if (!PQgetisnull(res, 0, col))
        money_parse_db(PQgetvalue(res, 0, col), scale, out);
}

int
ad_repo_lock(db_t *db, catalog_t *catalog, int64_t id, int max_age_s, ad_row_t *row, err_t *err)
{
    char sid[24], age[16];
    snprintf(sid, sizeof sid, "%" PRId64, id);
    snprintf(age, sizeof age, "%d", max_age_s);
    const char *params[] = {sid, age};
    PGresult *res = db_exec(db, "ad_lock", params, 2, err);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    memset(row, 0, sizeof *row);
    row->id = strtoll(PQgetvalue(res, 0, S_C_ID), NULL, 10);
    row->profile_id = strtoll(PQgetvalue(res, 0, S_C_PROFILE), NULL, 10);
    row->sell = strcmp(PQgetvalue(res, 0, S_C_TYPE), "sell") == 0;
    row->asset = catalog_asset(catalog, PQgetvalue(res, 0, S_C_ASSET));
    row->fiat = catalog_fiat(catalog, PQgetvalue(res, 0, S_C_FIAT));
    if (!row->asset || !row->fiat) {
        PQclear(res);
        return err_set(err, ERR_INTERNAL, "the catalog has no %s/%s", PQgetvalue(res, 0, S_C_ASSET),
                       PQgetvalue(res, 0, S_C_FIAT));
    }
    row->floating = strcmp(PQgetvalue(res, 0, S_C_PRICE_TYPE), "floating") == 0;
    snprintf(row->status, sizeof row->status, "%s", PQgetvalue(res, 0, S_C_STATUS));
    int a = row->asset->decimals, f = row->fiat->decimals;
    s_money(res, S_C_PRICE, f, &row->price);
    s_money(res, S_C_MARGIN, 2, &row->margin);
    s_money(res, S_C_EFFECTIVE, f, &row->effective_price);
    s_money(res, S_C_TOTAL, a, &row->total);
    s_money(res, S_C_TAKEN, a, &row->taken);
    s_money(res, S_C_MIN, f, &row->min_limit);
    s_money(res, S_C_MAX, f, &row->max_limit);
    char *save = NULL, methods[128];
    snprintf(methods, sizeof methods, "%s", PQgetvalue(res, 0, S_C_METHODS));
    for (char *tok = strtok_r(methods, ",", &save); tok && row->method_count < AD_METHODS_MAX;
         tok = strtok_r(NULL, ",", &save))
        row->method_ids[row->method_count++] = strtoll(tok, NULL, 10);
    row->window_minutes = atoi(PQgetvalue(res, 0, S_C_WINDOW));
    row->req_min_trades = atoi(PQgetvalue(res, 0, S_C_REQ_TRADES));
    row->req_verified = PQgetvalue(res, 0, S_C_REQ_VERIFIED)[0] == 't';
    snprintf(row->auto_reply, sizeof row->auto_reply, "%s", PQgetvalue(res, 0, S_C_AUTO_REPLY));
    row->visible = PQgetvalue(res, 0, S_C_VISIBLE)[0] == 't';
    row->available = PQgetvalue(res, 0, S_C_AVAILABLE)[0] == 't';
    PQclear(res);
    return 1;
}

int
ad_repo_update(db_t *db, int64_t id, const ad_changes_t *c, err_t *err)
{
    char sid[24], methods[128], window[16], trades[16];
    snprintf(sid, sizeof sid, "%" PRId64, id);
    s_int_array(c->method_ids, c->method_count, methods, sizeof methods);
    snprintf(window, sizeof window, "%d", c->window_minutes);
    snprintf(trades, sizeof trades, "%d", c->req_min_trades);
    const char *params[] = {sid,
                            c->price,
                            c->margin_pct,
                            c->effective_price,
                            c->total_amount,
                            c->min_limit,
                            c->max_limit,
                            c->method_count > 0 ? methods : NULL,
                            c->window_minutes >= 0 ? window : NULL,
                            c->terms,
                            c->auto_reply,
                            c->req_min_trades >= 0 ? trades : NULL,
                            c->req_verified < 0 ? NULL
                            : c->req_verified   ? "true"
                                                : "false",
                            c->status};
    PGresult *res = db_exec(db, "ad_update", params, 14, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
ad_repo_close(db_t *db, int64_t id, err_t *err)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, id);
    const char *params[] = {sid};
    PGresult *res = db_exec(db, "ad_close", params, 1, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
ad_repo_take(db_t *db, int64_t id, const char *delta, err_t *err)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, id);
    const char *params[] = {sid, delta};
    PGresult *res = db_exec(db, "ad_take", params, 2, err);
    if (!res)
        return -1;
    int applied = PQntuples(res) == 1;
    PQclear(res);
    return applied;
}

int64_t
ad_repo_open_orders(db_t *db, int64_t id, err_t *err)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, id);
    const char *params[] = {sid};
    PGresult *res = db_exec(db, "ad_open_orders", params, 1, err);
    if (!res)
        return -1;
    int64_t n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

int
ad_repo_missing_accounts(db_t *db, int64_t profile_id, const int64_t *method_ids, int count, err_t *err)
{
    char profile[24], methods[128];
    snprintf(profile, sizeof profile, "%" PRId64, profile_id);
    s_int_array(method_ids, count, methods, sizeof methods);
    const char *params[] = {profile, methods};
    PGresult *res = db_exec(db, "ad_missing_accounts", params, 2, err);
    if (!res)
        return -1;
    int n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

char *
ad_repo_json(db_t *db, int64_t id, int64_t viewer_profile_id, int max_age_s, bool *found, err_t *err)
{
    char sid[24], viewer[24], age[16];
    snprintf(sid, sizeof sid, "%" PRId64, id);
    snprintf(viewer, sizeof viewer, "%" PRId64, viewer_profile_id);
    snprintf(age, sizeof age, "%d", max_age_s);
    const char *params[] = {sid, viewer, age};
    PGresult *res = db_exec(db, "ad_json", params, 3, err);
    *found = false;
    if (!res)
        return NULL;
    char *json = NULL;
    if (PQntuples(res) == 1) {
        *found = true;
        json = s_dup(PQgetvalue(res, 0, 0), err);
    }
    PQclear(res);
    return json;
}

int
ad_repo_list_state(db_t *db, int max_age_s, answer_cache_state_t *state, err_t *err)
{
    char age[16];
    snprintf(age, sizeof age, "%d", max_age_s);
    const char *params[] = {age};
    return answer_cache_read_state(db, "ad_list_state", params, 1, state, err);
}

int
ad_repo_list(db_t *db, const ad_query_t *q, char **ads_json, int64_t *total, bool *capped, err_t *err)
{
    bool pair = q->asset && q->fiat, method = q->payment_method_id != 0, amount = q->amount != NULL;
    char age[16], method_id[24], limit[16], offset[24], cap[24];
    snprintf(age, sizeof age, "%d", q->max_age_s);
    snprintf(method_id, sizeof method_id, "%" PRId64, q->payment_method_id);
    snprintf(limit, sizeof limit, "%d", q->limit);
    snprintf(offset, sizeof offset, "%" PRId64, q->offset);
    snprintf(cap, sizeof cap, "%" PRId64, q->offset + AD_COUNT_AHEAD + 1);

    /* the statement of this shape (see S_SIDE) and its parameters in order:
       one pair takes only the filters given, any pair takes both, NULL or not */
    const char *params[7];
    int n = 0;
    params[n++] = age;
    params[n++] = q->asset;
    params[n++] = q->fiat;
    if (method || !pair)
        params[n++] = method ? method_id : NULL;
    if (amount || !pair)
        params[n++] = q->amount;
    int filters = n;
    params[n++] = limit;
    params[n++] = offset;
    char shape[48], name[64];
    snprintf(shape, sizeof shape, "%s_%s%s%s", q->type, pair ? "pair" : "any",
             pair && method ? "_method" : "", pair && amount ? "_amount" : "");

    snprintf(name, sizeof name, "ad_list_%s", shape);
    PGresult *res = db_exec(db, name, params, n, err);
    if (!res)
        return -1;
    *ads_json = s_dup(PQgetvalue(res, 0, 0), err);
    int64_t rows = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    if (!*ads_json)
        return -1;
    *capped = false;
    /* a short page tells the total: no count needed */
    if (rows < q->limit && (rows > 0 || q->offset == 0)) {
        *total = q->offset + rows;
        return 0;
    }
    params[filters] = cap;
    snprintf(name, sizeof name, "ad_count_%s", shape);
    res = db_exec(db, name, params, filters + 1, err);
    if (!res) {
        free(*ads_json);
        *ads_json = NULL;
        return -1;
    }
    *total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    if (*total > q->offset + AD_COUNT_AHEAD) {
        *total = q->offset + AD_COUNT_AHEAD;
        *capped = true;
    }
    return 0;
}

int
ad_repo_mine(db_t *db, int64_t profile_id, const char *status, int limit, int64_t offset, int max_age_s,
             char **ads_json, int64_t *total, err_t *err)
{
    char profile[24], lim[16], off[24], age[16];
    snprintf(profile, sizeof profile, "%" PRId64, profile_id);
    snprintf(lim, sizeof lim, "%d", limit);
    snprintf(off, sizeof off, "%" PRId64, offset);
    snprintf(age, sizeof age, "%d", max_age_s);
    const char *params[] = {profile, status, lim, off, age};
    PGresult *res = db_exec(db, "ad_mine", params, 5, err);
    if (!res)
        return -1;
    *ads_json = s_dup(PQgetvalue(res, 0, 0), err);
    *total = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return *ads_json ? 0 : -1;
}

int
ad_repo_reprice(db_t *db, const char *asset, const char *fiat, const char *index, int64_t *count, err_t *err)
{
    const char *params[] = {asset, fiat, index};
    PGresult *res = db_exec(db, "ad_reprice", params, 3, err);
    if (!res)
        return -1;
    *count = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return 0;
}
