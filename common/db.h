/*  db.h - one PostgreSQL connection for a worker: connects lazily, prepares
    the worker's statements on every (re)connect, reconnects after failures
    without blocking the worker for long, and turns libpq failures into err_t.
    Only the worker's own parameterised statements are run through it, all
    prepared on connect (DB_PLAN_EACH_CALL ones then run unnamed).

    This header declares libpq's PGresult itself and does not include
    libpq-fe.h, so the process objects that hold a db_t (handlers, operations)
    compile without libpq. The files that read results include libpq-fe.h:
    the repositories (*_repo.c), common/db*.c and
    common/answer_cache.c (a listing's state row). Results reach everyone else
    wrapped in db_rows_t (db_rows.h); transactions run through db_tx.h. */
#ifndef P2P_DB_H
#define P2P_DB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*  libpq's result type (libpq-fe.h declares the same typedef). */
typedef struct pg_result PGresult;

typedef struct {
    const char *name; /* statement name used with db_exec */
    const char *sql;  /* $1..$n placeholders */
    int nparams;
} db_statement_t;

typedef struct db db_t;

/*  Put in front of a statement's SQL whose best plan depends on a value (a
    LIKE pattern: few matches want the trigram index, many the rank-order
    walk). It is then planned for each call's values and never served from
    the plan cache: after five calls PostgreSQL may settle a prepared
    statement on one generic plan, chosen by the first five values, and a
    generic search plan took seconds for some patterns at a million profiles.
    Still prepared on connect, so a broken statement shows there. */
#define DB_PLAN_EACH_CALL "/* planned for each call */ "

/*  New handle for conninfo (copied). statements must outlive the handle.
    Does not connect yet. Caller destroys. */
db_t *db_new(const char *conninfo, const db_statement_t *statements, size_t count);

/*  Close the connection and free the handle; NULL-safe, NULLs *self_p. */
void db_destroy(db_t **self_p);

/*  Connect now if not connected (and not within the retry back-off).
    Returns 0 when connected, else -1 with err ERR_DB_UNAVAILABLE. A database
    whose encoding is not UTF-8 is refused the same way (see db_refusal). */
int db_connect(db_t *self, err_t *err);

/*  Run the prepared statement `name` with text parameters (NULL = SQL NULL).
    Returns the result (caller PQclear()s) when it is PGRES_TUPLES_OK or
    PGRES_COMMAND_OK. Otherwise NULL, with err ERR_DB_UNAVAILABLE when the
    server cannot be reached, ERR_INVALID naming the field when the statement
    broke an integrity constraint (SQLSTATE class 23: input the validation let
    through; callers may map some to their own codes, e.g. a 409), else
    ERR_INTERNAL; the SQLSTATE and constraint of the failure stay readable
    through db_last_sqlstate/constraint. */
PGresult *db_exec(db_t *self, const char *name, const char *const *params, int nparams, err_t *err);

/*  Run a statement that answers one row of one integer (a count(*)) into
    *value. 0, or -1 with err (ERR_INTERNAL when the answer is not that). */
/*  db_exec with some parameters as raw bytes (a file for a bytea column):
    lengths[i] >= 0 sends params[i] as that many bytes in binary format (the
    statement must take it as bytea), -1 as text. */
PGresult *db_exec_binary(db_t *self, const char *name, const char *const *params, const int *lengths,
                         int nparams, err_t *err);

int db_exec_int64(db_t *self, const char *name, const char *const *params, int nparams, int64_t *value,
                  err_t *err);

/*  Run a parameterless utility command (BEGIN, COMMIT, ROLLBACK). 0 or -1 with err. */
int db_command(db_t *self, const char *sql, err_t *err);

/*  SQLSTATE of the last failed db_exec ("" when none), e.g. "23505". Do not free. */
const char *db_last_sqlstate(const db_t *self);

/*  Constraint named by the last failed db_exec ("" when none). Do not free. */
const char *db_last_constraint(const db_t *self);

typedef struct {
    uint64_t queries;  /* prepared statements run */
    uint64_t failures; /* of which failed */
    uint64_t usec;     /* time spent waiting for them */
    uint64_t connects; /* connections made (the first, then every reconnect) */
} db_stats_t;

/*  Cumulative counters since db_new. */
void db_stats(const db_t *self, db_stats_t *stats);

/*  Why the last connection attempt refused the database (its encoding is
    not UTF-8), or NULL when it did not. Do not free. A worker that gets a
    refusal at start exits; later, requests get 503 until it is fixed. */
const char *db_refusal(const db_t *self);

/*  True when the connection is currently up. */
int db_is_connected(const db_t *self);

#endif
