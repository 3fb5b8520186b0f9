/*  worker_pool.h - the gateway's side of the worker protocol: a ROUTER that
    workers connect to, the live workers of each kind (learned from their
    heartbeats), least-loaded selection, and purging of the silent.

    The ROUTER's ZMQ_FD is adopted into the lws loop; worker_pool_drain must
    run whenever it signals and after every send (it is edge-triggered).
    Requests wait in a per-worker outbox until worker_pool_flush, which the
    event loop runs after every turn: one message per worker per turn. */
#ifndef P2P_WORKER_POOL_H
#define P2P_WORKER_POOL_H

#include <jansson.h>
#include <stdbool.h>

#include "err.h"
#include "gateway.h"

#define WORKER_KEY_MAX 64

/*  Bind a ROUTER on gw->cfg.worker_bind, a CURVE server when
    P2P_WORKER_CURVE_SECRET_FILE and P2P_WORKER_CURVE_CLIENTS_DIR are set.
    Returns NULL with err: ERR_INVALID for a configuration that would let
    anyone in (one of the two CURVE keys only, or a non-loopback endpoint
    without CURVE or P2P_WORKER_LINK_INSECURE=1) or an unknown kind in
    P2P_READY_KINDS, else when it cannot bind. */
worker_pool_t *worker_pool_new(gateway_t *gw, err_t *err);

/*  Close the socket and forget every worker; NULL-safe, NULLs *self_p. */
void worker_pool_destroy(worker_pool_t **self_p);

/*  The endpoint the ROUTER is bound to, with the port resolved (caller frees). */
char *worker_pool_endpoint(worker_pool_t *self);

/*  A dup of the ROUTER's ZMQ_FD for lws to poll (lws closes it). */
int worker_pool_fd(worker_pool_t *self);

/*  Queue a request of type (packed now; env may go away) for the least-loaded
    live worker of its service (MSG_BATCHED types: see worker_pool.c); the next worker_pool_flush sends it. Fills
    worker_key (WORKER_KEY_MAX + 1 bytes) with the worker chosen. Returns 0,
    or -1 with err ERR_UNAVAILABLE when no live worker could take it. */
int worker_pool_send(worker_pool_t *self, msg_type_t type, const envelope_t *env, char *worker_key,
                     err_t *err);

/*  Send every worker's queued requests, one message per worker, then
    drain. A worker that refuses its message (gone, or its queue full) is
    purged like a silent one: its requests fail or, for reads, are retried
    elsewhere. */
void worker_pool_flush(worker_pool_t *self);

/*  A request sent to worker_key finished (replied, timed out or failed). */
void worker_pool_release(worker_pool_t *self, const char *worker_key);

/*  Read every message waiting on the ROUTER and act on it. */
void worker_pool_drain(worker_pool_t *self);

/*  Heartbeat live workers and purge those silent for 3 intervals. */
void worker_pool_tick(worker_pool_t *self);

/*  Every live worker as {"worker","kind","inflight","serving","stats"} (new reference). */
json_t *worker_pool_describe(worker_pool_t *self);

/*  Live workers of service. */
int worker_pool_live(const worker_pool_t *self, service_t service);

/*  Live workers of service that can serve (their database is up, as their
    last heartbeat said). */
int worker_pool_serving(const worker_pool_t *self, service_t service);

/*  Ready for traffic: a serving worker of every kind P2P_READY_KINDS names.
    Fills detail (may be NULL) with {"workers": live by kind, "serving":
    serving by kind, "required": [kinds]}, references added. */
bool worker_pool_ready(const worker_pool_t *self, json_t *detail);

#endif
