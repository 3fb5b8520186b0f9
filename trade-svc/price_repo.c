/*  price_repo.c - the SQL of index prices (see price_repo.h). */
#include "price_repo.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade_sql.h"

/*  p: the price row, f: its fiat; $n: the staleness bound in seconds. */
#define S_PRICE_JSON(max_age)                                                                                \
    "json_build_object('asset', p.asset, 'fiat', p.fiat, 'price', " TRADE_SQL_AMOUNT(                        \
        "p.price",                                                                                           \
        "f.decimals") ", 'updated_at', " TRADE_SQL_TIME("p.updated_at") ", 'stale', p.updated_at < now() - " \
                                                                        "make_interval(secs => " max_age     \
                                                                        "))"

static const db_statement_t s_statements[] = {
    {"price_list",
     "SELECT coalesce(json_agg(" S_PRICE_JSON(
         "$1::int") " ORDER BY a.sort_order, f.sort_order), '[]') "
                    "FROM p2p_prices p JOIN p2p_assets a ON a.code = p.asset JOIN p2p_fiat_currencies f ON "
                    "f.code = p.fiat",
     1},
    {"price_set",
     "WITH old AS (SELECT p.*, f.decimals AS d FROM p2p_prices p JOIN p2p_fiat_currencies f ON f.code = "
     "p.fiat "
     "WHERE p.asset = $1 AND p.fiat = $2 FOR UPDATE), "
     "p AS (INSERT INTO p2p_prices (asset, fiat, price, updated_at, updated_by) VALUES ($1, $2, $3::numeric, "
     "now(), $4) "
     "ON CONFLICT (asset, fiat) DO UPDATE SET price = EXCLUDED.price, updated_at = now(), "
     "updated_by = EXCLUDED.updated_by RETURNING *) "
     "SELECT " S_PRICE_JSON("$5::int") ", (SELECT json_build_object('price', " TRADE_SQL_AMOUNT(
         "old.price",
         "old.d") ", 'updated_at', " TRADE_SQL_TIME("old.updated_at") ", 'updated_by', old.updated_by) FROM "
                                                                      "old) "
                                                                      "FROM p JOIN p2p_fiat_currencies f ON "
                                                                      "f.code = p.fiat",
     5},
    {"price_get",
     "SELECT price, updated_at >= now() - make_interval(secs => $3::int) FROM p2p_prices "
     "WHERE asset = $1 AND fiat = $2",
     3},
};

const db_statement_t *
price_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

char *
price_repo_list(db_t *db, int max_age_s, err_t *err)
{
    char age[16];
    snprintf(age, sizeof age, "%d", max_age_s);
    const char *params[] = {age};
    PGresult *res = db_exec(db, "price_list", params, 1, err);
    if (!res)
        return NULL;
    char *text = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!text)
        err_set(err, ERR_INTERNAL, "out of memory");
    return text;
}

int
price_repo_set(db_t *db, const char *asset, const char *fiat, const char *price, const char *actor,
               int max_age_s, char **after_json, char **before_json, err_t *err)
{
    char age[16];
    snprintf(age, sizeof age, "%d", max_age_s);
    const char *params[] = {asset, fiat, price, actor, age};
    PGresult *res = db_exec(db, "price_set", params, 5, err);
    if (!res)
        return -1;
    *after_json = strdup(PQgetvalue(res, 0, 0));
    *before_json = strdup(PQgetisnull(res, 0, 1) ? "null" : PQgetvalue(res, 0, 1));
    PQclear(res);
    if (!*after_json || !*before_json) {
        free(*after_json);
        free(*before_json);
        *after_json = *before_json = NULL;
        return err_set(err, ERR_INTERNAL, "out of memory");
    }
    return 0;
}

int
price_repo_get(db_t *db, const char *asset, const char *fiat, int max_age_s, char *price, int *fresh,
               err_t *err)
{
    char age[16];
    snprintf(age, sizeof age, "%d", max_age_s);
    const char *params[] = {asset, fiat, age};
    PGresult *res = db_exec(db, "price_get", params, 3, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        snprintf(price, 48, "%s", PQgetvalue(res, 0, 0));
        *fresh = PQgetvalue(res, 0, 1)[0] == 't';
    }
    PQclear(res);
    return found;
}
