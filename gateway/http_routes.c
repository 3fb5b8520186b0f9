/*  http_routes.c - REST requests: route lookup (route_table.c), auth, rate
    limit, body collection within limits, dispatch to a worker, and the
    response.

    An HTTP request's memory is lws's per-connection user data; while it waits
    for a worker it is registered in gw->http under a handle, so a reply that
    arrives after the client left finds nothing and is dropped. */
#include "http_routes.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client_addr.h"
#include "clock.h"
#include "conn.h"
#include "header_guard.h"
#include "json_nul.h"
#include "json_text.h"
#include "log.h"
#include "metrics.h"
#include "pending.h"
#include "reply.h"
#include "route_table.h"
#include "session_index.h"
#include "worker_pool.h"

/*  A request refused for its size is still read (and dropped) up to this
    much, so that its client hears the 413 (see s_on_request). */
#define S_DRAIN_MAX (16 * 1024 * 1024)

/*  A request body must arrive completely within this time, however it trickles. */
#define HTTP_BODY_DEADLINE_S 10

/*  An upload gets that plus the time its declared size takes at this rate
    (64 KiB/s, about 0.5 Mbit/s: a 2 MB phone screenshot on a slow uplink, a
    5 MiB file in 90 s), so it is not cut off for being large. */
#define HTTP_UPLOAD_MIN_BYTES_PER_S (64 * 1024)

/*  Uploads one user may have in progress at once: the gateway's upload
    memory is shared, and one account must not be able to hold all of it. */
#define GATEWAY_UPLOADS_PER_USER 2

#define WS_PATH "/api/p2p/ws"
/*  The one WebSocket protocol clients may reach (main.c names it too). */
#define WS_PROTOCOL "p2p"

