/*  profile_repo.c - SQL for p2p_profiles (see profile_repo.h).

    Columns are selected as plain text, timestamps formatted as RFC 3339 UTC
    by to_char, and is_suspended as the *effective* suspension; the JSON is
    built in C. The select list must follow PROFILE_COLUMN_LIST's order:
    s_rows_from checks the names on every result. */
#include "profile_repo.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define S_TIME PROFILE_REPO_TIME
#define S_SUSPENDED_NOW PROFILE_REPO_SUSPENDED_NOW
#define S_COLUMNS PROFILE_REPO_COLUMNS

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
#define S_LISTABLE_BEST(text)                                                                   \
    "(SELECT * FROM p2p_profiles WHERE has_consent AND NOT is_suspended" S_FILTER(text) S_ORDER \
        " LIMIT $4::int + $5::int)"                                                             \
        " UNION ALL "                                                                           \
        "(SELECT * FROM p2p_profiles WHERE has_consent AND is_suspended"                        \
        " AND suspended_until <= now()" S_FILTER(text) S_ORDER " LIMIT $4::int + $5::int)"
#define S_SEARCH_PAGE(text)                                                                  \
    "SELECT " S_COLUMNS " FROM ("                                                            \
    "SELECT * FROM (" S_LISTABLE_BEST(text) ") best" S_ORDER " LIMIT $4::int OFFSET $5::int" \
                                            ") p" S_ORDER
#define S_LISTABLE(text)                                                          \
    "SELECT 1 FROM p2p_profiles WHERE has_consent AND NOT is_suspended" S_FILTER( \
        text) " UNION ALL "                                                       \
              "SELECT 1 FROM p2p_profiles WHERE has_consent AND is_suspended"     \
              " AND suspended_until <= now()" S_FILTER(text)
/*  Counting every match of a broad search costs a scan of the table (hundreds
    of ms at a million profiles); counting stops at a cap instead, and the
    reply says when the total is "at least" rather than exact. */
#define S_SEARCH_COUNT(text, cap) "SELECT count(*) FROM (" S_LISTABLE(text) " LIMIT " cap "::int) p"

/*  pg_type OIDs of json and jsonb: their text is embedded in replies as is,
    so a column of another type must not pose as one. */
#define S_JSON_OID 114
#define S_JSONB_OID 3802

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
    S_SEARCH_COUNT_ALL,
    S_SEARCH_COUNT_TEXT,
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
    [S_SEARCH_PAGE_TEXT] = {"profile_search_page_text", S_SEARCH_PAGE(" AND lower(username) LIKE lower($6)"),
                            6},
    [S_SEARCH_COUNT_ALL] = {"profile_search_count", S_SEARCH_COUNT("", "$4"), 4},
    [S_SEARCH_COUNT_TEXT] = {"profile_search_count_text",
                             S_SEARCH_COUNT(" AND lower(username) LIKE lower($4)", "$5"), 5},
};

/*  The update statement's bits must match profile_field_t. */
_Static_assert(PROFILE_FIELD_USERNAME == 0 && PROFILE_FIELD_PHONE_NUMBER == 1 && PROFILE_FIELD_EMAIL == 2
                   && PROFILE_FIELD_PROFILE_PICTURE_URL == 3 && PROFILE_FIELD_PREFERRED_CURRENCY == 4
                   && PROFILE_FIELD_PREFERRED_PAYMENT_METHODS == 5 && PROFILE_FIELD_AUTO_REPLY_MESSAGE == 6
                   && PROFILE_FIELD_COUNT == 7,
               "profile_update's $2 bits and $3..$9 follow profile_field_t");

struct profile_rows {
    PGresult *res;
    size_t count; /* rows shown: at most PQntuples (a search reads one extra) */
};

const db_statement_t *
profile_repo_statements(size_t *count)
{
    *count = S_STATEMENT_COUNT;
    return s_statements;
}

size_t
profile_rows_count(const profile_rows_t *self)
{
    return self ? self->count : 0;
}

void
profile_rows_get(const profile_rows_t *self, size_t i, profile_row_t *row)
{
    for (int c = 0; c < PROFILE_COL_COUNT; c++)
        row->values[c] = PQgetisnull(self->res, (int) i, c) ? NULL : PQgetvalue(self->res, (int) i, c);
}

const char *
profile_rows_value(const profile_rows_t *self, size_t i, profile_col_t col)
{
    if (!self || i >= self->count || (unsigned) col >= PROFILE_COL_COUNT)
        return NULL;
    return PQgetisnull(self->res, (int) i, col) ? NULL : PQgetvalue(self->res, (int) i, col);
}

