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

/*  Matches are counted up to this many past the requested offset (search text
    shorter than 3 characters: up to one past the page). */
#define PROFILE_SEARCH_COUNT_AHEAD 1000

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

/*  last_active_at = now() for every listed user, in one statement. 0 or -1. */
int profile_repo_touch(db_t *db, const char *const *user_ids, size_t count, err_t *err);

#endif
