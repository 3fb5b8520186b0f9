/*  http_routes.c - REST requests: route lookup, auth, rate limit, body
    collection within limits, dispatch to a worker, and the response.

    An HTTP request's memory is lws's per-connection user data; while it waits
    for a worker it is registered in gw->http under a handle, so a reply that
    arrives after the client left finds nothing and is dropped. */
#include "http_routes.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "pending.h"
#include "reply.h"
#include "worker_pool.h"

/*  A request body must arrive completely within this time, however it trickles. */
#define HTTP_BODY_DEADLINE_S 10

typedef enum { ROUTE_HEALTH, ROUTE_READY, ROUTE_WORKER } route_kind_t;

typedef struct {
    const char *method;
    const char *path;
    route_kind_t kind;
    msg_type_t type;  /* ROUTE_WORKER: what the worker is asked */
    bool needs_body;  /* POST/PUT carry a JSON object */
} route_t;

/*  Every REST route. The WebSocket path is handled by the upgrade gate. */
static const route_t s_routes[] = {
    {"GET", "/p2p/health", ROUTE_HEALTH, MSG_UNKNOWN, false},
    {"GET", "/p2p/ready", ROUTE_READY, MSG_UNKNOWN, false},
    {"GET", "/api/p2p/profile/check", ROUTE_WORKER, MSG_PROFILE_CHECK, false},
    {"POST", "/api/p2p/profile/create", ROUTE_WORKER, MSG_PROFILE_CREATE, true},
    {"GET", "/api/p2p/profile", ROUTE_WORKER, MSG_PROFILE_ME, false},
    {"PUT", "/api/p2p/profile", ROUTE_WORKER, MSG_PROFILE_PUT, true},
};

#define WS_PATH "/api/p2p/ws"

typedef struct {
    struct lws *wsi;
    uint64_t handle;        /* in gw->http while waiting for a worker; 0 otherwise */
    const route_t *route;
    auth_identity_t identity;
    char *body;             /* collected request body, owned */
    size_t body_len;
    bool responding;        /* a response is queued; ignore the rest of the body */
    bool dispatched;        /* sent to a worker (at most once per request) */
    /* the response, written in HTTP_WRITEABLE */
    int status;
    const char *content_type;
    unsigned char *response; /* LWS_PRE headroom + body, owned */
    size_t response_len;
    int retry_after;
    bool close_after;
    bool armed;              /* body_deadline is scheduled */
    lws_sorted_usec_list_t body_deadline;
} s_http_t;

size_t
http_routes_session_size(void)
{
    return sizeof(s_http_t);
}

