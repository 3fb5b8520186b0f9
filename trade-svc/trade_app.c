/*  trade_app.c - the process object's small helpers (see trade_app.h). */
#include "trade_app.h"

#include "db_tx.h"

int64_t
trade_app_scaled_ms(const trade_app_t *app, int64_t minutes)
{
    int scale = app->cfg->trade_time_scale > 0 ? app->cfg->trade_time_scale : 1;
    return minutes * 60 * 1000 / scale;
}

typedef struct {
    trade_work_fn *work;
    void *ctx;
} s_work_t;

static db_tx_outcome_t
s_run(db_t *db, void *ctx, err_t *err)
{
    s_work_t *w = ctx;
    int rc = w->work(db, w->ctx, err);
    return rc == 0 ? DB_TX_COMMIT : rc > 0 ? DB_TX_RETRY : DB_TX_ABORT;
}

int
trade_app_tx(trade_app_t *app, const char *name, trade_work_fn *work, void *ctx, err_t *err)
{
    s_work_t w = {.work = work, .ctx = ctx};
    db_tx_spec_t spec = {.name = name};
    return db_tx_run(app->db, &spec, s_run, &w, NULL, err);
}
