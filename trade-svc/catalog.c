/*  catalog.c - assets and fiat currencies in memory (see catalog.h). */
#include "catalog.h"

#include <stdlib.h>
#include <string.h>

#include "catalog_repo.h"
#include "clock.h"
#include "utf8.h"

struct catalog {
    catalog_currency_t assets[CATALOG_MAX];
    size_t asset_count;
    catalog_currency_t fiats[CATALOG_MAX];
    size_t fiat_count;
    int64_t loaded_ms; /* 0: never */
};

catalog_t *
catalog_new(void)
{
    return calloc(1, sizeof(catalog_t));
}

void
catalog_destroy(catalog_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

void
catalog_set(catalog_t *self, bool is_asset, const catalog_currency_t *items, size_t count, int64_t now_ms)
{
    if (count > CATALOG_MAX)
        count = CATALOG_MAX;
    memcpy(is_asset ? self->assets : self->fiats, items, count * sizeof *items);
    if (is_asset)
        self->asset_count = count;
    else
        self->fiat_count = count;
    self->loaded_ms = now_ms;
}

int
catalog_refresh(catalog_t *self, db_t *db, bool force, int64_t now_ms, err_t *err)
{
    if (!force && self->loaded_ms && now_ms - self->loaded_ms < CATALOG_REFRESH_MS)
        return 0;
    return catalog_repo_load(db, self, now_ms, err);
}

static const catalog_currency_t *
s_find(const catalog_currency_t *items, size_t count, const char *code)
{
    for (size_t i = 0; code && i < count; i++)
        if (strcmp(items[i].code, code) == 0)
            return &items[i];
    return NULL;
}

const catalog_currency_t *
catalog_asset(const catalog_t *self, const char *code)
{
    return s_find(self->assets, self->asset_count, code);
}

const catalog_currency_t *
catalog_fiat(const catalog_t *self, const char *code)
{
    return s_find(self->fiats, self->fiat_count, code);
}

/*  2-10 uppercase letters or digits, as the tables' CHECKs allow. */
static bool
s_well_formed(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n < 2 || n > CATALOG_CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((code[i] >= 'A' && code[i] <= 'Z') || (code[i] >= '0' && code[i] <= '9')))
            return false;
    return true;
}

const catalog_currency_t *
catalog_require(catalog_t *self, db_t *db, bool is_asset, const char *code, const char *field, err_t *err)
{
    if (catalog_refresh(self, db, false, clock_mono_ms(), err) != 0 && !self->loaded_ms)
        return NULL;
    const catalog_currency_t *c = is_asset ? catalog_asset(self, code) : catalog_fiat(self, code);
    /* a currency added since the last load is found at once: an unknown but
       well-formed code costs two small reads (callers are rate-limited) */
    if (!c && s_well_formed(code) && catalog_refresh(self, db, true, clock_mono_ms(), err) == 0)
        c = is_asset ? catalog_asset(self, code) : catalog_fiat(self, code);
    if (!c || !c->active) {
        const char *got = code ? code : "";
        err_set(err, ERR_INVALID, "field '%s' must be one of the listed %s (got '%.*s')", field,
                is_asset ? "assets" : "fiat currencies", utf8_prefix(got, 16), got);
        return NULL;
    }
    return c;
}
