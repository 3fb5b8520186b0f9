/*  test_db_param.c - common/db_param.h: LIKE patterns and array literals,
    with the padding batch lookups use. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "db_param.h"

Test(db_param, like_pattern_escapes_wildcards)
{
    char *p = db_param_like_pattern("trader");
    cr_assert_str_eq(p, "%trader%");
    free(p);
    p = db_param_like_pattern("50%_off\\");
    cr_assert_str_eq(p, "%50\\%\\_off\\\\%");
    free(p);
    p = db_param_like_pattern("");
    cr_assert_str_eq(p, "%%");
    free(p);
}

Test(db_param, text_array_quotes_every_element)
{
    const char *ids[] = {"user_1", "a\"b", "c\\d", "x,y", "{z}", ""};
    char *a = db_param_text_array(ids, 6, 0);
    cr_assert_str_eq(a, "{\"user_1\",\"a\\\"b\",\"c\\\\d\",\"x,y\",\"{z}\",\"\"}");
    free(a);
    a = db_param_text_array(ids, 0, 0);
    cr_assert_str_eq(a, "{}");
    free(a);
}

Test(db_param, arrays_pad_to_the_minimum_with_the_last_key)
{
    const char *ids[] = {"a", "b\"c"};
    char *a = db_param_text_array(ids, 2, 4);
    cr_assert_str_eq(a, "{\"a\",\"b\\\"c\",\"b\\\"c\",\"b\\\"c\"}");
    free(a);
    a = db_param_text_array(ids, 0, 4);
    cr_assert_str_eq(a, "{}", "nothing to repeat");
    free(a);
    a = db_param_text_array(ids, 2, 1);
    cr_assert_str_eq(a, "{\"a\",\"b\\\"c\"}", "never cut");
    free(a);

    int64_t nums[] = {7, -9223372036854775807LL - 1, 9223372036854775807LL};
    a = db_param_int64_array(nums, 3, 0);
    cr_assert_str_eq(a, "{7,-9223372036854775808,9223372036854775807}");
    free(a);
    a = db_param_int64_array(nums, 1, 3);
    cr_assert_str_eq(a, "{7,7,7}");
    free(a);
    a = db_param_int64_array(nums, 0, DB_PARAM_BATCH_MIN_KEYS);
    cr_assert_str_eq(a, "{}");
    free(a);
}
