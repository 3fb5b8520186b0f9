/*  party_repo.c - profile lookups for trade-svc. */
#include "party_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade_sql.h"

static const db_statement_t s_statements[] = {
    {"party_by_user",
     "SELECT p.id, " TRADE_SQL_SUSPENDED("p") ", p.has_consent FROM p2p_profiles p WHERE p.user_id = $1", 1},
    /* a party as a moderator judging a case sees them: every field, the
       counters, and their last orders (amounts in their currencies' places) */
    /* the SQL reads as JSON, a few fields per line */
    /* clang-format off */
    {"party_case",
     "SELECT json_build_object('id', p.id, 'user_id', p.user_id, 'username', p.username, "
     "'email', p.email, 'phone_number', p.phone_number, 'is_verified', p.is_verified, "
     "'is_merchant', p.is_merchant, 'is_suspended', " TRADE_SQL_SUSPENDED("p") ", "
     "'suspension_reason', p.suspension_reason, 'joined_at', " TRADE_SQL_TIME("p.joined_at") ", "
     "'stats', json_build_object('total_trades', p.total_trades, "
     "'completed_trades', p.completed_trades, 'cancelled_trades', p.cancelled_trades, "
     "'completion_rate', " TRADE_SQL_COMPLETION_RATE("p") ", 'avg_rating', p.avg_rating, "
     "'total_reviews', p.total_reviews, "
     "'disputes', (SELECT count(*) FROM p2p_disputes d JOIN p2p_orders o ON o.id = d.order_id "
     "WHERE p.id IN (o.buyer_id, o.seller_id))), "
     "'recent_orders', coalesce((SELECT json_agg(json_build_object('id', o.id, "
     "'reference', o.reference, "
     "'role', CASE WHEN o.buyer_id = p.id THEN 'buyer' ELSE 'seller' END, "
     "'status', o.status, 'asset', o.asset, 'fiat', o.fiat, "
     "'crypto_amount', " TRADE_SQL_AMOUNT("o.crypto_amount", "ac.decimals") ", "
     "'fiat_amount', " TRADE_SQL_AMOUNT("o.fiat_amount", "fc.decimals") ", "
     "'created_at', " TRADE_SQL_TIME("o.created_at") ") ORDER BY o.id DESC) "
     "FROM (SELECT * FROM p2p_orders o WHERE p.id IN (o.buyer_id, o.seller_id) "
     "ORDER BY o.id DESC LIMIT 20) o "
     "JOIN p2p_assets ac ON ac.code = o.asset "
     "JOIN p2p_fiat_currencies fc ON fc.code = o.fiat), '[]')) "
     "FROM p2p_profiles p WHERE p.id = $1::bigint",
     1},
    /* clang-format on */
    {"party_exists", "SELECT 1 FROM p2p_profiles WHERE id = $1::bigint", 1},
};

const db_statement_t *
party_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

int
party_repo_by_user(db_t *db, const char *user_id, party_t *party, err_t *err)
{
    const char *params[] = {user_id};
    PGresult *res = db_exec(db, "party_by_user", params, 1, err);
    if (!res)
        return -1;
    *party = (party_t){0};
    if (PQntuples(res) == 1) {
        party->profile_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        party->suspended = PQgetvalue(res, 0, 1)[0] == 't';
        party->consent = PQgetvalue(res, 0, 2)[0] == 't';
    }
    PQclear(res);
    return 0;
}

int
party_repo_exists(db_t *db, int64_t profile_id, err_t *err)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, profile_id);
    const char *params[] = {id};
    PGresult *res = db_exec(db, "party_exists", params, 1, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    PQclear(res);
    return found;
}

char *
party_repo_case(db_t *db, int64_t profile_id, err_t *err)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, profile_id);
    const char *params[] = {id};
    PGresult *res = db_exec(db, "party_case", params, 1, err);
    if (!res)
        return NULL;
    char *json = PQntuples(res) == 1 ? strdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    if (!json)
        err_set(err, ERR_INTERNAL, "the party's profile is missing");
    return json;
}
