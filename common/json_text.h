/*  json_text.h - JSON written straight into a growing buffer, for the hot
    replies whose values are already text (database columns): no json_t
    tree, no number parsing and re-printing, one allocation that grows.
    Strings are escaped the way jansson prints them (compact, UTF-8 kept),
    so a body reads the same whichever way it was built.

    Usage: json_text_t out = JSON_TEXT_INIT; json_text_raw(&out, "{", 1);
    json_text_key(&out, "name"); json_text_string(&out, value); ...;
    char *body = json_text_finish(&out);  (caller frees; NULL if out of memory) */
#ifndef P2P_JSON_TEXT_H
#define P2P_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *data; /* owned; NUL-terminated */
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed: finish returns NULL */
} json_text_t;

#define JSON_TEXT_INIT    \
    {                     \
        NULL, 0, 0, false \
    }

/*  Append text that is already JSON (punctuation, a number, a jsonb value). */
void json_text_raw(json_text_t *self, const char *text, size_t len);

/*  Append "key": preceded by a comma unless it is the first member. The key
    is written as given: pass only plain ASCII names. */
void json_text_key(json_text_t *self, const char *key);

/*  Append utf8 as a quoted JSON string (NULL: null). Text that is not valid
    UTF-8 is written as null too, as json_string() refuses it. */
void json_text_string(json_text_t *self, const char *utf8);

/*  True when text is a JSON number as PostgreSQL prints integers and
    numerics ("-12", "4.50"; not "NaN", "Infinity", "1e5" or "01"). */
bool json_text_is_number(const char *text);

/*  True when text is well-formed UTF-8 (no overlong forms, surrogates or
    code points past U+10FFFF). */
bool json_text_utf8_valid(const char *text);

/*  Hand over the text (caller frees) and reset self; NULL when an
    allocation failed along the way. */
char *json_text_finish(json_text_t *self);

/*  Free the text without handing it over; self is reset. */
void json_text_discard(json_text_t *self);

#endif
