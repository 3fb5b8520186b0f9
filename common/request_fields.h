/*  request_fields.h - a request's fields, declared once per message type and
    checked in one place, the same way for WebSocket and REST.

    A handler lists its fields (name, kind, bounds, flags); request_fields_parse
    reads each from where the channel puts it and refuses, naming the field:
    a wrong JSON type, a value out of bounds, a missing required field, and any
    body key the list does not name. Where values come from:
      - WebSocket: the message's "data" object (typed JSON).
      - REST: the JSON body, else the query string (text, converted by kind:
        "20" for an integer, "true" for a boolean), and path parameters
        ("{id}" in the route) for fields flagged RF_PATH, never from the body
        or the query.
    Amounts and prices are RF_DECIMAL: a JSON string whose grammar the caller
    checks with the asset's decimals (a JSON number there is refused). */
#ifndef P2P_REQUEST_FIELDS_H
#define P2P_REQUEST_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "worker.h"

typedef enum {
    RF_INT,       /* integer within [min, max] */
    RF_BOOL,      /* true / false */
    RF_STRING,    /* string of [min, max] characters (code points) */
    RF_DECIMAL,   /* decimal amount as a string of at most max bytes; grammar checked by the caller */
    RF_OBJECT,    /* JSON object (body / data only) */
    RF_INT_ARRAY, /* array of [min_count, max_count] distinct integers within [min, max] */
    RF_STRINGS,   /* a string or an array of [1, max_count] strings (query: comma-separated) */
} rf_kind_t;

/*  Flags. */
#define RF_REQUIRED 1u /* absent (or null) is an error */
#define RF_PATH 2u     /* REST: from the path parameter `param` only; WebSocket: from data */

typedef struct {
    const char *name; /* the JSON field, named in errors */
    rf_kind_t kind;
    unsigned flags;
    int64_t min, max;    /* RF_INT / RF_INT_ARRAY values; RF_STRING length; RF_DECIMAL max bytes */
    int min_count;       /* RF_INT_ARRAY */
    int max_count;       /* RF_INT_ARRAY, RF_STRINGS */
    const char *param;   /* RF_PATH: the route's parameter ("id"); NULL: name */
    int64_t default_int; /* RF_INT when absent */
} rf_field_t;

/*  Array fields hold at most this many items (a page of notifications
    marked read by id: list pages hold up to 100); a query list at most this
    many bytes. */
#define RF_MAX_ITEMS 100
#define RF_SPLIT_MAX 256

/*  A parsed value. present is false when the field was absent or null (RF_INT
    then holds its default in i). Strings and JSON values are borrowed from
    the request (valid while it is). */
typedef struct {
    bool present;
    int64_t i;
    bool b;
    const char *s;              /* RF_STRING, RF_DECIMAL; RF_STRINGS: the first */
    const json_t *json;         /* RF_OBJECT; RF_INT_ARRAY and RF_STRINGS: the array (NULL from a query) */
    int64_t ints[RF_MAX_ITEMS]; /* RF_INT_ARRAY values */
    const char *strings[RF_MAX_ITEMS]; /* RF_STRINGS values */
    int count;                         /* RF_INT_ARRAY, RF_STRINGS */
    char split[RF_SPLIT_MAX];          /* RF_STRINGS from a query: the pieces, NUL-separated */
} rf_value_t;

/*  Parse the request's fields into values (one per field, in the fields'
    order). Returns 0, or -1 with err (ERR_INVALID naming the field). Query
    text values point into the request's params or into the value itself:
    do not keep them past either. */
int request_fields_parse(const worker_request_t *req, const rf_field_t *fields, size_t count,
                         rf_value_t *values, err_t *err);

/*  The same over explicit sources (for tests): data may be NULL (empty);
    params NULL (none); rest selects REST's rules (query text, path params). */
int request_fields_parse_from(const json_t *data, const json_t *params, bool rest, const rf_field_t *fields,
                              size_t count, rf_value_t *values, err_t *err);

#endif
