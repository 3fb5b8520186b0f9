/*  profile_search_index.h - profile-svc's in-memory index of the search
    listing: for every profile, what profile.search filters, sorts and
    matches by (about 140 bytes each), and for every trigram of lowercased
    usernames the profiles whose name holds it.

    A username search in PostgreSQL costs milliseconds at a million profiles
    (a rank-order walk that gives up, then the trigram index and a sort),
    and 32 clients searching at once queue behind each other on two cores.
    Here a pattern of 3 or more characters intersects its trigrams' lists,
    rarest first, checks each candidate's name (strstr) and filters, and
    keeps the best offset+limit+1 in a heap: tens of microseconds. The
    index answers which profiles (ids) are on the page and the total; the
    rows themselves still come from the database (profile_search_sync.h
    says how the index stays exact).

    It refuses (the caller asks the database) what it cannot answer cheaply:
    text shorter than 3 characters, characters a username cannot hold
    (usernames are [A-Za-z0-9_], migration 002), and patterns whose rarest
    trigram is held by more than PROFILE_SEARCH_INDEX_MAX_CANDIDATES names
    (PostgreSQL's rank-order walk finds those fast: they are common).
    Not thread-safe; one per worker. */
#ifndef P2P_PROFILE_SEARCH_INDEX_H
#define P2P_PROFILE_SEARCH_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile_validate.h"

typedef struct profile_search_index profile_search_index_t;

/*  The longest username (migration 002: 3-30 characters); a listing with a
    longer one is stored without a name (it then matches no text). */
#define PROFILE_LISTING_NAME_MAX 30

/*  listing flags */
#define PROFILE_LISTING_VERIFIED 1u
#define PROFILE_LISTING_MERCHANT 2u
#define PROFILE_LISTING_CONSENT 4u
#define PROFILE_LISTING_SUSPENDED 8u

/*  No suspension end (suspended for good, or not suspended). */
#define PROFILE_LISTING_NO_END INT64_MAX

/*  What the search listing knows of one profile. */
typedef struct {
    int64_t id;
    const char *name;           /* lower(username), borrowed; NULL when none */
    int32_t rating_cents;       /* avg_rating × 100 (NUMERIC(3,2): exact) */
    int32_t completed_trades;   /* the second sort key */
    unsigned flags;             /* PROFILE_LISTING_* */
    int64_t suspended_until_us; /* unix µs; PROFILE_LISTING_NO_END when none */
    uint64_t xid;               /* listing_xid (migration 009): the write it reflects */
} profile_listing_t;

/*  A rarest trigram held by more names than this: refused. */
#define PROFILE_SEARCH_INDEX_MAX_CANDIDATES 20000

/*  A page the index answered: its profiles best first (ids and the
    listing_xid each was seen with) and the total as the database path
    would give it (counted up to PROFILE_SEARCH_COUNT_AHEAD past the
    offset; capped says "at least"). */
typedef struct {
    size_t count;
    int64_t ids[PROFILE_SEARCH_MAX_LIMIT];
    uint64_t xids[PROFILE_SEARCH_MAX_LIMIT];
    int64_t total;
    bool capped;
} profile_search_page_t;

/*  find's answers */
typedef enum {
    PROFILE_SEARCH_INDEX_ANSWERED,
    PROFILE_SEARCH_INDEX_REFUSED, /* not cheap or not possible here: ask the database */
} profile_search_index_result_t;

/*  New empty index, NULL when out of memory. */
profile_search_index_t *profile_search_index_new(void);

/*  Free it; NULL-safe, NULLs *self_p. */
void profile_search_index_destroy(profile_search_index_t **self_p);

/*  Add listing, or replace what the index holds for its id (name copied).
    0, or -1 when out of memory (the index is then unusable: destroy it). */
int profile_search_index_put(profile_search_index_t *self, const profile_listing_t *listing);

/*  Profiles held. */
size_t profile_search_index_size(const profile_search_index_t *self);

/*  Bytes held (listings, id map, trigram lists), for the log. */
size_t profile_search_index_bytes(const profile_search_index_t *self);

/*  Answer search (its text must be set) at now_us (unix µs, the database's
    clock: whether a suspension has ended) into *page, or refuse. Refuses
    also when out of memory. */
profile_search_index_result_t profile_search_index_find(const profile_search_index_t *self,
                                                        const profile_search_t *search, int64_t now_us,
                                                        profile_search_page_t *page);

#endif
