/*  trade_routes.h - trade-svc's dispatch table (message type -> handler),
    every repository's statements as one table for db_new, and the timer
    tick. Where is message X handled? Its line below names the handler. */
#ifndef P2P_TRADE_ROUTES_H
#define P2P_TRADE_ROUTES_H

#include "db.h"
#include "worker.h"

/*  The routes (static). */
const worker_route_t *trade_routes(size_t *count);

/*  Every statement of every trade-svc repository, gathered once (static
    storage; count in *count). NULL when the table is too small (a bug). */
const db_statement_t *trade_routes_statements(size_t *count);

/*  Called about once per heartbeat: timers (the catalog refresh now; order
    expiry and the dispute rule later). app is the trade_app_t. */
void trade_routes_tick(void *app);

/*  Orders a tick expires at most (the rest wait for the next tick). */
#define TRADE_EXPIRE_PER_TICK 200

/*  worker_spec_t.started: keep the worker for publishing from timers. */
void trade_routes_started(void *app, worker_t *worker);

#endif
