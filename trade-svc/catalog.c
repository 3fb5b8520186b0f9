/*  catalog.c - assets and fiat currencies in memory (see catalog.h). */
#include "catalog.h"

#include <stdlib.h>
#include <string.h>

#include "catalog_repo.h"
#include "clock.h"
#include "utf8.h"

/*  One kind's entries. Each entry is its own allocation, kept until the
    catalog goes: a refresh updates it in place, so a pointer handed out
    (an order row's asset) stays valid across refreshes. As many as the
    tables hold: there are ~160 fiat currencies in the world. */
typedef struct {
    catalog_currency_t **items;
    size_t count, capacity;
} s_list_t;

struct catalog {
    s_list_t assets, fiats;
    int64_t loaded_ms; /* 0: never */
};

catalog_t *
catalog_new(void)
{
    return calloc(1, sizeof(catalog_t));
}

static void
s_list_free(s_list_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
}

void
catalog_destroy(catalog_t **self_p)
{
    if (self_p && *self_p) {
        s_list_free(&(*self_p)->assets);
        s_list_free(&(*self_p)->fiats);
        free(*self_p);
        *self_p = NULL;
    }
}

static catalog_currency_t *
s_find(const s_list_t *list, const char *code)
{
    for (size_t i = 0; code && i < list->count; i++)
        if (strcmp(list->items[i]->code, code) == 0)
            return list->items[i];
    return NULL;
}

/*  The entry for item's code, updated, or a new one; NULL when out of memory. */
static catalog_currency_t *
s_upsert(s_list_t *list, const catalog_currency_t *item)
{
    catalog_currency_t *entry = s_find(list, item->code);
    if (!entry) {
        if (list->count == list->capacity) {
            size_t capacity = list->capacity ? list->capacity * 2 : 16;
            catalog_currency_t **items = realloc(list->items, capacity * sizeof *items);
            if (!items)
                return NULL;
            list->items = items;
            list->capacity = capacity;
        }
        if (!(entry = malloc(sizeof *entry)))
            return NULL;
        list->items[list->count++] = entry;
    }
    *entry = *item;
    return entry;
}

int
catalog_set(catalog_t *self, bool is_asset, const catalog_currency_t *items, size_t count, int64_t now_ms)
{
    s_list_t *list = is_asset ? &self->assets : &self->fiats;
    for (size_t i = 0; i < count; i++)
        if (!s_upsert(list, &items[i]))
            return -1; /* the rest keep their old values; the next refresh tries again */
    /* a row gone from the table (never expected: rows are switched off, not
       deleted) stays known but inactive; a few hundred codes at most, once
       a minute */
    for (size_t i = 0; i < list->count; i++) {
        bool listed = false;
        for (size_t j = 0; j < count && !listed; j++)
            listed = strcmp(list->items[i]->code, items[j].code) == 0;
        if (!listed)
            list->items[i]->active = false;
    }
    self->loaded_ms = now_ms;
    return 0;
}

int
catalog_refresh(catalog_t *self, db_t *db, bool force, int64_t now_ms, err_t *err)
{
    if (!force && self->loaded_ms && now_ms - self->loaded_ms < CATALOG_REFRESH_MS)
        return 0;
    return catalog_repo_load(db, self, now_ms, err);
}

const catalog_currency_t *
catalog_asset(const catalog_t *self, const char *code)
{
    return s_find(&self->assets, code);
}

const catalog_currency_t *
catalog_fiat(const catalog_t *self, const char *code)
{
    return s_find(&self->fiats, code);
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
