/*  worker_pool.c - live workers by kind, least-loaded dispatch, heartbeats.

    Requests are not sent one by one: each worker has an outbox that the
    gateway's event loop sends once per turn (worker_pool_flush), so a turn
    that read many client frames hands each worker one message. Replies
    come back the same way, a worker's batch in one message.

    A worker is registered by its first heartbeat (it names its kind), so
    workers and gateways may start in any order; a worker silent for three
    heartbeat intervals is purged and its in-flight requests fail at once. */
#include "worker_pool.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "pending.h"
#include "ws_session.h"

#define WORKER_LIVENESS 3

/*  Batched reads in flight on one worker before the next one gets any. */
#define S_FILL 32

typedef struct {
    char key[WORKER_KEY_MAX + 1]; /* hex of the ROUTER identity */
    unsigned char identity[32];
    size_t identity_len;
    service_t service;
    int64_t last_heard_ms;
    int inflight;
    json_t *stats;           /* the counters of its last heartbeat, owned */
    envelope_batch_t outbox; /* requests for it not sent yet (worker_pool_flush) */
    int send_error;          /* errno of this flush's failed send, else 0 */
} s_worker_t;

struct worker_pool {
    gateway_t *gw;
    zsock_t *router;
    zhashx_t *workers; /* key -> s_worker_t, owned */
    int live[SERVICE_COUNT];
};

static void
s_worker_free(void **item)
{
    s_worker_t *worker = *item;
    if (worker) {
        json_decref(worker->stats);
        envelope_batch_clear(&worker->outbox);
    }
    free(worker);
    *item = NULL;
}

