/*  worker_pool.c - live workers by kind, least-loaded dispatch, heartbeats.

    Requests are not sent one by one: each worker has an outbox that the
    gateway's event loop sends once per turn (worker_pool_flush), so a turn
    that read many client frames hands each worker one message. Replies
    come back the same way, a worker's batch in one message.

    A worker is registered by its first heartbeat (it names its kind), so
    workers and gateways may start in any order; a worker silent for three
    heartbeat intervals is purged and its in-flight requests fail at once.

    Losing a worker is two steps, never one: s_mark_dead only flags it (it
    stops counting and is never chosen again), wherever that happens (tick,
    flush, send, drain); s_reap, run at the end of those entry points and
    never inside an iteration over the workers, forgets it and fails its
    requests over. Failing over may find more dead workers (a retry's send
    fails): they are flagged and the same reap loop takes them next. So a
    worker entry is never freed while something up the stack still holds it,
    however many workers die at once (Redis's freeClientAsync, for workers).

    Who may speak here: events reach sessions only from registered workers,
    tagged with the kind they registered as. With a CURVE certificate and an
    allow-list of worker certificates (P2P_WORKER_CURVE_*), only workers whose
    keys are listed get through the handshake, and a key whose certificate
    names a kind may register as that kind only. Without CURVE the socket
    must be on loopback unless the operator declares the network private
    (P2P_WORKER_LINK_INSECURE=1). */
#include "worker_pool.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "curve.h"
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
    const char *dead;        /* why it is being forgotten (a log event), or NULL while live */
    bool serving;            /* its last heartbeat said it can serve (its database is up) */
} s_worker_t;

