/*  pending.h - requests sent to workers and not answered yet. Each has a
    deadline timer on the lws loop; exactly one outcome reaches its origin:
    the worker's reply, a timeout, or the worker's death. */
#ifndef P2P_PENDING_H
#define P2P_PENDING_H

#include "gateway.h"

typedef struct {
    origin_t origin;
    uint64_t origin_handle; /* http request or ws session handle */
    msg_type_t type;
    const char *client_request_id; /* WebSocket "request_id", may be NULL; copied */
    const char *user_id;
    bool is_admin;
    envelope_channel_t channel;
    const char *body; /* forwarded as is; borrowed */
    size_t body_len;
    const char *params;       /* REST path/query parameters as JSON object text, may be NULL; borrowed */
    const char *content_type; /* an upload's (MSG_RAW) declared type, may be NULL; borrowed */
} pending_request_t;

/*  Set up and tear down what pending.c keeps beside gw->pending: the
    deadlines and their timer, and the answered requests whose lines wait
    (destroy writes them; call it before lws's context goes). init returns
    -1 when out of memory. */
int pending_init(gateway_t *gw);
void pending_destroy(gateway_t *gw);

/*  Write the request.done lines of the requests answered since the last
    call. A reply leaves first and its line follows once the replies at hand
    have all left: the worker pool calls this after each drain, the event
    loop at the end of every turn. */
void pending_log_done(gateway_t *gw);

/*  Send req to a worker of its type's service. Returns 0 when sent (the
    outcome arrives later through gateway_deliver), or -1 with err when it
    could not be sent (ERR_UNAVAILABLE); nothing is delivered in that case. */
int pending_dispatch(gateway_t *gw, const pending_request_t *req, err_t *err);

/*  A worker replied to request_id. Ignored when the request is unknown (timed
    out already) or was sent to a different worker. body is borrowed. */
void pending_complete(gateway_t *gw, uint64_t request_id, const char *worker_key, int status,
                      const char *body, size_t body_len, const char *content_type, const char *filename);

/*  worker_key is gone: fail every request in flight on it with 503. */
void pending_fail_worker(gateway_t *gw, const char *worker_key);

/*  Fail and free every pending request (shutdown). */
void pending_fail_all(gateway_t *gw);

#endif
