/*  worker.h - the loop every worker process (profile-svc, admin-svc, ...)
    runs: one DEALER per gateway endpoint, heartbeats that announce the
    worker's kind, deadline checks, and dispatch of each request to the
    handler its message type is routed to. Handlers see parsed JSON and fill
    a reply; they never touch sockets.

    A worker runs one handler at a time; operators run more processes to
    serve more (the gateway spreads requests over all live ones). Under load
    requests queue up in the worker's socket; reads that one statement can
    answer for many requests (profile.get) take a batch handler, so a busy
    worker pays for one query per batch instead of one per request. */
#ifndef P2P_WORKER_H
#define P2P_WORKER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "envelope.h"
#include "err.h"
#include "msg_type.h"

typedef struct worker worker_t;
struct db;

typedef struct {
    msg_type_t type;
    envelope_channel_t channel; /* REST or WebSocket: handlers shape messages by it */
    const char *user_id;        /* verified caller; never NULL */
    const char *role;           /* "admin" or "" */
    json_t *data;               /* the request's fields: REST body or WS "data"; {} when absent. Borrowed */
    json_t *
        params; /* REST path and query parameters as strings, e.g. {"id":"12","limit":"5"}; {} when none. Borrowed */
    worker_t *worker;       /* for worker_publish */
    const char *request_id; /* for log lines */
    int64_t deadline_ms;    /* unix ms */
    /* built by this process's operator API (common/operator_api.h), not
       sent by a gateway: user_id is the actor the server decided ("cli:...",
       "curve:..."), which REST admins may not hold */
    bool from_operator_api;
    /* MSG_RAW types only: the uploaded file and its declared Content-Type. Borrowed */
    const uint8_t *body;
    size_t body_len;
    const char *content_type;
    /* Where it ran: the drained batch it came in and its handler call, each
       numbered from 1 in this worker's life (a batch handler's requests
       share a call; 0 for requests not from a gateway). Two requests of one
       batch with consecutive calls ran one right after the other, and the
       second was already waiting while the first ran (common/answer_cache.h
       relies on both). */
    uint64_t batch_seq;
    uint64_t call_seq;
} worker_request_t;

typedef struct {
    int status;               /* HTTP status */
    char *body;               /* JSON text the client receives; owned by the reply */
    size_t body_len;          /* 0: strlen(body); else body is that many bytes (a file) */
    const char *content_type; /* NULL: JSON; else the body is a file of this type (static) */
    char filename[96];        /* with content_type: the name the client saves it as */
} worker_reply_t;

/*  Fill reply with a success body; data is stolen (may be NULL), message may be NULL. */
void worker_reply_ok(worker_reply_t *reply, int status, json_t *data, const char *message);

/*  Fill reply with a success body whose data is JSON text already written
    (borrowed; e.g. from json_text), without a message. */
void worker_reply_ok_text(worker_reply_t *reply, int status, const char *data_json);

/*  Fill reply with a file (taken: freed with free()) of content_type (a
    static string) named filename, status 200. */
void worker_reply_file(worker_reply_t *reply, unsigned char *data, size_t len, const char *content_type,
                       const char *filename);

/*  Fill reply with err's failure body and HTTP status. */
void worker_reply_error(worker_reply_t *reply, const err_t *err);

/*  A handler: app is worker_spec_t.app. It must fill reply (ok or error). */
typedef void(worker_handler_fn)(void *app, const worker_request_t *req, worker_reply_t *reply);

/*  The largest count a batch handler gets. A worker reads a socket's
    messages until it holds this many requests (the last message may add up
    to ENVELOPE_BATCH_MAX more) or nothing is waiting, then serves them. */
#define WORKER_BATCH_MAX 64

/*  A batch handler: count (1..WORKER_BATCH_MAX) requests of one type, in
    arrival order; it must fill replies[i] for every reqs[i]. Only for reads:
    the worker runs a batch after the writes that arrived before its
    requests and before those that arrived after. */
typedef void(worker_batch_fn)(void *app, const worker_request_t *const *reqs, worker_reply_t *const *replies,
                              size_t count);

/*  One route: exactly one of handler and batch is set. */
typedef struct {
    msg_type_t type;
    worker_handler_fn *handler;
    worker_batch_fn *batch;
} worker_route_t;

/*  Called when the side socket is readable (see worker_spec_t). */
typedef void(worker_side_fn)(void *app, worker_t *worker, zsock_t *socket);

typedef struct {
    service_t service;            /* the kind announced in heartbeats */
    const worker_route_t *routes; /* the worker's dispatch table */
    size_t route_count;
    void *app;               /* handed to every handler and to tick */
    void (*tick)(void *app); /* called about once per heartbeat interval; may be NULL */
    /* called once the worker's sockets are up, before the first request or
       tick, with the worker timers need to publish events; may be NULL */
    void (*started)(void *app, worker_t *worker);
    json_t *(*stats)(
        void *app);       /* counters to report in heartbeats (new object, e.g. db_queries); may be NULL */
    zsock_t *side_socket; /* an extra socket to poll (e.g. an operator API), borrowed; may be NULL */
    worker_side_fn *on_side_socket;
    struct db *db; /* the worker's database, borrowed; checked every heartbeat and reported to the
                      gateways (HEARTBEAT status 503 while it cannot serve); may be NULL */
} worker_spec_t;

/*  Run the worker until SIGINT/SIGTERM: finish the current request, tell
    every gateway DISCONNECT, return 0. Returns 1 when it cannot start
    (bad endpoint). */
int worker_run(const config_t *cfg, const worker_spec_t *spec);

/*  Tell every gateway about an event that live sessions must hear, e.g.
    "account_suspended" for user_id with body {"reason":..,"suspended_until":..}.
    body is a JSON object text (borrowed). Returns 0 when every gateway's
    queue took it, -1 when at least one did not. */
int worker_publish(worker_t *worker, const char *event, const char *user_id, const char *body);

/*  Parse a request body into the JSON object handlers see. Exposed for tests.
    Returns a new reference, or NULL with err when the body is not an object. */
json_t *worker_request_data(envelope_channel_t channel, const uint8_t *body, size_t len, err_t *err);

/*  Parse REST parameters (envelope params text; NULL or "" -> {}). Returns a
    new reference, or NULL with err when the text is not a JSON object. */
json_t *worker_request_params(const char *params, err_t *err);

#endif
