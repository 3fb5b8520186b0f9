/*  test_err.c - common/err.h: the code table, and messages cut to fit
    err_t.msg stay valid UTF-8 (they travel inside JSON replies). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "err.h"

Test(err, codes_map_to_statuses_and_wire_strings)
{
    cr_assert_eq(err_http_status(ERR_INVALID), 400);
    cr_assert_str_eq(err_wire_code(ERR_RATE_LIMITED), "RATE_LIMITED");
    cr_assert_eq(err_from_wire_code("NOT_FOUND"), ERR_NOT_FOUND);
    cr_assert_eq(err_from_wire_code("no such code"), ERR_INTERNAL);
}

/*  Fill a long message of prefix + many copies of ch; it must be cut on a
    character boundary, losing at most one character. */
static void
s_assert_cut_is_utf8(const char *prefix, const char *ch)
{
    char long_text[1024] = "";
    while (strlen(long_text) + strlen(ch) < sizeof long_text)
        strcat(long_text, ch);
    err_t err;
    err_set(&err, ERR_INVALID, "%s%s", prefix, long_text);
    json_t *text = json_string(err.msg);
    cr_assert_not_null(text, "cut inside a character (prefix %zu bytes, char %zu bytes)", strlen(prefix),
                       strlen(ch));
    json_decref(text);
    cr_assert_geq(strlen(err.msg), sizeof err.msg - strlen(ch));
}

Test(err, a_cut_message_stays_valid_utf8)
{
    const char *chars[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    const char *prefixes[] = {"", "x", "xy", "xyz"};
    for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++)
        for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++)
            s_assert_cut_is_utf8(prefixes[p], chars[c]);
}

Test(err, a_message_that_fits_is_kept_whole)
{
    err_t err;
    err_set(&err, ERR_INVALID, "field '%s' must be short", "caf\xc3\xa9");
    cr_assert_str_eq(err.msg, "field 'caf\xc3\xa9' must be short");
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_eq(err_set(NULL, ERR_INVALID, "ignored"), -1);
}
