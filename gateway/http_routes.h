/*  http_routes.h - the REST surface: the lws HTTP protocol callback that
    reads requests (routed through route_table.h), authenticates, limits,
    dispatches and writes responses, and the WebSocket upgrade gate (path,
    Origin, token). */
#ifndef P2P_HTTP_ROUTES_H
#define P2P_HTTP_ROUTES_H

#include <jansson.h>

#include "gateway.h"

/*  lws protocol callback for protocols[0] (plain HTTP). */
int http_routes_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

/*  The WebSocket gate, for LWS_CALLBACK_HTTP_CONFIRM_UPGRADE (upgrade: the
    Upgrade header, lws's `in`): a WebSocket upgrade on the session path,
    subprotocol "p2p" or none, an allowed Origin, a valid token, the caller's
    rate limit and session cap. Returns 0 to let the upgrade proceed (the
    identity then rides as the wsi's opaque user data, malloc'd, for the
    session to take), 1 when a refusal (400/401/403/404/429/503) was
    written, -1 to hang up. */
int http_routes_confirm_upgrade(struct lws *wsi, const char *upgrade);

/*  A connection was accepted (LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED,
    which lws gives the default protocol): it now waits for its headers, and
    counts against its address in gw->waiting (which may close that
    address's oldest waiting connection; never this one). */
void http_routes_on_accept(struct lws *wsi);

/*  header_guard's evict callback: close wsi (a struct lws *) at the next
    service of the loop. gw unused. */
void http_routes_close_waiting(void *wsi, void *gw);

/*  The end of an event-loop turn: the connections whose responses left
    during it may read their next requests (see s_respond_now). */
void http_routes_end_turn(gateway_t *gw);

/*  Per-connection memory lws allocates for http_routes_callback. */
size_t http_routes_session_size(void);

/*  Deliver a worker's outcome to the HTTP request behind handle. */
void http_routes_deliver(gateway_t *gw, uint64_t handle, int status, const char *body, size_t len,
                         const char *content_type, const char *filename);

/*  Find the caller's token (Authorization: Bearer, or ?token= when allow_query)
    and verify it. Returns 0 with identity, or -1 with err ERR_UNAUTHORIZED. */
int http_routes_authenticate(struct lws *wsi, bool allow_query, auth_identity_t *identity, err_t *err);

#endif
