/*  gateway.h - the gateway process object: everything one gateway owns, in
    one place, reachable from every lws callback through the context user
    pointer. Each concern lives in its own file; this struct only ties them. */
#ifndef P2P_GATEWAY_H
#define P2P_GATEWAY_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "config.h"
#include "envelope.h"
#include "handle_table.h"
#include "msg_type.h"
#include "rate_limit.h"
#include "session_index.h"

typedef struct worker_pool worker_pool_t;
typedef struct metrics metrics_t;
typedef struct session_index session_index_t;
typedef struct header_guard header_guard_t;

/*  Bodies larger than this are refused: REST 413, WebSocket close 1009. */
#define GATEWAY_MAX_BODY (64 * 1024)

/*  An upload route's body (MSG_RAW: a proof-of-payment file) may be this large. */
#define GATEWAY_MAX_UPLOAD (5 * 1024 * 1024)

/*  Where a reply must go. */
typedef enum { ORIGIN_HTTP, ORIGIN_WS } origin_t;

typedef struct gateway {
    config_t cfg;
    struct lws_context *lws;
    struct ev_loop *loop; /* the event loop lws runs on (main.c owns it) */
    struct lws_vhost *vhost;
    auth_t *auth;
    rate_limit_t *limits;
    worker_pool_t *pool;
    metrics_t *metrics;
    handle_table_t *pending;     /* request id -> pending_t (owned by pending.c) */
    struct pending_queue *queue; /* deadlines in order, answered requests' lines to write (pending.c) */
    handle_table_t *sessions;    /* session handle -> ws_session_t (lws-owned memory) */
    session_index_t *by_user;    /* user id -> that user's session handles */
    handle_table_t *http;        /* request handle -> http_request_t (lws-owned memory) */
    header_guard_t *waiting;     /* connections waiting for request headers, per address */
    int *writable_fds;           /* keep-alive connections answered this turn (http_routes.c) */
    size_t writable_count, writable_cap;
    lws_sorted_usec_list_t tick; /* heartbeats, purges, sweeps */
    lws_sorted_usec_list_t safety_drain;
    lws_sorted_usec_list_t keepalive; /* WebSocket pings and idle timeouts */
    lws_retry_bo_t ws_policy;
    int64_t started_ms;
    bool stopping;
    size_t upload_bytes;      /* uploads' bodies held now (bounded by P2P_UPLOAD_MEMORY_MB) */
    session_index_t *uploads; /* user id -> their uploads in progress (GATEWAY_UPLOADS_PER_USER) */
} gateway_t;

/*  The gateway that owns wsi's context. */
static inline gateway_t *
gateway_of(struct lws *wsi)
{
    return (gateway_t *) lws_context_user(lws_get_context(wsi));
}

/*  Hand a finished request's outcome to whoever asked (an HTTP request or a
    WebSocket session). Silently dropped when the origin is gone. body is
    borrowed. */
void gateway_deliver(gateway_t *self, origin_t origin, uint64_t origin_handle, msg_type_t type,
                     const char *client_request_id, int status, const char *body, size_t body_len,
                     const char *content_type, const char *filename);

#endif
