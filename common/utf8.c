/*  utf8.c - UTF-8 lengths (see utf8.h). */
#include "utf8.h"

#include <limits.h>

size_t
utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char) *s & 0xC0) != 0x80) /* not a continuation byte */
            n++;
    return n;
}

int
utf8_prefix(const char *s, size_t max_chars)
{
    size_t bytes = 0, chars = 0;
    for (; s[bytes]; bytes++)
        if (((unsigned char) s[bytes] & 0xC0) != 0x80 && chars++ == max_chars)
            break;
    return bytes > (size_t) INT_MAX ? INT_MAX : (int) bytes;
}
