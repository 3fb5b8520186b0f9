/*  admin_api.c - admin-svc's operator API (see admin_api.h): the request ->
    admin_ops -> reply path. Replies are filled from the REST JSON of each
    row (proto_json.h), so the CLI's --json output is the REST shape. */
#include "admin_api.h"

#include <stdlib.h>
#include <string.h>

#include "admin_json.h"
#include "proto_json.h"
#include "log.h"
#include "profile_row.h"

/* ------------------------------------------------------------------ requests */

static void
s_reply_error(P2p__AdminReply *reply, const err_t *err)
{
    reply->has_status = 1;
    reply->status = err_http_status(err->code);
    reply->error = strdup(err->msg);
    reply->code = strdup(err_wire_code(err->code));
}

static void
s_reply_ok(P2p__AdminReply *reply, const char *message)
{
    reply->has_status = 1;
    reply->status = 200;
    if (message)
        reply->message = strdup(message);
}

/*  Append every profile of rows to reply->profiles. -1 when out of memory. */
static int
s_add_profiles(P2p__AdminReply *reply, const db_rows_t *rows)
{
    size_t n = db_rows_count(rows);
    reply->profiles = calloc(n ? n : 1, sizeof *reply->profiles);
    if (!reply->profiles)
        return -1;
    for (size_t i = 0; i < n; i++) {
        P2p__AdminProfile *profile = malloc(sizeof *profile);
        if (!profile)
            return -1;
        p2p__admin_profile__init(profile);
        reply->profiles[reply->n_profiles++] = profile;
        profile_row_t row;
        profile_row_get(rows, i, &row);
        json_t *obj = profile_row_json(&row, 0);
        int rc = proto_json_to_message(obj, &profile->base);
        json_decref(obj);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int
s_add_entries(P2p__AdminReply *reply, const db_rows_t *rows)
{
    size_t n = db_rows_count(rows);
    reply->entries = calloc(n ? n : 1, sizeof *reply->entries);
    if (!reply->entries)
        return -1;
    for (size_t i = 0; i < n; i++) {
        P2p__AdminAuditEntry *entry = malloc(sizeof *entry);
        if (!entry)
            return -1;
        p2p__admin_audit_entry__init(entry);
        reply->entries[reply->n_entries++] = entry;
        admin_audit_row_t row;
        admin_json_audit_get(rows, i, &row);
        json_t *obj = admin_json_audit_entry(&row);
        int rc = proto_json_to_message(obj, &entry->base);
        json_decref(obj);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static tristate_t
s_tristate(protobuf_c_boolean has, protobuf_c_boolean value)
{
    return has ? (value ? TRISTATE_TRUE : TRISTATE_FALSE) : TRISTATE_ANY;
}

static admin_change_kind_t
s_change_kind(P2p__AdminAction action)
{
    switch (action) {
    case P2P__ADMIN_ACTION__SUSPEND:
        return ADMIN_CHANGE_SUSPEND;
    case P2P__ADMIN_ACTION__UNSUSPEND:
        return ADMIN_CHANGE_UNSUSPEND;
    case P2P__ADMIN_ACTION__VERIFY:
        return ADMIN_CHANGE_VERIFY;
    default:
        return ADMIN_CHANGE_MERCHANT;
    }
}

/*  Run req's operation into reply. Returns -1 when out of memory. */
static int
s_serve(admin_app_t *app, worker_t *worker, const char *actor, const err_t *actor_err,
        const P2p__AdminRequest *req, P2p__AdminReply *reply)
{
    err_t err;
    db_rows_t *rows = NULL;
    int64_t total = 0;
    int rc = 0;
    P2p__AdminAction action = req->has_action ? req->action : P2P__ADMIN_ACTION__ADMIN_ACTION_UNSPECIFIED;
    switch (action) {
    case P2P__ADMIN_ACTION__LIST: {
        admin_list_query_t query;
        admin_list_query_init(&query);
        query.search = req->search;
        query.is_suspended = s_tristate(req->has_is_suspended, req->is_suspended);
        query.is_verified = s_tristate(req->has_is_verified, req->is_verified);
        query.is_merchant = s_tristate(req->has_is_merchant, req->is_merchant);
        if (req->has_limit)
            query.limit = req->limit;
        if (req->has_offset)
            query.offset = req->offset;
        if (admin_ops_list(app, &query, &rows, &total, &err) != 0)
            break;
        s_reply_ok(reply, NULL);
        rc = s_add_profiles(reply, rows);
        reply->has_total = 1;
        reply->total = total;
        db_rows_destroy(&rows);
        return rc;
    }
    case P2P__ADMIN_ACTION__GET:
        if (!(rows = admin_ops_get(app, req->has_profile_id ? req->profile_id : 0, &err)))
            break;
        s_reply_ok(reply, NULL);
        rc = s_add_profiles(reply, rows);
        db_rows_destroy(&rows);
        return rc;
    case P2P__ADMIN_ACTION__SUSPEND:
    case P2P__ADMIN_ACTION__UNSUSPEND:
    case P2P__ADMIN_ACTION__VERIFY:
    case P2P__ADMIN_ACTION__MERCHANT: {
        admin_change_t change;
        admin_change_init(&change, s_change_kind(action));
        change.profile_id = req->has_profile_id ? req->profile_id : 0;
        change.reason = req->reason;
        change.until = req->until;
        change.flag = req->has_flag && req->flag;
        if ((change.kind == ADMIN_CHANGE_VERIFY || change.kind == ADMIN_CHANGE_MERCHANT) && !req->has_flag) {
            err_set(&err, ERR_INVALID, "'flag' is required (the new value)");
            break;
        }
        if (!actor) {
            err = *actor_err; /* why the server could not name who acts */
            break;
        }
        if (!(rows = admin_ops_change(app, worker, actor, &change, NULL, &err)))
            break;
        s_reply_ok(reply, admin_ops_message(&change));
        rc = s_add_profiles(reply, rows);
        db_rows_destroy(&rows);
        return rc;
    }
    case P2P__ADMIN_ACTION__AUDIT: {
        admin_audit_query_t query;
        admin_audit_query_init(&query);
        query.profile_id = req->has_profile_id ? req->profile_id : 0;
        if (req->has_limit)
            query.limit = req->limit;
        if (req->has_offset)
            query.offset = req->offset;
        if (admin_ops_audit(app, &query, &rows, &total, &err) != 0)
            break;
        s_reply_ok(reply, NULL);
        rc = s_add_entries(reply, rows);
        reply->has_total = 1;
        reply->total = total;
        db_rows_destroy(&rows);
        return rc;
    }
    default:
        err_set(&err, ERR_INVALID, "'action' is missing or unknown");
        break;
    }
    s_reply_error(reply, &err);
    return 0;
}

uint8_t *
admin_api_handle(admin_app_t *app, worker_t *worker, const operator_api_peer_t *peer, const uint8_t *request,
                 size_t len, size_t *reply_len)
{
    P2p__AdminReply *reply = malloc(sizeof *reply);
    if (!reply)
        return NULL;
    p2p__admin_reply__init(reply);
    P2p__AdminRequest *req = p2p__admin_request__unpack(NULL, len, request);
    err_t err;
    if (!req) {
        err_set(&err, ERR_INVALID, "malformed AdminRequest");
        s_reply_error(reply, &err);
    }
    else {
        const ProtobufCEnumValue *action =
            req->has_action
                ? protobuf_c_enum_descriptor_get_value(&p2p__admin_action__descriptor, req->action)
                : NULL;
        /* the server decides who acts; only reads may go without a name */
        char actor[OPERATOR_API_ACTOR_SIZE];
        err_t actor_err;
        bool has_actor = operator_api_actor(peer, req->operator_, actor, sizeof actor, &actor_err) == 0;
        log_info("admin_api.request", NULL,
                 json_pack("{s:s,s:s,s:I}", "action", action ? action->name : "?", "operator",
                           has_actor ? actor : "", "profile_id",
                           (json_int_t) (req->has_profile_id ? req->profile_id : 0)));
        if (s_serve(app, worker, has_actor ? actor : NULL, &actor_err, req, reply) != 0) {
            /* out of memory half-way: answer with the failure, not half a list */
            protobuf_c_message_free_unpacked(&reply->base, NULL);
            reply = malloc(sizeof *reply);
            if (!reply) {
                p2p__admin_request__free_unpacked(req, NULL);
                return NULL;
            }
            p2p__admin_reply__init(reply);
            err_set(&err, ERR_INTERNAL, "out of memory");
            s_reply_error(reply, &err);
        }
        p2p__admin_request__free_unpacked(req, NULL);
    }
    *reply_len = p2p__admin_reply__get_packed_size(reply);
    uint8_t *out = malloc(*reply_len ? *reply_len : 1);
    if (out)
        p2p__admin_reply__pack(reply, out);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return out;
}

static uint8_t *
s_handle(void *app, worker_t *worker, const operator_api_peer_t *peer, const uint8_t *request, size_t len,
         size_t *reply_len)
{
    return admin_api_handle(app, worker, peer, request, len, reply_len);
}

void
admin_api_on_readable(void *app, worker_t *worker, zsock_t *socket)
{
    operator_api_serve(socket, s_handle, app, worker);
}
