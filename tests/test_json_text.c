/*  test_json_text.c - common/json_text.h: strings come out exactly as
    jansson prints them, numbers and UTF-8 are checked, members get their
    commas, and the buffer grows. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "reply.h"

/*  json_text_string(s) must equal jansson's compact dump of the same string. */
static void
s_assert_like_jansson(const char *s)
{
    json_text_t out = JSON_TEXT_INIT;
    json_text_string(&out, s);
    char *ours = json_text_finish(&out);
    json_t *str = json_string(s);
    char *theirs = str ? json_dumps(str, JSON_ENCODE_ANY | REPLY_JSON_FLAGS) : strdup("null");
    cr_assert_str_eq(ours, theirs, "input %s", s);
    free(ours);
    free(theirs);
    json_decref(str);
}

Test(json_text, strings_are_escaped_as_jansson_does)
{
    const char *cases[] = {
        "",
        "alice",
        "say \"hi\"",
        "back\\slash",
        "slash/is/kept",
        "tab\there, newline\n, cr\r, bs\b, ff\f",
        "\x01\x02\x1f control",
        "del \x7f stays",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", /* é € 😀 */
        "\xe2\x80\xa8 line separator",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_assert_like_jansson(cases[i]);
}

Test(json_text, invalid_utf8_is_null_like_json_string_refuses_it)
{
    const char *cases[] = {
        "\xc3",             /* cut short */
        "\xc0\xaf",         /* overlong / */
        "\xe0\x80\xaf",     /* overlong, 3 bytes */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xff",
        "ok then \x80",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_not(json_text_utf8_valid(cases[i]), "case %zu", i);
        s_assert_like_jansson(cases[i]);
    }
    cr_assert(json_text_utf8_valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF itself */
}

Test(json_text, null_string_is_null)
{
    json_text_t out = JSON_TEXT_INIT;
    json_text_string(&out, NULL);
    char *text = json_text_finish(&out);
    cr_assert_str_eq(text, "null");
    free(text);
}

Test(json_text, numbers_as_postgresql_prints_them)
{
    const char *good[] = {"0", "-0", "12", "-12", "4.50", "0.01", "9223372036854775807"};
    const char *bad[] = {"", "-", "NaN", "Infinity", "-Infinity", "1e5", "01", "4.", ".5", " 1", "1 ", "+1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(json_text_is_number(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(json_text_is_number(bad[i]), "%s", bad[i]);
}

Test(json_text, members_get_commas_and_nesting_works)
{
    json_text_t out = JSON_TEXT_INIT;
    json_text_raw(&out, "{", 1);
    json_text_key(&out, "a");
    json_text_raw(&out, "1", 1);
    json_text_key(&out, "b");
    json_text_raw(&out, "{", 1);
    json_text_key(&out, "c");
    json_text_string(&out, "x");
    json_text_raw(&out, "}", 1);
    json_text_key(&out, "d");
    json_text_raw(&out, "[]", 2);
    json_text_raw(&out, "}", 1);
    char *text = json_text_finish(&out);
    cr_assert_str_eq(text, "{\"a\":1,\"b\":{\"c\":\"x\"},\"d\":[]}");
    free(text);
}

Test(json_text, grows_past_its_first_block)
{
    char big[5000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    json_text_t out = JSON_TEXT_INIT;
    json_text_raw(&out, "[", 1);
    for (int i = 0; i < 3; i++)
        json_text_string(&out, big);
    char *text = json_text_finish(&out);
    cr_assert_eq(strlen(text), 1 + 3 * (sizeof big - 1 + 2));
    free(text);
    cr_assert_null(out.data, "finish resets the buffer");
}

Test(json_text, nothing_written_finishes_as_an_empty_string)
{
    json_text_t out = JSON_TEXT_INIT;
    char *text = json_text_finish(&out);
    cr_assert_str_eq(text, "");
    free(text);
    json_text_t other = JSON_TEXT_INIT;
    json_text_raw(&other, "x", 1);
    json_text_discard(&other);
    cr_assert_null(other.data);
}
