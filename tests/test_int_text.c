/*  test_int_text.c - common/int_text.h: strict decimal integers. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "int_text.h"

Test(int_text, parse_is_strict)
{
    int64_t v;
    cr_assert_eq(int_text_parse("42", &v), 0);
    cr_assert_eq(v, 42);
    cr_assert_eq(int_text_parse("-7", &v), 0);
    cr_assert_eq(v, -7);
    const char *bad[] = {"", "-", " 5", "5 ", "5a", "0x10", "+5", "1.0", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(int_text_parse(bad[i], &v), -1, "accepted '%s'", bad[i]);
    cr_assert_eq(int_text_parse(NULL, &v), -1);
}

Test(int_text, bounds_are_inclusive_and_refusals_leave_the_value)
{
    int64_t v = 99;
    cr_assert_eq(int_text_parse("9223372036854775807", &v), 0);
    cr_assert_eq(v, INT64_MAX);
    cr_assert_eq(int_text_parse("-9223372036854775808", &v), 0);
    cr_assert_eq(v, INT64_MIN);
    v = 99;
    cr_assert_eq(int_text_parse("9223372036854775808", &v), -1);
    cr_assert_eq(v, 99);
    cr_assert_eq(int_text_parse_range("1", 1, 100, &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(int_text_parse_range("100", 1, 100, &v), 0);
    cr_assert_eq(v, 100);
    v = 7;
    cr_assert_eq(int_text_parse_range("0", 1, 100, &v), -1);
    cr_assert_eq(int_text_parse_range("101", 1, 100, &v), -1);
    cr_assert_eq(int_text_parse_range("5x", 1, 100, &v), -1);
    cr_assert_eq(v, 7);
}
