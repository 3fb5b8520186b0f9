/*  profile_repo.h - the p2p_profiles repository: the only profile-svc file
    with SQL. Every statement is prepared and parameterised (the table below
    is handed to db_new); each request costs one statement where possible
    (UPDATE/INSERT ... RETURNING). Profiles come back as db_rows_t checked
    against the shared row layout (common/profile_row.h): read them with
    profile_row_get, write them with profile_row_write. */
#ifndef P2P_PROFILE_REPO_H
#define P2P_PROFILE_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_rows.h"
#include "err.h"
#include "profile_row.h"
#include "profile_search_index.h"
#include "answer_cache.h"
#include "profile_validate.h"

/*  The statements to prepare on every connection (static; do not free). */
const db_statement_t *profile_repo_statements(size_t *count);

/*  The caller's profile by user id. Returns a set of 0 or 1 rows (caller
    destroys), or NULL with err. */
db_rows_t *profile_repo_by_user(db_t *db, const char *user_id, err_t *err);

/*  The profiles of count user ids in one statement: one row per user that
    has one, in no particular order (caller destroys), or NULL with err. */
db_rows_t *profile_repo_by_users(db_t *db, const char *const *user_ids, size_t count, err_t *err);

/*  The profiles with count ids in one statement: one row per existing id, in
    no particular order (caller destroys), or NULL with err. */
db_rows_t *profile_repo_by_ids(db_t *db, const int64_t *ids, size_t count, err_t *err);

/*  Create user_id's profile from changes, with consent given now (and
    last_active_at now). One row (caller destroys), or NULL with err:
    ERR_PROFILE_EXISTS, ERR_USERNAME_TAKEN (any case), ERR_DB_UNAVAILABLE, ... */
db_rows_t *profile_repo_create(db_t *db, const char *user_id, const profile_changes_t *changes, err_t *err);

/*  Apply changes to user_id's profile unless it is effectively suspended, in
    one statement; updated_at = now(). Returns the updated row, or a set of
    0 rows when there is no profile or it is suspended (nothing changed; the
    caller looks which), or NULL with err (ERR_USERNAME_TAKEN, ...). Caller
    destroys. */
db_rows_t *profile_repo_update(db_t *db, const char *user_id, const profile_changes_t *changes, err_t *err);

/*  The WebSocket connect check: set last_active_at = now() and return the
    profile (0 or 1 rows; caller destroys), or NULL with err. */
db_rows_t *profile_repo_session_open(db_t *db, const char *user_id, err_t *err);

/*  One page of search results (consenting, not effectively suspended, best
    first) into *rows (caller destroys) and the number of matches into *total:
    exact, or, with *capped set, "at least" (the count's cap) when there are
    more. Returns 0, or -1 with err (*rows is then NULL). */
int profile_repo_search(db_t *db, const profile_search_t *search, db_rows_t **rows, int64_t *total,
                        bool *capped, err_t *err);

/*  The database's state for search answers (common/answer_cache.h) in one
    statement: the version of p2p_profiles, now(), and the next suspension
    end. Returns 0, or -1 with err. */
int profile_repo_search_state(db_t *db, answer_cache_state_t *state, err_t *err);

/*  The search index's reads (profile_search_sync.h, migration 009). */

/*  A mark to read changes from, and the state the read saw. */
typedef struct {
    uint64_t xmin;              /* the oldest transaction running for the read's snapshot */
    int64_t removals;           /* p2p_profile_removals: moves when profiles are deleted */
    answer_cache_state_t state; /* the search state (state and changed reads; epoch always) */
    int64_t now_us;             /* the database's clock, unix µs (state and changed reads) */
} profile_listings_mark_t;

/*  Called with each listing read (borrowed for the call); nonzero stops. */
typedef int(profile_repo_listing_fn)(void *arg, const profile_listing_t *listing);

/*  The search state and a mark of one snapshot, in one statement (no
    changes: a version that did not move since the last changed read says
    there are none; before a full load, where to read changes from after
    it). 0, or -1 with err. */
int profile_repo_listings_state(db_t *db, profile_listings_mark_t *mark, err_t *err);

/*  Up to limit listings with id > after_id, in id order, to fn; *rows
    says how many, *last_id the last one's id (untouched when none). 0, or
    -1 with err. */
int profile_repo_listings_chunk(db_t *db, int64_t after_id, int limit, profile_repo_listing_fn *fn, void *arg,
                                size_t *rows, int64_t *last_id, err_t *err);

/*  Every listing written by transaction since or later, to fn, with the
    new mark and the search state, in one statement; *rows says how many.
    0, or -1 with err. */
int profile_repo_listings_changed(db_t *db, uint64_t since, profile_listings_mark_t *mark,
                                  profile_repo_listing_fn *fn, void *arg, size_t *rows, err_t *err);

/*  The profiles ids[i] whose listing_xid is still xids[i] (the pages of a
    batch of searches), in one statement, in no particular order, once per
    time asked: a profile written since is left out. Caller destroys; NULL
    with err. */
db_rows_t *profile_repo_by_listings(db_t *db, const int64_t *ids, const uint64_t *xids, size_t count,
                                    err_t *err);

/*  last_active_at = now() for every listed user, in one statement. 0 or -1. */
int profile_repo_touch(db_t *db, const char *const *user_ids, size_t count, err_t *err);

#endif
