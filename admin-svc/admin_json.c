/*  admin_json.c - audit rows and before/after objects to JSON (see
    admin_json.h). Both go through the shared row writer (common/row_json.h),
    so a field reads the same in a profile and in the audit log. */
#include "admin_json.h"

#include <assert.h>
#include <stdlib.h>

#include "reply.h"

static const row_column_t s_audit_columns[] = {
#define X(name, column, kind) [name] = {column, kind, 0},
    ADMIN_AUDIT_COLUMN_LIST(X)
#undef X
};

static const row_layout_t s_audit_layout = {"audit", s_audit_columns, ADMIN_AUDIT_COL_COUNT};

/*  The profile columns each change touches. */
static const char *const s_suspension_fields[] = {"is_suspended", "suspension_reason", "suspended_until",
                                                  NULL};
static const char *const s_verify_fields[] = {"is_verified", NULL};
static const char *const s_merchant_fields[] = {"is_merchant", NULL};

const row_layout_t *
admin_json_audit_layout(void)
{
    return &s_audit_layout;
}

const char *
admin_json_audit_column_name(admin_audit_col_t col)
{
    return (unsigned) col < ADMIN_AUDIT_COL_COUNT ? s_audit_columns[col].name : "?";
}

void
admin_json_audit_get(const db_rows_t *rows, size_t i, admin_audit_row_t *row)
{
    assert(db_rows_layout(rows) == &s_audit_layout);
    db_rows_get(rows, i, row->values);
}

json_t *
admin_json_audit_entry(const admin_audit_row_t *row)
{
    return row_json_object(&s_audit_layout, row->values, 0);
}

json_t *
admin_json_changed_fields(const profile_row_t *row, admin_change_kind_t kind)
{
    const char *const *fields = kind == ADMIN_CHANGE_VERIFY     ? s_verify_fields
                                : kind == ADMIN_CHANGE_MERCHANT ? s_merchant_fields
                                                                : s_suspension_fields;
    json_t *profile = profile_row_json(row, 0);
    json_t *obj = json_object();
    for (const char *const *f = fields; *f; f++) {
        json_t *value = json_object_get(profile, *f);
        json_object_set(obj, *f, value ? value : json_null());
    }
    json_decref(profile);
    return obj;
}

char *
admin_json_suspended_event(const profile_row_t *row)
{
    const char *reason = row->values[PROFILE_COL_SUSPENSION_REASON];
    const char *until = row->values[PROFILE_COL_SUSPENDED_UNTIL];
    json_t *body = json_pack("{s:o,s:o,s:I}", "reason", reason ? json_string(reason) : json_null(),
                             "suspended_until", until ? json_string(until) : json_null(), "profile_id",
                             (json_int_t) profile_row_int(row, PROFILE_COL_ID));
    char *text = body ? json_dumps(body, REPLY_JSON_FLAGS) : NULL;
    json_decref(body);
    return text;
}
