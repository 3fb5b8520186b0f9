/*  utf8.c - UTF-8 lengths (see utf8.h). */
#include "utf8.h"

size_t
utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char) *s & 0xC0) != 0x80) /* not a continuation byte */
            n++;
    return n;
}