void
profile_rows_destroy(profile_rows_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    PQclear((*self_p)->res);
    free(*self_p);
    *self_p = NULL;
}

bool
profile_repo_layout_ok(const PGresult *res)
{
    bool ok = PQnfields(res) == PROFILE_COL_COUNT;
    for (int c = 0; ok && c < PROFILE_COL_COUNT; c++)
        ok = strcmp(PQfname(res, c), profile_json_column_name((profile_col_t) c)) == 0
             && (profile_json_column_kind((profile_col_t) c) != PROFILE_KIND_JSON
                 || PQftype(res, c) == S_JSON_OID || PQftype(res, c) == S_JSONB_OID);
    return ok;
}

/*  Wrap a result (taking it) after checking its columns are the row layout. */
static profile_rows_t *
s_rows_from(PGresult *res, err_t *err)
{
    if (!res)
        return NULL;
    bool ok = profile_repo_layout_ok(res);
    profile_rows_t *rows = ok ? malloc(sizeof *rows) : NULL;
    if (!rows) {
        PQclear(res);
        log_error("profile_repo.bad_result", NULL, json_pack("{s:b}", "columns_match", ok));
        err_set(err, ERR_INTERNAL, ok ? "out of memory" : "internal error");
        return NULL;
    }
    rows->res = res;
    rows->count = (size_t) PQntuples(res);
    return rows;
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

profile_rows_t *
profile_repo_by_user(db_t *db, const char *user_id, err_t *err)
{
    const char *params[] = {user_id};
    return s_rows_from(db_exec(db, s_statements[S_BY_USER].name, params, 1, err), err);
}

/*  Batch lookups pass at least this many keys, repeating the last one.
    PostgreSQL plans a prepared statement afresh for each call (a "custom
    plan") for as long as those plans look cheaper than the generic one,
    and the generic plan of "= ANY($1)" is costed for 10 keys: with the
    usual 2-8 keys every call was re-planned, which doubled the statement's
    CPU. With 16 keys the generic plan wins after the first five calls and
    is kept. The index scan drops the duplicates before it reads anything. */
#define S_BATCH_MIN_KEYS 16

profile_rows_t *
profile_repo_by_users(db_t *db, const char *const *user_ids, size_t count, err_t *err)
{
    const char *padded[S_BATCH_MIN_KEYS];
    if (count > 0 && count < S_BATCH_MIN_KEYS) {
        for (size_t i = 0; i < S_BATCH_MIN_KEYS; i++)
            padded[i] = user_ids[i < count ? i : count - 1];
        user_ids = padded;
        count = S_BATCH_MIN_KEYS;
    }
    char *array = profile_repo_text_array(user_ids, count);
    if (!array) {
        err_set(err, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    const char *params[] = {array};
    profile_rows_t *rows = s_rows_from(db_exec(db, s_statements[S_BY_USERS].name, params, 1, err), err);
    free(array);
    return rows;
}

profile_rows_t *
profile_repo_by_ids(db_t *db, const int64_t *ids, size_t count, err_t *err)
{
    size_t keys = count > 0 && count < S_BATCH_MIN_KEYS ? S_BATCH_MIN_KEYS : count;
    /* {1,2,3}: at most 20 digits and a sign per id, a comma, the braces */
    char *array = malloc(22 * keys + 3);
    if (!array) {
        err_set(err, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    char *p = array;
    *p++ = '{';
    for (size_t i = 0; i < keys; i++)
        p += sprintf(p, i ? ",%" PRId64 : "%" PRId64, ids[i < count ? i : count - 1]);
    strcpy(p, "}");
    const char *params[] = {array};
    profile_rows_t *rows = s_rows_from(db_exec(db, s_statements[S_BY_IDS].name, params, 1, err), err);
    free(array);
    return rows;
}

profile_rows_t *
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
    profile_rows_t *rows = s_rows_from(res, err);
    if (rows && profile_rows_count(rows) == 0) {
        profile_rows_destroy(&rows);
        err_set(err, ERR_PROFILE_EXISTS, "You already have a P2P profile");
    }
    return rows;
}

profile_rows_t *
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
    return s_rows_from(res, err);
}

profile_rows_t *
profile_repo_session_open(db_t *db, const char *user_id, err_t *err)
{
    const char *params[] = {user_id};
    return s_rows_from(db_exec(db, s_statements[S_SESSION_OPEN].name, params, 1, err), err);
}

/*  The boolean[] a tri-state filter allows. */
static const char *
s_bool_set(int tristate)
{
    return tristate < 0 ? "{t,f}" : tristate ? "{t}" : "{f}";
}

/*  Characters (code points) in a UTF-8 string. */
static size_t
s_utf8_chars(const char *text)
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *) text; *c; c++)
        n += (*c & 0xC0) != 0x80;
    return n;
}

