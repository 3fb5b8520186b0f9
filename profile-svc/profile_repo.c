/*  profile_repo.c - SQL for p2p_profiles (see profile_repo.h).

    Profiles are selected with the shared select list (common/profile_row.h):
    plain text, timestamps as RFC 3339 UTC, is_suspended as the *effective*
    suspension; the JSON is built in C. s_rows checks every result against
    the row layout. */
#include "profile_repo.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_param.h"
#include "page.h"
#include "tristate.h"
#include "utf8.h"

#define S_SUSPENDED_NOW PROFILE_ROW_SQL_SUSPENDED_NOW
#define S_COLUMNS PROFILE_ROW_SQL_COLUMNS

/*  A field of the update statement: set when bit `bit` of $2 is on. */
#define S_SET(col, bit, param) col " = CASE WHEN ($2::int & " #bit ") <> 0 THEN " param " ELSE " col " END, "

/*  Search. The listable profiles are split in two so that the common case
    (never suspended) can walk the partial index idx_p2p_profiles_search_order
    in order and stop early, while the rare expired suspensions come from
    idx_p2p_profiles_suspended. Each branch keeps only its best limit+offset
    rows, the merge sorts at most twice that, and only the final page is
    formatted (to_char). $1 is_verified IN, $2 is_merchant IN (boolean[]),
    $3 min_rating, $4 limit, $5 offset; `text` adds the username condition. */
#define S_ORDER " ORDER BY avg_rating DESC, completed_trades DESC, id"
#define S_FILTER(text)                                                           \
    " AND is_verified = ANY($1::boolean[]) AND is_merchant = ANY($2::boolean[])" \
    " AND avg_rating >= $3::numeric" text
/*  The rare expired suspensions: their best limit+offset, from
    idx_p2p_profiles_suspended. */
#define S_EXPIRED_BEST(text)                                         \
    "(SELECT * FROM p2p_profiles WHERE has_consent AND is_suspended" \
    " AND suspended_until <= now()" S_FILTER(text) S_ORDER " LIMIT $4::int + $5::int)"
#define S_LISTABLE_BEST(text)                                                                   \
    "(SELECT * FROM p2p_profiles WHERE has_consent AND NOT is_suspended" S_FILTER(text) S_ORDER \
        " LIMIT $4::int + $5::int) UNION ALL " S_EXPIRED_BEST(text)
/*  The page of the merged branches, formatted: every page statement is one. */
/* clang-format off */
#define S_PAGE_OF(branches)                                                                        \
    "SELECT " S_COLUMNS " FROM (SELECT * FROM (" branches ") best"                                 \
        S_ORDER " LIMIT $4::int OFFSET $5::int) p"
/* clang-format on */
/*  With a username pattern, the planner guesses the matches badly both ways
    (at a million profiles: '%6905%' guessed 9,380 matches, has ~300, and got
    the rank-order walk: 65,000 rows read, 0.4-1 s; a sparser pattern reads
    the whole table). So the plan is decided here, not by a guess, in two
    statements. The walk reads the best S_WALK_ROWS profiles in rank order;
    matches come in rank order, so when it finds limit+offset of them they
    are the answer, and it answers only then (no rows otherwise). When it
    answers nothing, the pattern matches fewer than one in
    S_WALK_ROWS / (limit+offset) profiles (or none): the fallback takes its
    few matches from the trigram index and sorts them (the "+ 0" keys keep
    the planner off the rank-order index, whose walk would read the whole
    table), planned for its pattern. Expired suspensions as above. */
/* clang-format off */
#define S_WALK_ROWS "1000"
#define S_ORDER_UNINDEXED " ORDER BY avg_rating + 0 DESC, completed_trades + 0 DESC, id + 0"
#define S_SEARCH_PAGE_WALK(text)                                                                   \
    "WITH walk AS (SELECT * FROM (SELECT * FROM p2p_profiles WHERE has_consent AND NOT is_suspended" \
        S_ORDER " LIMIT " S_WALK_ROWS ") w"                                                         \
        " WHERE TRUE" S_FILTER(text) S_ORDER " LIMIT $4::int + $5::int) "                           \
    S_PAGE_OF("(SELECT * FROM walk) UNION ALL " S_EXPIRED_BEST(text))                               \
    " WHERE (SELECT count(*) FROM walk) = $4::int + $5::int" S_ORDER
