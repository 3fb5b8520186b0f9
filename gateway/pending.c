/*  pending.c - the table of requests in flight and their deadlines. */
#include "pending.h"

#include <stddef.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "reply.h"
#include "worker_pool.h"
#include "ws_frame.h"

typedef struct {
    lws_sorted_usec_list_t deadline; /* first: the timer callback gets this pointer */
    gateway_t *gw;
    uint64_t id;
    origin_t origin;
    uint64_t origin_handle;
    msg_type_t type;
    char client_request_id[WS_REQUEST_ID_MAX + 1];
    char worker_key[WORKER_KEY_MAX + 1];
} s_pending_t;

static void
s_finish(s_pending_t *p, int status, const char *body, size_t len)
{
    gateway_t *gw = p->gw;
    handle_table_remove(gw->pending, p->id);
    lws_sul_cancel(&p->deadline);
    worker_pool_release(gw->pool, p->worker_key);
    gateway_deliver(gw, p->origin, p->origin_handle, p->type, p->client_request_id, status, body, len);
    free(p);
}

static void
s_fail(s_pending_t *p, err_code_t code, const char *text)
{
    char *body = reply_gateway_error(code, text);
    s_finish(p, err_http_status(code), body, body ? strlen(body) : 0);
    free(body);
}

static void
s_on_deadline(lws_sorted_usec_list_t *sul)
{
    s_pending_t *p = lws_container_of(sul, s_pending_t, deadline);
    log_warn("request.timeout", NULL,
             json_pack("{s:s, s:s}", "type", msg_type_name(p->type), "worker", p->worker_key));
    s_fail(p, ERR_TIMEOUT, "the service did not answer in time; the request may or may not have been applied");
}

int
pending_dispatch(gateway_t *gw, const pending_request_t *req, err_t *err)
{
    s_pending_t *p = calloc(1, sizeof *p);
    if (!p)
        return err_set(err, ERR_UNAVAILABLE, "out of memory");
    p->gw = gw;
    p->origin = req->origin;
    p->origin_handle = req->origin_handle;
    p->type = req->type;
    if (req->client_request_id)
        snprintf(p->client_request_id, sizeof p->client_request_id, "%s", req->client_request_id);
    p->id = handle_table_insert(gw->pending, p);
    if (!p->id) {
        free(p);
        return err_set(err, ERR_UNAVAILABLE, "out of memory");
    }
    int64_t timeout_ms = gw->cfg.request_timeout_ms;
    envelope_t env = {
        .kind = ENVELOPE_REQUEST,
        .request_id = p->id,
        .user_id = req->user_id,
        .role = req->is_admin ? "admin" : "",
        .msg_type = msg_type_name(req->type),
        .deadline_ms = clock_wall_ms() + timeout_ms,
        .channel = req->channel,
        .body = (const uint8_t *) req->body,
        .body_len = req->body_len,
        .params = req->params,
    };
    if (worker_pool_send(gw->pool, msg_type_service(req->type), &env, p->worker_key, err) != 0) {
        handle_table_remove(gw->pending, p->id);
        free(p);
        return -1;
    }
    lws_sul_schedule(gw->lws, 0, &p->deadline, s_on_deadline, timeout_ms * LWS_US_PER_MS);
    /* p may be completed by the drain below; do not touch it afterwards */
    worker_pool_drain(gw->pool);
    return 0;
}

void
pending_complete(gateway_t *gw, uint64_t request_id, const char *worker_key, int status, const char *body,
                 size_t body_len)
{
    s_pending_t *p = handle_table_lookup(gw->pending, request_id);
    if (!p || strcmp(p->worker_key, worker_key) != 0) {
        log_debug("reply.orphan", NULL, json_pack("{s:s}", "worker", worker_key));
        return;
    }
    s_finish(p, status, body, body_len);
}

static void
s_fail_if_on(uint64_t handle, void *item, void *arg)
{
    (void) handle;
    s_pending_t *p = item;
    if (!arg || strcmp(p->worker_key, (const char *) arg) == 0)
        s_fail(p, ERR_UNAVAILABLE, "the worker serving this request stopped; the request may or may not have been applied");
}

void
pending_fail_worker(gateway_t *gw, const char *worker_key)
{
    handle_table_foreach(gw->pending, s_fail_if_on, (void *) worker_key);
}

void
pending_fail_all(gateway_t *gw)
{
    handle_table_foreach(gw->pending, s_fail_if_on, NULL);
}
