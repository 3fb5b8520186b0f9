/*  admin_handlers.c - the admin REST API (see admin_handlers.h). Replies:
      admin.list   {"profiles": [profile...], "total": n}
      admin.get    {"profile": profile}
      admin.<change> {"profile": profile} with a message
      admin.audit  {"entries": [entry...], "total": n}
    A profile shows every field (profile_row_json with show 0); the
    {"profile": ...} wrapper is REST's shape (common/reply_shape.h). */
#include "admin_handlers.h"

#include <string.h>

#include "admin_json.h"
#include "operator_api.h"
#include "profile_row.h"
#include "reply_shape.h"

#define S_MSG_FORBIDDEN "Admin access required"

static const worker_route_t s_routes[] = {
    // clang-format off
    {MSG_ADMIN_LIST,      .handler = admin_handlers_list},
    {MSG_ADMIN_GET,       .handler = admin_handlers_get},
    {MSG_ADMIN_SUSPEND,   .handler = admin_handlers_suspend},
    {MSG_ADMIN_UNSUSPEND, .handler = admin_handlers_unsuspend},
    {MSG_ADMIN_VERIFY,    .handler = admin_handlers_verify},
    {MSG_ADMIN_MERCHANT,  .handler = admin_handlers_merchant},
    {MSG_ADMIN_AUDIT,     .handler = admin_handlers_audit},
    // clang-format on
};

const worker_route_t *
admin_handlers_routes(size_t *count)
{
    *count = sizeof s_routes / sizeof s_routes[0];
    return s_routes;
}

/*  The gateway already refuses non-admin tokens; a worker does not trust
    that alone (a routing mistake must not open the admin API). Replies 403
    and returns false when the caller is not an admin, or holds an id that
    the audit log reserves for operators ("cli:...", "curve:..."). */
static bool
s_admin(const worker_request_t *req, worker_reply_t *reply)
{
    err_t err;
    if (operator_api_is_operator_actor(req->user_id)) {
        operator_api_refuse_rest_actor(&err);
        worker_reply_error(reply, &err);
        return false;
    }
    if (req->role && strcmp(req->role, "admin") == 0 && req->user_id && *req->user_id)
        return true;
    err_set(&err, ERR_FORBIDDEN, S_MSG_FORBIDDEN);
    reply_shape_error(reply, req, &err);
    return false;
}

/*  Reply with row 0 of rows, every field; destroys rows. */
static void
s_reply_profile(const worker_request_t *req, worker_reply_t *reply, db_rows_t **rows, const char *message)
{
    profile_row_t row;
    profile_row_get(*rows, 0, &row);
    reply_shape_ok(reply, req, 200, profile_row_json(&row, 0), message);
    db_rows_destroy(rows);
}

void
admin_handlers_list(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    if (!s_admin(req, reply))
        return;
    err_t err;
    admin_list_query_t query;
    db_rows_t *rows;
    int64_t total;
    if (admin_validate_list_params(req->params, &query, &err) != 0
        || admin_ops_list(app, &query, &rows, &total, &err) != 0) {
        reply_shape_error(reply, req, &err);
        return;
    }
    json_t *profiles = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++) {
        profile_row_t row;
        profile_row_get(rows, i, &row);
        json_array_append_new(profiles, profile_row_json(&row, 0));
    }
    db_rows_destroy(&rows);
    reply_shape_ok(reply, req, 200, json_pack("{s:o,s:I}", "profiles", profiles, "total", (json_int_t) total),
                   NULL);
}

void
admin_handlers_get(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    if (!s_admin(req, reply))
        return;
    err_t err;
    int64_t id;
    db_rows_t *rows = NULL;
    if (admin_validate_id_param(req->params, &id, &err) != 0 || !(rows = admin_ops_get(app, id, &err))) {
        reply_shape_error(reply, req, &err);
        return;
    }
    s_reply_profile(req, reply, &rows, NULL);
}

static void
s_change(void *app, const worker_request_t *req, worker_reply_t *reply, admin_change_kind_t kind)
{
    if (!s_admin(req, reply))
        return;
    err_t err;
    admin_change_t change;
    db_rows_t *rows = NULL;
    if (admin_validate_change_body(kind, req->params, req->data, &change, &err) != 0
        || !(rows = admin_ops_change(app, req->worker, req->user_id, &change, req->request_id, &err))) {
        reply_shape_error(reply, req, &err);
        return;
    }
    s_reply_profile(req, reply, &rows, admin_ops_message(&change));
}

void
admin_handlers_suspend(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_change(app, req, reply, ADMIN_CHANGE_SUSPEND);
}

void
admin_handlers_unsuspend(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_change(app, req, reply, ADMIN_CHANGE_UNSUSPEND);
}

void
admin_handlers_verify(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_change(app, req, reply, ADMIN_CHANGE_VERIFY);
}

void
admin_handlers_merchant(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_change(app, req, reply, ADMIN_CHANGE_MERCHANT);
}

void
admin_handlers_audit(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    if (!s_admin(req, reply))
        return;
    err_t err;
    admin_audit_query_t query;
    db_rows_t *rows;
    int64_t total;
    if (admin_validate_audit_params(req->params, &query, &err) != 0
        || admin_ops_audit(app, &query, &rows, &total, &err) != 0) {
        reply_shape_error(reply, req, &err);
        return;
    }
    json_t *entries = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++) {
        admin_audit_row_t row;
        admin_json_audit_get(rows, i, &row);
        json_array_append_new(entries, admin_json_audit_entry(&row));
    }
    db_rows_destroy(&rows);
    reply_shape_ok(reply, req, 200, json_pack("{s:o,s:I}", "entries", entries, "total", (json_int_t) total),
                   NULL);
}