#define S_SEARCH_PAGE_SPARSE(text)                                                                  \
    S_PAGE_OF("(SELECT * FROM p2p_profiles WHERE has_consent AND NOT is_suspended" S_FILTER(text)   \
              S_ORDER_UNINDEXED " LIMIT $4::int + $5::int) UNION ALL " S_EXPIRED_BEST(text))        \
    S_ORDER
/* clang-format on */
#define S_SEARCH_PAGE(text) S_PAGE_OF(S_LISTABLE_BEST(text)) S_ORDER
#define S_LISTABLE(text)                                                          \
    "SELECT 1 FROM p2p_profiles WHERE has_consent AND NOT is_suspended" S_FILTER( \
        text) " UNION ALL "                                                       \
              "SELECT 1 FROM p2p_profiles WHERE has_consent AND is_suspended"     \
              " AND suspended_until <= now()" S_FILTER(text)
/*  Counting every match of a broad search costs a scan of the table (hundreds
    of ms at a million profiles); counting stops at a cap instead, and the
    reply says when the total is "at least" rather than exact. */
#define S_SEARCH_COUNT(text, cap) "SELECT count(*) FROM (" S_LISTABLE(text) " LIMIT " cap "::int) p"

/*  The search index (profile_search_sync.h, migration 009). A listing row:
    id, lower(username), avg_rating × 100, completed_trades, flags
    (PROFILE_LISTING_*), suspended_until in unix µs, listing_xid. */
#define S_LISTING_COLUMNS                                                                        \
    "id, lower(username), (avg_rating * 100)::int, completed_trades,"                            \
    " (is_verified::int + 2 * is_merchant::int + 4 * has_consent::int + 8 * is_suspended::int)," \
    " (extract(epoch FROM suspended_until) * 1000000)::bigint, listing_xid::text"
/*  The mark: the oldest transaction still running for this statement's
    snapshot (every change it cannot see has a listing_xid at least that),
    and the removals counter. */
#define S_MARK_COLUMNS \
    "pg_snapshot_xmin(pg_current_snapshot())::text, (SELECT removals FROM p2p_profile_removals)"
/*  The search state (common/answer_cache.h): the version of p2p_profiles
    (migration 008), now() and the next suspension end, as unix ms (floor
    keeps their order). */
#define S_SEARCH_STATE_COLUMNS                                                \
    "(SELECT sum(profiles) FROM p2p_change_versions)::bigint,"                \
    " floor(extract(epoch FROM now()) * 1000)::bigint,"                       \
    " (SELECT floor(extract(epoch FROM min(suspended_until)) * 1000)::bigint" \
    " FROM p2p_profiles WHERE is_suspended AND suspended_until IS NOT NULL"   \
    " AND suspended_until > now())"
/*  The search index's: the search state plus the clock in µs. */
#define S_STATE_COLUMNS S_SEARCH_STATE_COLUMNS ", (extract(epoch FROM now()) * 1000000)::bigint"
/*  The changed read: one header row (id NULL: the mark and the state, all
    of one snapshot), then every listing written since $1 (a mark). */
/* clang-format off */
#define S_CHANGED                                                                                  \
    "SELECT NULL::bigint, NULL::text, NULL::int, NULL::int, NULL::int, NULL::bigint, NULL::text, " \
        S_MARK_COLUMNS ", " S_STATE_COLUMNS                                                        \
    " UNION ALL SELECT " S_LISTING_COLUMNS ", NULL, NULL, NULL, NULL, NULL, NULL"                  \
    " FROM p2p_profiles WHERE listing_xid >= $1::xid8"
/* clang-format on */

/*  Constraint names (migrations 001 and 002) that mean "username taken". */
static const char *s_username_constraints[] = {
    "idx_p2p_profiles_username_lower_uniq",
    "p2p_profiles_username_key",
};

