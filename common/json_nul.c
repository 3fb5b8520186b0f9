/*  json_nul.c - find the first U+0000 in a parsed JSON value and name its
    field (see json_nul.h). */
#include "json_nul.h"

#include <stdio.h>
#include <string.h>

#include "json_text.h"

/*  A path under construction: text, its length, and its capacity. */
typedef struct {
    char *text;
    size_t len;
    size_t size;
} s_path_t;

/*  Append len bytes of s, with each U+0000 spelled \u0000, cutting at a
    character boundary when the buffer is full. The path is always
    NUL-terminated when size > 0. */
static void
s_append(s_path_t *path, const char *s, size_t len)
{
    if (!path->text || path->size == 0)
        return;
    for (size_t i = 0; i < len; i++) {
        const char *piece = s[i] ? s + i : "\\u0000";
        size_t n = s[i] ? 1 : 6;
        if (s[i] && ((unsigned char) s[i] & 0xC0) == 0xC0) {
            /* a multi-byte character goes whole or not at all */
            n = 1;
            while (i + n < len && ((unsigned char) s[i + n] & 0xC0) == 0x80)
                n++;
        }
        if (path->len + n >= path->size)
            break;
        memcpy(path->text + path->len, piece, n);
        path->len += n;
        i += s[i] ? n - 1 : 0;
    }
    path->text[path->len] = 0;
}

/*  Undo the appends since the path was mark bytes long. */
static void
s_back_to(s_path_t *path, size_t mark)
{
    path->len = mark;
    if (path->text && path->size)
        path->text[mark] = 0;
}

static bool s_find(const json_t *value, s_path_t *path);

static bool
s_find_in_object(const json_t *object, s_path_t *path)
{
    size_t mark = path->len;
    const char *key;
    size_t key_len;
    json_t *member;
    /* jansson iterates members in the order they were parsed */
    json_object_keylen_foreach((json_t *) object, key, key_len, member)
    {
        if (mark > 0)
            s_append(path, ".", 1);
        s_append(path, key, key_len);
        if (memchr(key, 0, key_len) || s_find(member, path))
            return true;
        s_back_to(path, mark);
    }
    return false;
}

static bool
s_find_in_array(const json_t *array, s_path_t *path)
{
    size_t mark = path->len;
    size_t index;
    json_t *element;
    json_array_foreach(array, index, element)
    {
        char text[32];
        int n = snprintf(text, sizeof text, "[%zu]", index);
        s_append(path, text, (size_t) n);
        if (s_find(element, path))
            return true;
        s_back_to(path, mark);
    }
    return false;
}

static bool
s_find(const json_t *value, s_path_t *path)
{
    if (json_is_string(value))
        return memchr(json_string_value(value), 0, json_string_length(value)) != NULL;
    if (json_is_object(value))
        return s_find_in_object(value, path);
    if (json_is_array(value))
        return s_find_in_array(value, path);
    return false;
}

bool
json_nul_find(const json_t *value, char *path, size_t size)
{
    s_path_t at = {.text = path, .len = 0, .size = path ? size : 0};
    if (at.text && at.size)
        at.text[0] = 0;
    return s_find(value, &at);
}

int
json_nul_check(const json_t *value, err_t *err)
{
    char path[JSON_NUL_PATH_MAX];
    if (!json_nul_find(value, path, sizeof path))
        return 0;
    if (!*path)
        return err_set(err, ERR_INVALID, "request body must not contain NUL (\\u0000) characters");
    return err_set(err, ERR_INVALID, "field '%s' must not contain NUL (\\u0000) characters", path);
}

/*  jansson's parser refuses U+0000 in a key even with JSON_ALLOW_NUL; its
    message quotes the key as written ("... near '"a\u0000b"'"): name it
    like any other field. Returns -1 with err, or 0 when jerr is about
    something else. */
static int
s_key_error(const json_error_t *jerr, err_t *err)
{
    static const char near[] = "near '\"";
    if (!strstr(jerr->text, "NUL byte in object key"))
        return 0;
    const char *key = strstr(jerr->text, near);
    const char *end = key ? strrchr(jerr->text, '\'') : NULL;
    key = key ? key + sizeof near - 1 : NULL;
    if (!key || !end || end <= key || end[-1] != '"')
        return 0;
    return err_set(err, ERR_INVALID, "field '%.*s' must not contain NUL (\\u0000) characters",
                   (int) (end - 1 - key), key);
}

json_t *
json_nul_parse(const char *text, size_t len, size_t flags, err_t *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, flags | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        if (s_key_error(&jerr, err) == 0) {
            /* jansson quotes the text near the error: not when it is the
               invalid UTF-8 itself, which no JSON reply could carry */
            char *near = strstr(jerr.text, " near ");
            if (near && !json_text_utf8_valid(jerr.text))
                *near = 0;
            err_set(err, ERR_INVALID, "request body is not valid JSON: %s", jerr.text);
        }
        return NULL;
    }
    return root;
}

json_t *
json_nul_loadb(const char *text, size_t len, size_t flags, err_t *err)
{
    json_t *root = json_nul_parse(text, len, flags, err);
    if (root && json_nul_check(root, err) != 0) {
        json_decref(root);
        return NULL;
    }
    return root;
}
