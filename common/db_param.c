/*  db_param.c - text parameters PostgreSQL parses (see db_param.h). */
#include "db_param.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
db_param_like_pattern(const char *search)
{
    size_t len = strlen(search);
    char *out = malloc(2 * len + 3);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '%';
    for (const char *s = search; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *p++ = '\\'; /* LIKE's default escape character */
        *p++ = *s;
    }
    *p++ = '%';
    *p = '\0';
    return out;
}

/*  How many elements an array literal gets. */
static size_t
s_padded(size_t count, size_t min_count)
{
    return count > 0 && count < min_count ? min_count : count;
}

char *
db_param_text_array(const char *const *items, size_t count, size_t min_count)
{
    size_t n = s_padded(count, min_count);
    /* {"a","b\"c"}: every element quoted, " and \ backslash-escaped */
    size_t size = 3;
    for (size_t i = 0; i < n; i++)
        size += 2 * strlen(items[i < count ? i : count - 1]) + 3;
    char *out = malloc(size);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *s = items[i < count ? i : count - 1]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

char *
db_param_int64_array(const int64_t *ids, size_t count, size_t min_count)
{
    size_t n = s_padded(count, min_count);
    /* at most 20 digits and a sign per id, a comma, the braces */
    char *out = malloc(22 * n + 3);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, i ? ",%" PRId64 : "%" PRId64, ids[i < count ? i : count - 1]);
    strcpy(p, "}");
    return out;
}
