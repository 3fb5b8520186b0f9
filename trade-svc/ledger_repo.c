/*  ledger_repo.c - the SQL of wallets and the journal (see ledger_repo.h). */
#include "ledger_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade_sql.h"

/*  A journal row as users see it (e: the entry, d: its asset's decimals). */
#define S_ENTRY_FIELDS                                                                                    \
    "'id', e.id, 'asset', e.asset, 'kind', e.kind, 'amount', " TRADE_SQL_AMOUNT(                          \
        "e.amount", "d") ", "                                                                             \
                         "'available_after', " TRADE_SQL_AMOUNT(                                          \
                             "e.available_after",                                                         \
                             "d") ", "                                                                    \
                                  "'held_after', " TRADE_SQL_AMOUNT(                                      \
                                      "e.held_after", "d") ", 'ad_id', e.ad_id, 'order_id', e.order_id, " \
                                                           "'created_at', " TRADE_SQL_TIME("e.created_at")
#define S_ENTRY_JSON "json_build_object(" S_ENTRY_FIELDS ")"

/*  ... and as operators see it. */
#define S_ADMIN_ENTRY_JSON              \
    "json_build_object(" S_ENTRY_FIELDS \
    ", 'profile_id', e.profile_id, 'reference', e.reference, 'actor', e.actor)"

#define S_INSERT_ENTRY                                                                               \
    "INSERT INTO p2p_ledger_entries (profile_id, asset, kind, amount, available_delta, held_delta, " \
    "available_after, held_after, reference, ad_id, order_id, actor) "                               \
    "SELECT $1::bigint, $2, $5, $6::numeric, $3::numeric, $4::numeric, w.available, w.held, $7, "    \
    "$8::bigint, $9::bigint, $10 FROM w RETURNING *"

#define S_RETURN_ENTRY            \
    " SELECT " S_ADMIN_ENTRY_JSON \
    " FROM (SELECT e.*, a.decimals AS d FROM e JOIN p2p_assets a ON a.code = e.asset) e"

/*  A balance as users see it (w: wallet columns or zeros, d: decimals). */
#define S_BALANCE_JSON                                                                                 \
    "json_build_object('asset', a.code, 'available', " TRADE_SQL_AMOUNT(                               \
        "coalesce(w.available, 0)", "a.decimals") ", 'held', " TRADE_SQL_AMOUNT("coalesce(w.held, 0)", \
                                                                                "a.decimals") ")"

static const db_statement_t s_statements[] = {
    /* money in (both deltas >= 0): the wallet is created when missing */
    {"ledger_credit",
     "WITH w AS (INSERT INTO p2p_wallets AS w (profile_id, asset, available, held) "
     "VALUES ($1::bigint, $2, $3::numeric, $4::numeric) ON CONFLICT (profile_id, asset) DO UPDATE "
     "SET available = w.available + EXCLUDED.available, held = w.held + EXCLUDED.held, updated_at = now() "
     "RETURNING available, held), e AS (" S_INSERT_ENTRY ")" S_RETURN_ENTRY,
     10},
    /* anything else: applied only when no balance would go below zero */
    {"ledger_move",
     "WITH w AS (UPDATE p2p_wallets SET available = available + $3::numeric, held = held + $4::numeric, "
     "updated_at = now() WHERE profile_id = $1::bigint AND asset = $2 "
     "AND available + $3::numeric >= 0 AND held + $4::numeric >= 0 RETURNING available, held), "
     "e AS (" S_INSERT_ENTRY ")" S_RETURN_ENTRY,
     10},
    {"ledger_by_reference",
     "SELECT " S_ADMIN_ENTRY_JSON ", e.profile_id = $3::bigint AND e.asset = $4 AND e.amount = $5::numeric "
     "FROM (SELECT e.*, a.decimals AS d FROM p2p_ledger_entries e JOIN p2p_assets a ON a.code = e.asset "
     "WHERE e.kind = $1 AND e.reference = $2) e",
     5},
    {"ledger_balance",
     "SELECT " S_BALANCE_JSON " FROM p2p_assets a LEFT JOIN p2p_wallets w "
     "ON w.asset = a.code AND w.profile_id = $1::bigint WHERE a.code = $2",
     2},
    {"ledger_balances",
     "SELECT coalesce(json_agg(" S_BALANCE_JSON " ORDER BY a.sort_order, a.code), '[]') "
     "FROM p2p_assets a LEFT JOIN p2p_wallets w ON w.asset = a.code AND w.profile_id = $1::bigint "
     "WHERE a.active OR w.available > 0 OR w.held > 0",
     1},
    /* a page of one profile's entries ($1), or of every profile's ($1 NULL: admin) */
    {"ledger_history",
     "WITH page AS (SELECT e.*, a.decimals AS d FROM p2p_ledger_entries e JOIN p2p_assets a ON a.code = "
     "e.asset "
     "WHERE ($1::bigint IS NULL OR e.profile_id = $1::bigint) AND ($2::text IS NULL OR e.asset = $2) "
     "AND ($3::bigint IS NULL OR e.id < $3::bigint) ORDER BY e.id DESC LIMIT $4::int + 1), "
     "numbered AS (SELECT page.*, row_number() OVER (ORDER BY id DESC) AS n FROM page) "
     "SELECT coalesce(json_agg(CASE WHEN $5::boolean THEN " S_ADMIN_ENTRY_JSON " ELSE " S_ENTRY_JSON " END "
     "ORDER BY e.id DESC) FILTER (WHERE e.n <= $4::int), '[]'), count(*) > $4::int FROM numbered e",
     5},
};

