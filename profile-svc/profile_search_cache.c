/*  profile_search_cache.c - recent profile.search answers (see
    profile_search_cache.h). A czmq hash table from the request's filters,
    written as one key, to an entry that owns its answer's text. Every entry
    belongs to the one version the cache holds: a new version empties it. */
#include "profile_search_cache.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tristate.h"

typedef struct {
    char *text;          /* the reply's data, JSON */
    int64_t born_ms;     /* monotonic */
    int64_t valid_until; /* database ms: the first suspension end after it was built */
} s_entry_t;

struct profile_search_cache {
    zhashx_t *entries; /* key -> s_entry_t */
    size_t max_entries;
    int64_t max_age_ms;
    bool have_state;
    profile_search_state_t state; /* the last observed */
    profile_search_cache_stats_t stats;
};

static void
s_entry_destroy(void **item)
{
    s_entry_t *entry = *item;
    if (entry) {
        free(entry->text);
        free(entry);
        *item = NULL;
    }
}

profile_search_cache_t *
profile_search_cache_new(size_t max_entries, int64_t max_age_ms)
{
    profile_search_cache_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->entries = zhashx_new();
    if (!self->entries) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->entries, s_entry_destroy);
    self->max_entries = max_entries;
    self->max_age_ms = max_age_ms;
    return self;
}

void
profile_search_cache_destroy(profile_search_cache_t **self_p)
{
    if (!*self_p)
        return;
    zhashx_destroy(&(*self_p)->entries);
    free(*self_p);
    *self_p = NULL;
}

bool
profile_search_cache_enabled(const profile_search_cache_t *self)
{
    return self->max_entries > 0;
}

static void
s_drop_all(profile_search_cache_t *self)
{
    self->stats.dropped += zhashx_size(self->entries);
    zhashx_purge(self->entries);
}

void
profile_search_cache_observe(profile_search_cache_t *self, const profile_search_state_t *state)
{
    if (self->have_state && state->version != self->state.version)
        s_drop_all(self);
    self->state = *state;
    self->have_state = true;
}

/*  The filters as one key: the fixed-width fields first, the free text last,
    so no two requests share a key. */
static void
s_key(const profile_search_t *search, char *key, size_t size)
{
    snprintf(key, size, "%s|%s|%.6f|%d|%d|%s", tristate_sql_array(search->is_verified),
             tristate_sql_array(search->is_merchant), search->min_rating, search->limit, search->offset,
             search->search ? search->search : "");
}

#define S_KEY_MAX (PROFILE_SEARCH_MAX_CHARS * 4 + 96)

static bool
s_holds(const profile_search_cache_t *self, const s_entry_t *entry, int64_t mono_ms)
{
    return self->state.now_ms < entry->valid_until && mono_ms - entry->born_ms < self->max_age_ms;
}

const char *
profile_search_cache_get(profile_search_cache_t *self, const profile_search_t *search, int64_t mono_ms)
{
    if (!self->have_state || self->max_entries == 0)
        return NULL;
    char key[S_KEY_MAX];
    s_key(search, key, sizeof key);
    s_entry_t *entry = zhashx_lookup(self->entries, key);
    if (entry && s_holds(self, entry, mono_ms)) {
        self->stats.hits++;
        return entry->text;
    }
    if (entry) {
        zhashx_delete(self->entries, key);
        self->stats.dropped++;
    }
    self->stats.misses++;
    return NULL;
}

/*  Make room: the answers that no longer hold go; when none has, all go
    (a full cache of live answers is rare and refills in a moment). */
static void
s_make_room(profile_search_cache_t *self, int64_t mono_ms)
{
    zlistx_t *stale = zlistx_new();
    if (stale) {
        for (s_entry_t *entry = zhashx_first(self->entries); entry; entry = zhashx_next(self->entries))
            if (!s_holds(self, entry, mono_ms))
                zlistx_add_end(stale, (void *) zhashx_cursor(self->entries));
        /* the keys are the table's own: delete after the walk, one by one */
        for (const char *key = zlistx_first(stale); key; key = zlistx_next(stale)) {
            char copy[S_KEY_MAX];
            snprintf(copy, sizeof copy, "%s", key);
            zhashx_delete(self->entries, copy);
            self->stats.dropped++;
        }
        zlistx_destroy(&stale);
    }
    if (zhashx_size(self->entries) >= self->max_entries)
        s_drop_all(self);
}

void
profile_search_cache_put(profile_search_cache_t *self, const profile_search_t *search, const char *text,
                         int64_t mono_ms)
{
    if (!self->have_state || self->max_entries == 0)
        return;
    if (zhashx_size(self->entries) >= self->max_entries)
        s_make_room(self, mono_ms);
    s_entry_t *entry = calloc(1, sizeof *entry);
    char *copy = strdup(text);
    if (!entry || !copy) { /* out of memory: the answer is simply not kept */
        free(entry);
        free(copy);
        return;
    }
    entry->text = copy;
    entry->born_ms = mono_ms;
    entry->valid_until = self->state.next_end_ms;
    char key[S_KEY_MAX];
    s_key(search, key, sizeof key);
    zhashx_update(self->entries, key, entry); /* replaces (and destroys) any older one */
}

size_t
profile_search_cache_size(const profile_search_cache_t *self)
{
    return zhashx_size(self->entries);
}

void
profile_search_cache_stats(const profile_search_cache_t *self, profile_search_cache_stats_t *stats)
{
    *stats = self->stats;
}
