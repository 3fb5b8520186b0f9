/*  db_tx.c - transactions with one rollback path and bounded retries (see db_tx.h). */
#include "db_tx.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

int
db_tx_retryable(const db_t *db)
{
    const char *state = db_last_sqlstate(db);
    return strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0;
}

/*  A pause of 1-8 ms that grows with the attempt, jittered so two losers of
    the same conflict do not collide again in step. */
static void
s_backoff(int attempt)
{
    static unsigned seed;
    if (!seed)
        seed = (unsigned) time(NULL) ^ (unsigned) (uintptr_t) &seed;
    seed = seed * 1103515245u + 12345u;
    long ms = (1L << (attempt < 3 ? attempt : 3)) + (long) ((seed >> 16) % 4);
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
    nanosleep(&ts, NULL);
}

int
db_tx_run(db_t *db, db_tx_fn *fn, void *ctx, int *attempts, err_t *err)
{
    int attempt = 0;
    for (;;) {
        attempt++;
        if (attempts)
            *attempts = attempt;
        if (db_command(db, "BEGIN", err) != 0)
            return -1;
        int rc = fn(db, ctx, err);
        int retry = db_tx_retryable(db);
        if (rc == 0 && !retry) {
            if (db_command(db, "COMMIT", err) == 0)
                return 0;
            retry = db_tx_retryable(db); /* a serialization failure can surface at commit */
        }
        char sqlstate[6];
        snprintf(sqlstate, sizeof sqlstate, "%s", db_last_sqlstate(db));
        err_t ignored;
        db_command(db, "ROLLBACK", &ignored);
        if (!retry)
            return -1;
        if (attempt >= DB_TX_MAX_ATTEMPTS) {
            log_warn("db.tx_gave_up", NULL, json_pack("{s:i}", "attempts", attempt));
            return err_set(err, ERR_DB_UNAVAILABLE, "the database is busy; try again");
        }
        log_info("db.tx_retry", NULL, json_pack("{s:i, s:s}", "attempt", attempt, "sqlstate", sqlstate));
        s_backoff(attempt);
    }
}
