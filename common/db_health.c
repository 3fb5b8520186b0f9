/*  db_health.c - the database state a worker reports in its heartbeats. */
#include "db_health.h"

#include "log.h"

bool
db_health_check(db_health_t *self, db_t *db)
{
    db_stats_t now;
    db_stats(db, &now);
    uint64_t ran = now.queries - self->last.queries, failed = now.failures - self->last.failures;
    bool up;
    if (ran > 0 && failed == 0) {
        up = true; /* it just served: no probe needed */
    }
    else {
        err_t err;
        up = db_command(db, "SELECT 1", &err) == 0;
    }
    db_stats(db, &self->last);
    if (!self->checked || up != self->up)
        log_emit(up ? P2P_LOG_INFO : P2P_LOG_WARN, "worker.db_state", NULL,
                 json_pack("{s:s}", "state", up ? "up" : "down"));
    self->up = up;
    self->checked = true;
    return up;
}
