/*  catalog.h - the assets and fiat currencies (p2p_assets,
    p2p_fiat_currencies) held in memory: every amount a request carries is
    parsed with its currency's decimals before any statement runs, so a
    client error is a 400 naming the field, not a database error.

    Loaded from the database on first use and reloaded every
    CATALOG_REFRESH_MS (a new asset is a row, not a release). */
#ifndef P2P_CATALOG_H
#define P2P_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

#define CATALOG_CODE_MAX 10
#define CATALOG_REFRESH_MS 60000

typedef struct {
    char code[CATALOG_CODE_MAX + 1];
    int decimals;
    bool active;
} catalog_currency_t;

typedef struct catalog catalog_t;

/*  New empty catalog. Caller destroys. */
catalog_t *catalog_new(void);

/*  NULL-safe; NULLs *self_p. */
void catalog_destroy(catalog_t **self_p);

/*  Load (or reload when older than CATALOG_REFRESH_MS, or when force) from
    db. Returns 0, or -1 with err (the old contents stay). */
int catalog_refresh(catalog_t *self, db_t *db, bool force, int64_t now_ms, err_t *err);

/*  The asset / fiat currency with code, or NULL (unknown or not loaded).
    Borrowed; valid as long as the catalog (a refresh updates it in place). */
const catalog_currency_t *catalog_asset(const catalog_t *self, const char *code);
const catalog_currency_t *catalog_fiat(const catalog_t *self, const char *code);

/*  Look code up as an asset (is_asset) or a fiat currency, loading the
    catalog first if needed; an unknown or inactive code is ERR_INVALID naming
    field ("field 'asset' must be one of the listed assets"). */
const catalog_currency_t *catalog_require(catalog_t *self, db_t *db, bool is_asset, const char *code,
                                          const char *field, err_t *err);

/*  Fill the catalog from rows of (code, decimals, active), as many as the
    table holds: used by catalog_repo. is_asset selects the table. A code no
    longer among the rows stays known, inactive. 0, or -1 when out of memory
    (what was known stays). */
int catalog_set(catalog_t *self, bool is_asset, const catalog_currency_t *items, size_t count,
                int64_t now_ms);

#endif
