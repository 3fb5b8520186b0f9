/*  profile_search_sync.h - keeps a worker's search index
    (profile_search_index.h) exactly what the database holds, as of a read
    made before each search (or one that still stands for it).

    Migration 009 stamps every row with listing_xid, the transaction that
    last wrote a listed field. The worker keeps a mark: the oldest
    transaction still running at its last read (pg_snapshot_xmin). Any
    change that read could not see was made by that transaction or a later
    one, so the next read takes the rows with listing_xid >= mark (an index
    scan: usually none or a handful) and moves the mark. Before a search the
    worker reads the search state the answer cache needs anyway (migration
    008's version of p2p_profiles, which every commit changing a listed
    field moves); only when the version moved since the last changed read
    does it read the changes. So a search costs no statement more than
    before while nothing is written, plus the page's rows.

    What a read cannot show, it rebuilds from: deleted profiles (counted by
    p2p_profile_removals) and a new database connection (possibly another
    server after a failover: its transaction ids mean something else). The
    index is then dropped and searches go to the database while the tick
    loads a new one in chunks, a few milliseconds each (a worker must keep
    answering heartbeats). At start the whole table is loaded before the
    worker serves: about 3 s and 140 MB at a million profiles.

    P2P_SEARCH_INDEX=0 turns it off: every search goes to the database. */
#ifndef P2P_PROFILE_SEARCH_SYNC_H
#define P2P_PROFILE_SEARCH_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "answer_cache.h"
#include "db.h"
#include "err.h"
#include "profile_search_index.h"

typedef struct profile_search_sync profile_search_sync_t;

/*  Rows per statement when loading at start, and in the tick. */
#define PROFILE_SEARCH_SYNC_START_CHUNK 50000
#define PROFILE_SEARCH_SYNC_TICK_CHUNK 5000

/*  New sync (nothing loaded yet); tick_budget_ms is how long one tick may
    spend loading. NULL when out of memory. */
profile_search_sync_t *profile_search_sync_new(int64_t tick_budget_ms);

/*  Free it and its index; NULL-safe, NULLs *self_p. */
void profile_search_sync_destroy(profile_search_sync_t **self_p);

/*  Load the whole listing now (at start, before serving). 0, or -1 with err
    (the tick tries again). */
int profile_search_sync_load(profile_search_sync_t *self, db_t *db, err_t *err);

/*  Worker tick: go on loading (or start again) for up to the tick budget
    when there is no index. Failures are logged once until one succeeds. */
void profile_search_sync_tick(profile_search_sync_t *self, db_t *db);

/*  For a handler call of searches (its batch_seq and call_seq): *index is the index
    up to date for it, or NULL when there is none to use now (loading, or
    just dropped). Reads the changes unless the read for the request just
    before in its batch still stands (answer_cache_state_covers' rule); when
    it read, *read is set and *state holds the search state it saw (for the
    answer cache). *now_us is the database's clock the index must judge
    suspensions by. 0, or -1 with err (the database failed). */
int profile_search_sync_refresh(profile_search_sync_t *self, db_t *db, uint64_t batch_seq, uint64_t call_seq,
                                const profile_search_index_t **index, int64_t *now_us,
                                answer_cache_state_t *state, bool *read, err_t *err);

/*  Count an answer built from the index, or a page found stale (a profile
    on it written after the index was read: the database answered). */
void profile_search_sync_answered(profile_search_sync_t *self, bool stale);

typedef struct {
    uint64_t profiles;     /* in the index now (0 while there is none) */
    uint64_t loads;        /* full loads finished */
    uint64_t reads;        /* state reads before searches */
    uint64_t change_reads; /* changed reads (the version had moved) */
    uint64_t rows_applied; /* listings those brought */
    uint64_t answers;      /* searches the index answered */
    uint64_t stale_pages;  /* pages the database answered instead */
} profile_search_sync_stats_t;

void profile_search_sync_stats(const profile_search_sync_t *self, profile_search_sync_stats_t *stats);

#endif
