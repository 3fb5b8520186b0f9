/*  price_repo.h - index prices (p2p_prices): fiat per one unit of an asset,
    set by operators. Replies are JSON built by PostgreSQL, prices printed
    with the fiat's decimals. */
#ifndef P2P_PRICE_REPO_H
#define P2P_PRICE_REPO_H

#include <stdint.h>

#include "db.h"

/*  Statements to prepare (static). */
const db_statement_t *price_repo_statements(size_t *count);

/*  [{asset, fiat, price, updated_at, stale}] where stale means older than
    max_age_s. Caller frees; NULL with err. */
char *price_repo_list(db_t *db, int max_age_s, err_t *err);

/*  Set a pair's price (price: decimal text) as actor; its JSON after the
    change in *after_json and before it in *before_json ("null" when it had
    none). Both caller frees. 0, or -1 with err. */
int price_repo_set(db_t *db, const char *asset, const char *fiat, const char *price, const char *actor,
                   int max_age_s, char **after_json, char **before_json, err_t *err);

/*  The pair's index as decimal text (PostgreSQL's) in price (MONEY_TEXT_MAX
    bytes) and whether it is fresh (younger than max_age_s). 1 found, 0 none,
    -1 with err. */
int price_repo_get(db_t *db, const char *asset, const char *fiat, int max_age_s, char *price, int *fresh,
                   err_t *err);

#endif
