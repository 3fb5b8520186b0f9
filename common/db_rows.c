/*  db_rows.c - result sets checked against a row layout (see db_rows.h). */
#include "db_rows.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/*  pg_type OIDs of json and jsonb: their text is embedded in replies as is,
    so a column of another type must not pose as one. */
#define S_JSON_OID 114
#define S_JSONB_OID 3802

struct db_rows {
    PGresult *res;
    const row_layout_t *layout;
    size_t count; /* rows shown: at most PQntuples */
};

bool
db_rows_layout_ok(const PGresult *res, const row_layout_t *layout)
{
    if (PQnfields(res) < 0 || (size_t) PQnfields(res) != layout->count)
        return false;
    for (size_t c = 0; c < layout->count; c++) {
        const row_column_t *column = &layout->columns[c];
        if (strcmp(PQfname(res, (int) c), column->name) != 0)
            return false;
        Oid type = PQftype(res, (int) c);
        if (column->kind == ROW_KIND_JSON && type != S_JSON_OID && type != S_JSONB_OID)
            return false;
    }
    return true;
}

db_rows_t *
db_rows_new(PGresult *res, const row_layout_t *layout, err_t *err)
{
    if (!res)
        return NULL;
    bool ok = db_rows_layout_ok(res, layout);
    db_rows_t *self = ok ? malloc(sizeof *self) : NULL;
    if (!self) {
        PQclear(res);
        log_error("db_rows.bad_result", NULL,
                  json_pack("{s:s,s:b}", "layout", layout->name, "columns_match", ok));
        err_set(err, ERR_INTERNAL, ok ? "out of memory" : "internal error");
        return NULL;
    }
    self->res = res;
    self->layout = layout;
    self->count = (size_t) PQntuples(res);
    return self;
}

void
db_rows_destroy(db_rows_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    PQclear((*self_p)->res);
    free(*self_p);
    *self_p = NULL;
}

size_t
db_rows_count(const db_rows_t *self)
{
    return self ? self->count : 0;
}

const row_layout_t *
db_rows_layout(const db_rows_t *self)
{
    return self->layout;
}

const char *
db_rows_value(const db_rows_t *self, size_t i, size_t col)
{
    if (!self || i >= self->count || col >= self->layout->count)
        return NULL;
    return PQgetisnull(self->res, (int) i, (int) col) ? NULL : PQgetvalue(self->res, (int) i, (int) col);
}

void
db_rows_get(const db_rows_t *self, size_t i, const char **values)
{
    for (size_t c = 0; c < self->layout->count; c++)
        values[c] = db_rows_value(self, i, c);
}

void
db_rows_truncate(db_rows_t *self, size_t count)
{
    if (count < self->count)
        self->count = count;
}
