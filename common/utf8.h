/*  utf8.h - lengths of UTF-8 text in characters (code points), which is what
    every "at most N characters" rule of the contract counts. Validity is
    json_text_utf8_valid's business; jansson hands us valid UTF-8 already. */
#ifndef P2P_UTF8_H
#define P2P_UTF8_H

#include <stddef.h>

/*  Number of code points in the NUL-terminated s: the bytes that are not
    continuation bytes (10xxxxxx). s must not be NULL. */
size_t utf8_length(const char *s);

/*  Bytes in the longest prefix of s that holds at most max_chars code
    points: "%.*s" with it never cuts a character in two. */
int utf8_prefix(const char *s, size_t max_chars);

#endif
