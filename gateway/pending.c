/*  pending.c - the table of requests in flight and their deadlines.

    Every request gets the same timeout, so deadlines fall due in the order
    requests were sent: they wait in one list in that order, under one lws
    timer set for the oldest. Adding and removing one is O(1); a timer of
    its own per request cost a walk of lws's sorted timer list, which holds
    every request in flight, for each request sent.

    A read whose worker dies is sent again to another live worker (it is
    idempotent); a write never is, because it may already have been applied:
    its client is told so. */
#include "pending.h"

#include <stddef.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "reply.h"
#include "worker_pool.h"
#include "ws_frame.h"

/*  A read is tried on at most this many workers. */
#define PENDING_MAX_ATTEMPTS 3

typedef struct s_pending {
    lws_dll2_t link; /* on gw->queue's deadline list in flight, then on its done list */
    int64_t due_us;  /* lws_now_usecs() of its deadline */
    gateway_t *gw;
    uint64_t id;
    origin_t origin;
    uint64_t origin_handle;
    msg_type_t type;
    char client_request_id[WS_REQUEST_ID_SIZE];
    char worker_key[WORKER_KEY_MAX + 1];
    int64_t deadline_ms; /* unix ms, as told to workers */
    int64_t started_us;  /* monotonic, for the latency histogram */
    envelope_channel_t channel;
    int attempts;
    /* what a retry needs; reads only (writes are never sent twice) */
    envelope_t retry; /* borrowed pointers into the copies below */
    char *retry_copy; /* user_id \0 params \0 body, owned */
    /* once answered: the outcome its request.done line reports */
    int status;
    int64_t usec;
} s_pending_t;

/*  What pending.c keeps beside gw->pending (gw->queue). */
struct pending_queue {
    gateway_t *gw;
    lws_dll2_owner_t in_flight;   /* requests by deadline, oldest first */
    lws_sorted_usec_list_t timer; /* set for the oldest's deadline, while armed */
    bool armed;
    lws_dll2_owner_t done; /* answered, their request.done lines not written yet */
};

static void s_on_deadline(lws_sorted_usec_list_t *sul);

static s_pending_t *
s_first(lws_dll2_owner_t *list)
{
    lws_dll2_t *head = lws_dll2_get_head(list);
    return head ? lws_container_of(head, s_pending_t, link) : NULL;
}

static s_pending_t *
s_oldest(struct pending_queue *q)
{
    return s_first(&q->in_flight);
}

static void
s_arm(struct pending_queue *q, int64_t now_us)
{
    int64_t wait_us = s_oldest(q)->due_us - now_us;
    lws_sul_schedule(q->gw->lws, 0, &q->timer, s_on_deadline, wait_us > 0 ? wait_us : 0);
    q->armed = true;
}

static void
s_queue_add(struct pending_queue *q, s_pending_t *p)
{
    lws_dll2_add_tail(&p->link, &q->in_flight);
    if (!q->armed)
        s_arm(q, lws_now_usecs());
}

/*  Take p, in flight, off the deadline list (s_finish, once per request,
    before it may join the done list). The timer stays as it is: if it was
    set for p, it finds nothing due and is set again for the new oldest. */
static void
s_queue_remove(s_pending_t *p)
{
    lws_dll2_remove(&p->link);
}

static void
s_free(s_pending_t *p)
{
    free(p->retry_copy);
    free(p);
}

static void
s_log_done(const s_pending_t *p)
{
    char rid[LOG_ID_SIZE]; /* the id the worker logs too */
    log_format_id(rid, p->id);
    if (!log_begin(P2P_LOG_INFO, "request.done", rid))
        return;
    log_str("type", msg_type_name(p->type));
    log_str("channel", p->channel == CHANNEL_WEBSOCKET ? "websocket" : "rest");
    log_int("status", p->status);
    log_usec_as_ms("ms", p->usec);
    log_str("worker", p->worker_key);
    log_int("attempts", p->attempts);
    if (p->client_request_id[0])
        log_str("client_request_id", p->client_request_id);
    log_end();
}