const db_statement_t *
ledger_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

/*  The first column of the first row, copied (NULL when there is none). */
static char *
s_first_text(PGresult *res, err_t *err)
{
    char *text = NULL;
    if (PQntuples(res) >= 1 && !PQgetisnull(res, 0, 0)) {
        text = strdup(PQgetvalue(res, 0, 0));
        if (!text)
            err_set(err, ERR_INTERNAL, "out of memory");
    }
    return text;
}

static void
s_id(char *buf, size_t size, int64_t id, const char **param)
{
    snprintf(buf, size, "%" PRId64, id);
    *param = id ? buf : NULL;
}

int
ledger_repo_move(db_t *db, const ledger_move_t *m, char **entry_json, err_t *err)
{
    char profile[24], ad[24], order[24];
    const char *params[10];
    s_id(profile, sizeof profile, m->profile_id, &params[0]);
    params[1] = m->asset;
    params[2] = m->available_delta;
    params[3] = m->held_delta;
    params[4] = m->kind;
    params[5] = m->amount;
    params[6] = m->reference;
    s_id(ad, sizeof ad, m->ad_id, &params[7]);
    s_id(order, sizeof order, m->order_id, &params[8]);
    params[9] = m->actor;
    bool credit = m->available_delta[0] != '-' && m->held_delta[0] != '-';
    PGresult *res = db_exec(db, credit ? "ledger_credit" : "ledger_move", params, 10, err);
    if (!res) {
        if (strcmp(db_last_sqlstate(db), "23505") == 0
            && strcmp(db_last_constraint(db), "idx_p2p_ledger_reference_uniq") == 0)
            return LEDGER_DUPLICATE;
        /* the CHECKs behind the guard: a bug, never a client's doing */
        return -1;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return LEDGER_INSUFFICIENT;
    }
    if (entry_json && !(*entry_json = s_first_text(res, err))) {
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return LEDGER_APPLIED;
}

int
ledger_repo_by_reference(db_t *db, const char *kind, const char *reference, int64_t profile_id,
                         const char *asset, const char *amount, char **entry_json, bool *same, err_t *err)
{
    char profile[24];
    snprintf(profile, sizeof profile, "%" PRId64, profile_id);
    const char *params[] = {kind, reference, profile, asset, amount};
    PGresult *res = db_exec(db, "ledger_by_reference", params, 5, err);
    if (!res)
        return -1;
    *entry_json = NULL;
    *same = false;
    if (PQntuples(res) == 1) {
        *same = PQgetvalue(res, 0, 1)[0] == 't';
        if (!(*entry_json = s_first_text(res, err))) {
            PQclear(res);
            return -1;
        }
    }
    PQclear(res);
    return 0;
}

char *
ledger_repo_balance(db_t *db, int64_t profile_id, const char *asset, err_t *err)
{
    char profile[24];
    snprintf(profile, sizeof profile, "%" PRId64, profile_id);
    const char *params[] = {profile, asset};
    PGresult *res = db_exec(db, "ledger_balance", params, 2, err);
    if (!res)
        return NULL;
    char *text = s_first_text(res, err);
    PQclear(res);
    return text;
}

char *
ledger_repo_balances(db_t *db, int64_t profile_id, err_t *err)
{
    char profile[24];
    snprintf(profile, sizeof profile, "%" PRId64, profile_id);
    const char *params[] = {profile};
    PGresult *res = db_exec(db, "ledger_balances", params, 1, err);
    if (!res)
        return NULL;
    char *text = s_first_text(res, err);
    PQclear(res);
    return text;
}

int
ledger_repo_history(db_t *db, const ledger_query_t *q, char **entries_json, bool *has_more, err_t *err)
{
    char profile[24], before[24], limit[16];
    const char *params[5];
    s_id(profile, sizeof profile, q->profile_id, &params[0]);
    params[1] = q->asset;
    s_id(before, sizeof before, q->before_id, &params[2]);
    snprintf(limit, sizeof limit, "%d", q->limit);
    params[3] = limit;
    params[4] = q->admin ? "true" : "false";
    PGresult *res = db_exec(db, "ledger_history", params, 5, err);
    if (!res)
        return -1;
    *entries_json = s_first_text(res, err);
    *has_more = PQntuples(res) == 1 && PQgetvalue(res, 0, 1)[0] == 't';
    PQclear(res);
    return *entries_json ? 0 : -1;
}
