/*  db_tx.h - one unit of work in one transaction: BEGIN, the work, COMMIT,
    with a single rollback path, and retries of the failures a second run can
    get past: serialization failures (SQLSTATE 40001), deadlocks (40P01), and
    a work that reports it lost a race it may win next time.

    Every state change of the trading core runs through db_tx_run: the work
    locks what it reads (SELECT ... FOR UPDATE), checks, writes with
    compare-and-set UPDATEs (... WHERE status = $old), and returns COMMIT,
    ABORT (err says why: 404, 409, ...) or RETRY. Nothing of an attempt that
    did not commit stays, in the database or (through reset) in ctx.

    A work function must stop at its first failed statement and return
    DB_TX_ABORT: after a failure PostgreSQL refuses everything but ROLLBACK,
    and the failure's SQLSTATE (db_last_sqlstate) is what decides a retry.
    Publishing events (worker_publish) belongs after db_tx_run returned 0. */
#ifndef P2P_DB_TX_H
#define P2P_DB_TX_H

#include <stdint.h>

#include "db.h"
#include "err.h"

/*  What an attempt of the work tells the runner. */
typedef enum {
    DB_TX_COMMIT, /* done: commit it */
    DB_TX_ABORT,  /* failed (err says why): roll back; retried only when the
                     failed statement's SQLSTATE is 40001 or 40P01 */
    DB_TX_RETRY,  /* lost a race it may win on a fresh run (a row it read
                     changed under it): roll back and run it again; err may
                     say what to answer if the attempts run out */
} db_tx_outcome_t;

/*  The work: statements on db (db_exec), results kept in ctx. err is
    cleared before each attempt. */
typedef db_tx_outcome_t(db_tx_fn)(db_t *db, void *ctx, err_t *err);

typedef enum {
    DB_TX_READ_COMMITTED, /* PostgreSQL's default; lock rows in a fixed order */
    DB_TX_REPEATABLE_READ,
    DB_TX_SERIALIZABLE,
} db_tx_isolation_t;

/*  Runs in all, the first included, when nothing else is said. */
#define DB_TX_DEFAULT_ATTEMPTS 4

/*  Backoff before retry n: a random time between half and all of
    min(BASE << (n - 1), MAX) ms, so racing workers do not meet again. */
#define DB_TX_BACKOFF_BASE_MS 2
#define DB_TX_BACKOFF_MAX_MS 50

typedef struct {
    const char *name;            /* the unit in log lines, e.g. "admin.change" */
    db_tx_isolation_t isolation; /* zero value: READ COMMITTED */
    int max_attempts;            /* runs in all; 0: DB_TX_DEFAULT_ATTEMPTS */
    int64_t deadline_ms;         /* unix ms (a request's deadline): no retry
                                    starts after it; 0: none */
    void (*reset)(void *ctx);    /* after every rollback (before a retry, and
                                    before a failure is returned): drop what
                                    the attempt left in ctx. May be NULL */
    const char *request_id;      /* for log lines; may be NULL */
} db_tx_spec_t;

/*  Run fn(db, ctx, err) between BEGIN and COMMIT, as spec says.
    Returns 0 when the work committed. Otherwise -1 with err, and nothing of
    the work stays: fn's error; or, when every attempt hit a serialization
    failure, deadlock or RETRY, ERR_UNAVAILABLE (503: not applied, try
    again) unless the last RETRY set an error of its own; or the failure of
    BEGIN / COMMIT (a COMMIT whose outcome is unknown is never retried).
    *retries (may be NULL) receives how many times the work ran again. */
int db_tx_run(db_t *db, const db_tx_spec_t *spec, db_tx_fn *fn, void *ctx, int *retries, err_t *err);

/*  The backoff in ms before retry number retry (1 for the first) for a
    uniform random 32-bit value. Exposed for tests. */
int db_tx_backoff_ms(int retry, uint32_t random);

#endif
