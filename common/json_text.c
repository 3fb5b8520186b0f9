/*  json_text.c - JSON written straight into a buffer (see json_text.h). */
#include "json_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*  Room for n more bytes and the NUL. */
static bool
s_reserve(json_text_t *self, size_t n)
{
    if (self->failed)
        return false;
    if (self->len + n + 1 <= self->cap)
        return true;
    size_t cap = self->cap ? self->cap : 1024;
    while (cap < self->len + n + 1)
        cap *= 2;
    char *data = realloc(self->data, cap);
    if (!data) {
        self->failed = true;
        return false;
    }
    self->data = data;
    self->cap = cap;
    return true;
}

void
json_text_raw(json_text_t *self, const char *text, size_t len)
{
    if (!s_reserve(self, len))
        return;
    memcpy(self->data + self->len, text, len);
    self->len += len;
    self->data[self->len] = '\0';
}

void
json_text_key(json_text_t *self, const char *key)
{
    size_t len = strlen(key);
    if (!s_reserve(self, len + 4))
        return;
    char *p = self->data + self->len;
    if (self->len && p[-1] != '{' && p[-1] != '[')
        *p++ = ',';
    *p++ = '"';
    memcpy(p, key, len);
    p += len;
    *p++ = '"';
    *p++ = ':';
    self->len = (size_t) (p - self->data);
    self->data[self->len] = '\0';
}

/*  Length of the UTF-8 sequence at s, or 0 when it is malformed. */
static size_t
s_utf8_sequence(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        cp = s[0] & 0x1F;
    }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        cp = s[0] & 0x0F;
    }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        cp = s[0] & 0x07;
    }
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0; /* also stops at the NUL */
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool
json_text_utf8_valid(const char *text)
{
    const unsigned char *s = (const unsigned char *) text;
    while (*s) {
        size_t n = s_utf8_sequence(s);
        if (!n)
            return false;
        s += n;
    }
    return true;
}

void
json_text_string(json_text_t *self, const char *utf8)
{
    if (!utf8 || !json_text_utf8_valid(utf8)) {
        json_text_raw(self, "null", 4);
        return;
    }
    size_t len = strlen(utf8);
    if (!s_reserve(self, 6 * len + 2)) /* worst case: every byte as \u00XX */
        return;
    static const char hex[] = "0123456789ABCDEF"; /* as jansson prints them */
    char *p = self->data + self->len;
    *p++ = '"';
    for (const unsigned char *s = (const unsigned char *) utf8; *s; s++) {
        unsigned char c = *s;
        if (c >= 0x20 && c != '"' && c != '\\') {
            *p++ = (char) c;
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"':
            *p++ = '"';
            break;
        case '\\':
            *p++ = '\\';
            break;
        case '\b':
            *p++ = 'b';
            break;
        case '\f':
            *p++ = 'f';
            break;
        case '\n':
            *p++ = 'n';
            break;
        case '\r':
            *p++ = 'r';
            break;
        case '\t':
            *p++ = 't';
            break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xF];
        }
    }
    *p++ = '"';
    self->len = (size_t) (p - self->data);
    self->data[self->len] = '\0';
}

bool
json_text_is_number(const char *text)
{
    const char *p = text;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return false;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

char *
json_text_finish(json_text_t *self)
{
    char *text = self->failed ? NULL : self->data;
    if (!text && !self->failed)
        text = strdup(""); /* nothing written */
    if (self->failed)
        free(self->data);
    *self = (json_text_t) JSON_TEXT_INIT;
    return text;
}

void
json_text_discard(json_text_t *self)
{
    free(self->data);
    *self = (json_text_t) JSON_TEXT_INIT;
}
