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
