/*  test_tristate.c - common/tristate.h: yes / no / either filters from JSON
    bodies and REST parameters, and their SQL boolean[] literals. */
#include <criterion/criterion.h>
#include <string.h>

#include "tristate.h"

Test(tristate, text_is_exactly_true_or_false)
{
    tristate_t t = TRISTATE_ANY;
    err_t err;
    cr_assert_eq(tristate_from_text("true", "is_verified", &t, &err), 0);
    cr_assert_eq(t, TRISTATE_TRUE);
    cr_assert_eq(tristate_from_text("false", "is_verified", &t, &err), 0);
    cr_assert_eq(t, TRISTATE_FALSE);
    const char *bad[] = {"TRUE", "True", "1", "0", "yes", "true "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = TRISTATE_ANY;
        cr_assert_eq(tristate_from_text(bad[i], "is_merchant", &t, &err), -1, "accepted '%s'", bad[i]);
        cr_assert_eq(t, TRISTATE_ANY, "changed the value for '%s'", bad[i]);
        cr_assert_eq(err.code, ERR_INVALID);
        cr_assert_str_eq(err.msg, "parameter 'is_merchant' must be 'true' or 'false'");
    }
}

Test(tristate, absent_text_leaves_the_filter_alone)
{
    tristate_t t = TRISTATE_TRUE;
    cr_assert_eq(tristate_from_text(NULL, "x", &t, NULL), 0);
    cr_assert_eq(tristate_from_text("", "x", &t, NULL), 0);
    cr_assert_eq(t, TRISTATE_TRUE);
}

Test(tristate, json_booleans_and_null)
{
    tristate_t t = TRISTATE_ANY;
    err_t err;
    json_t *yes = json_true(), *no = json_false(), *null = json_null(), *one = json_integer(1),
           *text = json_string("true");
    cr_assert_eq(tristate_from_json(yes, "is_verified", &t, &err), 0);
    cr_assert_eq(t, TRISTATE_TRUE);
    cr_assert_eq(tristate_from_json(no, "is_verified", &t, &err), 0);
    cr_assert_eq(t, TRISTATE_FALSE);
    cr_assert_eq(tristate_from_json(null, "is_verified", &t, &err), 0);
    cr_assert_eq(tristate_from_json(NULL, "is_verified", &t, &err), 0);
    cr_assert_eq(t, TRISTATE_FALSE, "null leaves the value as it is");
    cr_assert_eq(tristate_from_json(one, "is_verified", &t, &err), -1);
    cr_assert_str_eq(err.msg, "field 'is_verified' must be true or false");
    cr_assert_eq(tristate_from_json(text, "is_merchant", &t, &err), -1);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_eq(t, TRISTATE_FALSE);
    json_decref(one);
    json_decref(text);
}

Test(tristate, sql_arrays)
{
    cr_assert_str_eq(tristate_sql_array(TRISTATE_ANY), "{t,f}");
    cr_assert_str_eq(tristate_sql_array(TRISTATE_TRUE), "{t}");
    cr_assert_str_eq(tristate_sql_array(TRISTATE_FALSE), "{f}");
}
