/*  test_page.c - common/page.h: what a page read one row past its end says
    about what follows and about the total. */
#include <criterion/criterion.h>

#include "page.h"

Test(page, fetch_limit_reads_one_more)
{
    cr_assert_eq(page_fetch_limit(20), 21);
    cr_assert_eq(page_fetch_limit(1), 2);
}

Test(page, a_short_page_tells_the_total)
{
    page_t p = page_of(40, 20, 7);
    cr_assert_eq(p.shown, 7);
    cr_assert_not(p.more);
    cr_assert(p.total_known);
    cr_assert_eq(p.total, 47);
}

Test(page, a_page_that_ends_at_the_last_match_tells_the_total)
{
    page_t p = page_of(20, 20, 20); /* exactly limit rows, no extra one */
    cr_assert_eq(p.shown, 20);
    cr_assert_not(p.more);
    cr_assert(p.total_known);
    cr_assert_eq(p.total, 40);
}

Test(page, a_full_page_with_more_needs_a_count)
{
    page_t p = page_of(0, 20, 21);
    cr_assert_eq(p.shown, 20, "the extra row is not shown");
    cr_assert(p.more);
    cr_assert_not(p.total_known);
    cr_assert_eq(p.total, 0);
}

Test(page, an_empty_first_page_is_zero_but_an_empty_later_page_is_unknown)
{
    page_t first = page_of(0, 20, 0);
    cr_assert(first.total_known);
    cr_assert_eq(first.total, 0);
    page_t past = page_of(100, 20, 0); /* the offset may lie beyond the end */
    cr_assert_not(past.more);
    cr_assert_not(past.total_known);
}
