/*  json_nul.h - U+0000 in client JSON, found and named. PostgreSQL text
    cannot hold it and the contract says every 400 names the field, so
    request bodies are parsed with JSON_ALLOW_NUL and then searched for the
    first object key or string value holding one. The one place for this
    check: gateway and workers call it rather than keeping copies. */
#ifndef P2P_JSON_NUL_H
#define P2P_JSON_NUL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*  Room for a field path in an error message. */
#define JSON_NUL_PATH_MAX 128

/*  Find the first (in document order) object key or string value in value
    that holds U+0000 and write where it is into path (size bytes, always
    NUL-terminated, cut at a UTF-8 character boundary): "username",
    "metadata.note", "preferred_payment_methods[2]"; a key holding U+0000 is
    written with it as the six characters \u0000; value itself is "". path
    may be NULL. Returns true when one was found. value is borrowed. */
bool json_nul_find(const json_t *value, char *path, size_t size);

/*  0 when value holds no U+0000; else -1 with err ERR_INVALID naming the
    field: "field 'username' must not contain NUL (\u0000) characters".
    value is borrowed; err may be NULL. */
int json_nul_check(const json_t *value, err_t *err);

/*  Parse len bytes of text as json_loadb(text, len, flags | JSON_ALLOW_NUL)
    would, for a caller that json_nul_checks only part of it (a WebSocket
    frame's "data"). Returns the value (caller decrefs), or NULL with err
    ERR_INVALID as json_nul_loadb says. */
json_t *json_nul_parse(const char *text, size_t len, size_t flags, err_t *err);

/*  Parse len bytes of text as json_loadb(text, len, flags | JSON_ALLOW_NUL)
    would, then json_nul_check the result. Returns the parsed value (caller
    decrefs), or NULL with err ERR_INVALID: the field holding U+0000 (a key
    holding one, which jansson's parser refuses, is named as written), or
    "request body is not valid JSON: <where and why>". */
json_t *json_nul_loadb(const char *text, size_t len, size_t flags, err_t *err);

#endif
