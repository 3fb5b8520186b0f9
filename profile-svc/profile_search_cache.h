/*  profile_search_cache.h - recent profile.search answers, kept by each
    profile-svc worker and served only while they still hold.

    Search results are public, and the common patterns are searched over and
    over; at a million profiles a search costs PostgreSQL milliseconds. So a
    worker keeps the answers it built, keyed by the request's filters, and
    before each search reads the database's search state in one cheap
    statement (profile_repo_search_state):
    - the version of everything search can show (migration 008: every commit
      that changes a listed profile moves it);
    - the database's clock, and the earliest moment after it when a
      suspension ends (an ended suspension makes its profile listable again
      without any write).
    An answer is served only when it was built under the same version, no
    suspension has ended since, and it is younger than max_age_ms (for
    last_active_at, the one shown field that changes without moving the
    version). A change committed before the read is therefore never missed:
    the state is read before the search that fills the cache, so whatever
    that search could not yet see moves the version past the one its answer
    is stored under.

    Each worker keeps its own; memory is bounded by max_entries (when full,
    the expired answers go, or all of them when none has expired). Not
    thread-safe (one per worker). */
#ifndef P2P_PROFILE_SEARCH_CACHE_H
#define P2P_PROFILE_SEARCH_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile_validate.h"

typedef struct profile_search_cache profile_search_cache_t;

/*  The database's search state, read in one statement before a search. */
typedef struct {
    int64_t version;     /* sum of p2p_profile_search_versions */
    int64_t now_ms;      /* the database's now(), unix ms */
    int64_t next_end_ms; /* earliest suspended_until after now; INT64_MAX when none */
} profile_search_state_t;

/*  How long an answer may be served at most, whatever the version says:
    last_active_at changes without moving it (and is itself written only
    once a minute per user). */
#define PROFILE_SEARCH_CACHE_MAX_AGE_MS 10000

/*  New cache of at most max_entries answers (0: a cache that keeps nothing),
    each served for at most max_age_ms. NULL when out of memory. */
profile_search_cache_t *profile_search_cache_new(size_t max_entries, int64_t max_age_ms);

/*  Free the cache and its answers; NULL-safe, NULLs *self_p. */
void profile_search_cache_destroy(profile_search_cache_t **self_p);

/*  Whether the cache keeps anything (max_entries > 0): when not, callers
    skip reading the state. */
bool profile_search_cache_enabled(const profile_search_cache_t *self);

/*  The state just read: answers built under another version are dropped. */
void profile_search_cache_observe(profile_search_cache_t *self, const profile_search_state_t *state);

/*  The answer for search (the reply's data as JSON text) if one still holds
    under the state last observed and at mono_ms (monotonic, clock.h), else
    NULL. Borrowed: valid until the next call on the cache. */
const char *profile_search_cache_get(profile_search_cache_t *self, const profile_search_t *search, int64_t mono_ms);

/*  Keep text (copied) as search's answer, built at mono_ms after the state
    last observed was read. */
void profile_search_cache_put(profile_search_cache_t *self, const profile_search_t *search, const char *text,
                              int64_t mono_ms);

/*  How many answers it holds now. */
size_t profile_search_cache_size(const profile_search_cache_t *self);

/*  Counters for heartbeats: answers served, searches run, answers dropped. */
typedef struct {
    uint64_t hits;
    uint64_t misses;
    uint64_t dropped;
} profile_search_cache_stats_t;

void profile_search_cache_stats(const profile_search_cache_t *self, profile_search_cache_stats_t *stats);

#endif
