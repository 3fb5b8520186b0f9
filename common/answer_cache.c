/*  answer_cache.c - recent answers of a public listing (see answer_cache.h).
    A czmq hash table from the key to an entry that owns its answer's text.
    Every entry belongs to the one version the cache holds: a new version
    empties it. */
#include "answer_cache.h"

#include <czmq.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *text;          /* the reply's data, JSON */
    size_t size;         /* strlen(text) + 1 */
    int64_t born_ms;     /* monotonic */
    int64_t valid_until; /* database ms: the listing's next change by itself after it was built */
} s_entry_t;

struct answer_cache {
    zhashx_t *entries; /* key -> s_entry_t */
    size_t max_entries;
    size_t max_bytes;
    int64_t max_age_ms;
    bool have_state;
    answer_cache_state_t state; /* the last observed */
    uint64_t state_batch;       /* the drained batch of the request that read it */
    uint64_t state_call;        /* the last call it stood for */
    answer_cache_stats_t stats;
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

answer_cache_t *
answer_cache_new(size_t max_entries, size_t max_bytes, int64_t max_age_ms)
{
    answer_cache_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->entries = zhashx_new();
    if (!self->entries) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->entries, s_entry_destroy);
    self->max_entries = max_entries;
    self->max_bytes = max_bytes;
    self->max_age_ms = max_age_ms;
    return self;
}

void
answer_cache_destroy(answer_cache_t **self_p)
{
    if (!*self_p)
        return;
    zhashx_destroy(&(*self_p)->entries);
    free(*self_p);
    *self_p = NULL;
}

bool
answer_cache_enabled(const answer_cache_t *self)
{
    return self->max_entries > 0;
}

static void
s_drop_all(answer_cache_t *self)
{
    self->stats.dropped += zhashx_size(self->entries);
    self->stats.bytes = 0;
    zhashx_purge(self->entries);
}

/*  Drop one answer (the table destroys it). */
static void
s_drop(answer_cache_t *self, const char *key, s_entry_t *entry)
{
    self->stats.bytes -= entry->size;
    self->stats.dropped++;
    zhashx_delete(self->entries, key);
}

void
answer_cache_observe(answer_cache_t *self, const answer_cache_state_t *state, uint64_t batch_seq,
                     uint64_t call_seq)
{
    if (self->have_state && (state->version != self->state.version || state->epoch != self->state.epoch))
        s_drop_all(self);
    self->state = *state;
    self->have_state = true;
    self->state_batch = batch_seq;
    self->state_call = call_seq;
    self->stats.states_read++;
}

bool
answer_cache_state_covers(answer_cache_t *self, uint64_t batch_seq, uint64_t call_seq)
{
    if (!self->have_state || batch_seq == 0 || batch_seq != self->state_batch
        || call_seq != self->state_call + 1)
        return false;
    self->state_call = call_seq;
    self->stats.states_reused++;
    return true;
}

static bool
s_holds(const answer_cache_t *self, const s_entry_t *entry, int64_t mono_ms)
{
    return self->state.now_ms < entry->valid_until && mono_ms - entry->born_ms < self->max_age_ms;
}

const char *
answer_cache_get(answer_cache_t *self, const char *key, int64_t mono_ms)
{
    if (!self->have_state || self->max_entries == 0)
        return NULL;
    s_entry_t *entry = zhashx_lookup(self->entries, key);
    if (entry && s_holds(self, entry, mono_ms)) {
        self->stats.hits++;
        return entry->text;
    }
    if (entry)
        s_drop(self, key, entry);
    self->stats.misses++;
    return NULL;
}

/*  Make room for an answer of size bytes: the answers that no longer hold
    go; when that is not enough, all go (a full cache of live answers
    refills in a moment). */
static void
s_make_room(answer_cache_t *self, size_t size, int64_t mono_ms)
{
    zlistx_t *stale = zlistx_new();
    if (stale) {
        /* the keys are the table's own: collect copies, delete after the walk */
        zlistx_set_destructor(stale, (czmq_destructor *) zstr_free);
        for (s_entry_t *entry = zhashx_first(self->entries); entry; entry = zhashx_next(self->entries))
            if (!s_holds(self, entry, mono_ms)) {
                char *key = strdup((const char *) zhashx_cursor(self->entries));
                if (key && !zlistx_add_end(stale, key))
                    free(key);
            }
        for (const char *key = zlistx_first(stale); key; key = zlistx_next(stale))
            s_drop(self, key, zhashx_lookup(self->entries, key));
        zlistx_destroy(&stale);
    }
    if (zhashx_size(self->entries) >= self->max_entries || self->stats.bytes + size > self->max_bytes)
        s_drop_all(self);
}

void
answer_cache_put(answer_cache_t *self, const char *key, const char *text, int64_t mono_ms)
{
    size_t size = strlen(text) + 1;
    if (!self->have_state || self->max_entries == 0 || strlen(key) >= ANSWER_CACHE_KEY_MAX
        || size > self->max_bytes / 4)
        return;
    s_entry_t *old = zhashx_lookup(self->entries, key);
    if (old)
        s_drop(self, key, old);
    if (zhashx_size(self->entries) >= self->max_entries || self->stats.bytes + size > self->max_bytes)
        s_make_room(self, size, mono_ms);
    s_entry_t *entry = calloc(1, sizeof *entry);
    char *copy = malloc(size);
    if (!entry || !copy) { /* out of memory: the answer is simply not kept */
        free(entry);
        free(copy);
        return;
    }
    memcpy(copy, text, size);
    entry->text = copy;
    entry->size = size;
    entry->born_ms = mono_ms;
    entry->valid_until = self->state.next_end_ms;
    if (zhashx_insert(self->entries, key, entry) != 0) {
        free(copy);
        free(entry);
        return;
    }
    self->stats.bytes += size;
}

int
answer_cache_read_state(db_t *db, const char *statement, const char *const *params, int nparams,
                        answer_cache_state_t *state, err_t *err)
{
    PGresult *res = db_exec(db, statement, params, nparams, err);
    if (!res)
        return -1;
    db_stats_t stats;
    db_stats(db, &stats);
    state->epoch = stats.connects;
    bool ok = PQntuples(res) == 1 && PQnfields(res) == 3 && !PQgetisnull(res, 0, 0) && !PQgetisnull(res, 0, 1);
    if (ok) {
        state->version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        state->now_ms = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        state->next_end_ms = PQgetisnull(res, 0, 2) ? INT64_MAX : strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    }
    PQclear(res);
    return ok ? 0 : err_set(err, ERR_INTERNAL, "internal error");
}

bool
answer_cache_key(char *key, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(key, ANSWER_CACHE_KEY_MAX, format, args);
    va_end(args);
    return n >= 0 && n < ANSWER_CACHE_KEY_MAX;
}

size_t
answer_cache_size(const answer_cache_t *self)
{
    return zhashx_size(self->entries);
}

void
answer_cache_stats(const answer_cache_t *self, answer_cache_stats_t *stats)
{
    *stats = self->stats;
}