static const char *
s_method(struct lws *wsi, char *path, size_t path_len)
{
    static const struct {
        enum lws_token_indexes token;
        const char *name;
    } methods[] = {
        {WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},
        {WSI_TOKEN_PUT_URI, "PUT"},       {WSI_TOKEN_PATCH_URI, "PATCH"},
        {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
        {WSI_TOKEN_HEAD_URI, "HEAD"},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (lws_hdr_total_length(wsi, methods[i].token) > 0) {
            if (lws_hdr_copy(wsi, path, (int) path_len, methods[i].token) < 0)
                path[0] = 0;
            return methods[i].name;
        }
    path[0] = 0;
    return "";
}

void
http_routes_peer(struct lws *wsi, char *buf, size_t len)
{
    if (!lws_get_peer_simple(wsi, buf, len))
        snprintf(buf, len, "unknown");
}

int
http_routes_authenticate(struct lws *wsi, bool allow_query, auth_identity_t *identity, err_t *err)
{
    gateway_t *gw = gateway_of(wsi);
    char buf[8300];
    const char *token = NULL;
    size_t len = 0;
    int n = lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n > 0)
        token = auth_bearer_token(buf, &len);
    else if (allow_query) {
        const char *arg = lws_get_urlarg_by_name(wsi, "token=", buf, sizeof buf);
        if (arg) {
            token = arg;
            len = strlen(arg);
        }
    }
    if (!token)
        return err_set(err, ERR_UNAUTHORIZED, "missing bearer token");
    return auth_verify(gw->auth, token, len, (long) (clock_wall_ms() / 1000), identity, err);
}

/*  Queue a response; it is written when lws says the socket is writeable. */
static void
s_respond(s_http_t *req, int status, const char *content_type, const char *body, size_t len)
{
    free(req->response);
    req->response = malloc(LWS_PRE + len + 1);
    if (req->response) {
        if (len)
            memcpy(req->response + LWS_PRE, body, len);
        req->response_len = len;
    }
    else
        req->response_len = 0;
    req->status = status;
    req->content_type = content_type;
    req->responding = true;
    lws_callback_on_writable(req->wsi);
}

static void
s_respond_error(s_http_t *req, err_code_t code, const char *text)
{
    char *body = reply_gateway_error(code, text);
    s_respond(req, err_http_status(code), "application/json", body, body ? strlen(body) : 0);
    free(body);
}

static void
s_forget(gateway_t *gw, s_http_t *req)
{
    if (req->handle)
        handle_table_remove(gw->http, req->handle);
    req->handle = 0;
    if (req->armed)
        lws_sul_cancel(&req->body_deadline);
    req->armed = false;
    free(req->body);
    req->body = NULL;
    req->body_len = 0;
    free(req->response);
    req->response = NULL;
    req->response_len = 0;
}

void
http_routes_deliver(gateway_t *gw, uint64_t handle, int status, const char *body, size_t len)
{
    s_http_t *req = handle_table_lookup(gw->http, handle);
    if (!req)
        return;
    handle_table_remove(gw->http, handle);
    req->handle = 0;
    s_respond(req, status, "application/json", body, len);
}

/*  Hand the (validated) request to a worker. */
static void
s_dispatch(gateway_t *gw, s_http_t *req)
{
    req->dispatched = true;
    if (req->body_len) {
        /* reject what a worker would only reject later: not JSON, not an
           object, invalid UTF-8 or NUL characters (jansson refuses both) */
        json_error_t jerr;
        json_t *root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
        bool object = json_is_object(root);
        json_decref(root);
        if (!object) {
            s_respond_error(req, ERR_INVALID,
                            root ? "request body must be a JSON object" : "request body is not valid JSON");
            return;
        }
    }
    req->handle = handle_table_insert(gw->http, req);
    pending_request_t pending = {
        .origin = ORIGIN_HTTP,
        .origin_handle = req->handle,
        .type = req->route->type,
        .user_id = req->identity.user_id,
        .is_admin = req->identity.is_admin,
        .channel = CHANNEL_REST,
        .body = req->body,
        .body_len = req->body_len,
    };
    err_t err;
    if (!req->handle || pending_dispatch(gw, &pending, &err) != 0) {
        if (req->handle)
            handle_table_remove(gw->http, req->handle);
        req->handle = 0;
        s_respond_error(req, ERR_UNAVAILABLE, "the service is temporarily unavailable; the request was not applied");
    }
}

static void
s_on_body_deadline(lws_sorted_usec_list_t *sul)
{
    s_http_t *req = lws_container_of(sul, s_http_t, body_deadline);
    req->armed = false;
    log_info("http.body_timeout", NULL, NULL);
    lws_set_timeout(req->wsi, PENDING_TIMEOUT_HTTP_CONTENT, LWS_TO_KILL_ASYNC);
}

static const route_t *
s_find_route(const char *method, const char *path, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < sizeof s_routes / sizeof s_routes[0]; i++)
        if (strcmp(s_routes[i].path, path) == 0) {
            *path_known = true;
            if (strcmp(s_routes[i].method, method) == 0)
                return &s_routes[i];
        }
    return NULL;
}

/*  A new request: route, authenticate, rate-limit; then answer at once, wait
    for the body, or dispatch. */
