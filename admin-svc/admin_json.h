/*  admin_json.h - the JSON shapes only admin-svc has: an audit-log row as
    the repository returns it (every column as text) and as clients see it,
    the before/after objects an audit row records, and the suspension event.

    Profiles use the shared row layout and writer (common/profile_row.h):
    an admin sees a profile exactly as its owner does, every field.
    Pure functions: no SQL, no I/O. */
#ifndef P2P_ADMIN_JSON_H
#define P2P_ADMIN_JSON_H

#include <jansson.h>

#include "admin_validate.h"
#include "db_rows.h"
#include "profile_row.h"
#include "row_json.h"

/*  X(enum, column name, kind). The repository selects them in this order. */
#define ADMIN_AUDIT_COLUMN_LIST(X)                                   \
    X(ADMIN_AUDIT_COL_ID, "id", ROW_KIND_INT)                        \
    X(ADMIN_AUDIT_COL_ADMIN_USER_ID, "admin_user_id", ROW_KIND_TEXT) \
    X(ADMIN_AUDIT_COL_ACTION, "action", ROW_KIND_TEXT)               \
    X(ADMIN_AUDIT_COL_PROFILE_ID, "profile_id", ROW_KIND_INT)        \
    X(ADMIN_AUDIT_COL_TARGET, "target", ROW_KIND_TEXT)               \
    X(ADMIN_AUDIT_COL_REASON, "reason", ROW_KIND_TEXT)               \
    X(ADMIN_AUDIT_COL_BEFORE, "before", ROW_KIND_JSON)               \
    X(ADMIN_AUDIT_COL_AFTER, "after", ROW_KIND_JSON)                 \
    X(ADMIN_AUDIT_COL_CREATED_AT, "created_at", ROW_KIND_TIME)

typedef enum {
#define X(name, column, kind) name,
    ADMIN_AUDIT_COLUMN_LIST(X)
#undef X
        ADMIN_AUDIT_COL_COUNT
} admin_audit_col_t;

/*  One audit row: each column's text, NULL for SQL NULL (borrowed). */
typedef struct {
    const char *values[ADMIN_AUDIT_COL_COUNT];
} admin_audit_row_t;

/*  The layout audit results are checked against (static; do not free). */
const row_layout_t *admin_json_audit_layout(void);

/*  Column name of col ("?" when out of range). Static. */
const char *admin_json_audit_column_name(admin_audit_col_t col);

/*  Row i of rows, a set checked against admin_json_audit_layout(). Borrowed:
    valid until rows is destroyed. */
void admin_json_audit_get(const db_rows_t *rows, size_t i, admin_audit_row_t *row);

/*  {id, admin_user_id, action, profile_id, reason, before, after, created_at}.
    New reference (caller decrefs). */
json_t *admin_json_audit_entry(const admin_audit_row_t *row);

/*  The fields a change of kind touches, with their values in row, as the
    profile JSON shows them, e.g. {"is_verified": true}. New reference. */
json_t *admin_json_changed_fields(const profile_row_t *row, admin_change_kind_t kind);

/*  The account_suspended event body for the gateways:
    {"reason": .., "suspended_until": ".." or null, "profile_id": n}.
    Returns JSON text (caller frees) or NULL when out of memory. */
char *admin_json_suspended_event(const profile_row_t *row);

#endif
