/*  catalog_repo.h - the SQL that loads the catalog (p2p_assets,
    p2p_fiat_currencies). */
#ifndef P2P_CATALOG_REPO_H
#define P2P_CATALOG_REPO_H

#include "catalog.h"
#include "db.h"

/*  Statements to prepare (static). */
const db_statement_t *catalog_repo_statements(size_t *count);

/*  Read both tables into catalog. 0, or -1 with err. */
int catalog_repo_load(db_t *db, catalog_t *catalog, int64_t now_ms, err_t *err);

#endif
