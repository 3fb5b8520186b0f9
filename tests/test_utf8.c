/*  test_utf8.c - common/utf8.h: lengths in code points, not bytes. */
#include <criterion/criterion.h>

#include "utf8.h"

Test(utf8, length_counts_code_points)
{
    cr_assert_eq(utf8_length(""), 0);
    cr_assert_eq(utf8_length("abc"), 3);
    cr_assert_eq(utf8_length("caf\xc3\xa9"), 4); /* 2-byte e-acute */
    cr_assert_eq(utf8_length("\xe2\x82\xac"
                             "100"),
                 4);                                          /* 3-byte euro sign */
    cr_assert_eq(utf8_length("\xf0\x9f\x98\x80!"), 2);        /* 4-byte emoji */
    cr_assert_eq(utf8_length("\xd0\x9f\xd1\x80\xd0\xb8"), 3); /* Cyrillic */
}

Test(utf8, prefix_never_cuts_a_character)
{
    const char *text = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"; /* a é € 😀 z */
    cr_assert_eq(utf8_prefix(text, 0), 0);
    cr_assert_eq(utf8_prefix(text, 1), 1);
    cr_assert_eq(utf8_prefix(text, 2), 3);
    cr_assert_eq(utf8_prefix(text, 3), 6);
    cr_assert_eq(utf8_prefix(text, 4), 10);
    cr_assert_eq(utf8_prefix(text, 5), 11);
    cr_assert_eq(utf8_prefix(text, 99), 11, "the whole text when it is shorter");
    cr_assert_eq(utf8_prefix("", 3), 0);
}