typedef enum {
    S_BY_USER,
    S_BY_USERS,
    S_BY_IDS,
    S_CREATE,
    S_UPDATE,
    S_SESSION_OPEN,
    S_TOUCH,
    S_SEARCH_PAGE_ALL,
    S_SEARCH_PAGE_TEXT,
    S_SEARCH_PAGE_SPARSE,
    S_SEARCH_COUNT_ALL,
    S_SEARCH_COUNT_TEXT,
    S_SEARCH_STATE,
    S_LISTINGS_STATE,
    S_LISTINGS_CHUNK,
    S_LISTINGS_CHANGED,
    S_BY_LISTINGS,
    S_STATEMENT_COUNT
} s_statement_t;

static const db_statement_t s_statements[S_STATEMENT_COUNT] = {
    [S_BY_USER] = {"profile_by_user", "SELECT " S_COLUMNS " FROM p2p_profiles WHERE user_id = $1", 1},
    /* many lookups in one statement: a busy worker's batch of profile.get */
    [S_BY_USERS] = {"profile_by_users",
                    "SELECT " S_COLUMNS " FROM p2p_profiles WHERE user_id = ANY($1::text[])", 1},
    [S_BY_IDS] = {"profile_by_ids", "SELECT " S_COLUMNS " FROM p2p_profiles WHERE id = ANY($1::bigint[])", 1},
    /* ON CONFLICT on user_id answers "exists" without raising; a username
       collision still raises 23505 on the lower(username) index. */
    [S_CREATE] = {"profile_create",
                  "INSERT INTO p2p_profiles (user_id, username, phone_number, email,"
                  " profile_picture_url, preferred_currency, preferred_payment_methods,"
                  " auto_reply_message, has_consent, consented_at, last_active_at)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, TRUE, now(), now())"
                  " ON CONFLICT (user_id) DO NOTHING RETURNING " S_COLUMNS,
                  8},
    /* $1 user_id, $2 bit mask of the fields present (bit = profile_field_t),
       $3.. the values in profile_field_t order. The suspension check is in
       the WHERE clause, so a suspended user's update changes nothing. */
    [S_UPDATE] = {"profile_update",
                  "UPDATE p2p_profiles SET " S_SET("username", 1, "$3") S_SET("phone_number", 2, "$4")
                      S_SET("email", 4, "$5") S_SET("profile_picture_url", 8, "$6") S_SET(
                          "preferred_currency", 16, "$7") S_SET("preferred_payment_methods", 32, "$8::jsonb")
                          S_SET("auto_reply_message", 64, "$9") "updated_at = now()"
                                                                " WHERE user_id = $1 AND NOT " S_SUSPENDED_NOW
                                                                " RETURNING " S_COLUMNS,
                  9},
    [S_SESSION_OPEN] = {"profile_session_open",
                        "UPDATE p2p_profiles SET last_active_at = now() WHERE user_id = $1"
                        " RETURNING " S_COLUMNS,
                        1},
    [S_TOUCH] = {"profile_touch",
                 "UPDATE p2p_profiles SET last_active_at = now()"
                 " WHERE user_id = ANY($1::text[])",
                 1},
    [S_SEARCH_PAGE_ALL] = {"profile_search_page", S_SEARCH_PAGE(""), 5},
    [S_SEARCH_PAGE_TEXT] = {"profile_search_page_text",
                            S_SEARCH_PAGE_WALK(" AND lower(username) LIKE lower($6)"), 6},
    [S_SEARCH_PAGE_SPARSE] = {"profile_search_page_sparse",
                              DB_PLAN_EACH_CALL S_SEARCH_PAGE_SPARSE(" AND lower(username) LIKE lower($6)"),
                              6},
    [S_SEARCH_COUNT_ALL] = {"profile_search_count", S_SEARCH_COUNT("", "$4"), 4},
    [S_SEARCH_COUNT_TEXT] = {"profile_search_count_text",
                             DB_PLAN_EACH_CALL S_SEARCH_COUNT(" AND lower(username) LIKE lower($4)", "$5"),
                             5},
    /* migration 008; times as unix ms (floor keeps their order) */
    [S_SEARCH_STATE] = {"profile_search_state", "SELECT " S_SEARCH_STATE_COLUMNS, 0},
    /* the search state and the mark of one snapshot, without the changes */
    [S_LISTINGS_STATE] = {"profile_listings_state", "SELECT " S_MARK_COLUMNS ", " S_STATE_COLUMNS, 0},
    [S_LISTINGS_CHUNK] = {"profile_listings_chunk",
                          "SELECT " S_LISTING_COLUMNS " FROM p2p_profiles WHERE id > $1::bigint"
                          " ORDER BY id LIMIT $2::int",
                          2},
    /* planned for its mark: a generic plan guesses a third of the table
       and scans it all; the actual mark is past nearly every row */
    [S_LISTINGS_CHANGED] = {"profile_listings_changed", DB_PLAN_EACH_CALL S_CHANGED, 1},
    /* the page's rows, each only if it is still what the index saw */
    [S_BY_LISTINGS] = {"profile_by_listings",
                       "SELECT " S_COLUMNS " FROM p2p_profiles"
                       " JOIN unnest($1::bigint[], $2::xid8[]) AS seen (seen_id, seen_xid)"
                       " ON id = seen_id AND listing_xid = seen_xid",
                       2},
};

