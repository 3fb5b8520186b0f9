/*  profile_repo.h - the p2p_profiles repository: the only profile-svc file
    with SQL. Every statement is prepared and parameterised (the table below
    is handed to db_new); each request costs one statement where possible
    (UPDATE/INSERT ... RETURNING). Rows come back as text columns in
    profile_json.h's order; profile_json.c turns them into JSON. */
#ifndef P2P_PROFILE_REPO_H
#define P2P_PROFILE_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "profile_json.h"
#include "profile_validate.h"

/*  SQL fragments shared by every repository that reads profiles (admin-svc
    too), so a row always has profile_json.h's columns in its order. */
#define PROFILE_REPO_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS " col

/*  "Effectively suspended": a suspension whose until has passed no longer applies. */
#define PROFILE_REPO_SUSPENDED_NOW "(is_suspended AND (suspended_until IS NULL OR suspended_until > now()))"

#define PROFILE_REPO_COLUMNS                                                                                                 \
    "id, user_id, username, phone_number, email, profile_picture_url, "                                                      \
    "total_trades, completed_trades, cancelled_trades, avg_rating, total_reviews, "                                          \
    "is_verified, is_merchant, " PROFILE_REPO_SUSPENDED_NOW " AS is_suspended, "                                             \
    "suspension_reason, " PROFILE_REPO_TIME(                                                                                 \
        "suspended_until") ", "                                                                                              \
                           "has_consent, " PROFILE_REPO_TIME(                                                                \
                               "consented_at") ", "                                                                          \
                                               "preferred_currency, "                                                        \
                                               "preferred_payment_"                                                          \
                                               "methods, "                                                                   \
                                               "auto_reply_message, "                                                        \
                                               "metadata,"                                                                   \
                                               " " PROFILE_REPO_TIME(                                                        \
                                                   "l"                                                                       \
                                                   "a"                                                                       \
                                                   "s"                                                                       \
                                                   "t"                                                                       \
                                                   "_"                                                                       \
                                                   "a"                                                                       \
                                                   "c"                                                                       \
                                                   "t"                                                                       \
                                                   "i"                                                                       \
                                                   "v"                                                                       \
                                                   "e"                                                                       \
                                                   "_"                                                                       \
                                                   "a"                                                                       \
                                                   "t") ", " PROFILE_REPO_TIME("joined_at") ","                              \
                                                                                            " " PROFILE_REPO_TIME(           \
                                                                                                "created_"                   \
                                                                                                "at") ","                    \
                                                                                                      " " PROFILE_REPO_TIME( \
                                                                                                          "updated_at")

/*  True when res has the profile row layout: profile_json.h's columns by
    name and in order, and its JSON columns of type json or jsonb (their text
    is embedded in replies as it is). Every repository that reads profiles
    checks its results with this before handing rows to profile_json. */
bool profile_repo_layout_ok(const PGresult *res);

/*  A result set of profile rows. Rows point into it. */
typedef struct profile_rows profile_rows_t;

/*  Number of rows. */
size_t profile_rows_count(const profile_rows_t *self);

/*  Fill row with row i's columns (borrowed: valid until the set is destroyed). */
void profile_rows_get(const profile_rows_t *self, size_t i, profile_row_t *row);

/*  Row i's value of col alone (NULL for SQL NULL or out of range), without
    filling a whole row: for finding a row by its key. Borrowed. */
const char *profile_rows_value(const profile_rows_t *self, size_t i, profile_col_t col);

/*  Free the set; NULL-safe, NULLs *self_p. */
void profile_rows_destroy(profile_rows_t **self_p);

/*  The statements to prepare on every connection (static; do not free). */
const db_statement_t *profile_repo_statements(size_t *count);

/*  The caller's profile by user id. Returns a set of 0 or 1 rows (caller
    destroys), or NULL with err. */
profile_rows_t *profile_repo_by_user(db_t *db, const char *user_id, err_t *err);

/*  The profiles of count user ids in one statement: one row per user that
    has one, in no particular order (caller destroys), or NULL with err. */
profile_rows_t *profile_repo_by_users(db_t *db, const char *const *user_ids, size_t count, err_t *err);

/*  The profiles with count ids in one statement: one row per existing id, in
    no particular order (caller destroys), or NULL with err. */
profile_rows_t *profile_repo_by_ids(db_t *db, const int64_t *ids, size_t count, err_t *err);

/*  Create user_id's profile from changes, with consent given now (and
    last_active_at now). One row (caller destroys), or NULL with err:
    ERR_PROFILE_EXISTS, ERR_USERNAME_TAKEN (any case), ERR_DB_UNAVAILABLE, ... */
profile_rows_t *profile_repo_create(db_t *db, const char *user_id, const profile_changes_t *changes,
                                    err_t *err);

/*  Apply changes to user_id's profile unless it is effectively suspended, in
    one statement; updated_at = now(). Returns the updated row, or a set of
    0 rows when there is no profile or it is suspended (nothing changed; the
    caller looks which), or NULL with err (ERR_USERNAME_TAKEN, ...). Caller
    destroys. */
profile_rows_t *profile_repo_update(db_t *db, const char *user_id, const profile_changes_t *changes,
                                    err_t *err);

/*  The WebSocket connect check: set last_active_at = now() and return the
    profile (0 or 1 rows; caller destroys), or NULL with err. */
profile_rows_t *profile_repo_session_open(db_t *db, const char *user_id, err_t *err);

/*  Matches are counted up to this many past the requested offset (search text
    shorter than 3 characters: up to one past the page). */
#define PROFILE_SEARCH_COUNT_AHEAD 1000

/*  One page of search results (consenting, not effectively suspended, best
    first) into *rows (caller destroys) and the number of matches into *total:
    exact, or, with *capped set, "at least" (the count's cap) when there are
    more. Returns 0, or -1 with err (*rows is then NULL). */
int profile_repo_search(db_t *db, const profile_search_t *search, profile_rows_t **rows, int64_t *total,
                        bool *capped, err_t *err);

/*  last_active_at = now() for every listed user, in one statement. 0 or -1. */
int profile_repo_touch(db_t *db, const char *const *user_ids, size_t count, err_t *err);

/*  The LIKE pattern for a case-insensitive substring search: "%" + search
    with % _ \ escaped + "%". Exposed for tests. Caller frees. */
char *profile_repo_like_pattern(const char *search);

/*  A PostgreSQL text[] literal for items, quoting every element. Exposed for
    tests. Caller frees; NULL when out of memory. */
char *profile_repo_text_array(const char *const *items, size_t count);

#endif
