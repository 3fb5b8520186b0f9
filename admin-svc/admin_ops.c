/*  admin_ops.c - the admin operations (see admin_ops.h). The order inside
    admin_ops_change matters: validate, commit change + audit row in one
    transaction (db_tx), and only then publish, so a gateway never
    disconnects anyone for a suspension that did not happen. */
#include "admin_ops.h"

#include <stdlib.h>

#include "admin_json.h"
#include "clock.h"
#include "db_tx.h"
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

/*  One change in its transaction: what goes in, what comes out. */
typedef struct {
    const char *admin_user_id;
    const admin_change_t *change;
    db_rows_t *before; /* the locked row */
    db_rows_t *after;  /* the changed row: the result */
} s_change_tx_t;

/*  The changed fields of rows' only profile as JSON text (caller frees), or
    NULL when out of memory. */
static char *
s_changed_fields(const db_rows_t *rows, admin_change_kind_t kind)
{
    profile_row_t row;
    profile_row_get(rows, 0, &row);
    json_t *fields = admin_json_changed_fields(&row, kind);
    char *text = json_dumps(fields, JSON_COMPACT);
    json_decref(fields);
    return text;
}

/*  db_tx work: lock the profile (its "before"), update it, write the audit
    row with both. */
static db_tx_outcome_t
s_change_work(db_t *db, void *ctx, err_t *err)
{
    s_change_tx_t *tx = ctx;
    if (!(tx->before = admin_repo_lock(db, tx->change->profile_id, err)))
        return DB_TX_ABORT;
    if (db_rows_count(tx->before) == 0) {
        err_set(err, ERR_NOT_FOUND, "Profile not found");
        return DB_TX_ABORT;
    }
    if (!(tx->after = admin_repo_apply(db, tx->change, err)))
        return DB_TX_ABORT;
    if (db_rows_count(tx->after) != 1) {
        err_set(err, ERR_INTERNAL, "internal error"); /* the locked row vanished: cannot be */
        return DB_TX_ABORT;
    }
    char *before = s_changed_fields(tx->before, tx->change->kind);
    char *after = s_changed_fields(tx->after, tx->change->kind);
    db_tx_outcome_t outcome = DB_TX_ABORT;
    if (!before || !after)
        err_set(err, ERR_INTERNAL, "out of memory");
    else if (admin_repo_audit_insert(db, tx->admin_user_id, tx->change, before, after, err) == 0)
        outcome = DB_TX_COMMIT;
    free(before);
    free(after);
    return outcome;
}

/*  db_tx reset: an attempt that did not commit leaves nothing behind. */
static void
s_change_reset(void *ctx)
{
    s_change_tx_t *tx = ctx;
    db_rows_destroy(&tx->before);
    db_rows_destroy(&tx->after);
}

db_rows_t *
admin_ops_change(admin_app_t *app, worker_t *worker, const char *admin_user_id, admin_change_t *change,
                 const char *request_id, err_t *err)
{
    if (admin_validate_operator(admin_user_id, err) != 0
        || admin_validate_change(change, clock_wall_ms(), err) != 0)
        return NULL;
    s_change_tx_t tx = {.admin_user_id = admin_user_id, .change = change};
    db_tx_spec_t spec = {.name = "admin.change", .reset = s_change_reset, .request_id = request_id};
    if (db_tx_run(app->db, &spec, s_change_work, &tx, NULL, err) != 0)
        return NULL;
    db_rows_destroy(&tx.before);
    profile_row_t row;
    profile_row_get(tx.after, 0, &row);
    log_info("admin.changed", request_id,
             json_pack("{s:s,s:s,s:I}", "admin_user_id", admin_user_id, "action", admin_change_action(change),
                       "profile_id", (json_int_t) change->profile_id));
    if (change->kind == ADMIN_CHANGE_SUSPEND && worker)
        s_publish_suspended(worker, &row, request_id);
    return tx.after;
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