/*  The update statement's bits must match profile_field_t. */
_Static_assert(PROFILE_FIELD_USERNAME == 0 && PROFILE_FIELD_PHONE_NUMBER == 1 && PROFILE_FIELD_EMAIL == 2
                   && PROFILE_FIELD_PROFILE_PICTURE_URL == 3 && PROFILE_FIELD_PREFERRED_CURRENCY == 4
                   && PROFILE_FIELD_PREFERRED_PAYMENT_METHODS == 5 && PROFILE_FIELD_AUTO_REPLY_MESSAGE == 6
                   && PROFILE_FIELD_COUNT == 7,
               "profile_update's $2 bits and $3..$9 follow profile_field_t");

const db_statement_t *
profile_repo_statements(size_t *count)
{
    *count = S_STATEMENT_COUNT;
    return s_statements;
}

/*  Wrap a result of profile rows (taking it). */
static db_rows_t *
s_rows(PGresult *res, err_t *err)
{
    return db_rows_new(res, profile_row_layout(), err);
}

/*  A failed write that broke a unique index: which 409 it is. */
static void
s_map_unique_violation(db_t *db, err_t *err)
{
    if (strcmp(db_last_sqlstate(db), "23505") != 0)
        return;
    const char *constraint = db_last_constraint(db);
    for (size_t i = 0; i < sizeof s_username_constraints / sizeof s_username_constraints[0]; i++)
        if (strcmp(constraint, s_username_constraints[i]) == 0) {
            err_set(err, ERR_USERNAME_TAKEN, "username already taken");
            return;
        }
    if (strcmp(constraint, "p2p_profiles_user_id_key") == 0)
        err_set(err, ERR_PROFILE_EXISTS, "You already have a P2P profile");
}

static const char *
s_value(const profile_changes_t *changes, profile_field_t field)
{
    return changes->values[field];
}

db_rows_t *
profile_repo_by_user(db_t *db, const char *user_id, err_t *err)
{
    const char *params[] = {user_id};
    return s_rows(db_exec(db, s_statements[S_BY_USER].name, params, 1, err), err);
}

/*  Run a batch lookup whose $1 is the array literal array (freed here;
    NULL: out of memory). */
