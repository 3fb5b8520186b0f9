/*  worker.h - the loop every worker process (profile-svc, admin-svc, ...)
    runs: one DEALER per gateway endpoint, heartbeats that announce the
    worker's kind, deadline checks, and dispatch of each request to the
    handler its message type is routed to. Handlers see parsed JSON and fill
    a reply; they never touch sockets.

    A worker serves one request at a time; operators run more processes to
    serve more (the gateway spreads requests over all live ones). */
#ifndef P2P_WORKER_H
#define P2P_WORKER_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "envelope.h"
#include "err.h"
#include "msg_type.h"

typedef struct worker worker_t;

typedef struct {
    msg_type_t type;
    envelope_channel_t channel; /* REST or WebSocket: handlers shape messages by it */
    const char *user_id;        /* verified caller; never NULL */
    const char *role;           /* "admin" or "" */
    json_t *data;               /* the request's fields: REST body or WS "data"; {} when absent. Borrowed */
    const char *request_id;     /* for log lines */
    int64_t deadline_ms;        /* unix ms */
} worker_request_t;

typedef struct {
    int status; /* HTTP status */
    char *body; /* JSON text the client receives; owned by the reply */
} worker_reply_t;

/*  Fill reply with a success body; data is stolen (may be NULL), message may be NULL. */
void worker_reply_ok(worker_reply_t *reply, int status, json_t *data, const char *message);

/*  Fill reply with err's failure body and HTTP status. */
void worker_reply_error(worker_reply_t *reply, const err_t *err);

/*  A handler: app is worker_spec_t.app. It must fill reply (ok or error). */
typedef void(worker_handler_fn)(void *app, const worker_request_t *req, worker_reply_t *reply);

typedef struct {
    msg_type_t type;
    worker_handler_fn *handler;
} worker_route_t;

typedef struct {
    service_t service;             /* the kind announced in heartbeats */
    const worker_route_t *routes;  /* the worker's dispatch table */
    size_t route_count;
    void *app;                     /* handed to every handler and to tick */
    void (*tick)(void *app);       /* called about once per heartbeat interval; may be NULL */
} worker_spec_t;

/*  Run the worker until SIGINT/SIGTERM: finish the current request, tell
    every gateway DISCONNECT, return 0. Returns 1 when it cannot start
    (bad endpoint). */
int worker_run(const config_t *cfg, const worker_spec_t *spec);

/*  Parse a request body into the JSON object handlers see. Exposed for tests.
    Returns a new reference, or NULL with err when the body is not an object. */
json_t *worker_request_data(envelope_channel_t channel, const uint8_t *body, size_t len, err_t *err);

#endif