static void
s_finish(s_pending_t *p, int status, const char *body, size_t len, const char *content_type,
         const char *filename)
{
    gateway_t *gw = p->gw;
    handle_table_remove(gw->pending, p->id);
    s_queue_remove(p);
    worker_pool_release(gw->pool, p->worker_key);
    p->status = status;
    p->usec = lws_now_usecs() - p->started_us;
    metrics_request(gw->metrics, p->type, p->channel, status, p->usec);
    gateway_deliver(gw, p->origin, p->origin_handle, p->type, p->client_request_id, status, body, len,
                    content_type, filename);
    /* its line is built after the rest of the replies at hand have left
       (pending_log_done), not between them */
    struct pending_queue *q = gw->queue;
    if (!q || !log_enabled(P2P_LOG_INFO)) {
        s_log_done(p);
        s_free(p);
        return;
    }
    lws_dll2_add_tail(&p->link, &q->done); /* off the deadline list since s_queue_remove */
}

void
pending_log_done(gateway_t *gw)
{
    struct pending_queue *q = gw->queue;
    if (!q)
        return;
    for (s_pending_t *p; (p = s_first(&q->done));) {
        lws_dll2_remove(&p->link);
        s_log_done(p);
        s_free(p);
    }
}

int
pending_init(gateway_t *gw)
{
    gw->queue = calloc(1, sizeof *gw->queue);
    if (!gw->queue)
        return -1;
    gw->queue->gw = gw;
    return 0;
}

void
pending_destroy(gateway_t *gw)
{
    if (!gw->queue)
        return;
    pending_log_done(gw);
    /* anything still in flight (pending_fail_all answers it first) leaves
       the list, so that nothing later touches the freed owner */
    for (s_pending_t *p; (p = s_oldest(gw->queue));)
        s_queue_remove(p);
    if (gw->queue->armed)
        lws_sul_cancel(&gw->queue->timer);
    free(gw->queue);
    gw->queue = NULL;
}

static void
s_fail(s_pending_t *p, err_code_t code, const char *text)
{
    char *body = reply_gateway_error(code, text);
    s_finish(p, err_http_status(code), body, body ? strlen(body) : 0, NULL, NULL);
    free(body);
}

/*  Fail every request whose deadline has come, then wait for the next. */
static void
s_on_deadline(lws_sorted_usec_list_t *sul)
{
    struct pending_queue *q = lws_container_of(sul, struct pending_queue, timer);
    q->armed = false;
    int64_t now_us = lws_now_usecs();
    s_pending_t *p;
    while ((p = s_oldest(q)) && p->due_us <= now_us) {
        log_warn("request.timeout", NULL,
                 json_pack("{s:s, s:s}", "type", msg_type_name(p->type), "worker", p->worker_key));
        s_fail(p, ERR_TIMEOUT,
               "the service did not answer in time; the request may or may not have been applied");
    }
    if (s_oldest(q))
        s_arm(q, now_us);
}

/*  Keep a copy of a read's request so it can be sent again. */
static int
s_keep_for_retry(s_pending_t *p, const envelope_t *env)
{
    size_t user_len = strlen(env->user_id), params_len = env->params ? strlen(env->params) : 0;
    p->retry_copy = malloc(user_len + params_len + env->body_len + 3);
    if (!p->retry_copy)
        return -1;
    char *at = p->retry_copy;
    p->retry = *env;
    p->retry.user_id = memcpy(at, env->user_id, user_len + 1);
    at += user_len + 1;
    p->retry.params = at;
    if (params_len)
        memcpy(at, env->params, params_len);
    at[params_len] = 0;
    at += params_len + 1;
    if (env->body_len)
        memcpy(at, env->body, env->body_len);
    p->retry.body = (const uint8_t *) at;
    return 0;
}