typedef struct {
    struct lws *wsi;
    uint64_t handle; /* in gw->http while waiting for a worker; 0 otherwise */
    const route_t *route;
    json_t *params; /* path and query parameters, owned */
    auth_identity_t identity;
    char *body; /* collected request body, owned */
    size_t body_len;
    size_t body_cap;   /* bytes allocated for body */
    bool draining;     /* refused before its body: the answer waits until the body is read */
    bool responding;   /* a response is queued; ignore the rest of the body */
    bool dispatched;   /* sent to a worker (at most once per request) */
    bool expects_body; /* dispatch waits for HTTP_BODY_COMPLETION */
    bool serving_file; /* lws is sending a file; finish on FILE_COMPLETION */
    /* the response, written in HTTP_WRITEABLE */
    int status;
    const char *content_type;
    unsigned char *response; /* LWS_PRE headroom + body, owned */
    size_t response_len;
    int retry_after;
    bool close_after;
    bool armed; /* body_deadline is scheduled */
    lws_sorted_usec_list_t body_deadline;
    /* uploads (MSG_RAW routes): the declared type, and the bytes reserved
       from the gateway's upload budget until the request ends */
    char upload_type[64];
    size_t upload_reserved;
    bool upload_counted; /* in gw->uploads under identity.user_id */
    /* a file response: its type (content_type points here) and name */
    char file_type[64];
    char file_name[96];
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
        {WSI_TOKEN_GET_URI, "GET"},     {WSI_TOKEN_POST_URI, "POST"},     {WSI_TOKEN_PUT_URI, "PUT"},
        {WSI_TOKEN_PATCH_URI, "PATCH"}, {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
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

/*  Keep the response for the connection's writer: s_respond arms
    HTTP_WRITEABLE, a worker's reply is written at once (s_respond_now). */
static void
s_set_response(s_http_t *req, int status, const char *content_type, const char *body, size_t len)
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
}

static void
s_respond(s_http_t *req, int status, const char *content_type, const char *body, size_t len)
{
    s_set_response(req, status, content_type, body, len);
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
    gw->upload_bytes -= req->upload_reserved;
    req->upload_reserved = 0;
    if (req->upload_counted)
        session_index_remove(gw->uploads, req->identity.user_id, (uint64_t) (uintptr_t) req);
    req->upload_counted = false;
    req->file_name[0] = 0;
    if (req->handle)
        handle_table_remove(gw->http, req->handle);
    req->handle = 0;
    if (req->armed)
        lws_sul_cancel(&req->body_deadline);
    req->armed = false;
    free(req->body);
    req->body = NULL;
    req->body_len = 0;
    req->body_cap = 0;
    free(req->response);
    req->response = NULL;
    req->response_len = 0;
    json_decref(req->params);
    req->params = NULL;
}

static int s_send_response(gateway_t *gw, struct lws *wsi, s_http_t *req);

/*  A worker's response leaves now, from the drain of the worker sockets,
    rather than in HTTP_WRITEABLE: that would cost two epoll_ctl calls (arm
    and disarm POLLOUT) and a loop turn per request. What lws then wants
    before it reads the connection's next request, a writable event to leave
    its "deferring" state (lws 4.1.6 lws_http_transaction_completed), it gets
    at the end of the turn (http_routes_end_turn), within the same turn, so
    its POLLOUT is set and cleared before libev applies either. A response
    that closes the connection, or waits for a body still arriving, takes the
    usual way. */
static void
s_respond_now(gateway_t *gw, s_http_t *req)
{
    struct lws *wsi = req->wsi;
    if (req->draining || req->serving_file || req->close_after) {
        lws_callback_on_writable(wsi);
        return;
    }
    if (s_send_response(gw, wsi, req) != 0) {
        /* outside its own callback: the connection cannot return -1 */
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    if (gw->writable_count == gw->writable_cap) {
        size_t cap = gw->writable_cap ? 2 * gw->writable_cap : 64;
        int *fds = realloc(gw->writable_fds, cap * sizeof *fds);
        if (!fds) {
            lws_callback_on_writable(wsi); /* lws's own way: the event arrives next turn */
            return;
        }
        gw->writable_fds = fds;
        gw->writable_cap = cap;
    }
    gw->writable_fds[gw->writable_count++] = (int) lws_get_socket_fd(wsi);
}

void
http_routes_end_turn(gateway_t *gw)
{
    /* by fd, not by wsi: a connection closed since is not touched (an fd
       taken again by a new connection gets a writable event it ignores) */
    for (size_t i = 0; i < gw->writable_count; i++) {
        struct lws_pollfd writable = {
            .fd = gw->writable_fds[i], .events = LWS_POLLIN | LWS_POLLOUT, .revents = LWS_POLLOUT};
        lws_service_fd(gw->lws, &writable);
    }
    gw->writable_count = 0;
}

void
http_routes_deliver(gateway_t *gw, uint64_t handle, int status, const char *body, size_t len,
                    const char *content_type, const char *filename)
{
    s_http_t *req = handle_table_lookup(gw->http, handle);
    if (!req)
        return;
    handle_table_remove(gw->http, handle);
    req->handle = 0;
    if (content_type && *content_type) {
        /* a file: sent as an attachment the browser must not sniff into
           something executable */
        snprintf(req->file_type, sizeof req->file_type, "%s", content_type);
        snprintf(req->file_name, sizeof req->file_name, "%s", filename && *filename ? filename : "file");
        s_set_response(req, status, req->file_type, body, len);
    }
    else
        s_set_response(req, status, "application/json", body, len);
    s_respond_now(gw, req);
}

/*  Hand the (validated) request to a worker. */
static void
s_dispatch(gateway_t *gw, s_http_t *req)
{
    req->dispatched = true;
    bool raw = msg_type_is_raw(req->route->type);
    if (req->body_len && !raw) {
        /* reject what a worker would only reject later: not JSON, not an
           object, invalid UTF-8, or U+0000 (named by its field) */
        err_t err;
        json_t *root = json_nul_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
        bool parsed = root != NULL, object = json_is_object(root);
        json_decref(root);
        if (!object) {
            s_respond_error(req, ERR_INVALID, parsed ? "request body must be a JSON object" : err.msg);
            return;
        }
    }
    char *params = json_object_size(req->params) ? json_dumps(req->params, JSON_COMPACT) : NULL;
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
        .params = params,
        .content_type = raw ? req->upload_type : NULL,
    };
    err_t err;
    int sent = req->handle ? pending_dispatch(gw, &pending, &err) : -1;
    free(params);
    if (sent != 0) {
        if (req->handle)
            handle_table_remove(gw->http, req->handle);
        req->handle = 0;
        s_respond_error(req, ERR_UNAVAILABLE,
                        "the service is temporarily unavailable; the request was not applied");
    }
}

static void s_dev_token(gateway_t *gw, s_http_t *req);
static int s_transaction_completed(gateway_t *gw, struct lws *wsi);

/*  The whole request is in: act on it. */
static void
s_complete(gateway_t *gw, s_http_t *req)
{
    if (req->route->kind == ROUTE_DEV_TOKEN)
        s_dev_token(gw, req);
    else
        s_dispatch(gw, req);
}

static void
s_on_body_deadline(lws_sorted_usec_list_t *sul)
{
    s_http_t *req = lws_container_of(sul, s_http_t, body_deadline);
    req->armed = false;
    log_info("http.body_timeout", NULL, NULL);
    lws_set_timeout(req->wsi, PENDING_TIMEOUT_HTTP_CONTENT, LWS_TO_KILL_ASYNC);
}

/*  Add the query string's arguments (already URL-decoded by lws) to params,
    which holds the path's. A name the path already gives, or one given
    twice, is refused: which value counts would be a guess, and logs and
    audit rows show the path's. Returns 0, or -1 with err naming it. */
static int
s_add_query(struct lws *wsi, json_t *params, err_t *err)
{
    char arg[1024];
    json_t *query = json_object();
    int rc = 0;
    for (int i = 0; lws_hdr_copy_fragment(wsi, arg, sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
        char *eq = strchr(arg, '=');
        if (eq)
            *eq = 0;
        if (strcmp(arg, "token") == 0 || !*arg)
            continue;
        if (json_object_get(params, arg) || json_object_get(query, arg)) {
            rc = err_set(err, ERR_INVALID, "parameter '%s' %s", json_text_utf8_valid(arg) ? arg : "?",
                         json_object_get(params, arg) ? "is in the path; it cannot be given in the query too"
                                                      : "is given more than once");
            break;
        }
        json_t *value = json_string(eq ? eq + 1 : "");
        if (value) /* not UTF-8: the worker reports the parameter as missing */
            json_object_set_new(query, arg, value);
    }
    if (rc == 0)
        json_object_update(params, query);
    json_decref(query);
    return rc;
}

/*  The request's Content-Length: -1 when there is none, -2 when it is not
    plain digits. lws frames the body by its own reading of the header
    (atoll: "-5" is a huge unsigned length, "5x" is 5), so anything else
    leaves where the next request starts unknown. */
static long long
s_content_length(struct lws *wsi)
{
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (total <= 0)
        return -1;
    char text[24];
    if (total >= (int) sizeof text
        || lws_hdr_copy(wsi, text, sizeof text, WSI_TOKEN_HTTP_CONTENT_LENGTH) != total)
        return -2;
    size_t len = (size_t) total;
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        text[--len] = 0;
    if (len == 0 || len > 18 || strspn(text, "0123456789") != len)
        return -2;
    return strtoll(text, NULL, 10);
}

/*  The browser client: GET / is index.html, GET /static/<file> a file of the
    web directory. File names are restricted so nothing outside it is reachable. */
static int
s_serve_web(gateway_t *gw, s_http_t *req)
{
    const char *file = "index.html";
    json_t *name = json_object_get(req->params, "file");
    if (name)
        file = json_string_value(name);
    bool safe = file && *file && file[0] != '.' && strlen(file) < 128;
    for (const char *c = file; safe && *c; c++)
        safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.'
               || *c == '_' || *c == '-';
    if (!safe) {
        s_respond_error(req, ERR_NOT_FOUND, "no such file");
        return 0;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", gw->cfg.web_dir, file);
    if (access(path, R_OK) != 0) {
        /* the same JSON 404 as every other route, not lws's HTML page */
        s_respond_error(req, ERR_NOT_FOUND, "no such file");
        return 0;
    }
    int rc = lws_serve_http_file(req->wsi, path, route_table_mime_type(file), NULL, 0);
    if (rc < 0)
        return -1;
    if (rc > 0) /* lws wrote a 404 itself and finished the transaction */
        return s_transaction_completed(gw, req->wsi);
    req->serving_file = true;
    return 0;
}

/*  Development only (P2P_DEV_TOKENS=1): mint a token for a user id, so the
    browser client can be tried without an identity provider. */
static void
s_dev_token(gateway_t *gw, s_http_t *req)
{
    json_t *body = req->body_len ? json_loadb(req->body, req->body_len, 0, NULL) : NULL;
    const char *user_id = json_string_value(json_object_get(body, "user_id"));
    const char *role = json_string_value(json_object_get(body, "role"));
    if (!user_id || !*user_id || strlen(user_id) > AUTH_USER_ID_MAX) {
        s_respond_error(req, ERR_INVALID, "user_id must be a string of 1-255 characters");
        json_decref(body);
        return;
    }
    char *token = auth_mint(gw->auth, user_id, role, 3600, (long) (clock_wall_ms() / 1000));
    json_decref(body);
    if (!token) {
        s_respond_error(req, ERR_INTERNAL, "could not mint a token");
        return;
    }
    char *reply = reply_ok_body(json_pack("{s:s, s:i}", "token", token, "expires_in", 3600), NULL);
    free(token);
    s_respond(req, 200, "application/json", reply, reply ? strlen(reply) : 0);
    free(reply);
}

/*  GET /p2p/ready: 200 while a worker that can serve (its database is up)
    is live for every kind P2P_READY_KINDS names (default: every kind). */
static void
s_ready(gateway_t *gw, s_http_t *req)
{
    json_t *data = json_object();
    bool ready = worker_pool_ready(gw->pool, data);
    json_object_set_new(data, "ready", json_boolean(ready));
    json_t *root = json_pack("{s:b, s:o}", "success", ready, "data", data);
    if (!ready) {
        json_object_set_new(root, "error", json_string("SERVICE_UNAVAILABLE"));
        json_object_set_new(
            root, "message",
            json_string("no worker able to serve (live, database up) for every required kind"));
    }
    char *body = json_dumps(root, REPLY_JSON_FLAGS);
    json_decref(root);
    s_respond(req, ready ? 200 : 503, "application/json", body, body ? strlen(body) : 0);
    free(body);
}

/*  Take one request from the budget of wsi's client address (callers with no
    valid token). Returns 0, or the seconds to wait. */
static int
s_take_for_peer(gateway_t *gw, struct lws *wsi)
{
    client_addr_t scratch;
    return rate_limit_take(gw->limits, conn_peer(wsi, &scratch)->key, clock_mono_ms());
}

/*  Development conveniences answer only a client on this host, talking to
    us directly: not through a proxy on this host, which makes every remote
    client look local. */
static bool
s_local_client(struct lws *wsi)
{
    client_addr_t scratch;
    if (!conn_peer(wsi, &scratch)->loopback)
        return false;
    return lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR) <= 0
           && lws_hdr_custom_length(wsi, "forwarded:", 10) < 0
           && lws_hdr_custom_length(wsi, "x-real-ip:", 10) < 0;
}

void
http_routes_close_waiting(void *wsi, void *gw)
{
    (void) gw;
    log_debug("http.evicted", NULL,
              json_pack("{s:s}", "reason", "too many connections waiting from its address"));
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/*  wsi waits for a request's headers (again): count it against its
    address (which may close that address's oldest waiting connection). */
static void
s_waiting(gateway_t *gw, struct lws *wsi)
{
    client_addr_t scratch;
    header_guard_waiting(gw->waiting, wsi, conn_peer(wsi, &scratch)->key, clock_mono_ms());
}

/*  A keep-alive connection finished a request: it waits for the next. */
static int
s_transaction_completed(gateway_t *gw, struct lws *wsi)
{
    if (lws_http_transaction_completed(wsi))
        return -1;
    s_waiting(gw, wsi);
    return 0;
}

void
http_routes_on_accept(struct lws *wsi)
{
    s_waiting(gateway_of(wsi), wsi);
}

/*  GET /metrics: the counters plus gauges sampled now. */
static void
s_metrics(gateway_t *gw, s_http_t *req)
{
    json_t *workers = worker_pool_describe(gw->pool);
    json_t *live = json_object();
    for (int kind = SERVICE_NONE + 1; kind < SERVICE_COUNT; kind++)
        json_object_set_new(live, service_name((service_t) kind),
                            json_integer(worker_pool_live(gw->pool, (service_t) kind)));
    json_t *gauges =
        json_pack("{s:{s:s, s:s, s:I}, s:{s:s, s:s, s:I}, s:{s:s, s:s, s:s, s:o}, s:{s:s, s:s, s:I}}",
                  "p2p_ws_sessions", "help", "Open WebSocket sessions.", "type", "gauge", "values",
                  (json_int_t) handle_table_size(gw->sessions), "p2p_requests_in_flight", "help",
                  "Requests sent to workers and not answered yet.", "type", "gauge", "values",
                  (json_int_t) handle_table_size(gw->pending), "p2p_workers_live", "help",
                  "Live workers by kind.", "type", "gauge", "label", "kind", "values", live,
                  "p2p_rate_limited_total", "help", "Requests refused by the rate limit.", "type", "counter",
                  "values", (json_int_t) rate_limit_refusals(gw->limits));
    json_object_set_new(gauges, "p2p_http_waiting_connections",
                        json_pack("{s:s, s:s, s:I}", "help", "Connections waiting for request headers.",
                                  "type", "gauge", "values", (json_int_t) header_guard_size(gw->waiting)));
    json_object_set_new(gauges, "p2p_http_waiting_evicted_total",
                        json_pack("{s:s, s:s, s:I}", "help",
                                  "Waiting connections closed because their address opened too many.", "type",
                                  "counter", "values", (json_int_t) header_guard_evicted(gw->waiting)));
    size_t len = 0;
    char *text = metrics_render(gw->metrics, gauges, workers, &len);
    s_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", text ? text : "", len);
    free(text);
    json_decref(gauges);
    json_decref(workers);
}

/*  An upload holds up to 5 MiB in the gateway until a worker has it: the sum
    over uploads in progress is bounded (P2P_UPLOAD_MEMORY_MB), so many
    parallel uploads get a clear 503 + Retry-After instead of exhausting the
    gateway's memory. An upload must declare its length. 0 reserved (or
    nothing to reserve), -1 answered. */
static int
s_reserve_upload(gateway_t *gw, s_http_t *req, long long declared)
{
    char type[64] = "";
    if (lws_hdr_copy(req->wsi, type, sizeof type, WSI_TOKEN_HTTP_CONTENT_TYPE) < 0)
        type[0] = 0;
    type[strcspn(type, "; ")] = 0; /* parameters (charset=...) are not part of the type */
    snprintf(req->upload_type, sizeof req->upload_type, "%s", type);
    if (declared <= 0) {
        req->close_after = true;
        s_respond_error(req, ERR_INVALID,
                        "header 'Content-Length' is required for an upload (and it must not be 0)");
        return -1;
    }
    if (session_index_count(gw->uploads, req->identity.user_id) >= GATEWAY_UPLOADS_PER_USER) {
        req->close_after = true;
        req->retry_after = 1;
        char text[96];
        snprintf(text, sizeof text, "at most %d uploads at a time per user; retry when one is done",
                 GATEWAY_UPLOADS_PER_USER);
        s_respond_error(req, ERR_RATE_LIMITED, text);
        return -1;
    }
    size_t budget = (size_t) gw->cfg.upload_memory_mb * 1024 * 1024;
    if (gw->upload_bytes + (size_t) declared > budget) {
        req->close_after = true;
        req->retry_after = 1;
        log_warn("http.upload_budget", NULL,
                 json_pack("{s:I, s:I}", "held", (json_int_t) gw->upload_bytes, "declared",
                           (json_int_t) declared));
        s_respond_error(req, ERR_UNAVAILABLE, "too many uploads in progress; retry shortly");
        return -1;
    }
    if (session_index_add(gw->uploads, req->identity.user_id, (uint64_t) (uintptr_t) req) != 0) {
        req->close_after = true;
        s_respond_error(req, ERR_INTERNAL, "out of memory");
        return -1;
    }
    req->upload_counted = true;
    req->upload_reserved = (size_t) declared;
    gw->upload_bytes += req->upload_reserved;
    return 0;
}

/*  A request answered before its body (413, or an upload refused): read and
    drop a body of a sane size first, since closing with unread data resets
    the connection and the client would never see the answer. A larger one
    (or none declared) is cut off at once. */
static void
s_drain_then_answer(gateway_t *gw, s_http_t *req, long long declared)
{
    if (declared <= 0 || declared > S_DRAIN_MAX)
        return;
    req->draining = true;
    req->armed = true;
    lws_sul_schedule(gw->lws, 0, &req->body_deadline, s_on_body_deadline,
                     HTTP_BODY_DEADLINE_S * LWS_US_PER_SEC);
}

/*  A new request: route, authenticate, rate-limit; then answer at once, wait
    for the body, or dispatch. Returns -1 to close the connection. */
static int
s_on_request(gateway_t *gw, s_http_t *req)
{
    long long declared = s_content_length(req->wsi);
    if (declared == -2) {
        /* the body's end is unknown: answer, then close (RFC 9112 6.3) */
        req->close_after = true;
        s_respond_error(req, ERR_INVALID, "Content-Length must be a non-negative decimal integer");
        return 0;
    }
    char path[1024];
    const char *method = s_method(req->wsi, path, sizeof path);
    bool path_known;
    req->route = route_table_find(method, path, &path_known, &req->params);
    const route_t *route = req->route;
    if (!route) {
        req->close_after = true; /* an unread body must not be parsed as the next request */
        if (path_known)
            s_respond_error(req, ERR_METHOD, "method not allowed");
        else
            s_respond_error(req, ERR_NOT_FOUND, "no such endpoint");
        return 0;
    }
    if (!req->params)
        req->params = json_object();
    switch (route->kind) {
    case ROUTE_HEALTH: {
        static const char ok[] = "P2P service is running";
        s_respond(req, 200, "text/plain; charset=utf-8", ok, sizeof ok - 1);
        return 0;
    }
    case ROUTE_READY:
        s_ready(gw, req);
        return 0;
    case ROUTE_WEB:
        return s_serve_web(gw, req);
    case ROUTE_METRICS:
        if (!gw->cfg.metrics) {
            s_respond_error(req, ERR_NOT_FOUND, "no such endpoint");
            return 0;
        }
        s_metrics(gw, req);
        return 0;
    case ROUTE_DEV_TOKEN:
        /* it mints tokens for anyone: local development only */
        if (!gw->cfg.dev_tokens || !s_local_client(req->wsi)) {
            req->close_after = true;
            s_respond_error(req, ERR_NOT_FOUND, "no such endpoint");
            return 0;
        }
        break;
    case ROUTE_WS:
    case ROUTE_WORKER:
        break;
    }
    bool has_body = route_table_has_body(method);
    err_t err;
    char key[300];
    if (route->auth != ROUTE_AUTH_NONE) {
        if (http_routes_authenticate(req->wsi, false, &req->identity, &err) != 0) {
            req->close_after = has_body;
            /* failed logins count per address: token guessing is rate-limited too */
            int wait_s = s_take_for_peer(gw, req->wsi);
            if (wait_s) {
                req->retry_after = wait_s;
                s_respond_error(req, ERR_RATE_LIMITED, "too many requests; retry later");
                return 0;
            }
            s_respond_error(req, ERR_UNAUTHORIZED, err.msg);
            log_info("http.unauthorized", NULL, json_pack("{s:s, s:s}", "path", path, "reason", err.msg));
            return 0;
        }
        if (route->auth == ROUTE_AUTH_ADMIN && !req->identity.is_admin) {
            req->close_after = has_body;
            s_respond_error(req, ERR_FORBIDDEN, "the admin API needs a token with role \"admin\"");
            return 0;
        }
        snprintf(key, sizeof key, "user:%s", req->identity.user_id);
    }
    int wait_s = route->auth != ROUTE_AUTH_NONE ? rate_limit_take(gw->limits, key, clock_mono_ms())
                                                : s_take_for_peer(gw, req->wsi);
    if (wait_s) {
        req->retry_after = wait_s;
        req->close_after = has_body;
        s_respond_error(req, ERR_RATE_LIMITED, "too many requests; retry later");
        return 0;
    }
    if (route->kind == ROUTE_WS) {
        s_respond_error(req, ERR_UPGRADE_REQUIRED, "this path takes WebSocket upgrades only");
        return 0;
    }
    if (s_add_query(req->wsi, req->params, &err) != 0) {
        req->close_after = has_body;
        s_respond_error(req, ERR_INVALID, err.msg);
        return 0;
    }
    if (!has_body)
        declared = -1;
    bool raw = msg_type_is_raw(route->type);
    if (declared > (long long) (raw ? GATEWAY_MAX_UPLOAD : GATEWAY_MAX_BODY)) {
        req->close_after = true;
        s_respond_error(req, ERR_TOO_LARGE,
                        raw ? "a file may be at most 5 MiB" : "request body is larger than 64 KiB");
        s_drain_then_answer(gw, req, declared);
        return 0;
    }
    bool chunked = has_body && lws_hdr_total_length(req->wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    if (raw && s_reserve_upload(gw, req, declared) != 0) {
        s_drain_then_answer(gw, req, declared); /* refused (429, 503) before its body */
        return 0;
    }
    if (!has_body || (declared <= 0 && !chunked)) {
        s_complete(gw, req);
        return 0;
    }
    /* lws re-arms its own body timeout on every chunk; this one is absolute
       (an upload's grows with its declared size) */
    lws_usec_t deadline_us = HTTP_BODY_DEADLINE_S * LWS_US_PER_SEC;
    if (req->upload_reserved)
        deadline_us += (lws_usec_t) req->upload_reserved * LWS_US_PER_SEC / HTTP_UPLOAD_MIN_BYTES_PER_S;
    req->expects_body = true;
    req->armed = true;
    lws_sul_schedule(gw->lws, 0, &req->body_deadline, s_on_body_deadline, deadline_us);
    return 0;
}

static void
s_on_body(s_http_t *req, const char *in, size_t len)
{
    if (req->responding || len == 0)
        return;
    /* an upload never outgrows what it declared (and reserved) */
    size_t limit = req->upload_reserved ? req->upload_reserved : GATEWAY_MAX_BODY;
    if (req->body_len + len > limit) {
        req->close_after = true;
        s_respond_error(req, ERR_TOO_LARGE,
                        req->upload_reserved ? "the body is longer than its Content-Length"
                                             : "request body is larger than 64 KiB");
        return;
    }
    if (req->body_len + len + 1 > req->body_cap) {
        /* an upload gets its declared size at once; anything else doubles,
           so a body is copied O(1) times, not once per chunk */
        size_t cap = req->upload_reserved ? req->upload_reserved + 1 : req->body_cap * 2;
        if (cap < req->body_len + len + 1)
            cap = req->body_len + len + 1;
        if (cap < 1024)
            cap = 1024;
        char *grown = realloc(req->body, cap);
        if (!grown) {
            req->close_after = true;
            s_respond_error(req, ERR_INTERNAL, "out of memory");
            return;
        }
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, in, len);
    req->body_len += len;
}

/*  Room for the response headers in front of the body. */
#define S_HEADERS_MAX 512

/*  Headers and body leave in one write: one TCP segment and one wake-up of
    the client instead of two. */
static int
s_write_response(struct lws *wsi, s_http_t *req)
{
    unsigned char small[LWS_PRE + S_HEADERS_MAX + 2048];
    size_t size = LWS_PRE + S_HEADERS_MAX + req->response_len;
    unsigned char *buf = size <= sizeof small ? small : malloc(size);
    if (!buf)
        return -1;
    unsigned char *start = buf + LWS_PRE, *p = start, *end = start + S_HEADERS_MAX;
    int rc = -1;
    if (lws_add_http_common_headers(wsi, (unsigned int) req->status, req->content_type, req->response_len, &p,
                                    end))
        goto done;
    if (req->file_name[0]) {
        char value[160];
        int n = snprintf(value, sizeof value, "attachment; filename=\"%s\"", req->file_name);
        if (lws_add_http_header_by_name(wsi, (const unsigned char *) "content-disposition:",
                                        (const unsigned char *) value, n, &p, end)
            || lws_add_http_header_by_name(wsi, (const unsigned char *) "x-content-type-options:",
                                           (const unsigned char *) "nosniff", 7, &p, end))
            goto done;
    }
    if (req->retry_after) {
        char value[16];
        int n = snprintf(value, sizeof value, "%d", req->retry_after);
        if (lws_add_http_header_by_name(
                wsi, (const unsigned char *) "retry-after:", (const unsigned char *) value, n, &p, end))
            goto done;
    }
    /* RFC 9110 15.5.22: a 426 names the protocol to switch to */
    if (req->status == 426
        && lws_add_http_header_by_name(
            wsi, (const unsigned char *) "upgrade:", (const unsigned char *) "websocket", 9, &p, end))
        goto done;
    if (req->close_after
        && lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *) "close", 5, &p,
                                        end))
        goto done;
    if (lws_finalize_http_header(wsi, &p, end))
        goto done;
    if (req->response_len) {
        memcpy(p, req->response + LWS_PRE, req->response_len);
        p += req->response_len;
    }
    metrics_http_response(gateway_of(wsi)->metrics, req->status);
    size_t len = (size_t) (p - start);
    if (lws_write(wsi, start, len, LWS_WRITE_HTTP_HEADERS) == (int) len)
        rc = 0;
done:
    if (buf != small)
        free(buf);
    return rc;
}

/*  Write req's response and end the transaction. 0: the connection waits
    for its next request; -1: it must close. req is gone either way
    (lws_http_transaction_completed binds the protocol again, which frees
    it). */
static int
s_send_response(gateway_t *gw, struct lws *wsi, s_http_t *req)
{
    int rc = s_write_response(wsi, req);
    bool close_after = req->close_after;
    s_forget(gw, req);
    req->responding = false;
    if (rc || close_after)
        return -1;
    return s_transaction_completed(gw, wsi);
}

/*  Refuse an upgrade: the response is written here, lws completes the
    transaction. The status line is written by hand because lws has not parsed
    the request version yet at this point and would answer "HTTP/1.0", which
    WebSocket clients reject as malformed. */
static int
s_refuse_upgrade(struct lws *wsi, err_code_t code, const char *text, int retry_after)
{
    int status = err_http_status(code);
    const char *phrase = status == 400   ? "Bad Request"
                         : status == 401 ? "Unauthorized"
                         : status == 403 ? "Forbidden"
                         : status == 404 ? "Not Found"
                         : status == 429 ? "Too Many Requests"
                         : status == 503 ? "Service Unavailable"
                                         : "Error";
    char *body = reply_gateway_error(code, text);
    if (!body)
        return -1;
    char retry[48] = "";
    if (retry_after > 0)
        snprintf(retry, sizeof retry, "retry-after: %d\r\n", retry_after);
    unsigned char buf[LWS_PRE + 1536];
    char *p = (char *) buf + LWS_PRE;
    int n = snprintf(p, sizeof buf - LWS_PRE,
                     "HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %zu\r\n"
                     "%sconnection: close\r\n\r\n%s",
                     status, phrase, strlen(body), retry, body);
    free(body);
    if (n < 0 || (size_t) n >= sizeof buf - LWS_PRE)
        return -1;
    if (lws_write(wsi, (unsigned char *) p, (size_t) n, LWS_WRITE_HTTP) != n)
        return -1;
    /* lws now completes the transaction and, despite "connection: close",
       waits for another request on this connection: count it as waiting */
    s_waiting(gateway_of(wsi), wsi);
    return 1;
}

static bool
s_origin_allowed(gateway_t *gw, struct lws *wsi)
{
    const char *allowed = gw->cfg.ws_allowed_origins;
    if (!allowed || !*allowed)
        return true;
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
    if (total <= 0)
        return true; /* non-browser clients send no Origin; CSWSH needs a browser */
    /* an Origin too long for the buffer is no allowed one: fail closed */
    char origin[256];
    if (total >= (int) sizeof origin || lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) != total)
        return false;
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

/*  Is the subprotocol the client offers (if any) the session protocol? lws
    binds the first offered name that is one of the vhost's protocols, and
    "http" and "p2p-zmq" are ours too: a WebSocket bound to one of them would
    be no session (no pings, no idle timeout, no close on suspension). So the
    first name lws would bind must be "p2p", and names must be plain tokens
    so that lws splits the list exactly as this does. */
static bool
s_subprotocol_allowed(struct lws *wsi)
{
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_PROTOCOL);
    if (total <= 0)
        return true; /* none offered: lws binds the default, "p2p" */
    char list[256];
    if (total >= (int) sizeof list || lws_hdr_copy(wsi, list, sizeof list, WSI_TOKEN_PROTOCOL) != total)
        return false;
    struct lws_vhost *vhost = lws_get_vhost(wsi);
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        while (*name == ' ' || *name == '\t')
            name++;
        size_t len = strcspn(name, " \t");
        if (name[len + strspn(name + len, " \t")] != 0 || len == 0)
            return false; /* "a b", or an empty name */
        name[len] = 0;
        for (const char *c = name; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
                  || *c == '-' || *c == '.' || *c == '_'))
                return false;
        if (lws_vhost_name_to_protocol(vhost, name))
            return strcmp(name, WS_PROTOCOL) == 0;
    }
    return false; /* nothing we serve: lws would refuse it anyway */
}

