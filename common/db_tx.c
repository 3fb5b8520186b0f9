/*  db_tx.c - units of work in transactions, retried on serialization
    failures and deadlocks (see db_tx.h).

    Every way out of an attempt that did not commit goes through s_rollback,
    and the decision to run again is made in one place (s_retryable), from
    what the attempt reported and the SQLSTATE of its failed statement. */
#include "db_tx.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

#define S_SERIALIZATION_FAILURE "40001"
#define S_DEADLOCK "40P01"

static const char *s_begin[] = {
    [DB_TX_READ_COMMITTED] = "BEGIN",
    [DB_TX_REPEATABLE_READ] = "BEGIN ISOLATION LEVEL REPEATABLE READ",
    [DB_TX_SERIALIZABLE] = "BEGIN ISOLATION LEVEL SERIALIZABLE",
};

int
db_tx_backoff_ms(int retry, uint32_t random)
{
    int full = DB_TX_BACKOFF_MAX_MS;
    if (retry >= 1 && retry <= 16 && (DB_TX_BACKOFF_BASE_MS << (retry - 1)) < DB_TX_BACKOFF_MAX_MS)
        full = DB_TX_BACKOFF_BASE_MS << (retry - 1);
    int half = full / 2;
    return half + (int) ((uint64_t) random * (uint64_t) (full - half + 1) >> 32);
}

static void
s_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/*  End the open transaction after a failure and let ctx drop the attempt's
    results. The first error is what the caller hears, so ROLLBACK's own
    failure is only logged. */
static void
s_rollback(db_t *db, const db_tx_spec_t *spec, void *ctx)
{
    err_t ignored;
    if (db_command(db, "ROLLBACK", &ignored) != 0)
        log_warn("db_tx.rollback_failed", spec->request_id,
                 json_pack("{s:s,s:s}", "tx", spec->name ? spec->name : "?", "error", ignored.msg));
    if (spec->reset)
        spec->reset(ctx);
}

/*  Why an attempt that did not commit may run again ("" when it may not). */
static const char *
s_retryable(db_t *db, db_tx_outcome_t outcome)
{
    if (outcome == DB_TX_RETRY)
        return "conflict";
    const char *state = db_last_sqlstate(db);
    if (strcmp(state, S_SERIALIZATION_FAILURE) == 0)
        return "serialization_failure";
    if (strcmp(state, S_DEADLOCK) == 0)
        return "deadlock";
    return "";
}

int
db_tx_run(db_t *db, const db_tx_spec_t *spec, db_tx_fn *fn, void *ctx, int *retries, err_t *err)
{
    err_t local;
    if (!err)
        err = &local;
    int max_attempts = spec->max_attempts > 0 ? spec->max_attempts : DB_TX_DEFAULT_ATTEMPTS;
    const char *name = spec->name ? spec->name : "?";
    const char *begin = (unsigned) spec->isolation <= DB_TX_SERIALIZABLE ? s_begin[spec->isolation] : "BEGIN";
    int attempt = 0;
    if (retries)
        *retries = 0;
    for (;;) {
        attempt++;
        *err = (err_t){ERR_OK, ""};
        if (db_command(db, begin, err) != 0)
            return -1; /* nothing started: nothing to roll back */
        db_tx_outcome_t outcome = fn(db, ctx, err);
        if (outcome == DB_TX_COMMIT) {
            if (db_command(db, "COMMIT", err) == 0) {
                if (attempt > 1)
                    log_info("db_tx.committed", spec->request_id,
                             json_pack("{s:s,s:i}", "tx", name, "retries", attempt - 1));
                return 0;
            }
            /* COMMIT failed: only a serialization failure says for sure that
               nothing was committed, so only that runs again. */
            outcome = DB_TX_ABORT;
        }
        const char *why = s_retryable(db, outcome);
        s_rollback(db, spec, ctx);
        if (!*why)
            return err->code == ERR_OK ? err_set(err, ERR_INTERNAL, "internal error") : -1;
        int backoff = db_tx_backoff_ms(attempt, arc4random());
        bool late = spec->deadline_ms > 0 && clock_wall_ms() + backoff >= spec->deadline_ms;
        if (attempt >= max_attempts || late) {
            log_warn("db_tx.gave_up", spec->request_id,
                     json_pack("{s:s,s:s,s:i,s:b}", "tx", name, "reason", why, "attempts", attempt,
                               "deadline", late));
            if (outcome != DB_TX_RETRY || err->code == ERR_OK)
                err_set(err, ERR_UNAVAILABLE, "too many concurrent changes, try again");
            return -1;
        }
        log_info("db_tx.retry", spec->request_id,
                 json_pack("{s:s,s:s,s:i,s:i}", "tx", name, "reason", why, "attempt", attempt, "backoff_ms",
                           backoff));
        s_sleep_ms(backoff);
        if (retries)
            (*retries)++;
    }
}
