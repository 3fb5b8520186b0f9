/*  db_constraints.h - which fields each integrity constraint of the database
    covers, and the client error a violation of one becomes.

    A constraint violation (SQLSTATE class 23) that reaches the database has
    slipped past a worker's validation; the client still gets what the
    contract promises for bad input, a 400 naming the field, never a 500.
    db.c fills the table from the catalog on every connect (constraints and
    unique indexes, expression indexes included), so new tables and
    constraints need no list in C. No libpq here: the table is plain data. */
#ifndef P2P_DB_CONSTRAINTS_H
#define P2P_DB_CONSTRAINTS_H

#include "err.h"

typedef struct db_constraints db_constraints_t;

/*  The catalog query db.c runs to fill the table: one row per constraint or
    unique index of a table in the search path, (table, name, columns), the
    columns comma-separated in column order. */
extern const char *const DB_CONSTRAINT_CATALOG_SQL;

/*  New empty table, or NULL. Caller destroys. */
db_constraints_t *db_constraints_new(void);

/*  Free the table; NULL-safe, NULLs *self_p. */
void db_constraints_destroy(db_constraints_t **self_p);

/*  Remember that constraint `name` of `table` covers `columns` (comma-
    separated). Copies the strings. Returns 0, or -1 when out of memory. */
int db_constraints_add(db_constraints_t *self, const char *table, const char *name, const char *columns);

/*  Forget every entry (before a reload). */
void db_constraints_clear(db_constraints_t *self);

/*  The columns constraint `name` of `table` covers, comma-separated, or NULL
    when unknown (self may be NULL). Borrowed: valid until the next add/clear. */
const char *db_constraints_columns(const db_constraints_t *self, const char *table, const char *name);

/*  When sqlstate is an integrity constraint violation (class 23), fill err
    with ERR_INVALID and a message that names the field(s): column (the
    server names it for NOT NULL) wins, else the constraint's columns from
    self, else the message names the constraint. Returns 1 when it filled
    err, 0 when sqlstate is not class 23 (err untouched). Any argument but
    sqlstate may be NULL. */
int db_constraints_error(const db_constraints_t *self, const char *sqlstate, const char *table,
                         const char *constraint, const char *column, err_t *err);

#endif
