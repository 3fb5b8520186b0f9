/*  trade_api.c - trade-svc's operator API (see trade_api.h): a call -> the
    REST request it stands for -> that route's handler -> the reply. */
#include "trade_api.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "envelope.h"
#include "log.h"
#include "proto_json.h"
#include "reply.h"
#include "trade_routes.h"

#define S_PATH_MAX 2

/*  One call: the REST route it stands for (its message type) and the
    fields that route takes in its path ("/wallets/{profile_id}/credit");
    every other field is the route's body or query. */
typedef struct {
    uint32_t call; /* TradeAdminRequest's oneof case: the member's field number */
    msg_type_t type;
    const char *path[S_PATH_MAX];
} s_call_t;

// clang-format off
static const s_call_t s_calls[] = {
    {P2P__TRADE_ADMIN_REQUEST__CALL_WALLET_CREDIT,         MSG_ADMIN_WALLET_CREDIT,         {"profile_id"}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_WALLET_DEBIT,          MSG_ADMIN_WALLET_DEBIT,          {"profile_id"}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_LEDGER,                MSG_ADMIN_LEDGER,                {NULL}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_PRICE_SET,             MSG_ADMIN_PRICE_SET,             {"asset", "fiat"}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_PAYMENT_METHOD_CREATE, MSG_ADMIN_PAYMENT_METHOD_CREATE, {NULL}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_PAYMENT_METHOD_UPDATE, MSG_ADMIN_PAYMENT_METHOD_UPDATE, {"id"}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_DISPUTE_LIST,          MSG_ADMIN_DISPUTE_LIST,          {NULL}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_DISPUTE_GET,           MSG_ADMIN_DISPUTE_GET,           {"id"}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_DISPUTE_MESSAGE,       MSG_ADMIN_DISPUTE_MESSAGE,       {"id"}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_DISPUTE_RESOLVE,       MSG_ADMIN_DISPUTE_RESOLVE,       {"id"}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_REVIEW_HIDE,           MSG_ADMIN_REVIEW_HIDE,           {"id"}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_REVIEW_UNHIDE,         MSG_ADMIN_REVIEW_UNHIDE,         {"id"}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_ORDER_LIST,            MSG_ADMIN_ORDER_LIST,            {NULL}},
    {P2P__TRADE_ADMIN_REQUEST__CALL_ORDER_GET,             MSG_ADMIN_ORDER_GET,             {"id"}},
};
// clang-format on

/*  How long a call may take: the gateways' default request deadline. */
#define S_DEADLINE_MS 5000

static const s_call_t *
s_call_find(uint32_t call)
{
    for (size_t i = 0; i < sizeof s_calls / sizeof s_calls[0]; i++)
        if (s_calls[i].call == call)
            return &s_calls[i];
    return NULL;
}

msg_type_t
trade_api_call_type(uint32_t call)
{
    const s_call_t *c = s_call_find(call);
    return c ? c->type : MSG_TYPE_COUNT;
}

/*  The handler trade-svc routes type to. NULL when none. */
static const worker_route_t *
s_route(msg_type_t type)
{
    size_t count;
    const worker_route_t *routes = trade_routes(&count);
    for (size_t i = 0; i < count; i++)
        if (routes[i].type == type)
            return &routes[i];
    return NULL;
}

/*  The call's message as the REST request's parts: *params the path
    parameters as text (what the gateway takes from the URL), *data the
    other fields with their JSON types (the body); absent fields (and
    repeated ones with no items) are left out, as REST leaves out a
    parameter not sent. New references, or -1 when out of memory. */
static int
s_rest_parts(const s_call_t *call, const ProtobufCMessage *message, json_t **data, json_t **params)
{
    *data = proto_json_from_message(message);
    *params = json_object();
    if (!*data || !*params)
        return -1;
    const char *key;
    json_t *value;
    void *tmp;
    json_object_foreach_safe(*data, tmp, key, value)
    {
        if (json_is_null(value) || (json_is_array(value) && json_array_size(value) == 0)) {
            json_object_del(*data, key);
            continue;
        }
        for (int i = 0; i < S_PATH_MAX && call->path[i]; i++) {
            if (strcmp(key, call->path[i]) != 0)
                continue;
            char *text = json_is_string(value) ? strdup(json_string_value(value))
                                               : json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
            if (!text || json_object_set_new(*params, key, json_string(text)) != 0) {
                free(text);
                return -1;
            }
            free(text);
            json_object_del(*data, key);
            break;
        }
    }
    return 0;
}

/*  Fill reply from a handler's REST body (the envelope JSON). -1 when out of memory. */
static int
s_reply_from_rest(P2p__TradeAdminReply *reply, const worker_reply_t *rest)
{
    reply->has_status = 1;
    reply->status = rest->status;
    json_t *body = rest->body ? json_loads(rest->body, 0, NULL) : NULL;
    if (!body)
        return -1;
    const char *error = json_string_value(json_object_get(body, "error"));
    const char *code = json_string_value(json_object_get(body, "code"));
    const char *message = json_string_value(json_object_get(body, "message"));
    json_t *data = json_object_get(body, "data");
    int rc = 0;
    if ((error && !(reply->error = strdup(error))) || (code && !(reply->code = strdup(code)))
        || (message && !(reply->message = strdup(message))))
        rc = -1;
    if (rc == 0 && json_is_true(json_object_get(body, "success")) && data
        && !(reply->data_json = json_dumps(data, REPLY_JSON_FLAGS)))
        rc = -1;
    json_decref(body);
    return rc;
}