/*  The WebSocket gate: a WebSocket upgrade, right path, the session
    subprotocol, allowed Origin, valid token, within the caller's rate limit
    (each upgrade writes to the database) and session cap. The identity rides
    to the WebSocket protocol as the wsi's opaque user data. */
int
http_routes_confirm_upgrade(struct lws *wsi, const char *upgrade)
{
    gateway_t *gw = gateway_of(wsi);
    header_guard_done(gw->waiting, wsi); /* its headers are in */
    if (gw->stopping)
        return s_refuse_upgrade(wsi, ERR_UNAVAILABLE, "the gateway is shutting down", 0);
    if (!upgrade || strcasecmp(upgrade, "websocket") != 0)
        return s_refuse_upgrade(wsi, ERR_INVALID, "only WebSocket upgrades are served", 0);
    char path[1024];
    if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0 || strcmp(path, WS_PATH) != 0)
        return s_refuse_upgrade(wsi, ERR_NOT_FOUND, "no such endpoint", 0);
    if (!s_subprotocol_allowed(wsi))
        return s_refuse_upgrade(wsi, ERR_INVALID,
                                "Sec-WebSocket-Protocol: only \"" WS_PROTOCOL "\" is served", 0);
    if (!s_origin_allowed(gw, wsi))
        return s_refuse_upgrade(wsi, ERR_FORBIDDEN, "origin not allowed", 0);
    auth_identity_t *identity = malloc(sizeof *identity);
    err_t err;
    if (!identity)
        return -1;
    if (http_routes_authenticate(wsi, true, identity, &err) != 0) {
        free(identity);
        log_info("ws.unauthorized", NULL, json_pack("{s:s}", "reason", err.msg));
        int wait_s = s_take_for_peer(gw, wsi);
        if (wait_s)
            return s_refuse_upgrade(wsi, ERR_RATE_LIMITED, "too many requests; retry later", wait_s);
        return s_refuse_upgrade(wsi, ERR_UNAUTHORIZED, err.msg, 0);
    }
    /* upgrades have a budget of their own (the same size): the contract's
       per-user budget counts REST calls and WebSocket messages, and a
       session opened must not cost one of them; a reconnect loop still
       stops at the limit (each upgrade is a connect check on a worker) */
    char key[300];
    snprintf(key, sizeof key, "upgrade:%s", identity->user_id);
    int wait_s = rate_limit_take(gw->limits, key, clock_mono_ms());
    int cap = gw->cfg.ws_max_sessions_per_user;
    bool full = cap > 0 && session_index_count(gw->by_user, identity->user_id) >= (size_t) cap;
    free(conn_take_identity(wsi));
    if (wait_s || full) {
        free(identity);
        log_info("ws.upgrade_refused", NULL,
                 json_pack("{s:s}", "reason", wait_s ? "rate_limited" : "too_many_sessions"));
        if (wait_s)
            return s_refuse_upgrade(wsi, ERR_RATE_LIMITED, "too many requests; retry later", wait_s);
        char text[96];
        snprintf(text, sizeof text, "at most %d open sessions per user; close one to open another", cap);
        return s_refuse_upgrade(wsi, ERR_TOO_MANY_SESSIONS, text, 0);
    }
    return conn_keep_identity(wsi, identity);
}

