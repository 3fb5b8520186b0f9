/*  test_db_rows.c - common/db_rows.h: results checked against a row layout
    (names, order, json types), values by row and column, truncation. The
    results are built with libpq's PQmakeEmptyPGresult, so no server is
    needed. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <string.h>

#include "db_rows.h"

#define S_INT8_OID 20
#define S_TEXT_OID 25
#define S_JSONB_OID 3802

static const row_column_t s_columns[] = {
    {"id", ROW_KIND_INT, 0},
    {"name", ROW_KIND_TEXT, 0},
    {"doc", ROW_KIND_JSON, 0},
};
static const row_layout_t s_layout = {"test", s_columns, 3};

/*  A result with these column names and types, and rows of values (NULL:
    SQL NULL). */
static PGresult *
s_result(const char *const *names, const Oid *types, int ncols, const char *const *values, int nrows)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    cr_assert_not_null(res);
    PGresAttDesc attrs[8];
    memset(attrs, 0, sizeof attrs);
    for (int c = 0; c < ncols; c++) {
        attrs[c].name = (char *) names[c];
        attrs[c].typid = types[c];
        attrs[c].typlen = -1;
        attrs[c].atttypmod = -1;
    }
    cr_assert(PQsetResultAttrs(res, ncols, attrs));
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++) {
            const char *v = values[r * ncols + c];
            cr_assert(PQsetvalue(res, r, c, (char *) v, v ? (int) strlen(v) : -1));
        }
    return res;
}

static const char *s_names[] = {"id", "name", "doc"};
static const Oid s_types[] = {S_INT8_OID, S_TEXT_OID, S_JSONB_OID};

Test(db_rows, values_by_row_and_column)
{
    const char *values[] = {"1", "ann", "{}", "2", NULL, "[1]"};
    err_t err;
    db_rows_t *rows = db_rows_new(s_result(s_names, s_types, 3, values, 2), &s_layout, &err);
    cr_assert_not_null(rows);
    cr_assert_eq(db_rows_count(rows), 2);
    cr_assert_eq(db_rows_layout(rows), &s_layout);
    cr_assert_str_eq(db_rows_value(rows, 0, 1), "ann");
    cr_assert_null(db_rows_value(rows, 1, 1), "SQL NULL");
    cr_assert_null(db_rows_value(rows, 2, 0), "past the last row");
    cr_assert_null(db_rows_value(rows, 0, 3), "past the last column");
    const char *row[3];
    db_rows_get(rows, 1, row);
    cr_assert_str_eq(row[0], "2");
    cr_assert_null(row[1]);
    cr_assert_str_eq(row[2], "[1]");
    db_rows_truncate(rows, 5);
    cr_assert_eq(db_rows_count(rows), 2, "truncating up changes nothing");
    db_rows_truncate(rows, 1);
    cr_assert_eq(db_rows_count(rows), 1);
    cr_assert_null(db_rows_value(rows, 1, 0), "a truncated row is gone");
    db_rows_destroy(&rows);
    cr_assert_null(rows);
    db_rows_destroy(&rows);
    cr_assert_eq(db_rows_count(NULL), 0);
}

Test(db_rows, a_result_that_is_not_the_layout_is_refused)
{
    const char *values[] = {"1", "ann", "{}"};
    err_t err;
    const char *renamed[] = {"id", "username", "doc"};
    cr_assert_null(db_rows_new(s_result(renamed, s_types, 3, values, 1), &s_layout, &err));
    cr_assert_eq(err.code, ERR_INTERNAL);
    const char *reordered[] = {"name", "id", "doc"};
    cr_assert_null(db_rows_new(s_result(reordered, s_types, 3, values, 1), &s_layout, &err));
    cr_assert_null(db_rows_new(s_result(s_names, s_types, 2, values, 0), &s_layout, &err), "a column short");
    /* text posing as json would be embedded in replies unchecked */
    const Oid text_doc[] = {S_INT8_OID, S_TEXT_OID, S_TEXT_OID};
    cr_assert_null(db_rows_new(s_result(s_names, text_doc, 3, values, 1), &s_layout, &err));
    PGresult *res = s_result(s_names, text_doc, 3, values, 0);
    cr_assert_not(db_rows_layout_ok(res, &s_layout));
    PQclear(res);
    res = s_result(s_names, s_types, 3, values, 0);
    cr_assert(db_rows_layout_ok(res, &s_layout));
    PQclear(res);
}

Test(db_rows, a_failed_statement_passes_its_error_through)
{
    err_t err;
    err_set(&err, ERR_DB_UNAVAILABLE, "database unavailable");
    cr_assert_null(db_rows_new(NULL, &s_layout, &err));
    cr_assert_eq(err.code, ERR_DB_UNAVAILABLE, "db_exec's error stays");
}
