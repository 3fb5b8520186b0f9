/*  db_tx.h - a unit of work in one PostgreSQL transaction, with one
    rollback path, retried when the database says "try again".

    db_tx_run opens a transaction, runs the work, and commits; when the work
    fails it rolls back, and when the database reports a serialization
    failure (40001) or a deadlock (40P01) - in the work or at COMMIT - it
    rolls back and runs the work again, at most DB_TX_MAX_ATTEMPTS times
    with a short jittered pause. The work therefore must be safe to repeat:
    it reads what it needs inside the transaction (SELECT ... FOR UPDATE,
    compare-and-set UPDATEs) and keeps nothing from a failed attempt.
    Side effects outside the database (publishing events) belong after a
    successful db_tx_run, never inside the work. */
#ifndef P2P_DB_TX_H
#define P2P_DB_TX_H

#include "db.h"

#define DB_TX_MAX_ATTEMPTS 5

/*  The work: 0 to commit, -1 (with err) to roll back and fail. A statement
    that failed with 40001/40P01 inside it is retried whatever the work
    returns. ctx is the caller's. */
typedef int(db_tx_fn)(db_t *db, void *ctx, err_t *err);

/*  Run fn in a transaction. Returns 0 when it committed, else -1 with err
    (fn's own error, or ERR_DB_UNAVAILABLE when the database kept refusing).
    *attempts (may be NULL) receives how many times fn ran. */
int db_tx_run(db_t *db, db_tx_fn *fn, void *ctx, int *attempts, err_t *err);

/*  True when the last failed statement on db was a serialization failure
    or a deadlock (SQLSTATE 40001, 40P01). */
int db_tx_retryable(const db_t *db);

#endif
