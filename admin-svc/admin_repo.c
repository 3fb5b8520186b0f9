/*  admin_repo.c - SQL for the admin operations (see admin_repo.h).

    Profiles are selected exactly as profile-svc selects them (text columns,
    RFC 3339 UTC times, is_suspended as the *effective* suspension), so that
    profile_json.c formats them; s_rows_from checks the column names of
    every result against the row layout. */
#include "admin_repo.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "profile_repo.h"

#define S_TIME PROFILE_REPO_TIME
#define S_SUSPENDED_NOW PROFILE_REPO_SUSPENDED_NOW
/*  PROFILE_COLUMN_LIST's order (profile_json.h), shared with profile-svc. */
#define S_COLUMNS PROFILE_REPO_COLUMNS

/*  ADMIN_AUDIT_COLUMN_LIST's order (admin_json.h). */
#define S_AUDIT_COLUMNS "id, admin_user_id, action, profile_id, reason, before, after, " S_TIME("created_at")

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
                          S_LIST_PAGE(" AND (lower(username) LIKE lower($6) OR user_id = $7)"), 7},
    [S_LIST_COUNT_ALL] = {"admin_list_count", S_LIST_COUNT(""), 3},
    [S_LIST_COUNT_TEXT] = {"admin_list_count_text",
                           S_LIST_COUNT(" AND (lower(username) LIKE lower($4) OR user_id = $5)"), 5},
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

typedef enum { S_ROWS_PROFILE, S_ROWS_AUDIT } s_layout_t;

struct admin_rows {
    PGresult *res;
    s_layout_t layout;
};

const db_statement_t *
admin_repo_statements(size_t *count)
{
    *count = S_STATEMENT_COUNT;
    return s_statements;
}

size_t
admin_rows_count(const admin_rows_t *self)
{
    return self ? (size_t) PQntuples(self->res) : 0;
}

static const char *
s_value(const admin_rows_t *self, size_t i, int c)
{
    return PQgetisnull(self->res, (int) i, c) ? NULL : PQgetvalue(self->res, (int) i, c);
}

void
admin_rows_profile(const admin_rows_t *self, size_t i, profile_row_t *row)
{
    assert(self->layout == S_ROWS_PROFILE);
    for (int c = 0; c < PROFILE_COL_COUNT; c++)
        row->values[c] = s_value(self, i, c);
}

void
admin_rows_audit(const admin_rows_t *self, size_t i, admin_audit_row_t *row)
{
    assert(self->layout == S_ROWS_AUDIT);
    for (int c = 0; c < ADMIN_AUDIT_COL_COUNT; c++)
        row->values[c] = s_value(self, i, c);
}

void
admin_rows_destroy(admin_rows_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    PQclear((*self_p)->res);
    free(*self_p);
    *self_p = NULL;
}

/*  Wrap a result (taking it) after checking its columns are the layout's. */
static admin_rows_t *
s_rows_from(PGresult *res, s_layout_t layout, err_t *err)
{
    if (!res)
        return NULL;
    bool ok =
        layout == S_ROWS_PROFILE ? profile_repo_layout_ok(res) : PQnfields(res) == ADMIN_AUDIT_COL_COUNT;
    for (int c = 0; ok && layout != S_ROWS_PROFILE && c < ADMIN_AUDIT_COL_COUNT; c++)
        ok = strcmp(PQfname(res, c), admin_json_audit_column_name((admin_audit_col_t) c)) == 0;
    admin_rows_t *rows = ok ? malloc(sizeof *rows) : NULL;
    if (!rows) {
        PQclear(res);
        log_error("admin_repo.bad_result", NULL, json_pack("{s:b}", "columns_match", ok));
        err_set(err, ERR_INTERNAL, ok ? "out of memory" : "internal error");
        return NULL;
    }
    rows->res = res;
    rows->layout = layout;
    return rows;
}

static admin_rows_t *
s_profiles(db_t *db, s_statement_t st, const char *const *params, int n, err_t *err)
{
    return s_rows_from(db_exec(db, s_statements[st].name, params, n, err), S_ROWS_PROFILE, err);
}

/*  A count(*) statement's single value into *total. 0 or -1 with err. */
static int
s_count(db_t *db, s_statement_t st, const char *const *params, int n, int64_t *total, err_t *err)
{
    PGresult *res = db_exec(db, s_statements[st].name, params, n, err);
    if (!res)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return err_set(err, ERR_INTERNAL, "internal error");
    }
    *total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

admin_rows_t *
admin_repo_get(db_t *db, int64_t id, err_t *err)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, id);
    const char *params[] = {text};
    return s_profiles(db, S_GET, params, 1, err);
}

/*  The boolean[] a tri-state filter allows. */
static const char *
s_bool_set(int tristate)
{
    return tristate == ADMIN_ANY ? "{t,f}" : tristate ? "{t}" : "{f}";
}

