/*  admin_repo.c - SQL for the admin operations (see admin_repo.h).

    Profiles are selected with the shared select list (common/profile_row.h:
    text columns, RFC 3339 UTC times, is_suspended as the *effective*
    suspension), so an admin sees them as their owners do; every result is
    checked against its row layout (db_rows.h). */
#include "admin_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_param.h"
#include "log.h"
#include "page.h"

#define S_SUSPENDED_NOW PROFILE_ROW_SQL_SUSPENDED_NOW
#define S_COLUMNS PROFILE_ROW_SQL_COLUMNS

/*  ADMIN_AUDIT_COLUMN_LIST's order (admin_json.h). */
#define S_AUDIT_COLUMNS \
    "id, admin_user_id, action, profile_id, target, reason, before, after, " DB_SQL_TIME("created_at")

/*  The listing: $1 is_suspended, $2 is_verified, $3 is_merchant (boolean[] of
    allowed values), then limit and offset for a page; `text` adds the search:
    username contains it (any case) or user_id is it. A separate statement for
    "no search" lets the planner ignore the username index. */
#define S_LIST_WHERE(text)                            \
    " WHERE " S_SUSPENDED_NOW " = ANY($1::boolean[])" \
    " AND is_verified = ANY($2::boolean[]) AND is_merchant = ANY($3::boolean[])" text
#define S_LIST_PAGE(text) \
    "SELECT " S_COLUMNS   \
    " FROM p2p_profiles" S_LIST_WHERE(text) " ORDER BY id DESC LIMIT $4::int OFFSET $5::bigint"
#define S_LIST_COUNT(text) "SELECT count(*) FROM p2p_profiles" S_LIST_WHERE(text)

#define S_UPDATE(set) \
    "UPDATE p2p_profiles SET " set ", updated_at = now() WHERE id = $1::bigint RETURNING " S_COLUMNS

typedef enum {
    S_GET,
    S_LOCK,
    S_SUSPEND,
    S_UNSUSPEND,
    S_VERIFY,
    S_MERCHANT,
    S_AUDIT_INSERT,
    S_LIST_PAGE_ALL,
    S_LIST_PAGE_TEXT,
    S_LIST_COUNT_ALL,
    S_LIST_COUNT_TEXT,
    S_AUDIT_PAGE_ALL,
    S_AUDIT_PAGE_PROFILE,
    S_AUDIT_COUNT_ALL,
    S_AUDIT_COUNT_PROFILE,
    S_STATEMENT_COUNT
} s_statement_t;

static const db_statement_t s_statements[S_STATEMENT_COUNT] = {
    [S_GET] = {"admin_get", "SELECT " S_COLUMNS " FROM p2p_profiles WHERE id = $1::bigint", 1},
    /* The row lock makes "before" the truth: no other change to this profile
       can commit between reading it and writing the audit row. */
    [S_LOCK] = {"admin_lock", "SELECT " S_COLUMNS " FROM p2p_profiles WHERE id = $1::bigint FOR UPDATE", 1},
    [S_SUSPEND] = {"admin_suspend",
                   S_UPDATE("is_suspended = TRUE, suspension_reason = $2,"
                            " suspended_until = $3::timestamptz"),
                   3},
    [S_UNSUSPEND] = {"admin_unsuspend",
                     S_UPDATE("is_suspended = FALSE, suspension_reason = NULL,"
                              " suspended_until = NULL"),
                     1},
    [S_VERIFY] = {"admin_verify", S_UPDATE("is_verified = $2::boolean"), 2},
    [S_MERCHANT] = {"admin_merchant", S_UPDATE("is_merchant = $2::boolean"), 2},
    [S_AUDIT_INSERT] = {"admin_audit_insert",
                        "INSERT INTO p2p_admin_audit"
                        " (admin_user_id, action, profile_id, reason, before, after)"
                        " VALUES ($1, $2, $3::bigint, $4, $5::jsonb, $6::jsonb)",
                        6},
    [S_LIST_PAGE_ALL] = {"admin_list_page", S_LIST_PAGE(""), 5},
    [S_LIST_PAGE_TEXT] = {"admin_list_page_text",
                          DB_PLAN_EACH_CALL S_LIST_PAGE(
                              " AND (lower(username) LIKE lower($6) OR user_id = $7)"),
                          7},
    [S_LIST_COUNT_ALL] = {"admin_list_count", S_LIST_COUNT(""), 3},
    [S_LIST_COUNT_TEXT] = {"admin_list_count_text",
                           DB_PLAN_EACH_CALL S_LIST_COUNT(
                               " AND (lower(username) LIKE lower($4) OR user_id = $5)"),
                           5},
    [S_AUDIT_PAGE_ALL] = {"admin_audit_page",
                          "SELECT " S_AUDIT_COLUMNS " FROM p2p_admin_audit"
                          " ORDER BY created_at DESC, id DESC LIMIT $1::int OFFSET $2::bigint",
                          2},
    [S_AUDIT_PAGE_PROFILE] = {"admin_audit_page_profile",
                              "SELECT " S_AUDIT_COLUMNS " FROM p2p_admin_audit"
                              " WHERE profile_id = $3::bigint"
                              " ORDER BY created_at DESC, id DESC"
                              " LIMIT $1::int OFFSET $2::bigint",
                              3},
    [S_AUDIT_COUNT_ALL] = {"admin_audit_count", "SELECT count(*) FROM p2p_admin_audit", 0},
    [S_AUDIT_COUNT_PROFILE] = {"admin_audit_count_profile",
                               "SELECT count(*) FROM p2p_admin_audit WHERE profile_id = $1::bigint", 1},
};

const db_statement_t *
admin_repo_statements(size_t *count)
{
    *count = S_STATEMENT_COUNT;
    return s_statements;
}