int
profile_repo_search(db_t *db, const profile_search_t *search, profile_rows_t **rows, int64_t *total,
                    bool *capped, err_t *err)
{
    *rows = NULL;
    *total = 0;
    *capped = false;
    /* One row more than the page tells whether more follow, so a page
       that ends exactly at the last match needs no count, and short text
       (counted one past the page) needs none at all. */
    char rating[32], fetch[16], offset[16];
    snprintf(rating, sizeof rating, "%.6f", search->min_rating);
    snprintf(fetch, sizeof fetch, "%d", search->limit + 1);
    snprintf(offset, sizeof offset, "%d", search->offset);
    bool text = search->search && *search->search;
    char *pattern = text ? profile_repo_like_pattern(search->search) : NULL;
    if (text && !pattern)
        return err_set(err, ERR_INTERNAL, "out of memory");

    const char *page_params[] = {
        s_bool_set(search->is_verified), s_bool_set(search->is_merchant), rating, fetch, offset, pattern};
    s_statement_t page = text ? S_SEARCH_PAGE_TEXT : S_SEARCH_PAGE_ALL;
    *rows = s_rows_from(db_exec(db, s_statements[page].name, page_params, text ? 6 : 5, err), err);
    if (!*rows) {
        free(pattern);
        return -1;
    }
    size_t n = profile_rows_count(*rows);
    bool more = n > (size_t) search->limit;
    if (more)
        (*rows)->count = (size_t) search->limit;
    /* Text of one or two characters cannot use the trigram index: its matches
       are found by walking the table in rank order, so they are counted only
       one past the page, which the extra row already told. */
    bool short_text = text && s_utf8_chars(search->search) < 3;
    if (more && short_text) {
        *total = (int64_t) search->offset + search->limit; /* "at least", as a capped count says */
        *capped = true;
        free(pattern);
        return 0;
    }
    /* A page that is not followed by more tells the total without counting,
       unless it is empty past the first page (then the offset may be beyond
       the end). */
    if (!more && (n > 0 || search->offset == 0)) {
        *total = search->offset + (int64_t) n;
        free(pattern);
        return 0;
    }
    char cap[24];
    int64_t cap_n = (int64_t) search->offset + (short_text ? search->limit : PROFILE_SEARCH_COUNT_AHEAD) + 1;
    snprintf(cap, sizeof cap, "%lld", (long long) cap_n);
    const char *count_params[] = {page_params[0], page_params[1], rating, text ? pattern : cap, cap};
    s_statement_t count = text ? S_SEARCH_COUNT_TEXT : S_SEARCH_COUNT_ALL;
    PGresult *res = db_exec(db, s_statements[count].name, count_params, text ? 5 : 4, err);
    free(pattern);
    if (!res || PQntuples(res) != 1) {
        PQclear(res);
        profile_rows_destroy(rows);
        return res ? err_set(err, ERR_INTERNAL, "internal error") : -1;
    }
    *total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    if (*total >= cap_n) {
        *total = cap_n - 1;
        *capped = true;
    }
    return 0;
}

int
profile_repo_touch(db_t *db, const char *const *user_ids, size_t count, err_t *err)
{
    if (count == 0)
        return 0;
    char *array = profile_repo_text_array(user_ids, count);
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

char *
profile_repo_like_pattern(const char *search)
{
    size_t len = strlen(search);
    char *out = malloc(2 * len + 3);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '%';
    for (const char *s = search; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *p++ = '\\'; /* LIKE's default escape character */
        *p++ = *s;
    }
    *p++ = '%';
    *p = '\0';
    return out;
}

char *
profile_repo_text_array(const char *const *items, size_t count)
{
    /* {"a","b\"c"}: every element quoted, " and \ backslash-escaped */
    size_t size = 3;
    for (size_t i = 0; i < count; i++)
        size += 2 * strlen(items[i]) + 3;
    char *out = malloc(size);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (size_t i = 0; i < count; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *s = items[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}
