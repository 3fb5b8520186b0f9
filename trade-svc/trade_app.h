/*  trade_app.h - the trade-svc process object handed to every handler and to
    the timer tick: its database, the asset and fiat catalog, the settings
    the trading rules read, and the worker (to publish events after commits). */
#ifndef P2P_TRADE_APP_H
#define P2P_TRADE_APP_H

#include <stdint.h>

#include "catalog.h"
#include "config.h"
#include "db.h"
#include "worker.h"

typedef struct {
    db_t *db;            /* owned by main */
    catalog_t *catalog;  /* owned by main */
    const config_t *cfg; /* borrowed from main */
    worker_t *worker;    /* to publish events after commits; set when the worker starts */
} trade_app_t;

/*  A trading duration in milliseconds after P2P_TRADE_TIME_SCALE: minutes
    divided by the scale (tests run a 15-minute window in 15 s with 60). */
int64_t trade_app_scaled_ms(const trade_app_t *app, int64_t minutes);

#endif