worker_pool_t *
worker_pool_new(gateway_t *gw, err_t *err)
{
    worker_pool_t *self = calloc(1, sizeof *self);
    if (!self) {
        err_set(err, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    self->gw = gw;
    self->workers = zhashx_new();
    zhashx_set_destructor(self->workers, s_worker_free);
    self->router = zsock_new(ZMQ_ROUTER);
    if (self->router) {
        /* without it a reply to a vanished worker would vanish silently */
        zsock_set_router_mandatory(self->router, 1);
        zsock_set_sndhwm(self->router, 100000);
        zsock_set_rcvhwm(self->router, 100000);
        zsock_set_linger(self->router, 0);
        zsock_set_maxmsgsize(self->router, ENVELOPE_MAX_BODY + 4096);
        zsock_set_heartbeat_ivl(self->router, gw->cfg.heartbeat_ms);
        zsock_set_heartbeat_timeout(self->router, gw->cfg.heartbeat_ms * WORKER_LIVENESS);
    }
    if (!self->router || zsock_bind(self->router, "%s", gw->cfg.worker_bind) < 0) {
        err_set(err, ERR_INTERNAL, "cannot bind worker endpoint %s: %s", gw->cfg.worker_bind,
                zmq_strerror(errno));
        worker_pool_destroy(&self);
        return NULL;
    }
    return self;
}

void
worker_pool_destroy(worker_pool_t **self_p)
{
    if (self_p && *self_p) {
        worker_pool_t *self = *self_p;
        zsock_destroy(&self->router);
        zhashx_destroy(&self->workers);
        free(self);
        *self_p = NULL;
    }
}

int
worker_pool_fd(worker_pool_t *self)
{
    return dup(zsock_fd(self->router));
}

int
worker_pool_live(const worker_pool_t *self, service_t service)
{
    return (unsigned) service < SERVICE_COUNT ? self->live[service] : 0;
}

static void
s_log_worker(const char *event, const s_worker_t *worker)
{
    log_info(event, NULL,
             json_pack("{s:s, s:s}", "worker", worker->key, "kind", service_name(worker->service)));
}

/*  Forget a worker: its in-flight requests can no longer be answered. */
static void
s_remove(worker_pool_t *self, s_worker_t *worker, const char *event)
{
    s_log_worker(event, worker);
    self->live[worker->service]--;
    char key[WORKER_KEY_MAX + 1];
    memcpy(key, worker->key, sizeof key);
    zhashx_delete(self->workers, key); /* frees worker */
    pending_fail_worker(self->gw, key);
}

static void
s_key_of(const unsigned char *identity, size_t len, char *key)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = len > WORKER_KEY_MAX / 2 ? WORKER_KEY_MAX / 2 : len;
    for (size_t i = 0; i < n; i++) {
        key[2 * i] = hex[identity[i] >> 4];
        key[2 * i + 1] = hex[identity[i] & 15];
    }
    key[2 * n] = 0;
}

static void
s_on_heartbeat(worker_pool_t *self, zframe_t *identity, const char *key, const envelope_t *env)
{
    s_worker_t *worker = zhashx_lookup(self->workers, key);
    service_t service = service_from_name(env->service);
    if (!worker) {
        if (service == SERVICE_NONE || zframe_size(identity) > sizeof worker->identity)
            return;
        worker = calloc(1, sizeof *worker);
        if (!worker)
            return;
        memcpy(worker->key, key, strlen(key) + 1);
        memcpy(worker->identity, zframe_data(identity), zframe_size(identity));
        worker->identity_len = zframe_size(identity);
        worker->service = service;
        zhashx_insert(self->workers, key, worker);
        self->live[service]++;
        s_log_worker("worker.joined", worker);
    }
    worker->last_heard_ms = clock_mono_ms();
    if (env->body_len) {
        json_t *stats = json_loadb((const char *) env->body, env->body_len, 0, NULL);
        if (json_is_object(stats)) {
            json_decref(worker->stats);
            worker->stats = stats;
        }
        else
            json_decref(stats);
    }
}

/*  Every message from a worker proves it alive. */
static void
s_on_message(worker_pool_t *self, zframe_t *identity, const envelope_t *env)
{
    char key[WORKER_KEY_MAX + 1];
    s_key_of(zframe_data(identity), zframe_size(identity), key);
    s_worker_t *worker = zhashx_lookup(self->workers, key);
    switch (env->kind) {
    case ENVELOPE_HEARTBEAT:
        s_on_heartbeat(self, identity, key, env);
        break;
    case ENVELOPE_DISCONNECT:
        if (worker)
            s_remove(self, worker, "worker.left");
        break;
    case ENVELOPE_REPLY:
        if (worker)
            worker->last_heard_ms = clock_mono_ms();
        pending_complete(self->gw, env->request_id, key, env->status, (const char *) env->body,
                         env->body_len);
        break;
    case ENVELOPE_EVENT:
        ws_session_on_event(self->gw, worker ? worker->service : SERVICE_NONE, env->event, env->user_id,
                            (const char *) env->body, env->body_len);
        break;
    default:
        log_warn("worker.unexpected", NULL, json_pack("{s:s, s:i}", "worker", key, "kind", env->kind));
        break;
    }
}

void
worker_pool_drain(worker_pool_t *self)
{
    /* ZMQ_FD only signals an edge: read until ZMQ_EVENTS says nothing is left */
    envelope_t envs[ENVELOPE_BATCH_MAX];
    while (zsock_events(self->router) & ZMQ_POLLIN) {
        zframe_t *identity = NULL;
        size_t count;
        if (envelope_recv_batch(self->router, &identity, envs, ENVELOPE_BATCH_MAX, &count) != 0) {
            if (errno == EPROTO)
                continue;
            break;
        }
        for (size_t i = 0; i < count; i++) {
            s_on_message(self, identity, &envs[i]);
            envelope_release(&envs[i]);
        }
        zframe_destroy(&identity);
    }
}

int
worker_pool_send(worker_pool_t *self, msg_type_t type, const envelope_t *env, char *worker_key, err_t *err)
{
    service_t service = msg_type_service(type);
    bool batched = msg_type_is_batched(type);
    for (int attempt = 0; attempt < 4; attempt++) {
        /* Writes and searches go to the least-loaded worker. Batched reads
           fill one worker up to S_FILL in flight before the next gets any:
           a worker answers all of its waiting batched reads with one
           statement, so spreading them thin over several workers only
           multiplies statements, while one filled worker keeps its
           batches big. Past S_FILL the load spills to the others. */
        s_worker_t *best = NULL, *fill = NULL;
        for (s_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers)) {
            if (w->service != service)
                continue;
            if (!best || w->inflight < best->inflight)
                best = w;
            if (batched && w->inflight < S_FILL && (!fill || w->inflight > fill->inflight))
                fill = w;
        }
        if (!best)
            break;
        if (fill)
            best = fill;
        /* a full outbox leaves now; a worker that cannot take it is gone */
        if (best->outbox.count == ENVELOPE_BATCH_MAX
            && envelope_batch_send(&best->outbox, self->router, best->identity, best->identity_len) != 0) {
            s_remove(self, best, errno == EHOSTUNREACH ? "worker.unreachable" : "worker.busy");
            continue;
        }
        if (envelope_batch_add(&best->outbox, env) != 0)
            return err_set(err, ERR_UNAVAILABLE, "out of memory");
        best->inflight++;
        memcpy(worker_key, best->key, strlen(best->key) + 1);
        return 0;
    }
    return err_set(err, ERR_UNAVAILABLE, "no %s worker is available", service_name(service));
}

