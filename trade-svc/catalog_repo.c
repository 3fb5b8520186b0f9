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
    int rows = PQntuples(res);
    catalog_currency_t *items = calloc(rows ? (size_t) rows : 1, sizeof *items);
    if (!items) {
        PQclear(res);
        return err_set(err, ERR_INTERNAL, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        snprintf(items[i].code, sizeof items[i].code, "%s", PQgetvalue(res, i, 0));
        items[i].decimals = atoi(PQgetvalue(res, i, 1));
        items[i].active = PQgetvalue(res, i, 2)[0] == 't';
    }
    PQclear(res);
    int rc = catalog_set(catalog, is_asset, items, (size_t) rows, now_ms);
    free(items);
    if (rc != 0)
        return err_set(err, ERR_INTERNAL, "out of memory");
    return 0;
}

int
catalog_repo_load(db_t *db, catalog_t *catalog, int64_t now_ms, err_t *err)
{
    if (s_load(db, catalog, true, now_ms, err) != 0 || s_load(db, catalog, false, now_ms, err) != 0)
        return -1;
    return 0;
}
