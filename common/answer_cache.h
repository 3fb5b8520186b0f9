/*  answer_cache.h - recent answers of a public listing (profile.search,
    ad.list), kept by a worker and served only while they still hold.

    Listings are public, the same pages are asked for over and over, and
    building one costs PostgreSQL milliseconds. So a worker keeps the answers
    it built (the reply's data as JSON text), keyed by the request's filters
    written as one string, and before each request reads the database's
    state for that listing in one cheap statement:
    - the version of the tables the listing reads (migration 008: every
      commit that changes a row the listing could show moves it);
    - the database's clock, and the earliest moment after it when the
      listing changes without any write (a suspension ends; an index price
      goes stale).
    An answer is served only when it was built under the same version, no
    such moment has passed since, and it is younger than max_age_ms (for the
    shown fields that change without moving the version, such as a profile's
    last_active_at). A change committed before the read is therefore never
    missed: the state is read before the query that fills the cache, so
    whatever that query could not see yet commits after the read and moves
    the version past the one its answer is stored under.

    Memory is bounded by max_entries (when full, the answers that no longer
    hold go, or all of them when every one still holds). One per worker,
    not thread-safe. Times: database ms (unix) for the state, monotonic ms
    (clock.h) for ages. */
#ifndef P2P_ANSWER_CACHE_H
#define P2P_ANSWER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

typedef struct answer_cache answer_cache_t;

/*  The database's state for a listing, read in one statement before a request. */
typedef struct {
    int64_t version;     /* sum of the listing's tables' counters */
    int64_t now_ms;      /* the database's now(), unix ms */
    int64_t next_end_ms; /* the next moment the listing changes by itself; INT64_MAX when none */
    uint64_t epoch;      /* the worker's database connection it was read on (db_stats_t.connects):
                            a new connection may be to another server (a failover, a restored
                            backup) whose counters could repeat a version; everything is dropped */
} answer_cache_state_t;

/*  Run a listing's state statement (a repository's: it answers one row of
    version, now and next end as unix ms, the last NULL when there is none)
    into *state, with the connection's number as its epoch. 0, or -1 with
    err. */
int answer_cache_read_state(db_t *db, const char *statement, const char *const *params, int nparams,
                            answer_cache_state_t *state, err_t *err);

/*  The longest a key may be: a request whose key does not fit is answered
    without the cache (answer_cache_key says so). */
#define ANSWER_CACHE_KEY_MAX 1024

/*  Write a key into key[ANSWER_CACHE_KEY_MAX] as printf would. False when
    it does not fit (the request must then bypass the cache: a cut key
    could be another request's). */
bool answer_cache_key(char *key, const char *format, ...) __attribute__((format(printf, 2, 3)));

/*  The most answer text one cache holds, whatever max_entries says (an
    ad.list page of 100 ads is ~90 KB). */
#define ANSWER_CACHE_MAX_BYTES (32u * 1024 * 1024)

/*  New cache of at most max_entries answers (0: one that keeps nothing)
    and max_bytes of their text, each served for at most max_age_ms. NULL
    when out of memory. */
answer_cache_t *answer_cache_new(size_t max_entries, size_t max_bytes, int64_t max_age_ms);

/*  Free the cache and its answers; NULL-safe, NULLs *self_p. */
void answer_cache_destroy(answer_cache_t **self_p);

/*  Whether it keeps anything (max_entries > 0); when not, callers skip
    reading the state. */
bool answer_cache_enabled(const answer_cache_t *self);

/*  The state just read, for the request that read it (its batch_seq and
    call_seq, worker_request_t): answers built under another version are
    dropped. */
void answer_cache_observe(answer_cache_t *self, const answer_cache_state_t *state, uint64_t batch_seq,
                          uint64_t call_seq);

/*  Whether the state last observed also stands for this request, so it
    need not be read again: the request came in the same drained batch as
    the one that read it (so it was already waiting then, and every write it
    could know of had committed before the read), and every call since was
    one the state stood for (so nothing else ran on this worker between).
    When it does, it now stands up to this call. batch_seq 0 never. */
bool answer_cache_state_covers(answer_cache_t *self, uint64_t batch_seq, uint64_t call_seq);

/*  The answer kept for key if it still holds under the state last observed
    and at mono_ms, else NULL. Borrowed: valid until the next call on the
    cache. */
const char *answer_cache_get(answer_cache_t *self, const char *key, int64_t mono_ms);

/*  Keep text (copied) as key's answer, built at mono_ms after the state last
    observed was read. */
void answer_cache_put(answer_cache_t *self, const char *key, const char *text, int64_t mono_ms);

/*  How many answers it holds now. */
size_t answer_cache_size(const answer_cache_t *self);

/*  Counters for heartbeats: answers served, requests that had to be built,
    answers dropped (a new version, past their end or age, or for room),
    states read and states that stood for a later request too. */
typedef struct {
    uint64_t hits;
    uint64_t misses;
    uint64_t dropped;
    uint64_t states_read;
    uint64_t states_reused;
    size_t bytes; /* answer text held now */
} answer_cache_stats_t;

void answer_cache_stats(const answer_cache_t *self, answer_cache_stats_t *stats);

#endif
