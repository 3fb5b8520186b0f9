/*  test_admin_json.c - admin-svc/admin_json.h: audit rows as clients see
    them, the before/after objects of each change, the suspension event. */
#include <criterion/criterion.h>
#include <string.h>

#include "admin_json.h"

static profile_row_t
s_row(void)
{
    profile_row_t row = {0};
    row.values[PROFILE_COL_ID] = "12";
    row.values[PROFILE_COL_USER_ID] = "user-12";
    row.values[PROFILE_COL_IS_VERIFIED] = "t";
    row.values[PROFILE_COL_IS_MERCHANT] = "f";
    row.values[PROFILE_COL_IS_SUSPENDED] = "t";
    row.values[PROFILE_COL_SUSPENSION_REASON] = "spam";
    row.values[PROFILE_COL_SUSPENDED_UNTIL] = "2030-01-01T00:00:00Z";
    return row;
}

static void
s_assert_json(json_t *value, const char *expected)
{
    json_t *want = json_loads(expected, 0, NULL);
    cr_assert_not_null(want, "bad expected JSON %s", expected);
    char *got = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert(json_equal(value, want), "got %s, want %s", got, expected);
    free(got);
    json_decref(want);
}

Test(admin_json, changed_fields_per_kind)
{
    profile_row_t row = s_row();
    json_t *v = admin_json_changed_fields(&row, ADMIN_CHANGE_VERIFY);
    s_assert_json(v, "{\"is_verified\":true}");
    json_decref(v);
    v = admin_json_changed_fields(&row, ADMIN_CHANGE_MERCHANT);
    s_assert_json(v, "{\"is_merchant\":false}");
    json_decref(v);
    v = admin_json_changed_fields(&row, ADMIN_CHANGE_SUSPEND);
    s_assert_json(v, "{\"is_suspended\":true,\"suspension_reason\":\"spam\","
                     "\"suspended_until\":\"2030-01-01T00:00:00Z\"}");
    json_decref(v);
    row.values[PROFILE_COL_SUSPENSION_REASON] = NULL;
    row.values[PROFILE_COL_SUSPENDED_UNTIL] = NULL;
    row.values[PROFILE_COL_IS_SUSPENDED] = "f";
    v = admin_json_changed_fields(&row, ADMIN_CHANGE_UNSUSPEND);
    s_assert_json(v, "{\"is_suspended\":false,\"suspension_reason\":null,\"suspended_until\":null}");
    json_decref(v);
}

Test(admin_json, audit_entry)
{
    admin_audit_row_t row = {{
        [ADMIN_AUDIT_COL_ID] = "5",
        [ADMIN_AUDIT_COL_ADMIN_USER_ID] = "admin-1",
        [ADMIN_AUDIT_COL_ACTION] = "verify",
        [ADMIN_AUDIT_COL_PROFILE_ID] = "12",
        [ADMIN_AUDIT_COL_TARGET] = NULL,
        [ADMIN_AUDIT_COL_REASON] = NULL,
        [ADMIN_AUDIT_COL_BEFORE] = "{\"is_verified\": false}",
        [ADMIN_AUDIT_COL_AFTER] = "{\"is_verified\": true}",
        [ADMIN_AUDIT_COL_CREATED_AT] = "2026-01-01T00:00:00Z",
    }};
    json_t *v = admin_json_audit_entry(&row);
    s_assert_json(v, "{\"id\":5,\"admin_user_id\":\"admin-1\",\"action\":\"verify\",\"profile_id\":12,"
                     "\"target\":null,\"reason\":null,\"before\":{\"is_verified\":false},"
                     "\"after\":{\"is_verified\":true},\"created_at\":\"2026-01-01T00:00:00Z\"}");
    json_decref(v);
    cr_assert_str_eq(admin_json_audit_column_name(ADMIN_AUDIT_COL_BEFORE), "before");
    cr_assert_str_eq(admin_json_audit_column_name(ADMIN_AUDIT_COL_COUNT), "?");
}

/*  A trading action's row names no profile but what it is about. */
Test(admin_json, audit_entry_with_target)
{
    admin_audit_row_t row = {{
        [ADMIN_AUDIT_COL_ID] = "9",
        [ADMIN_AUDIT_COL_ADMIN_USER_ID] = "system",
        [ADMIN_AUDIT_COL_ACTION] = "resolve_dispute",
        [ADMIN_AUDIT_COL_PROFILE_ID] = NULL,
        [ADMIN_AUDIT_COL_TARGET] = "dispute:7",
        [ADMIN_AUDIT_COL_REASON] = "no response",
        [ADMIN_AUDIT_COL_CREATED_AT] = "2026-01-01T00:00:00Z",
    }};
    json_t *v = admin_json_audit_entry(&row);
    s_assert_json(v, "{\"id\":9,\"admin_user_id\":\"system\",\"action\":\"resolve_dispute\","
                     "\"profile_id\":null,\"target\":\"dispute:7\",\"reason\":\"no response\","
                     "\"before\":null,\"after\":null,\"created_at\":\"2026-01-01T00:00:00Z\"}");
    json_decref(v);
}

Test(admin_json, suspended_event)
{
    profile_row_t row = s_row();
    char *text = admin_json_suspended_event(&row);
    json_t *v = json_loads(text, 0, NULL);
    s_assert_json(v, "{\"reason\":\"spam\",\"suspended_until\":\"2030-01-01T00:00:00Z\","
                     "\"profile_id\":12}");
    json_decref(v);
    free(text);
    row.values[PROFILE_COL_SUSPENDED_UNTIL] = NULL;
    text = admin_json_suspended_event(&row);
    v = json_loads(text, 0, NULL);
    s_assert_json(v, "{\"reason\":\"spam\",\"suspended_until\":null,\"profile_id\":12}");
    json_decref(v);
    free(text);
}