int
pending_dispatch(gateway_t *gw, const pending_request_t *req, err_t *err)
{
    if (!gw->queue) /* after pending_destroy: lws is finishing its own shutdown */
        return err_set(err, ERR_UNAVAILABLE, "the gateway is shutting down");
    s_pending_t *p = calloc(1, sizeof *p);
    if (!p)
        return err_set(err, ERR_UNAVAILABLE, "out of memory");
    p->gw = gw;
    p->origin = req->origin;
    p->origin_handle = req->origin_handle;
    p->type = req->type;
    p->channel = req->channel;
    p->started_us = lws_now_usecs();
    if (req->client_request_id)
        snprintf(p->client_request_id, sizeof p->client_request_id, "%s", req->client_request_id);
    p->id = handle_table_insert(gw->pending, p);
    if (!p->id) {
        free(p);
        return err_set(err, ERR_UNAVAILABLE, "out of memory");
    }
    int64_t timeout_ms = gw->cfg.request_timeout_ms;
    p->deadline_ms = clock_wall_ms() + timeout_ms;
    envelope_t env = {
        .kind = ENVELOPE_REQUEST,
        .request_id = p->id,
        .user_id = req->user_id,
        .role = req->is_admin ? "admin" : "",
        .msg_type = msg_type_name(req->type),
        .deadline_ms = p->deadline_ms,
        .channel = req->channel,
        .body = (const uint8_t *) req->body,
        .body_len = req->body_len,
        .params = req->params,
        .content_type = req->content_type,
    };
    p->attempts = 1;
    if ((!msg_type_is_write(req->type) && s_keep_for_retry(p, &env) != 0)
        || worker_pool_send(gw->pool, req->type, &env, p->worker_key, err) != 0) {
        handle_table_remove(gw->pending, p->id);
        s_free(p);
        return err_set(err, ERR_UNAVAILABLE, "no worker could take the request");
    }
    p->due_us = p->started_us + timeout_ms * LWS_US_PER_MS;
    s_queue_add(gw->queue, p);
    return 0; /* sent by the event loop's worker_pool_flush at the end of this turn */
}

void
pending_complete(gateway_t *gw, uint64_t request_id, const char *worker_key, int status, const char *body,
                 size_t body_len, const char *content_type, const char *filename)
{
    s_pending_t *p = handle_table_lookup(gw->pending, request_id);
    if (!p || strcmp(p->worker_key, worker_key) != 0) {
        log_debug("reply.orphan", NULL, json_pack("{s:s}", "worker", worker_key));
        return;
    }
    s_finish(p, status, body, body_len, content_type, filename);
}

/*  The worker of p is gone: try a read elsewhere, fail anything else. */
static void
s_on_worker_lost(s_pending_t *p)
{
    err_t err;
    if (p->retry_copy && p->attempts < PENDING_MAX_ATTEMPTS && clock_wall_ms() < p->deadline_ms) {
        p->attempts++;
        p->worker_key[0] = 0;
        if (worker_pool_send(p->gw->pool, p->type, &p->retry, p->worker_key, &err) == 0) {
            log_info("request.retried", NULL,
                     json_pack("{s:s, s:s, s:i}", "type", msg_type_name(p->type), "worker", p->worker_key,
                               "attempt", p->attempts));
            return;
        }
    }
    s_fail(p, ERR_UNAVAILABLE,
           p->retry_copy
               ? "no worker is available to serve the request"
               : "the worker serving this request stopped; the request may or may not have been applied");
}

static void
s_on_worker_gone(uint64_t handle, void *item, void *arg)
{
    (void) handle;
    s_pending_t *p = item;
    if (strcmp(p->worker_key, (const char *) arg) == 0)
        s_on_worker_lost(p);
}

void
pending_fail_worker(gateway_t *gw, const char *worker_key)
{
    handle_table_foreach(gw->pending, s_on_worker_gone, (void *) worker_key);
}

static void
s_fail_any(uint64_t handle, void *item, void *arg)
{
    (void) handle;
    (void) arg;
    s_fail(item, ERR_UNAVAILABLE, "the gateway is shutting down");
}

void
pending_fail_all(gateway_t *gw)
{
    handle_table_foreach(gw->pending, s_fail_any, NULL);
}