static void
s_reply_error(P2p__TradeAdminReply *reply, const err_t *err)
{
    reply->has_status = 1;
    reply->status = err_http_status(err->code);
    reply->error = strdup(err->msg);
    reply->code = strdup(err_wire_code(err->code));
}

/*  Run req as actor into reply. -1 when out of memory. */
static int
s_serve(trade_app_t *app, worker_t *worker, const char *actor, const P2p__TradeAdminRequest *req,
        P2p__TradeAdminReply *reply)
{
    err_t err;
    const s_call_t *call = s_call_find(req->call_case);
    const worker_route_t *route = call ? s_route(call->type) : NULL;
    if (!route) {
        err_set(&err, ERR_INVALID, "'call' is missing or unknown");
        s_reply_error(reply, &err);
        return 0;
    }
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field(&p2p__trade_admin_request__descriptor, req->call_case);
    const ProtobufCMessage *message = *(ProtobufCMessage *const *) ((const char *) req + field->offset);
    json_t *data = NULL, *params = NULL;
    worker_reply_t rest = {0};
    int rc = -1;
    if (s_rest_parts(call, message, &data, &params) != 0)
        goto done;
    char rid[32];
    snprintf(rid, sizeof rid, "op-%016llx", (unsigned long long) clock_wall_ms());
    worker_request_t wreq = {
        .type = call->type,
        .channel = CHANNEL_REST,
        .user_id = actor,
        .role = "admin",
        .data = data,
        .params = params,
        .worker = worker,
        .request_id = rid,
        .deadline_ms = clock_wall_ms() + S_DEADLINE_MS,
        .from_operator_api = true,
    };
    if (route->handler) {
        route->handler(app, &wreq, &rest);
    }
    else {
        const worker_request_t *reqs[1] = {&wreq};
        worker_reply_t *replies[1] = {&rest};
        route->batch(app, reqs, replies, 1);
    }
    rc = s_reply_from_rest(reply, &rest);
done:
    free(rest.body);
    json_decref(data);
    json_decref(params);
    return rc;
}

uint8_t *
trade_api_handle(trade_app_t *app, worker_t *worker, const operator_api_peer_t *peer, const uint8_t *request,
                 size_t len, size_t *reply_len)
{
    P2p__TradeAdminReply *reply = malloc(sizeof *reply);
    if (!reply)
        return NULL;
    p2p__trade_admin_reply__init(reply);
    P2p__TradeAdminRequest *req = p2p__trade_admin_request__unpack(NULL, len, request);
    err_t err;
    char actor[OPERATOR_API_ACTOR_SIZE] = "";
    bool has_actor = false;
    if (!req) {
        err_set(&err, ERR_INVALID, "malformed TradeAdminRequest");
        s_reply_error(reply, &err);
    }
    else if (!(has_actor = operator_api_actor(peer, req->operator_, actor, sizeof actor, &err) == 0)) {
        /* every call is an admin call: the server must be able to say who makes it */
        s_reply_error(reply, &err);
    }
    else if (s_serve(app, worker, actor, req, reply) != 0) {
        /* out of memory half-way: answer with the failure, not half a reply */
        protobuf_c_message_free_unpacked(&reply->base, NULL);
        if (!(reply = malloc(sizeof *reply))) {
            p2p__trade_admin_request__free_unpacked(req, NULL);
            return NULL;
        }
        p2p__trade_admin_reply__init(reply);
        err_set(&err, ERR_INTERNAL, "out of memory");
        s_reply_error(reply, &err);
    }
    if (req) {
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field(&p2p__trade_admin_request__descriptor, req->call_case);
        log_info("trade_api.request", NULL,
                 json_pack("{s:s,s:s,s:i}", "call", field ? field->name : "?", "operator",
                           has_actor ? actor : "", "status", reply->status));
        p2p__trade_admin_request__free_unpacked(req, NULL);
    }
    *reply_len = p2p__trade_admin_reply__get_packed_size(reply);
    uint8_t *out = malloc(*reply_len ? *reply_len : 1);
    if (out)
        p2p__trade_admin_reply__pack(reply, out);
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return out;
}

static uint8_t *
s_handle(void *app, worker_t *worker, const operator_api_peer_t *peer, const uint8_t *request, size_t len,
         size_t *reply_len)
{
    return trade_api_handle(app, worker, peer, request, len, reply_len);
}

void
trade_api_on_readable(void *app, worker_t *worker, zsock_t *socket)
{
    operator_api_serve(socket, s_handle, app, worker);
}
