/*  ws_session.h - WebSocket sessions on /api/p2p/ws: the connect flow
    (profile check, then "connected" or "connection_error"), message intake
    with size, rate and in-flight limits, replies matched by request id, and
    an outbound queue written only from the WRITEABLE callback. */
#ifndef P2P_WS_SESSION_H
#define P2P_WS_SESSION_H

#include "gateway.h"

/*  lws protocol callback for the "p2p" WebSocket protocol. */
int ws_session_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

/*  Per-session memory lws allocates for ws_session_callback. */
size_t ws_session_size(void);

/*  Deliver a worker's outcome to the session behind handle (dropped when it
    has closed). body is borrowed. */
void ws_session_deliver(gateway_t *gw, uint64_t handle, msg_type_t type, const char *client_request_id,
                        int status, const char *body, size_t len);

/*  A worker of kind from (SERVICE_NONE: a peer that is not a registered
    worker) sent event about user_id. Events not in common/event.h, or from a
    kind its line does not allow, are dropped with a warning; the others act
    on the user's sessions only (found through gw->by_user), as the table
    says. body is the event's JSON text, borrowed. */
void ws_session_on_event(gateway_t *gw, service_t from, const char *event, const char *user_id,
                         const char *body, size_t len);

/*  Ping sessions whose last ping is P2P_WS_PING_INTERVAL_S old and drop those
    silent (no frame, no pong) for P2P_WS_IDLE_TIMEOUT_S. Call about once a
    second. One pass over the sessions: lws's own per-connection validity
    timers re-sort a list on every pong, which costs O(sessions) each time. */
void ws_session_keepalive(gateway_t *gw);

/*  Close every session with status code and reason (shutdown: 1001). */
void ws_session_close_all(gateway_t *gw, int code, const char *reason);

#endif