/*  Run a statement whose rows are profiles. */
static db_rows_t *
s_profiles(db_t *db, s_statement_t st, const char *const *params, int n, err_t *err)
{
    return db_rows_new(db_exec(db, s_statements[st].name, params, n, err), profile_row_layout(), err);
}

/*  Run a paged statement (its limit parameter one past the page, see
    page.h) into *rows, truncated to the page, and the number of all matches into
    *total: told by the page when it can, else by the count statement
    (count_params). 0, or -1 with err (*rows NULL). */
static int
s_page(db_t *db, s_statement_t page_st, const char *const *params, int n, const row_layout_t *layout,
       int64_t offset, int64_t limit, s_statement_t count_st, const char *const *count_params, int count_n,
       db_rows_t **rows, int64_t *total, err_t *err)
{
    *rows = db_rows_new(db_exec(db, s_statements[page_st].name, params, n, err), layout, err);
    if (!*rows)
        return -1;
    page_t page = page_of(offset, limit, db_rows_count(*rows));
    db_rows_truncate(*rows, page.shown);
    if (page.total_known) {
        *total = page.total;
        return 0;
    }
    if (db_exec_int64(db, s_statements[count_st].name, count_params, count_n, total, err) != 0) {
        db_rows_destroy(rows);
        return -1;
    }
    return 0;
}

/*  A statement whose only parameter is a profile id. */
static db_rows_t *
s_profile_by_id(db_t *db, s_statement_t st, int64_t id, err_t *err)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, id);
    const char *params[] = {text};
    return s_profiles(db, st, params, 1, err);
}

db_rows_t *
admin_repo_get(db_t *db, int64_t id, err_t *err)
{
    return s_profile_by_id(db, S_GET, id, err);
}

int
admin_repo_list(db_t *db, const admin_list_query_t *query, db_rows_t **rows, int64_t *total, err_t *err)
{
    *rows = NULL;
    *total = 0;
    char limit[24], offset[24];
    snprintf(limit, sizeof limit, "%" PRId64, page_fetch_limit(query->limit));
    snprintf(offset, sizeof offset, "%" PRId64, query->offset);
    bool text = query->search && *query->search;
    char *pattern = text ? db_param_like_pattern(query->search) : NULL;
    if (text && !pattern)
        return err_set(err, ERR_INTERNAL, "out of memory");

    const char *page_params[] = {tristate_sql_array(query->is_suspended),
                                 tristate_sql_array(query->is_verified),
                                 tristate_sql_array(query->is_merchant),
                                 limit,
                                 offset,
                                 pattern,
                                 query->search};
    const char *count_params[] = {page_params[0], page_params[1], page_params[2], pattern, query->search};
    int rc =
        s_page(db, text ? S_LIST_PAGE_TEXT : S_LIST_PAGE_ALL, page_params, text ? 7 : 5, profile_row_layout(),
               query->offset, query->limit, text ? S_LIST_COUNT_TEXT : S_LIST_COUNT_ALL, count_params,
               text ? 5 : 3, rows, total, err);
    free(pattern);
    return rc;
}

db_rows_t *
admin_repo_lock(db_t *db, int64_t profile_id, err_t *err)
{
    return s_profile_by_id(db, S_LOCK, profile_id, err);
}

db_rows_t *
admin_repo_apply(db_t *db, const admin_change_t *change, err_t *err)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, change->profile_id);
    switch (change->kind) {
    case ADMIN_CHANGE_SUSPEND: {
        const char *params[] = {id, change->reason, change->until_utc[0] ? change->until_utc : NULL};
        return s_profiles(db, S_SUSPEND, params, 3, err);
    }
    case ADMIN_CHANGE_UNSUSPEND: {
        const char *params[] = {id};
        return s_profiles(db, S_UNSUSPEND, params, 1, err);
    }
    case ADMIN_CHANGE_VERIFY:
    case ADMIN_CHANGE_MERCHANT: {
        const char *params[] = {id, change->flag ? "true" : "false"};
        return s_profiles(db, change->kind == ADMIN_CHANGE_VERIFY ? S_VERIFY : S_MERCHANT, params, 2, err);
    }
    }
    err_set(err, ERR_INTERNAL, "unknown change");
    return NULL;
}

int
admin_repo_audit_insert(db_t *db, const char *admin_user_id, const admin_change_t *change,
                        const char *before_json, const char *after_json, err_t *err)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, change->profile_id);
    const char *params[] = {admin_user_id, admin_change_action(change), id, change->reason, before_json,
                            after_json};
    PGresult *res = db_exec(db, s_statements[S_AUDIT_INSERT].name, params, 6, err);
    PQclear(res);
    return res ? 0 : -1;
}

int
admin_repo_audit(db_t *db, const admin_audit_query_t *query, db_rows_t **rows, int64_t *total, err_t *err)
{
    *rows = NULL;
    *total = 0;
    char limit[24], offset[24], profile[24];
    snprintf(limit, sizeof limit, "%" PRId64, page_fetch_limit(query->limit));
    snprintf(offset, sizeof offset, "%" PRId64, query->offset);
    snprintf(profile, sizeof profile, "%" PRId64, query->profile_id);
    bool one = query->profile_id > 0;
    const char *params[] = {limit, offset, profile};
    const char *count_params[] = {profile};
    return s_page(db, one ? S_AUDIT_PAGE_PROFILE : S_AUDIT_PAGE_ALL, params, one ? 3 : 2,
                  admin_json_audit_layout(), query->offset, query->limit,
                  one ? S_AUDIT_COUNT_PROFILE : S_AUDIT_COUNT_ALL, count_params, one ? 1 : 0, rows, total,
                  err);
}