static void
s_on_request(gateway_t *gw, s_http_t *req)
{
    char path[1024];
    const char *method = s_method(req->wsi, path, sizeof path);
    bool path_known;
    req->route = s_find_route(method, path, &path_known);
    const route_t *route = req->route;
    if (!route) {
        req->close_after = true; /* an unread body must not be parsed as the next request */
        if (path_known)
            s_respond_error(req, ERR_METHOD, "method not allowed");
        else
            s_respond_error(req, ERR_NOT_FOUND, "no such endpoint");
        return;
    }
    if (route->kind == ROUTE_HEALTH) {
        static const char ok[] = "P2P service is running";
        s_respond(req, 200, "text/plain", ok, sizeof ok - 1);
        return;
    }
    if (route->kind == ROUTE_READY) {
        bool ready = worker_pool_live(gw->pool, SERVICE_PROFILE) > 0;
        json_t *data = json_pack("{s:b, s:{s:i, s:i}}", "ready", ready, "workers", "profile",
                                 worker_pool_live(gw->pool, SERVICE_PROFILE), "admin",
                                 worker_pool_live(gw->pool, SERVICE_ADMIN));
        char *body = ready ? reply_ok_body(data, "ready") : NULL;
        if (!ready) {
            json_t *root = json_pack("{s:b, s:o, s:s, s:s}", "success", 0, "data", data, "error",
                                     "no live worker for every service", "code", "SERVICE_UNAVAILABLE");
            body = json_dumps(root, JSON_COMPACT);
            json_decref(root);
        }
        s_respond(req, ready ? 200 : 503, "application/json", body, body ? strlen(body) : 0);
        free(body);
        return;
    }
    err_t err;
    char key[300];
    if (http_routes_authenticate(req->wsi, false, &req->identity, &err) != 0) {
        req->close_after = route->needs_body;
        s_respond_error(req, ERR_UNAUTHORIZED, err.msg);
        log_info("http.unauthorized", NULL, json_pack("{s:s, s:s}", "path", path, "reason", err.msg));
        return;
    }
    snprintf(key, sizeof key, "user:%s", req->identity.user_id);
    int wait_s = rate_limit_take(gw->limits, key, clock_mono_ms());
    if (wait_s) {
        req->retry_after = wait_s;
        req->close_after = route->needs_body;
        s_respond_error(req, ERR_RATE_LIMITED, "too many requests; retry later");
        return;
    }
    if (!route->needs_body) {
        s_dispatch(gw, req);
        return;
    }
    char clen[32];
    long declared = -1;
    if (lws_hdr_copy(req->wsi, clen, sizeof clen, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        declared = strtol(clen, NULL, 10);
    if (declared > GATEWAY_MAX_BODY) {
        req->close_after = true;
        s_respond_error(req, ERR_TOO_LARGE, "request body is larger than 64 KiB");
        return;
    }
    if (declared == 0) {
        s_dispatch(gw, req);
        return;
    }
    /* lws re-arms its own body timeout on every chunk; this one is absolute */
    req->armed = true;
    lws_sul_schedule(gw->lws, 0, &req->body_deadline, s_on_body_deadline,
                     HTTP_BODY_DEADLINE_S * LWS_US_PER_SEC);
}

static void
s_on_body(s_http_t *req, const char *in, size_t len)
{
    if (req->responding || len == 0)
        return;
    if (req->body_len + len > GATEWAY_MAX_BODY) {
        req->close_after = true;
        s_respond_error(req, ERR_TOO_LARGE, "request body is larger than 64 KiB");
        return;
    }
    char *grown = realloc(req->body, req->body_len + len + 1);
    if (!grown) {
        req->close_after = true;
        s_respond_error(req, ERR_INTERNAL, "out of memory");
        return;
    }
    req->body = grown;
    memcpy(req->body + req->body_len, in, len);
    req->body_len += len;
}

static int
s_write_response(struct lws *wsi, s_http_t *req)
{
    unsigned char headers[LWS_PRE + 512];
    unsigned char *start = headers + LWS_PRE, *p = start, *end = headers + sizeof headers - 1;
    if (lws_add_http_common_headers(wsi, (unsigned int) req->status, req->content_type,
                                    req->response_len, &p, end))
        return -1;
    if (req->retry_after) {
        char value[16];
        int n = snprintf(value, sizeof value, "%d", req->retry_after);
        if (lws_add_http_header_by_name(wsi, (const unsigned char *) "retry-after:",
                                        (const unsigned char *) value, n, &p, end))
            return -1;
    }
    if (req->close_after
        && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *) "close", 5, &p, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    if (req->response_len
        && lws_write(wsi, req->response + LWS_PRE, req->response_len, LWS_WRITE_HTTP_FINAL)
               != (int) req->response_len)
        return -1;
    return 0;
}

/*  Refuse an upgrade: the response is written here, lws completes the
    transaction. The status line is written by hand because lws has not parsed
    the request version yet at this point and would answer "HTTP/1.0", which
    WebSocket clients reject as malformed. */
static int
s_refuse_upgrade(struct lws *wsi, err_code_t code, const char *text)
{
    static const char *reasons[] = {[401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found"};
    int status = err_http_status(code);
    const char *phrase = status < 405 && reasons[status] ? reasons[status] : "Error";
    char *body = reply_gateway_error(code, text);
    if (!body)
        return -1;
    unsigned char buf[LWS_PRE + 1536];
    char *p = (char *) buf + LWS_PRE;
    int n = snprintf(p, sizeof buf - LWS_PRE,
                     "HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %zu\r\n"
                     "connection: close\r\n\r\n%s",
                     status, phrase, strlen(body), body);
    free(body);
    if (n < 0 || (size_t) n >= sizeof buf - LWS_PRE)
        return -1;
    return lws_write(wsi, (unsigned char *) p, (size_t) n, LWS_WRITE_HTTP) == n ? 1 : -1;
}

static bool
s_origin_allowed(gateway_t *gw, struct lws *wsi)
{
    const char *allowed = gw->cfg.ws_allowed_origins;
    if (!allowed || !*allowed)
        return true;
    char origin[256];
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0)
        return true; /* non-browser clients send no Origin; CSWSH needs a browser */
    size_t n = strlen(origin);
    for (const char *p = allowed; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t) (comma - p) : strlen(p);
        while (len && *p == ' ')
            p++, len--;
        while (len && p[len - 1] == ' ')
            len--;
        if (len == n && strncmp(p, origin, n) == 0)
            return true;
        if (!comma)
            break;
        p = comma + 1;
    }
    return false;
}

/*  The WebSocket gate: right path, allowed Origin, valid token. The identity
    rides to the WebSocket protocol as the wsi's opaque user data. */
int
http_routes_confirm_upgrade(struct lws *wsi)
{
    gateway_t *gw = gateway_of(wsi);
    char path[1024];
    if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0 || strcmp(path, WS_PATH) != 0)
        return s_refuse_upgrade(wsi, ERR_NOT_FOUND, "no such endpoint");
    if (!s_origin_allowed(gw, wsi))
        return s_refuse_upgrade(wsi, ERR_FORBIDDEN, "origin not allowed");
    auth_identity_t *identity = malloc(sizeof *identity);
    err_t err;
    if (!identity)
        return -1;
    if (http_routes_authenticate(wsi, true, identity, &err) != 0) {
        free(identity);
        log_info("ws.unauthorized", NULL, json_pack("{s:s}", "reason", err.msg));
        return s_refuse_upgrade(wsi, ERR_UNAUTHORIZED, err.msg);
    }
    free(lws_get_opaque_user_data(wsi));
    lws_set_opaque_user_data(wsi, identity);
    return 0;
}

int
http_routes_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    gateway_t *gw = gateway_of(wsi);
    s_http_t *req = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return http_routes_confirm_upgrade(wsi);

    case LWS_CALLBACK_HTTP:
        s_forget(gw, req);
        memset(req, 0, sizeof *req);
        req->wsi = wsi;
        if (gw->stopping) {
            req->close_after = true;
            s_respond_error(req, ERR_UNAVAILABLE, "the gateway is shutting down");
            return 0;
        }
        s_on_request(gw, req);
        return 0;

    case LWS_CALLBACK_HTTP_BODY:
        if (req->route)
            s_on_body(req, in, len);
        return 0;

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (req->armed)
            lws_sul_cancel(&req->body_deadline);
        req->armed = false;
        if (req->route && req->route->needs_body && !req->responding && !req->dispatched)
            s_dispatch(gw, req);
        return 0;

    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!req->responding || req->handle)
            return 0; /* nothing to write yet */
        int rc = s_write_response(wsi, req);
        bool close_after = req->close_after;
        s_forget(gw, req);
        req->responding = false;
        if (rc || close_after)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }

    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (req)
            s_forget(gw, req);
        return 0;

    case LWS_CALLBACK_WSI_DESTROY:
        /* an upgrade that was confirmed but never completed */
        free(lws_get_opaque_user_data(wsi));
        lws_set_opaque_user_data(wsi, NULL);
        return 0;

    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}
