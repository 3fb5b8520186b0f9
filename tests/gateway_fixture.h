/*  gateway_fixture.h - a gateway without HTTP for unit tests of the worker
    link (test_worker_pool.c, test_pending.c): an lws context that listens
    nowhere (it carries the deadline timer), the pending table and queue, metrics and
    a real worker pool bound to endpoint. The test file supplies
    gateway_deliver and ws_session_on_event, which record what would reach
    clients. Header-only: each test is its own executable. */
#ifndef P2P_TEST_GATEWAY_FIXTURE_H
#define P2P_TEST_GATEWAY_FIXTURE_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "log.h"
#include "metrics.h"
#include "pending.h"
#include "worker_pool.h"

/*  Fill gw (zeroed first) with a pool bound to endpoint (copied). */
static inline void
gateway_fixture_setup(gateway_t *gw, const char *endpoint, int heartbeat_ms, int request_timeout_ms)
{
    log_init("test", getenv("TEST_LOG") ? getenv("TEST_LOG") : "error");
    lws_set_log_level(0, NULL);
    memset(gw, 0, sizeof *gw);
    gw->cfg.heartbeat_ms = heartbeat_ms;
    gw->cfg.request_timeout_ms = request_timeout_ms;
    gw->cfg.worker_bind = strdup(endpoint);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    gw->lws = lws_create_context(&info);
    cr_assert_not_null(gw->lws);
    gw->pending = handle_table_new(7);
    cr_assert_eq(pending_init(gw), 0);
    gw->metrics = metrics_new();
    err_t err;
    gw->pool = worker_pool_new(gw, &err);
    cr_assert_not_null(gw->pool, "%s", err.msg);
}

/*  Answer what is still pending (503) and free all gateway_fixture_setup made. */
static inline void
gateway_fixture_teardown(gateway_t *gw)
{
    pending_fail_all(gw);
    pending_destroy(gw);
    worker_pool_destroy(&gw->pool);
    metrics_destroy(&gw->metrics);
    handle_table_destroy(&gw->pending);
    lws_context_destroy(gw->lws);
    free(gw->cfg.worker_bind);
}

#endif
