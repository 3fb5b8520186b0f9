/*  int_text.c - strict decimal integers (see int_text.h). */
#include "int_text.h"

#include <errno.h>
#include <stdlib.h>

int
int_text_parse(const char *text, int64_t *value)
{
    if (!text || !*text)
        return -1;
    const char *p = text[0] == '-' ? text + 1 : text;
    if (!*p)
        return -1;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return -1;
    /* the digits are checked above: strtoll only adds the range check */
    errno = 0;
    char *end;
    long long n = strtoll(text, &end, 10);
    if (errno || *end)
        return -1;
    *value = n;
    return 0;
}

int
int_text_parse_range(const char *text, int64_t min, int64_t max, int64_t *value)
{
    int64_t n;
    if (int_text_parse(text, &n) != 0 || n < min || n > max)
        return -1;
    *value = n;
    return 0;
}
