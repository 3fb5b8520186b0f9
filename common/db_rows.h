/*  db_rows.h - a result set whose columns are a known row layout
    (row_json.h): the one wrapper over libpq's PGresult that repositories
    hand to operations and handlers, which read text values by row and
    column and never see PGresult themselves.

    Every result is checked when it is wrapped: the same column names in the
    same order as the layout, and json/jsonb types where the layout says
    ROW_KIND_JSON (their text is embedded in replies as it is). A statement
    whose select list drifted from its layout fails loudly (500, logged)
    instead of putting values under the wrong names. */
#ifndef P2P_DB_ROWS_H
#define P2P_DB_ROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "err.h"
#include "row_json.h"

typedef struct db_rows db_rows_t;

/*  Wrap res, taking it (it is cleared on every path), after checking its
    columns against layout, which must outlive the set. res NULL (db_exec
    failed and filled err) returns NULL and leaves err as it is. Returns the
    set (caller destroys), or NULL with err ERR_INTERNAL when the columns do
    not match or memory runs out. */
db_rows_t *db_rows_new(PGresult *res, const row_layout_t *layout, err_t *err);

/*  Free the set; NULL-safe, NULLs *self_p. */
void db_rows_destroy(db_rows_t **self_p);

/*  True when res's columns are layout's (names, order, json types). */
bool db_rows_layout_ok(const PGresult *res, const row_layout_t *layout);

/*  Number of rows shown (0 for NULL). */
size_t db_rows_count(const db_rows_t *self);

/*  The layout the set was checked against. */
const row_layout_t *db_rows_layout(const db_rows_t *self);

/*  Row i's text of column col; NULL for SQL NULL or out of range. Borrowed:
    valid until the set is destroyed. */
const char *db_rows_value(const db_rows_t *self, size_t i, size_t col);

/*  Fill values[0 .. layout->count) with row i's texts (borrowed, as above). */
void db_rows_get(const db_rows_t *self, size_t i, const char **values);

/*  Show only the first count rows (a page read one row past its end);
    a count above the current one changes nothing. */
void db_rows_truncate(db_rows_t *self, size_t count);

#endif