static db_rows_t *
s_lookup(db_t *db, s_statement_t st, char *array, err_t *err)
{
    if (!array) {
        err_set(err, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    const char *params[] = {array};
    db_rows_t *rows = s_rows(db_exec(db, s_statements[st].name, params, 1, err), err);
    free(array);
    return rows;
}

/*  Batch lookups pad their keys to DB_PARAM_BATCH_MIN_KEYS so PostgreSQL
    keeps the statement's generic plan (db_param.h says why). */
db_rows_t *
profile_repo_by_users(db_t *db, const char *const *user_ids, size_t count, err_t *err)
{
    return s_lookup(db, S_BY_USERS, db_param_text_array(user_ids, count, DB_PARAM_BATCH_MIN_KEYS), err);
}

db_rows_t *
profile_repo_by_ids(db_t *db, const int64_t *ids, size_t count, err_t *err)
{
    return s_lookup(db, S_BY_IDS, db_param_int64_array(ids, count, DB_PARAM_BATCH_MIN_KEYS), err);
}

db_rows_t *
profile_repo_create(db_t *db, const char *user_id, const profile_changes_t *changes, err_t *err)
{
    const char *params[] = {
        user_id,
        s_value(changes, PROFILE_FIELD_USERNAME),
        s_value(changes, PROFILE_FIELD_PHONE_NUMBER),
        s_value(changes, PROFILE_FIELD_EMAIL),
        s_value(changes, PROFILE_FIELD_PROFILE_PICTURE_URL),
        s_value(changes, PROFILE_FIELD_PREFERRED_CURRENCY),
        s_value(changes, PROFILE_FIELD_PREFERRED_PAYMENT_METHODS),
        s_value(changes, PROFILE_FIELD_AUTO_REPLY_MESSAGE),
    };
    PGresult *res = db_exec(db, s_statements[S_CREATE].name, params, 8, err);
    if (!res) {
        s_map_unique_violation(db, err);
        return NULL;
    }
    db_rows_t *rows = s_rows(res, err);
    if (rows && db_rows_count(rows) == 0) {
        db_rows_destroy(&rows);
        err_set(err, ERR_PROFILE_EXISTS, "You already have a P2P profile");
    }
    return rows;
}

db_rows_t *
profile_repo_update(db_t *db, const char *user_id, const profile_changes_t *changes, err_t *err)
{
    char mask[16];
    snprintf(mask, sizeof mask, "%u", changes->set);
    const char *params[2 + PROFILE_FIELD_COUNT] = {user_id, mask};
    for (int f = 0; f < PROFILE_FIELD_COUNT; f++)
        params[2 + f] = s_value(changes, (profile_field_t) f);
    PGresult *res = db_exec(db, s_statements[S_UPDATE].name, params, 2 + PROFILE_FIELD_COUNT, err);
    if (!res) {
        s_map_unique_violation(db, err);
        return NULL;
    }
    return s_rows(res, err);
}

db_rows_t *
profile_repo_session_open(db_t *db, const char *user_id, err_t *err)
{
    const char *params[] = {user_id};
    return s_rows(db_exec(db, s_statements[S_SESSION_OPEN].name, params, 1, err), err);
}

int
profile_repo_search(db_t *db, const profile_search_t *search, db_rows_t **rows, int64_t *total, bool *capped,
                    err_t *err)
{
    *rows = NULL;
    *total = 0;
    *capped = false;
    /* One row more than the page tells whether more follow, so a page
       that ends exactly at the last match needs no count, and short text
       (counted one past the page) needs none at all. */
    char rating[32], fetch[24], offset[16];
    snprintf(rating, sizeof rating, "%.6f", search->min_rating);
    snprintf(fetch, sizeof fetch, "%lld", (long long) page_fetch_limit(search->limit));
    snprintf(offset, sizeof offset, "%d", search->offset);
    bool text = search->search && *search->search;
    char *pattern = text ? db_param_like_pattern(search->search) : NULL;
    if (text && !pattern)
        return err_set(err, ERR_INTERNAL, "out of memory");

    const char *page_params[] = {tristate_sql_array(search->is_verified),
                                 tristate_sql_array(search->is_merchant),
                                 rating,
                                 fetch,
                                 offset,
                                 pattern};
    s_statement_t page_st = text ? S_SEARCH_PAGE_TEXT : S_SEARCH_PAGE_ALL;
    *rows = s_rows(db_exec(db, s_statements[page_st].name, page_params, text ? 6 : 5, err), err);
    if (*rows && text && db_rows_count(*rows) == 0) {
        /* the walk found too few: a sparse pattern (or none) */
        db_rows_destroy(rows);
        *rows = s_rows(db_exec(db, s_statements[S_SEARCH_PAGE_SPARSE].name, page_params, 6, err), err);
    }
    if (!*rows) {
        free(pattern);
        return -1;
    }
    page_t page = page_of(search->offset, search->limit, db_rows_count(*rows));
    db_rows_truncate(*rows, page.shown);
    /* Text of one or two characters cannot use the trigram index: its matches
       are found by walking the table in rank order, so they are counted only
       one past the page, which the extra row already told. */
    bool short_text = text && utf8_length(search->search) < 3;
    if (page.more && short_text) {
        *total = (int64_t) search->offset + search->limit; /* "at least", as a capped count says */
        *capped = true;
        free(pattern);
        return 0;
    }
    if (page.total_known) {
        *total = page.total;
        free(pattern);
        return 0;
    }
    char cap[24];
    int64_t cap_n = (int64_t) search->offset + (short_text ? search->limit : PROFILE_SEARCH_COUNT_AHEAD) + 1;
    snprintf(cap, sizeof cap, "%lld", (long long) cap_n);
    const char *count_params[] = {page_params[0], page_params[1], rating, text ? pattern : cap, cap};
    s_statement_t count_st = text ? S_SEARCH_COUNT_TEXT : S_SEARCH_COUNT_ALL;
    int rc = db_exec_int64(db, s_statements[count_st].name, count_params, text ? 5 : 4, total, err);
    free(pattern);
    if (rc != 0) {
        db_rows_destroy(rows);
        return -1;
    }
    if (*total >= cap_n) {
        *total = cap_n - 1;
        *capped = true;
    }
    return 0;
}

int
profile_repo_search_state(db_t *db, answer_cache_state_t *state, err_t *err)
{
    return answer_cache_read_state(db, s_statements[S_SEARCH_STATE].name, NULL, 0, state, err);
}

int
profile_repo_touch(db_t *db, const char *const *user_ids, size_t count, err_t *err)
{
    if (count == 0)
        return 0;
    char *array = db_param_text_array(user_ids, count, 0);
    if (!array)
        return err_set(err, ERR_INTERNAL, "out of memory");
    const char *params[] = {array};
    PGresult *res = db_exec(db, s_statements[S_TOUCH].name, params, 1, err);
    free(array);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

/* ------------------------------------------------------------------------
   The search index's reads */

static uint64_t
s_u64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoull(PQgetvalue(res, row, col), NULL, 10);
}

static int64_t
s_i64(const PGresult *res, int row, int col, int64_t null_value)
{
    return PQgetisnull(res, row, col) ? null_value : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/*  Hand rows [first, count) of a listing result (S_LISTING_COLUMNS first)
    to fn; skips row skip (-1: none). 0, or fn's failure. */
static int
s_listings(const PGresult *res, int skip, profile_repo_listing_fn *fn, void *arg, int64_t *last_id)
{
    for (int r = 0; r < PQntuples(res); r++) {
        if (r == skip)
            continue;
        profile_listing_t listing = {
            .id = s_i64(res, r, 0, 0),
            .name = PQgetisnull(res, r, 1) ? NULL : PQgetvalue(res, r, 1),
            .rating_cents = (int32_t) s_i64(res, r, 2, 0),
            .completed_trades = (int32_t) s_i64(res, r, 3, 0),
            .flags = (unsigned) s_i64(res, r, 4, 0),
            .suspended_until_us = s_i64(res, r, 5, PROFILE_LISTING_NO_END),
            .xid = s_u64(res, r, 6),
        };
        if (fn(arg, &listing) != 0)
            return -1;
        if (last_id)
            *last_id = listing.id;
    }
    return 0;
}

int
profile_repo_listings_chunk(db_t *db, int64_t after_id, int limit, profile_repo_listing_fn *fn, void *arg,
                            size_t *rows, int64_t *last_id, err_t *err)
{
    char after[24], lim[16];
    snprintf(after, sizeof after, "%lld", (long long) after_id);
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = {after, lim};
    PGresult *res = db_exec(db, s_statements[S_LISTINGS_CHUNK].name, params, 2, err);
    if (!res)
        return -1;
    *rows = (size_t) PQntuples(res);
    int rc = PQnfields(res) == 7 ? s_listings(res, -1, fn, arg, last_id) : -1;
    PQclear(res);
    return rc == 0 ? 0 : err_set(err, ERR_INTERNAL, "out of memory");
}

/*  The header row of a state or changed read (its mark and state from
    column `at` on) into *mark. False when it is not one. */
static bool
s_header(db_t *db, const PGresult *res, int row, int at, profile_listings_mark_t *mark)
{
    if (PQnfields(res) != at + 6 || PQgetisnull(res, row, at) || PQgetisnull(res, row, at + 1)
        || PQgetisnull(res, row, at + 2) || PQgetisnull(res, row, at + 3) || PQgetisnull(res, row, at + 5))
        return false;
    db_stats_t stats;
    db_stats(db, &stats);
    *mark = (profile_listings_mark_t){
        .xmin = s_u64(res, row, at),
        .removals = s_i64(res, row, at + 1, 0),
        .state =
            {
                .version = s_i64(res, row, at + 2, 0),
                .now_ms = s_i64(res, row, at + 3, 0),
                .next_end_ms = s_i64(res, row, at + 4, INT64_MAX),
                .epoch = stats.connects,
            },
        .now_us = s_i64(res, row, at + 5, 0),
    };
    return true;
}

int
profile_repo_listings_state(db_t *db, profile_listings_mark_t *mark, err_t *err)
{
    PGresult *res = db_exec(db, s_statements[S_LISTINGS_STATE].name, NULL, 0, err);
    if (!res)
        return -1;
    bool ok = PQntuples(res) == 1 && s_header(db, res, 0, 0, mark);
    PQclear(res);
    return ok ? 0 : err_set(err, ERR_INTERNAL, "internal error");
}

int
profile_repo_listings_changed(db_t *db, uint64_t since, profile_listings_mark_t *mark,
                              profile_repo_listing_fn *fn, void *arg, size_t *rows, err_t *err)
{
    char from[24];
    snprintf(from, sizeof from, "%llu", (unsigned long long) since);
    const char *params[] = {from};
    PGresult *res = db_exec(db, s_statements[S_LISTINGS_CHANGED].name, params, 1, err);
    if (!res)
        return -1;
    int header = -1;
    for (int r = 0; r < PQntuples(res) && header < 0; r++)
        if (PQgetisnull(res, r, 0))
            header = r;
    if (header < 0 || !s_header(db, res, header, 7, mark)) {
        PQclear(res);
        return err_set(err, ERR_INTERNAL, "internal error");
    }
    *rows = (size_t) PQntuples(res) - 1;
    int rc = s_listings(res, header, fn, arg, NULL);
    PQclear(res);
    return rc == 0 ? 0 : err_set(err, ERR_INTERNAL, "out of memory");
}

db_rows_t *
profile_repo_by_listings(db_t *db, const int64_t *ids, const uint64_t *xids, size_t count, err_t *err)
{
    char *id_array = db_param_int64_array(ids, count, 0);
    /* xid8 literals are plain unsigned integers: the same text as an int64 array's */
    int64_t *as_int = malloc((count + 1) * sizeof *as_int);
    for (size_t i = 0; as_int && i < count; i++)
        as_int[i] = (int64_t) xids[i];
    char *xid_array = as_int ? db_param_int64_array(as_int, count, 0) : NULL;
    free(as_int);
    db_rows_t *rows = NULL;
    if (!id_array || !xid_array)
        err_set(err, ERR_INTERNAL, "out of memory");
    else {
        const char *params[] = {id_array, xid_array};
        rows = s_rows(db_exec(db, s_statements[S_BY_LISTINGS].name, params, 2, err), err);
    }
    free(id_array);
    free(xid_array);
    return rows;
}