int
http_routes_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    gateway_t *gw = gateway_of(wsi);
    s_http_t *req = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return http_routes_confirm_upgrade(wsi, in);

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    case LWS_CALLBACK_ESTABLISHED:
        /* a WebSocket bound to the HTTP protocol would be no session; the
           gate refuses such upgrades, this makes sure */
        return -1;

    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        http_routes_on_accept(wsi);
        return 0;

    case LWS_CALLBACK_HTTP:
        header_guard_done(gw->waiting, wsi); /* its headers are in */
        s_forget(gw, req);
        memset(req, 0, sizeof *req);
        req->wsi = wsi;
        if (gw->stopping) {
            req->close_after = true;
            s_respond_error(req, ERR_UNAVAILABLE, "the gateway is shutting down");
            return 0;
        }
        return s_on_request(gw, req);

    case LWS_CALLBACK_HTTP_BODY:
        if (req->route)
            s_on_body(req, in, len);
        return 0;

    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (req->armed)
            lws_sul_cancel(&req->body_deadline);
        req->armed = false;
        if (req->draining) {
            req->draining = false;
            lws_callback_on_writable(wsi);
            return 0;
        }
        if (req->route && req->expects_body && !req->responding && !req->dispatched)
            s_complete(gw, req);
        return 0;

    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        req->serving_file = false;
        return s_transaction_completed(gw, wsi);

    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (req->serving_file)
            break; /* lws's own file transfer uses this callback too */
        if (!req->responding || req->handle || req->draining)
            return 0; /* nothing to write yet */
        return s_send_response(gw, wsi, req);
    }

    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (req)
            s_forget(gw, req);
        return 0;

    case LWS_CALLBACK_WSI_DESTROY:
        /* every connection ends here (lws calls protocols[0]) */
        header_guard_done(gw->waiting, wsi);
        conn_destroy(wsi);
        return 0;

    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}
