/*  fuzz_json_text.c - common/json_text.h on arbitrary bytes.

    The bytes (up to the first NUL) as a string value must come out exactly
    as jansson prints json_string() of them, or as null where jansson refuses
    them (invalid UTF-8). Text json_text_is_number accepts must parse as a
    JSON number (or be too big for jansson: an integer past 64 bits, a real
    past a double). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    json_text_t out = JSON_TEXT_INIT;
    json_text_string(&out, text);
    char *ours = json_text_finish(&out);
    json_t *str = json_string(text);
    char *theirs = str ? json_dumps(str, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("null");
    if (!ours || !theirs || strcmp(ours, theirs) != 0)
        abort();
    if ((str != NULL) != json_text_utf8_valid(text))
        abort();

    if (json_text_is_number(text)) {
        /* jansson refuses integers past 64 bits ("too big integer") and reals
           past a double ("real number overflow"), which JSON itself allows */
        json_error_t jerr;
        json_t *number = json_loads(text, JSON_DECODE_ANY, &jerr);
        if (!json_is_number(number) && !strstr(jerr.text, "too big") && !strstr(jerr.text, "overflow"))
            abort();
        json_decref(number);
    }
    json_decref(str);
    free(ours);
    free(theirs);
    free(text);
    return 0;
}