void
worker_pool_flush(worker_pool_t *self)
{
    /* A worker that cannot take its batch is forgotten: its requests in
       flight fail, and reads are retried on other workers, whose batches the
       next round sends. */
    for (int round = 0; round < 4; round++) {
        bool any_failed = false;
        for (s_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers)) {
            w->send_error =
                envelope_batch_send(&w->outbox, self->router, w->identity, w->identity_len) == 0 ? 0 : errno;
            any_failed |= w->send_error != 0;
        }
        if (!any_failed)
            break;
        /* removing fails requests over, which may queue retries: not while iterating */
        zlistx_t *keys = zhashx_keys(self->workers);
        for (const char *key = zlistx_first(keys); key; key = zlistx_next(keys)) {
            s_worker_t *w = zhashx_lookup(self->workers, key);
            if (w && w->send_error)
                s_remove(self, w, w->send_error == EHOSTUNREACH ? "worker.unreachable" : "worker.busy");
        }
        zlistx_destroy(&keys);
    }
    worker_pool_drain(self); /* sends can hide read edges */
}

void
worker_pool_release(worker_pool_t *self, const char *worker_key)
{
    s_worker_t *worker = zhashx_lookup(self->workers, worker_key);
    if (worker && worker->inflight > 0)
        worker->inflight--;
}

void
worker_pool_tick(worker_pool_t *self)
{
    int64_t now = clock_mono_ms();
    int64_t limit = (int64_t) self->gw->cfg.heartbeat_ms * WORKER_LIVENESS;
    envelope_t beat = {.kind = ENVELOPE_HEARTBEAT};
    zlistx_t *keys = zhashx_keys(self->workers);
    for (const char *key = zlistx_first(keys); key; key = zlistx_next(keys)) {
        s_worker_t *worker = zhashx_lookup(self->workers, key);
        if (now - worker->last_heard_ms > limit)
            s_remove(self, worker, "worker.expired");
        else if (envelope_send(self->router, worker->identity, worker->identity_len, &beat) != 0
                 && errno == EHOSTUNREACH)
            s_remove(self, worker, "worker.unreachable");
    }
    zlistx_destroy(&keys);
    worker_pool_drain(self);
}

json_t *
worker_pool_describe(worker_pool_t *self)
{
    json_t *list = json_array();
    for (s_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:O?}", "worker", w->key, "kind",
                                              service_name(w->service), "inflight", w->inflight, "stats",
                                              w->stats));
    return list;
}