int
admin_repo_list(db_t *db, const admin_list_query_t *query, admin_rows_t **rows, int64_t *total, err_t *err)
{
    *rows = NULL;
    *total = 0;
    char limit[24], offset[24];
    snprintf(limit, sizeof limit, "%" PRId64, query->limit);
    snprintf(offset, sizeof offset, "%" PRId64, query->offset);
    bool text = query->search && *query->search;
    char *pattern = text ? profile_repo_like_pattern(query->search) : NULL;
    if (text && !pattern)
        return err_set(err, ERR_INTERNAL, "out of memory");

    const char *page_params[] = {s_bool_set(query->is_suspended),
                                 s_bool_set(query->is_verified),
                                 s_bool_set(query->is_merchant),
                                 limit,
                                 offset,
                                 pattern,
                                 query->search};
    *rows = s_profiles(db, text ? S_LIST_PAGE_TEXT : S_LIST_PAGE_ALL, page_params, text ? 7 : 5, err);
    int rc = -1;
    if (*rows) {
        /* a short, non-empty page (or a short first page) tells the total */
        size_t n = admin_rows_count(*rows);
        if (n < (size_t) query->limit && (n > 0 || query->offset == 0)) {
            *total = query->offset + (int64_t) n;
            rc = 0;
        }
        else {
            const char *count_params[] = {page_params[0], page_params[1], page_params[2], pattern,
                                          query->search};
            rc = s_count(db, text ? S_LIST_COUNT_TEXT : S_LIST_COUNT_ALL, count_params, text ? 5 : 3, total,
                         err);
            if (rc != 0)
                admin_rows_destroy(rows);
        }
    }
    free(pattern);
    return rc;
}

/*  End the open transaction after a failure; the first error is what the
    caller hears, so ROLLBACK's own failure is only logged. */
static void
s_rollback(db_t *db)
{
    err_t ignored;
    if (db_command(db, "ROLLBACK", &ignored) != 0)
        log_warn("admin_repo.rollback_failed", NULL, json_pack("{s:s}", "error", ignored.msg));
}

/*  The UPDATE of a change, with its parameters. */
static admin_rows_t *
s_apply(db_t *db, const char *id, const admin_change_t *change, err_t *err)
{
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

/*  The audit row of a change from the locked "before" and the updated "after". */
static int
s_audit(db_t *db, const char *admin_user_id, const char *id, const admin_change_t *change,
        const admin_rows_t *before_rows, const admin_rows_t *after_rows, err_t *err)
{
    profile_row_t before_row, after_row;
    admin_rows_profile(before_rows, 0, &before_row);
    admin_rows_profile(after_rows, 0, &after_row);
    json_t *before = admin_json_changed_fields(&before_row, change->kind);
    json_t *after = admin_json_changed_fields(&after_row, change->kind);
    char *before_text = json_dumps(before, JSON_COMPACT);
    char *after_text = json_dumps(after, JSON_COMPACT);
    json_decref(before);
    json_decref(after);
    int rc = -1;
    if (!before_text || !after_text) {
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    else {
        const char *params[] = {admin_user_id, admin_change_action(change), id, change->reason, before_text,
                                after_text};
        PGresult *res = db_exec(db, s_statements[S_AUDIT_INSERT].name, params, 6, err);
        PQclear(res);
        rc = res ? 0 : -1;
    }
    free(before_text);
    free(after_text);
    return rc;
}

admin_rows_t *
admin_repo_change(db_t *db, const char *admin_user_id, const admin_change_t *change, err_t *err)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, change->profile_id);
    if (db_command(db, "BEGIN", err) != 0)
        return NULL;
    const char *params[] = {id};
    admin_rows_t *before = s_profiles(db, S_LOCK, params, 1, err);
    admin_rows_t *after = NULL;
    if (before && admin_rows_count(before) == 0)
        err_set(err, ERR_NOT_FOUND, "Profile not found");
    else if (before && (after = s_apply(db, id, change, err)) && admin_rows_count(after) != 1)
        err_set(err, ERR_INTERNAL, "internal error"); /* the locked row vanished: cannot be */
    else if (after && s_audit(db, admin_user_id, id, change, before, after, err) == 0
             && db_command(db, "COMMIT", err) == 0) {
        admin_rows_destroy(&before);
        return after;
    }
    /* every path that did not commit ends here: nothing of the change stays */
    s_rollback(db);
    admin_rows_destroy(&before);
    admin_rows_destroy(&after);
    return NULL;
}

int
admin_repo_audit(db_t *db, const admin_audit_query_t *query, admin_rows_t **rows, int64_t *total, err_t *err)
{
    *rows = NULL;
    *total = 0;
    char limit[24], offset[24], profile[24];
    snprintf(limit, sizeof limit, "%" PRId64, query->limit);
    snprintf(offset, sizeof offset, "%" PRId64, query->offset);
    snprintf(profile, sizeof profile, "%" PRId64, query->profile_id);
    bool one = query->profile_id > 0;
    const char *params[] = {limit, offset, profile};
    *rows = s_rows_from(db_exec(db, s_statements[one ? S_AUDIT_PAGE_PROFILE : S_AUDIT_PAGE_ALL].name, params,
                                one ? 3 : 2, err),
                        S_ROWS_AUDIT, err);
    if (!*rows)
        return -1;
    size_t n = admin_rows_count(*rows);
    if (n < (size_t) query->limit && (n > 0 || query->offset == 0)) {
        *total = query->offset + (int64_t) n;
        return 0;
    }
    const char *count_params[] = {profile};
    if (s_count(db, one ? S_AUDIT_COUNT_PROFILE : S_AUDIT_COUNT_ALL, count_params, one ? 1 : 0, total, err)
        != 0) {
        admin_rows_destroy(rows);
        return -1;
    }
    return 0;
}
