/*  catalog_repo.c - assets and fiat currencies from PostgreSQL. */
#include "catalog_repo.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const db_statement_t s_statements[] = {
    {"catalog_assets", "SELECT code, decimals, active FROM p2p_assets ORDER BY sort_order, code", 0},
    {"catalog_fiats", "SELECT code, decimals, active FROM p2p_fiat_currencies ORDER BY sort_order, code", 0},
};

const db_statement_t *
catalog_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

static int
s_load(db_t *db, catalog_t *catalog, bool is_asset, int64_t now_ms, err_t *err)
{
    PGresult *res = db_exec(db, is_asset ? "catalog_assets" : "catalog_fiats", NULL, 0, err);
    if (!res)
        return -1;
    catalog_currency_t items[CATALOG_MAX];
    size_t n = 0;
    for (int i = 0; i < PQntuples(res) && n < CATALOG_MAX; i++) {
        snprintf(items[n].code, sizeof items[n].code, "%s", PQgetvalue(res, i, 0));
        items[n].decimals = atoi(PQgetvalue(res, i, 1));
        items[n].active = PQgetvalue(res, i, 2)[0] == 't';
        n++;
    }
    PQclear(res);
    catalog_set(catalog, is_asset, items, n, now_ms);
    return 0;
}

int
catalog_repo_load(db_t *db, catalog_t *catalog, int64_t now_ms, err_t *err)
{
    if (s_load(db, catalog, true, now_ms, err) != 0 || s_load(db, catalog, false, now_ms, err) != 0)
        return -1;
    return 0;
}
