/*  test_db_constraints.c - common/db_constraints.h: the constraint table and
    the 400 a violation becomes. The catalog query itself runs against a real
    PostgreSQL in tests/integration/test_database.py. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "db_constraints.h"

static db_constraints_t *
s_table(void)
{
    db_constraints_t *t = db_constraints_new();
    cr_assert_not_null(t);
    cr_assert_eq(db_constraints_add(t, "p2p_profiles", "p2p_profiles_email_format", "email"), 0);
    cr_assert_eq(db_constraints_add(t, "p2p_profiles", "idx_p2p_profiles_username_lower_uniq", "username"),
                 0);
    cr_assert_eq(db_constraints_add(t, "p2p_profiles", "p2p_profiles_stats_nonnegative",
                                    "total_trades,completed_trades,cancelled_trades"),
                 0);
    cr_assert_eq(db_constraints_add(t, "orders", "p2p_profiles_email_format", "buyer_email"), 0);
    return t;
}

Test(db_constraints, columns_are_found_by_table_and_name)
{
    db_constraints_t *t = s_table();
    cr_assert_str_eq(db_constraints_columns(t, "p2p_profiles", "p2p_profiles_email_format"), "email");
    cr_assert_str_eq(db_constraints_columns(t, "orders", "p2p_profiles_email_format"), "buyer_email");
    cr_assert_null(db_constraints_columns(t, "p2p_profiles", "no_such_constraint"));
    cr_assert_null(db_constraints_columns(t, "no_such_table", "p2p_profiles_email_format"));
    cr_assert_null(db_constraints_columns(t, NULL, "p2p_profiles_email_format"));
    cr_assert_null(db_constraints_columns(NULL, "p2p_profiles", "p2p_profiles_email_format"));
    db_constraints_destroy(&t);
    cr_assert_null(t);
    db_constraints_destroy(&t);
}

Test(db_constraints, clear_forgets_everything)
{
    db_constraints_t *t = s_table();
    db_constraints_clear(t);
    cr_assert_null(db_constraints_columns(t, "p2p_profiles", "p2p_profiles_email_format"));
    cr_assert_eq(db_constraints_add(t, "a", "b", "c"), 0);
    cr_assert_str_eq(db_constraints_columns(t, "a", "b"), "c");
    db_constraints_destroy(&t);
}

Test(db_constraints, table_grows_past_its_first_allocation)
{
    db_constraints_t *t = db_constraints_new();
    char name[32];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "c%d", i);
        cr_assert_eq(db_constraints_add(t, "t", name, name), 0);
    }
    cr_assert_str_eq(db_constraints_columns(t, "t", "c0"), "c0");
    cr_assert_str_eq(db_constraints_columns(t, "t", "c99"), "c99");
    db_constraints_destroy(&t);
}

Test(db_constraints, other_sqlstates_are_not_violations)
{
    db_constraints_t *t = s_table();
    err_t err = {.code = ERR_OK, .msg = "untouched"};
    cr_assert_eq(db_constraints_error(t, "22001", "p2p_profiles", NULL, NULL, &err), 0);
    cr_assert_eq(db_constraints_error(t, "08006", NULL, NULL, NULL, &err), 0);
    cr_assert_eq(db_constraints_error(t, "", NULL, NULL, NULL, &err), 0);
    cr_assert_eq(db_constraints_error(t, NULL, NULL, NULL, NULL, &err), 0);
    cr_assert_eq(err.code, ERR_OK);
    cr_assert_str_eq(err.msg, "untouched");
    db_constraints_destroy(&t);
}

Test(db_constraints, check_violation_is_400_naming_the_field)
{
    db_constraints_t *t = s_table();
    err_t err;
    cr_assert_eq(db_constraints_error(t, "23514", "p2p_profiles", "p2p_profiles_email_format", NULL, &err),
                 1);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_eq(err_http_status(err.code), 400);
    cr_assert_str_eq(err.msg, "field 'email' has a value that is not allowed");
    db_constraints_destroy(&t);
}

Test(db_constraints, the_constraint_of_the_failing_table_is_used)
{
    db_constraints_t *t = s_table();
    err_t err;
    cr_assert_eq(db_constraints_error(t, "23514", "orders", "p2p_profiles_email_format", NULL, &err), 1);
    cr_assert_str_eq(err.msg, "field 'buyer_email' has a value that is not allowed");
    db_constraints_destroy(&t);
}

Test(db_constraints, several_columns_are_all_named)
{
    db_constraints_t *t = s_table();
    err_t err;
    cr_assert_eq(
        db_constraints_error(t, "23514", "p2p_profiles", "p2p_profiles_stats_nonnegative", NULL, &err), 1);
    cr_assert_str_eq(err.msg,
                     "fields 'total_trades', 'completed_trades', 'cancelled_trades' hold a combination "
                     "that is not allowed");
    db_constraints_destroy(&t);
}

Test(db_constraints, unique_violation_on_an_expression_index_names_its_column)
{
    db_constraints_t *t = s_table();
    err_t err;
    cr_assert_eq(
        db_constraints_error(t, "23505", "p2p_profiles", "idx_p2p_profiles_username_lower_uniq", NULL, &err),
        1);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_str_eq(err.msg, "field 'username' duplicates a value already in use");
    db_constraints_destroy(&t);
}

Test(db_constraints, not_null_uses_the_column_the_server_names)
{
    db_constraints_t *t = s_table();
    err_t err;
    cr_assert_eq(db_constraints_error(t, "23502", "p2p_profiles", NULL, "user_id", &err), 1);
    cr_assert_str_eq(err.msg, "field 'user_id' is required");
    /* the server's column wins over the table */
    cr_assert_eq(
        db_constraints_error(t, "23502", "p2p_profiles", "p2p_profiles_email_format", "username", &err), 1);
    cr_assert_str_eq(err.msg, "field 'username' is required");
    db_constraints_destroy(&t);
}

Test(db_constraints, foreign_key_violation_names_the_field)
{
    db_constraints_t *t = db_constraints_new();
    db_constraints_add(t, "p2p_admin_audit", "p2p_admin_audit_profile_id_fkey", "profile_id");
    err_t err;
    cr_assert_eq(
        db_constraints_error(t, "23503", "p2p_admin_audit", "p2p_admin_audit_profile_id_fkey", NULL, &err),
        1);
    cr_assert_str_eq(err.msg, "field 'profile_id' refers to something that does not exist");
    db_constraints_destroy(&t);
}

Test(db_constraints, unknown_constraint_is_still_a_400_and_named)
{
    err_t err;
    cr_assert_eq(db_constraints_error(NULL, "23514", "p2p_profiles", "added_later", NULL, &err), 1);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_str_eq(err.msg, "a field has a value that is not allowed (constraint 'added_later')");
    cr_assert_eq(db_constraints_error(NULL, "23000", NULL, NULL, NULL, &err), 1);
    cr_assert_str_eq(err.msg, "a field has a value that is not allowed (constraint 'unknown')");
}

Test(db_constraints, a_null_err_is_allowed)
{
    db_constraints_t *t = s_table();
    cr_assert_eq(db_constraints_error(t, "23514", "p2p_profiles", "p2p_profiles_email_format", NULL, NULL),
                 1);
    db_constraints_destroy(&t);
}
