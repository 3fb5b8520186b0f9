/*  test_rfc3339.c - common/rfc3339.h: RFC 3339 date-times in and out. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "rfc3339.h"

Test(rfc3339, parses_offsets_and_fractions)
{
    int64_t ms;
    cr_assert_eq(rfc3339_parse("1970-01-01T00:00:00Z", &ms), 0);
    cr_assert_eq(ms, 0);
    cr_assert_eq(rfc3339_parse("2030-01-31T12:00:00Z", &ms), 0);
    cr_assert_eq(ms, 1896091200000LL);
    cr_assert_eq(rfc3339_parse("2030-01-31T14:00:00+02:00", &ms), 0);
    cr_assert_eq(ms, 1896091200000LL);
    cr_assert_eq(rfc3339_parse("2030-01-31t11:30:00.250-00:30", &ms), 0);
    cr_assert_eq(ms, 1896091200250LL);
    cr_assert_eq(rfc3339_parse("2030-01-31 12:00:00.123456z", &ms), 0);
    cr_assert_eq(ms, 1896091200123LL);
    cr_assert_eq(rfc3339_parse("2024-02-29T00:00:00Z", &ms), 0, "leap day");
}

Test(rfc3339, refuses_what_is_not)
{
    const char *bad[] = {
        "",
        "2030-01-31",
        "2030-01-31T12:00:00", /* no offset */
        "2030-1-31T12:00:00Z",
        "2030-13-01T00:00:00Z",
        "2030-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z", /* not a leap year */
        "2030-01-31T24:00:00Z",
        "2030-01-31T12:60:00Z",
        "2030-01-31T12:00:60Z",
        "2030-01-31T12:00:00.Z",
        "2030-01-31T12:00:00+2:00",
        "2030-01-31T12:00:00+02:00x",
        "2030-01-31X12:00:00Z",
        "tomorrow",
        "1896091200",
    };
    int64_t ms;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(rfc3339_parse(bad[i], &ms), -1, "accepted '%s'", bad[i]);
}

Test(rfc3339, format_round_trips)
{
    char buf[RFC3339_TEXT_MAX];
    rfc3339_format_ms(1896091200250LL, buf, sizeof buf);
    cr_assert_str_eq(buf, "2030-01-31T12:00:00.250Z");
    int64_t ms;
    cr_assert_eq(rfc3339_parse(buf, &ms), 0);
    cr_assert_eq(ms, 1896091200250LL);
}

Test(rfc3339, format_before_the_epoch_and_far_ahead)
{
    char buf[RFC3339_TEXT_MAX];
    rfc3339_format_ms(-1, buf, sizeof buf);
    cr_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
    int64_t ms;
    cr_assert_eq(rfc3339_parse("9999-12-31T23:59:59.999Z", &ms), 0);
    rfc3339_format_ms(ms, buf, sizeof buf);
    cr_assert_str_eq(buf, "9999-12-31T23:59:59.999Z");
}
