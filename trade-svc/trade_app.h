/*  trade_app.h - the trade-svc process object handed to every handler and to
    the timer tick: its database, the asset and fiat catalog, the settings
    the trading rules read, and the worker (to publish events after commits). */
#ifndef P2P_TRADE_APP_H
#define P2P_TRADE_APP_H

#include <stdint.h>

#include "answer_cache.h"
#include "catalog.h"
#include "config.h"
#include "db.h"
#include "worker.h"

typedef struct {
    db_t *db;                  /* owned by main */
    catalog_t *catalog;        /* owned by main */
    const config_t *cfg;       /* borrowed from main */
    worker_t *worker;          /* to publish events after commits; set when the worker starts */
    struct outbox_ops *outbox; /* owned by main: the mail and webhook delivery thread (outbox_ops.h),
                                  read here for its counters only */
    answer_cache_t *list_cache; /* owned by main: ad.list answers (ad_ops_list); NULL: none */
} trade_app_t;

/*  How long an ad.list answer may be served at most, whatever the version
    says (everything it shows moves the version; this only bounds memory
    held by pages nobody asks for). */
#define TRADE_LIST_CACHE_MAX_AGE_MS 10000

/*  A unit of work for trade_app_tx: statements on db, results in ctx.
    Returns 0 to commit, -1 (with err) to roll back and fail, 1 to roll back
    and run again (it lost a race a fresh run may win, e.g. a random order
    reference that was taken). It runs again too when a statement failed with
    a serialization failure or a deadlock; so it must start each run afresh
    (free what a previous run left in ctx). */
typedef int(trade_work_fn)(db_t *db, void *ctx, err_t *err);

/*  Run work in one transaction through common/db_tx (bounded retries with
    backoff; name is the unit in log lines). 0 when it committed, else -1
    with err. Publish events only after it returned 0. */
int trade_app_tx(trade_app_t *app, const char *name, trade_work_fn *work, void *ctx, err_t *err);

/*  A trading duration in milliseconds after P2P_TRADE_TIME_SCALE: minutes
    divided by the scale (tests run a 15-minute window in 15 s with 60). */
int64_t trade_app_scaled_ms(const trade_app_t *app, int64_t minutes);

#endif
