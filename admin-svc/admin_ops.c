/*  admin_ops.c - the admin operations (see admin_ops.h). The order inside
    admin_ops_change matters: validate, commit change + audit row, and only
    then publish, so a gateway never disconnects anyone for a suspension that
    did not happen. */
#include "admin_ops.h"

#include <stdlib.h>

#include "admin_json.h"
#include "clock.h"
#include "log.h"

db_rows_t *
admin_ops_get(admin_app_t *app, int64_t profile_id, err_t *err)
{
    if (profile_id <= 0) {
        err_set(err, ERR_INVALID, "profile 'id' must be a positive integer");
        return NULL;
    }
    db_rows_t *rows = admin_repo_get(app->db, profile_id, err);
    if (rows && db_rows_count(rows) == 0) {
        db_rows_destroy(&rows);
        err_set(err, ERR_NOT_FOUND, "Profile not found");
    }
    return rows;
}

int
admin_ops_list(admin_app_t *app, const admin_list_query_t *query, db_rows_t **rows, int64_t *total,
               err_t *err)
{
    *rows = NULL;
    *total = 0;
    if (admin_validate_list_query(query, err) != 0)
        return -1;
    return admin_repo_list(app->db, query, rows, total, err);
}

int
admin_ops_audit(admin_app_t *app, const admin_audit_query_t *query, db_rows_t **rows, int64_t *total,
                err_t *err)
{
    *rows = NULL;
    *total = 0;
    if (admin_validate_audit_query(query, err) != 0)
        return -1;
    return admin_repo_audit(app->db, query, rows, total, err);
}

/*  Tell every gateway that the profile's user is suspended: each open
    session of that user is told and closed. */
static void
s_publish_suspended(worker_t *worker, const profile_row_t *row, const char *request_id)
{
    const char *user_id = row->values[PROFILE_COL_USER_ID];
    char *body = admin_json_suspended_event(row);
    if (!user_id || !body) {
        log_error("admin.event_not_built", request_id, NULL);
    }
    else if (worker_publish(worker, ADMIN_EVENT_SUSPENDED, user_id, body) != 0) {
        /* the suspension stands (new connections and writes are refused);
           only the live sessions on some gateway were not told */
        log_error("admin.event_not_delivered", request_id,
                  json_pack("{s:I}", "profile_id", (json_int_t) profile_row_int(row, PROFILE_COL_ID)));
    }
    free(body);
}

db_rows_t *
admin_ops_change(admin_app_t *app, worker_t *worker, const char *admin_user_id, admin_change_t *change,
                 const char *request_id, err_t *err)
{
    if (admin_validate_operator(admin_user_id, err) != 0
        || admin_validate_change(change, clock_wall_ms(), err) != 0)
        return NULL;
    db_rows_t *rows = admin_repo_change(app->db, admin_user_id, change, err);
    if (!rows)
        return NULL;
    profile_row_t row;
    profile_row_get(rows, 0, &row);
    log_info("admin.changed", request_id,
             json_pack("{s:s,s:s,s:I}", "admin_user_id", admin_user_id, "action", admin_change_action(change),
                       "profile_id", (json_int_t) change->profile_id));
    if (change->kind == ADMIN_CHANGE_SUSPEND && worker)
        s_publish_suspended(worker, &row, request_id);
    return rows;
}

const char *
admin_ops_message(const admin_change_t *change)
{
    switch (change->kind) {
    case ADMIN_CHANGE_SUSPEND:
        return "Profile suspended";
    case ADMIN_CHANGE_UNSUSPEND:
        return "Profile unsuspended";
    case ADMIN_CHANGE_VERIFY:
        return change->flag ? "Profile verified" : "Profile verification removed";
    case ADMIN_CHANGE_MERCHANT:
        return change->flag ? "Merchant status granted" : "Merchant status revoked";
    }
    return "Profile updated";
}
