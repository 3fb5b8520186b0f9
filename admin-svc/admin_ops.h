/*  admin_ops.h - the admin operations, one function each, shared by both
    ways in: the REST handlers (admin_handlers.c, caller = an admin's JWT
    user id) and the operator API (admin_api.c, caller = "cli:<name>"). Each
    applies the rules (admin_validate.h), runs a change and its audit row in
    one transaction (common/db_tx.h) over the repository's statements, and
    for a suspension publishes "account_suspended" to every gateway after
    the transaction committed. No SQL, no sockets, no reply shaping here. */
#ifndef P2P_ADMIN_OPS_H
#define P2P_ADMIN_OPS_H

#include <stdint.h>

#include "admin_repo.h"
#include "admin_validate.h"
#include "db.h"
#include "err.h"
#include "worker.h"

/*  The process object handed to every handler and to the API (a plain
    value; main owns and destroys its members). */
typedef struct {
    db_t *db;
} admin_app_t;

/*  The event a suspension publishes to the gateways. */
#define ADMIN_EVENT_SUSPENDED "account_suspended"

/*  One profile by id: 1 row (caller destroys), or NULL with err
    (ERR_NOT_FOUND when there is none). */
db_rows_t *admin_ops_get(admin_app_t *app, int64_t profile_id, err_t *err);

/*  A page of profiles and the number of all matches. 0, or -1 with err. */
int admin_ops_list(admin_app_t *app, const admin_list_query_t *query, db_rows_t **rows, int64_t *total,
                   err_t *err);

/*  Apply change as admin_user_id with its audit row; for a suspension, tell
    every gateway (worker may be NULL: then nobody is told, for tests).
    change is validated here (its until_utc filled). Returns the updated
    profile (1 row; caller destroys), or NULL with err. request_id may be NULL. */
db_rows_t *admin_ops_change(admin_app_t *app, worker_t *worker, const char *admin_user_id,
                            admin_change_t *change, const char *request_id, err_t *err);

/*  A page of the audit log and the number of all matches. 0, or -1 with err. */
int admin_ops_audit(admin_app_t *app, const admin_audit_query_t *query, db_rows_t **rows, int64_t *total,
                    err_t *err);

/*  The success message of a change, e.g. "Profile suspended". Static. */
const char *admin_ops_message(const admin_change_t *change);

#endif
