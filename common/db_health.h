/*  db_health.h - can a worker's database serve right now? Asked once per
    heartbeat, the answer travels to every gateway in the heartbeat, so that
    readiness counts only workers that can serve and dispatch prefers them.

    A busy worker pays nothing: statements that ran since the last beat
    without failing say "up". Only an idle worker, or one whose statements
    failed, runs a probe (SELECT 1, through db.c's reconnect and back-off),
    so a worker notices within one beat that PostgreSQL went away or came
    back even when nobody asks it anything. */
#ifndef P2P_DB_HEALTH_H
#define P2P_DB_HEALTH_H

#include <stdbool.h>

#include "db.h"

typedef struct {
    db_stats_t last; /* the counters at the last check */
    bool up;         /* the last answer */
    bool checked;    /* false until the first check */
} db_health_t;

/*  Whether db can serve now (see above). May block for a connection
    attempt (at most PGCONNECT_TIMEOUT, and not more often than db.c's
    back-off allows). Logs worker.db_state when the answer changes. */
bool db_health_check(db_health_t *self, db_t *db);

#endif