struct worker_pool {
    gateway_t *gw;
    zsock_t *router;
    curve_server_t *curve; /* the allow-list; NULL without CURVE */
    zhashx_t *workers;     /* key -> s_worker_t, owned; dead ones until s_reap */
    int live[SERVICE_COUNT];
    int serving[SERVICE_COUNT]; /* of the live, those that can serve */
    unsigned ready_kinds;       /* bit per service_t that /p2p/ready needs (P2P_READY_KINDS) */
    int dead_count;             /* workers flagged dead and not reaped yet */
    bool reaping;               /* s_reap is on the stack: it will take new dead ones too */
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

/*  P2P_READY_KINDS as a bit per kind: "all", or names from SERVICE_LIST. */
static int
s_parse_ready_kinds(const char *text, unsigned *kinds, err_t *err)
{
    *kinds = 0;
    if (strcmp(text, "all") == 0) {
        for (int k = SERVICE_NONE + 1; k < SERVICE_COUNT; k++)
            *kinds |= 1u << k;
        return 0;
    }
    char *list = strdup(text), *save = NULL;
    if (!list)
        return err_set(err, ERR_INTERNAL, "out of memory");
    int rc = 0;
    for (char *name = strtok_r(list, ", ", &save); name && rc == 0; name = strtok_r(NULL, ", ", &save)) {
        service_t kind = service_from_name(name);
        if (kind != SERVICE_NONE) {
            *kinds |= 1u << kind;
            continue;
        }
        char known[128] = "";
        for (int k = SERVICE_NONE + 1; k < SERVICE_COUNT; k++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s, ",
                     service_name((service_t) k));
        rc = err_set(err, ERR_INVALID, "P2P_READY_KINDS: unknown worker kind '%s' (kinds: %sor all)", name,
                     known);
    }
    free(list);
    if (rc == 0 && !*kinds)
        rc = err_set(err, ERR_INVALID, "P2P_READY_KINDS names no worker kind");
    return rc;
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
    const config_t *cfg = &gw->cfg;
    if (s_parse_ready_kinds(cfg->ready_kinds ? cfg->ready_kinds : "all", &self->ready_kinds, err) != 0
        || curve_both_or_neither(cfg->worker_curve_secret_file, cfg->worker_curve_clients_dir,
                                 "P2P_WORKER_CURVE_SECRET_FILE", "P2P_WORKER_CURVE_CLIENTS_DIR", err)
               != 0)
        goto fail;
    bool curve = cfg->worker_curve_secret_file && *cfg->worker_curve_secret_file;
    if (!curve && !curve_endpoint_is_local(cfg->worker_bind) && !cfg->worker_link_insecure) {
        /* anyone who reaches it could register as a worker and read or
           answer users' requests */
        err_set(err, ERR_INVALID,
                "P2P_WORKER_BIND=%s can be reached from other hosts: set P2P_WORKER_CURVE_SECRET_FILE and "
                "P2P_WORKER_CURVE_CLIENTS_DIR (CURVE with an allow-list of worker certificates), or "
                "P2P_WORKER_LINK_INSECURE=1 if that network is private to the gateway and its workers",
                cfg->worker_bind);
        goto fail;
    }
    self->router = zsock_new(ZMQ_ROUTER);
    if (!self->router) {
        err_set(err, ERR_INTERNAL, "cannot create the worker socket");
        goto fail;
    }
    if (curve
        && !(self->curve = curve_server_new(
                 self->router, cfg->worker_curve_secret_file, cfg->worker_curve_clients_dir, "p2p-workers",
                 "P2P_WORKER_CURVE_SECRET_FILE", "P2P_WORKER_CURVE_CLIENTS_DIR", err)))
        goto fail;
    /* without it a reply to a vanished worker would vanish silently */
    zsock_set_router_mandatory(self->router, 1);
    zsock_set_sndhwm(self->router, 100000);
    zsock_set_rcvhwm(self->router, 100000);
    zsock_set_linger(self->router, 0);
    zsock_set_maxmsgsize(self->router, ENVELOPE_MAX_BODY + 4096);
    zsock_set_heartbeat_ivl(self->router, gw->cfg.heartbeat_ms);
    zsock_set_heartbeat_timeout(self->router, gw->cfg.heartbeat_ms * WORKER_LIVENESS);
    if (zsock_bind(self->router, "%s", gw->cfg.worker_bind) < 0) {
        err_set(err, ERR_INTERNAL, "cannot bind worker endpoint %s: %s", gw->cfg.worker_bind,
                zmq_strerror(errno));
        goto fail;
    }
    return self;

fail:
    worker_pool_destroy(&self);
    return NULL;
}

void
worker_pool_destroy(worker_pool_t **self_p)
{
    if (self_p && *self_p) {
        worker_pool_t *self = *self_p;
        zsock_destroy(&self->router);
        curve_server_destroy(&self->curve);
        zhashx_destroy(&self->workers);
        free(self);
        *self_p = NULL;
    }
}

char *
worker_pool_endpoint(worker_pool_t *self)
{
    return zsock_last_endpoint(self->router);
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

int
worker_pool_serving(const worker_pool_t *self, service_t service)
{
    return (unsigned) service < SERVICE_COUNT ? self->serving[service] : 0;
}

bool
worker_pool_ready(const worker_pool_t *self, json_t *detail)
{
    bool ready = true;
    json_t *live = json_object(), *serving = json_object(), *required = json_array();
    for (int k = SERVICE_NONE + 1; k < SERVICE_COUNT; k++) {
        const char *name = service_name((service_t) k);
        json_object_set_new(live, name, json_integer(self->live[k]));
        json_object_set_new(serving, name, json_integer(self->serving[k]));
        if (self->ready_kinds & (1u << k)) {
            json_array_append_new(required, json_string(name));
            ready = ready && self->serving[k] > 0;
        }
    }
    if (detail) {
        json_object_set(detail, "workers", live);
        json_object_set(detail, "serving", serving);
        json_object_set(detail, "required", required);
    }
    json_decref(live);
    json_decref(serving);
    json_decref(required);
    return ready;
}

/*  A worker's heartbeat said whether it can serve: keep the counts true. */
static void
s_set_serving(worker_pool_t *self, s_worker_t *worker, bool serving)
{
    if (worker->serving == serving)
        return;
    worker->serving = serving;
    self->serving[worker->service] += serving ? 1 : -1;
    log_emit(serving ? P2P_LOG_INFO : P2P_LOG_WARN, serving ? "worker.serving" : "worker.not_serving", NULL,
             json_pack("{s:s, s:s}", "worker", worker->key, "kind", service_name(worker->service)));
}

static void
s_log_worker(const char *event, const s_worker_t *worker)
{
    log_info(event, NULL,
             json_pack("{s:s, s:s}", "worker", worker->key, "kind", service_name(worker->service)));
}

/*  Flag a worker dead: it stops counting as live and is never chosen again.
    Its entry stays until s_reap, so callers iterating the workers, or
    holding this one, are safe. */
static void
s_mark_dead(worker_pool_t *self, s_worker_t *worker, const char *event)
{
    if (worker->dead)
        return;
    worker->dead = event;
    self->live[worker->service]--;
    if (worker->serving)
        self->serving[worker->service]--;
    self->dead_count++;
    envelope_batch_clear(&worker->outbox); /* its requests fail over in s_reap */
    s_log_worker(event, worker);
}

/*  Forget every dead worker and fail its requests over (reads to live
    workers, the rest with 503). Re-entry returns at once: the running loop
    also takes workers that die while it fails requests over. */
static void
s_reap(worker_pool_t *self)
{
    if (self->reaping)
        return;
    self->reaping = true;
    while (self->dead_count > 0) {
        s_worker_t *dead = NULL;
        for (s_worker_t *w = zhashx_first(self->workers); w && !dead; w = zhashx_next(self->workers))
            if (w->dead)
                dead = w;
        if (!dead)
            break; /* cannot happen: dead_count counts flagged entries */
        char key[WORKER_KEY_MAX + 1];
        memcpy(key, dead->key, sizeof key);
        zhashx_delete(self->workers, key); /* frees dead */
        self->dead_count--;
        /* outside any iteration over the workers: retries may flag more */
        pending_fail_worker(self->gw, key);
    }
    self->reaping = false;
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
s_on_heartbeat(worker_pool_t *self, zframe_t *identity, const char *key, const char *allowed_kind,
               const envelope_t *env)
{
    s_worker_t *worker = zhashx_lookup(self->workers, key);
    service_t service = service_from_name(env->service);
    if (worker && worker->dead)
        return; /* being forgotten: it registers again with its next beat */
    if (!worker) {
        if (service == SERVICE_NONE || zframe_size(identity) > sizeof worker->identity)
            return;
        /* a key whose trusted certificate names a kind serves that kind only */
        const char *allowed = allowed_kind;
        if (*allowed && strcmp(allowed, env->service) != 0) {
            log_warn("worker.kind_refused", NULL,
                     json_pack("{s:s, s:s, s:s}", "worker", key, "kind", env->service, "certificate_kind",
                               allowed));
            return;
        }
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
    /* 503: its database cannot serve; 0 is a worker that does not say */
    s_set_serving(self, worker, env->status != 503);
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

/*  Every message from a worker proves it alive. allowed_kind: the kind its
    CURVE certificate names, "" for any. */
static void
s_on_message(worker_pool_t *self, zframe_t *identity, const char *allowed_kind, const envelope_t *env)
{
    char key[WORKER_KEY_MAX + 1];
    s_key_of(zframe_data(identity), zframe_size(identity), key);
    s_worker_t *worker = zhashx_lookup(self->workers, key);
    switch (env->kind) {
    case ENVELOPE_HEARTBEAT:
        s_on_heartbeat(self, identity, key, allowed_kind, env);
        break;
    case ENVELOPE_DISCONNECT:
        if (worker)
            s_mark_dead(self, worker, "worker.left");
        break;
    case ENVELOPE_REPLY:
        if (worker)
            worker->last_heard_ms = clock_mono_ms();
        pending_complete(self->gw, env->request_id, key, env->status, (const char *) env->body, env->body_len,
                         env->content_type, env->filename);
        break;
    case ENVELOPE_EVENT:
        /* only a registered worker speaks for its kind; anyone else who
           connected could otherwise tell sessions they were suspended */
        if (!worker || worker->dead) {
            log_warn("event.refused", NULL,
                     json_pack("{s:s, s:s, s:s}", "worker", key, "event", env->event, "reason",
                               "not a registered worker"));
            break;
        }
        ws_session_on_event(self->gw, worker->service, env->event, env->user_id, (const char *) env->body,
                            env->body_len);
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
        char kind[32];
        size_t count;
        if (envelope_recv_batch_from(self->router, &identity, CURVE_META_KIND, kind, sizeof kind, envs,
                                     ENVELOPE_BATCH_MAX, &count)
            != 0) {
            if (errno == EPROTO)
                continue;
            break;
        }
        for (size_t i = 0; i < count; i++) {
            s_on_message(self, identity, kind, &envs[i]);
            envelope_release(&envs[i]);
        }
        zframe_destroy(&identity);
    }
    s_reap(self);
    pending_log_done(self->gw); /* after every reply at hand has left */
}

int
worker_pool_send(worker_pool_t *self, msg_type_t type, const envelope_t *env, char *worker_key, err_t *err)
{
    service_t service = msg_type_service(type);
    bool batched = msg_type_is_packed(type);
    for (int attempt = 0; attempt < 4; attempt++) {
        /* Writes and searches (MSG_SPREAD) go to the least-loaded worker. Batched reads
           fill one worker up to S_FILL in flight before the next gets any:
           a worker answers all of its waiting batched reads with one
           statement, so spreading them thin over several workers only
           multiplies statements, while one filled worker keeps its
           batches big. Past S_FILL the load spills to the others. */
        s_worker_t *best = NULL, *fill = NULL;
        /* workers whose database is down answer 503 at once: only when no
           other is left, which beats "no worker" */
        bool serving_only = self->serving[service] > 0;
        for (s_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers)) {
            if (w->service != service || w->dead || (serving_only && !w->serving))
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
        /* a full outbox leaves now; a worker that cannot take it is gone
           (reaped after this turn: we may be inside a fail-over right now) */
        if (best->outbox.count == ENVELOPE_BATCH_MAX
            && envelope_batch_send(&best->outbox, self->router, best->identity, best->identity_len) != 0) {
            s_mark_dead(self, best, errno == EHOSTUNREACH ? "worker.unreachable" : "worker.busy");
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
            if (w->dead || envelope_batch_send(&w->outbox, self->router, w->identity, w->identity_len) == 0)
                continue;
            s_mark_dead(self, w, errno == EHOSTUNREACH ? "worker.unreachable" : "worker.busy");
            any_failed = true;
        }
        if (!any_failed)
            break;
        s_reap(self); /* fail-over queues retries for the next round */
    }
    worker_pool_drain(self); /* sends can hide read edges; reaps what it finds */
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
    for (s_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers)) {
        if (w->dead)
            continue;
        if (now - w->last_heard_ms > limit)
            s_mark_dead(self, w, "worker.expired");
        else if (envelope_send(self->router, w->identity, w->identity_len, &beat) != 0
                 && errno == EHOSTUNREACH)
            s_mark_dead(self, w, "worker.unreachable");
    }
    s_reap(self);
    worker_pool_drain(self);
}

json_t *
worker_pool_describe(worker_pool_t *self)
{
    json_t *list = json_array();
    for (s_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        if (!w->dead)
            json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:b, s:O?}", "worker", w->key, "kind",
                                                  service_name(w->service), "inflight", w->inflight,
                                                  "serving", w->serving, "stats", w->stats));
    return list;
}
