/*  row_json.h - a database row as the text of its columns (what libpq
    returns in text format) and the JSON clients see of it.

    A row layout is a table: each column's name in select order, its kind
    (how its text becomes JSON) and its "show" bits (which reply shapes
    include it). Repositories select the columns in that order (db_rows.h
    checks every result against the layout), and replies are written from
    the text straight into a json_text buffer: no json_t tree on the hot
    path, numbers never re-printed. Pure functions: no SQL, no I/O. */
#ifndef P2P_ROW_JSON_H
#define P2P_ROW_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "json_text.h"

/*  How a column's text becomes JSON. Text that is not what its kind
    promises (a NUMERIC NaN, invalid UTF-8) is written as null, never as a
    wrong value. */
typedef enum {
    ROW_KIND_TEXT,   /* JSON string */
    ROW_KIND_INT,    /* JSON integer, its digits as PostgreSQL printed them */
    ROW_KIND_NUMBER, /* JSON number (NUMERIC text such as "4.80") */
    ROW_KIND_BOOL,   /* "t"/"f" -> true/false */
    ROW_KIND_TIME,   /* already RFC 3339 UTC text (DB_SQL_TIME) -> JSON string */
    ROW_KIND_JSON,   /* json/jsonb text as PostgreSQL prints it, embedded as is
                        (db_rows checks that the column really is json/jsonb) */
} row_kind_t;

typedef struct {
    const char *name; /* the column's name in the result (and its JSON key) */
    row_kind_t kind;
    unsigned show; /* the shapes that include it (bits the layout's owner defines) */
} row_column_t;

typedef struct {
    const char *name; /* for log lines, e.g. "profile" */
    const row_column_t *columns;
    size_t count;
} row_layout_t;

/*  Append one column's text as a JSON value of kind (NULL text: null). */
void row_json_value(json_text_t *out, const char *text, row_kind_t kind);

/*  Append the row as a JSON object to out: every column when show is 0,
    else the columns whose show bits meet show. values holds layout->count
    texts (NULL for SQL NULL), borrowed. */
void row_json_write(json_text_t *out, const row_layout_t *layout, const char *const *values, unsigned show);

/*  The same object as a json_t, for replies that embed rows in larger
    documents: parsed from the text form, so both always agree. New
    reference (caller decrefs); an empty object when out of memory. */
json_t *row_json_object(const row_layout_t *layout, const char *const *values, unsigned show);

#endif
