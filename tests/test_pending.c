/*  test_pending.c - gateway/pending.c on its own terms: one request at a
    time, followed from dispatch to its one outcome. No HTTP and no running
    gateway: an lws context that listens nowhere carries the deadline timers,
    a real worker pool on an inproc endpoint, DEALER sockets in the test play
    the workers, and this file's gateway_deliver records what a client would
    get. (test_worker_pool.c throws many requests and worker deaths at the
    same pair; this file checks each promise of pending.h exactly.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "envelope.h"
#include "gateway.h"
#include "gateway_fixture.h"
#include "log.h"
#include "metrics.h"
#include "pending.h"
#include "worker_pool.h"
#include "ws_session.h"

#define S_WORKERS 4
#define S_WAIT_MS 5000

/* ------------------------------------------------------------------ what reached the client */

typedef struct {
    int count;
    origin_t origin;
    uint64_t origin_handle;
    msg_type_t type;
    char client_request_id[64];
    int status;
    char body[512];
    char content_type[64];
    char filename[96];
} s_delivery_t;

static s_delivery_t s_out;

void
gateway_deliver(gateway_t *self, origin_t origin, uint64_t origin_handle, msg_type_t type,
                const char *client_request_id, int status, const char *body, size_t body_len,
                const char *content_type, const char *filename)
{
    (void) self;
    s_out.count++;
    s_out.origin = origin;
    s_out.origin_handle = origin_handle;
    s_out.type = type;
    snprintf(s_out.client_request_id, sizeof s_out.client_request_id, "%s",
             client_request_id ? client_request_id : "(null)");
    s_out.status = status;
    snprintf(s_out.body, sizeof s_out.body, "%.*s", (int) body_len, body ? body : "");
    snprintf(s_out.content_type, sizeof s_out.content_type, "%s", content_type ? content_type : "");
    snprintf(s_out.filename, sizeof s_out.filename, "%s", filename ? filename : "");
}

/*  worker_pool.c hands events to the sessions; none are sent here. */
void
ws_session_on_event(gateway_t *gw, service_t from, const char *event, const char *user_id, const char *body,
                    size_t len)
{
    (void) gw, (void) from, (void) event, (void) user_id, (void) body, (void) len;
    cr_assert_fail("no worker sends events in these tests");
}

/* ------------------------------------------------------------------ a gateway without HTTP */

static gateway_t s_gw;
static zsock_t *s_workers[S_WORKERS];
static char s_endpoint[64];

static void
s_setup(void)
{
    memset(&s_out, 0, sizeof s_out);
    snprintf(s_endpoint, sizeof s_endpoint, "inproc://pending-test-%d", (int) getpid());
    /* no worker expires during a test: only a goodbye removes one */
    gateway_fixture_setup(&s_gw, s_endpoint, 60000, 60000);
}

static void
s_teardown(void)
{
    for (int i = 0; i < S_WORKERS; i++)
        zsock_destroy(&s_workers[i]);
    gateway_fixture_teardown(&s_gw);
}

TestSuite(pending, .init = s_setup, .fini = s_teardown, .timeout = 30);

/*  One turn of the gateway's loop: run ripe timers without waiting, read
    the workers, send what was queued. */
static void
s_turn(void)
{
    lws_service(s_gw.lws, -1);
    worker_pool_drain(s_gw.pool);
    worker_pool_flush(s_gw.pool);
}

/*  Worker i connects and announces itself; wait until the pool counts it. */
static void
s_join(int i)
{
    s_workers[i] = zsock_new(ZMQ_DEALER);
    cr_assert_not_null(s_workers[i]);
    zsock_set_linger(s_workers[i], 0);
    cr_assert_eq(zsock_connect(s_workers[i], "%s", s_endpoint), 0);
    int before = worker_pool_live(s_gw.pool, SERVICE_PROFILE);
    envelope_t beat = {.kind = ENVELOPE_HEARTBEAT, .service = "profile"};
    cr_assert_eq(envelope_send(s_workers[i], NULL, 0, &beat), 0);
    int64_t give_up = clock_mono_ms() + S_WAIT_MS;
    while (worker_pool_live(s_gw.pool, SERVICE_PROFILE) == before && clock_mono_ms() < give_up) {
        s_turn();
        usleep(1000);
    }
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), before + 1);
}

/*  Worker i says goodbye (a clean stop); wait until the pool has let it go
    and failed its requests over. */
static void
s_leave(int i)
{
    int before = worker_pool_live(s_gw.pool, SERVICE_PROFILE);
    envelope_t bye = {.kind = ENVELOPE_DISCONNECT, .service = "profile"};
    cr_assert_eq(envelope_send(s_workers[i], NULL, 0, &bye), 0);
    int64_t give_up = clock_mono_ms() + S_WAIT_MS;
    while (worker_pool_live(s_gw.pool, SERVICE_PROFILE) == before && clock_mono_ms() < give_up) {
        s_turn();
        usleep(1000);
    }
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), before - 1);
    zsock_destroy(&s_workers[i]);
}

/*  The next request any worker received: which one (or -1 when none came
    within wait_ms) and the envelope (caller releases). */
static int
s_take(envelope_t *env, int wait_ms)
{
    int64_t give_up = clock_mono_ms() + wait_ms;
    do {
        s_turn();
        for (int i = 0; i < S_WORKERS; i++)
            if (s_workers[i] && envelope_recv(s_workers[i], NULL, env) == 0) {
                if (env->kind == ENVELOPE_REQUEST)
                    return i;
                envelope_release(env);
            }
        usleep(1000);
    } while (clock_mono_ms() < give_up);
    return -1;
}

static void
s_reply(int i, uint64_t request_id, int status, const char *body, const char *content_type,
        const char *filename)
{
    envelope_t reply = {.kind = ENVELOPE_REPLY,
                        .request_id = request_id,
                        .status = status,
                        .body = (const uint8_t *) body,
                        .body_len = strlen(body),
                        .content_type = content_type,
                        .filename = filename};
    cr_assert_eq(envelope_send(s_workers[i], NULL, 0, &reply), 0);
}

/*  Turn the loop until want outcomes reached the client (or give up). */
static void
s_wait_delivered(int want)
{
    int64_t give_up = clock_mono_ms() + S_WAIT_MS;
    while (s_out.count < want && clock_mono_ms() < give_up) {
        s_turn();
        usleep(1000);
    }
    cr_assert_eq(s_out.count, want, "outcomes: %d, want %d", s_out.count, want);
}

/*  Requests the pool counts in flight over all live workers: pending must
    release a worker's slot on every outcome. */
static int
s_inflight(void)
{
    json_t *list = worker_pool_describe(s_gw.pool);
    int total = 0;
    size_t k;
    json_t *w;
    json_array_foreach(list, k, w) total += (int) json_integer_value(json_object_get(w, "inflight"));
    json_decref(list);
    return total;
}

/*  The error code and message of a gateway failure body. */
static void
s_assert_error(const char *code, const char *message_part)
{
    json_t *body = json_loads(s_out.body, 0, NULL);
    cr_assert_not_null(body, "not JSON: %s", s_out.body);
    cr_assert(json_is_false(json_object_get(body, "success")), "%s", s_out.body);
    cr_assert_str_eq(json_string_value(json_object_get(body, "error")), code, "%s", s_out.body);
    const char *message = json_string_value(json_object_get(body, "message"));
    cr_assert(message && strstr(message, message_part), "'%s' lacks '%s'", s_out.body, message_part);
    json_decref(body);
}

static int
s_dispatch(msg_type_t type, const char *client_request_id, err_t *err)
{
    static const char body[] = "{\"type\":\"profile.search\",\"request_id\":\"c-1\",\"data\":{}}";
    pending_request_t req = {
        .origin = ORIGIN_WS,
        .origin_handle = 4242,
        .type = type,
        .client_request_id = client_request_id,
        .user_id = "user-7",
        .is_admin = true,
        .channel = CHANNEL_WEBSOCKET,
        .body = body,
        .body_len = sizeof body - 1,
        .params = "{\"limit\":\"5\"}",
    };
    return pending_dispatch(&s_gw, &req, err);
}

/* ------------------------------------------------------------------ the tests */

Test(pending, no_live_worker_is_refused_at_once_and_nothing_is_kept)
{
    err_t err = {0};
    cr_assert_eq(s_dispatch(MSG_PROFILE_SEARCH, "c-1", &err), -1);
    cr_assert_eq(err.code, ERR_UNAVAILABLE);
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
    cr_assert_eq(s_out.count, 0, "a refused dispatch delivers nothing: the caller answers");
    cr_assert_eq(s_dispatch(MSG_PROFILE_UPDATE, NULL, &err), -1, "writes too");
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
}

Test(pending, the_worker_gets_the_request_and_its_reply_reaches_the_origin_once)
{
    s_join(0);
    err_t err = {0};
    int64_t before = clock_wall_ms();
    cr_assert_eq(s_dispatch(MSG_PROFILE_SEARCH, "c-1", &err), 0, "%s", err.msg);
    cr_assert_eq(handle_table_size(s_gw.pending), 1);
    envelope_t env;
    cr_assert_eq(s_take(&env, S_WAIT_MS), 0);
    cr_assert_neq(env.request_id, 0);
    cr_assert_str_eq(env.user_id, "user-7");
    cr_assert_str_eq(env.role, "admin");
    cr_assert_str_eq(env.msg_type, "profile.search");
    cr_assert_eq(env.channel, CHANNEL_WEBSOCKET);
    cr_assert_str_eq(env.params, "{\"limit\":\"5\"}");
    cr_assert_eq(env.body_len, strlen("{\"type\":\"profile.search\",\"request_id\":\"c-1\",\"data\":{}}"));
    cr_assert(env.deadline_ms >= before + 60000 && env.deadline_ms <= clock_wall_ms() + 60000,
              "the deadline told to the worker is now + P2P_REQUEST_TIMEOUT_MS");
    cr_assert_eq(s_inflight(), 1);
    uint64_t id = env.request_id;
    envelope_release(&env);

    s_reply(0, id, 200, "{\"success\":true,\"data\":{\"n\":1}}", "", "");
    s_wait_delivered(1);
    cr_assert_eq(s_out.status, 200);
    cr_assert_str_eq(s_out.body, "{\"success\":true,\"data\":{\"n\":1}}");
    cr_assert_eq(s_out.origin, ORIGIN_WS);
    cr_assert_eq(s_out.origin_handle, 4242);
    cr_assert_eq(s_out.type, MSG_PROFILE_SEARCH);
    cr_assert_str_eq(s_out.client_request_id, "c-1");
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
    cr_assert_eq(s_inflight(), 0, "the worker's slot is released");

    /* the same reply again (a duplicate, or a worker confused) changes nothing */
    s_reply(0, id, 500, "{}", "", "");
    for (int k = 0; k < 50; k++)
        s_turn(), usleep(1000);
    cr_assert_eq(s_out.count, 1);
    cr_assert_eq(s_out.status, 200);
}

Test(pending, a_file_reply_keeps_its_type_and_name)
{
    s_join(0);
    err_t err = {0};
    cr_assert_eq(s_dispatch(MSG_PROFILE_GET, NULL, &err), 0, "%s", err.msg);
    envelope_t env;
    cr_assert_eq(s_take(&env, S_WAIT_MS), 0);
    uint64_t id = env.request_id;
    envelope_release(&env);
    s_reply(0, id, 200, "%PDF-1.4", "application/pdf", "proof.pdf");
    s_wait_delivered(1);
    cr_assert_str_eq(s_out.body, "%PDF-1.4");
    cr_assert_str_eq(s_out.content_type, "application/pdf");
    cr_assert_str_eq(s_out.filename, "proof.pdf");
    cr_assert_str_eq(s_out.client_request_id, "", "no client request id: empty, not garbage");
}

Test(pending, a_reply_from_another_worker_is_ignored)
{
    s_join(0);
    s_join(1);
    err_t err = {0};
    cr_assert_eq(s_dispatch(MSG_PROFILE_UPDATE, "c-9", &err), 0, "%s", err.msg);
    envelope_t env;
    int got = s_take(&env, S_WAIT_MS);
    cr_assert_geq(got, 0);
    uint64_t id = env.request_id;
    envelope_release(&env);
    s_reply(1 - got, id, 200, "{\"forged\":true}", "", "");
    for (int k = 0; k < 50; k++)
        s_turn(), usleep(1000);
    cr_assert_eq(s_out.count, 0, "only the worker the request went to may answer it");
    cr_assert_eq(handle_table_size(s_gw.pending), 1);
    s_reply(got, id, 201, "{\"success\":true}", "", "");
    s_wait_delivered(1);
    cr_assert_eq(s_out.status, 201);
    cr_assert_str_eq(s_out.client_request_id, "c-9");
}

Test(pending, past_its_deadline_a_request_gets_one_504_and_a_late_reply_is_dropped)
{
    s_gw.cfg.request_timeout_ms = 200;
    s_join(0);
    err_t err = {0};
    int64_t started = clock_mono_ms();
    cr_assert_eq(s_dispatch(MSG_PROFILE_UPDATE, "c-2", &err), 0, "%s", err.msg);
    envelope_t env;
    cr_assert_eq(s_take(&env, S_WAIT_MS), 0);
    uint64_t id = env.request_id;
    envelope_release(&env);
    s_wait_delivered(1); /* the worker never answers */
    cr_assert_geq(clock_mono_ms() - started, 200, "not before the deadline");
    cr_assert_eq(s_out.status, 504);
    s_assert_error("REQUEST_TIMEOUT", "may or may not have been applied");
    cr_assert_str_eq(s_out.client_request_id, "c-2");
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
    cr_assert_eq(s_inflight(), 0, "a timeout releases the worker's slot");

    s_reply(0, id, 200, "{\"late\":true}", "", "");
    for (int k = 0; k < 50; k++)
        s_turn(), usleep(1000);
    cr_assert_eq(s_out.count, 1, "the late reply never reaches the client");
    cr_assert_eq(s_out.status, 504);
}

Test(pending, a_write_whose_worker_leaves_fails_and_is_never_sent_again)
{
    s_join(0);
    s_join(1);
    err_t err = {0};
    cr_assert_eq(s_dispatch(MSG_PROFILE_UPDATE, "c-3", &err), 0, "%s", err.msg);
    envelope_t env;
    int got = s_take(&env, S_WAIT_MS);
    cr_assert_geq(got, 0);
    envelope_release(&env);
    s_leave(got);
    s_wait_delivered(1);
    cr_assert_eq(s_out.status, 503);
    s_assert_error("SERVICE_UNAVAILABLE", "may or may not have been applied");
    cr_assert_str_eq(s_out.client_request_id, "c-3");
    cr_assert_eq(s_take(&env, 200), -1, "a write must not reach a second worker");
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
}

Test(pending, a_read_whose_worker_leaves_is_sent_again_unchanged)
{
    s_join(0);
    s_join(1);
    err_t err = {0};
    cr_assert_eq(s_dispatch(MSG_PROFILE_SEARCH, "c-4", &err), 0, "%s", err.msg);
    envelope_t first;
    int got = s_take(&first, S_WAIT_MS);
    cr_assert_geq(got, 0);
    s_leave(got);
    cr_assert_eq(s_out.count, 0, "a read is retried, not failed");
    envelope_t again;
    cr_assert_eq(s_take(&again, S_WAIT_MS), 1 - got, "sent to the other worker");
    cr_assert_eq(again.request_id, first.request_id, "the same request, so the reply matches it");
    cr_assert_str_eq(again.user_id, first.user_id);
    cr_assert_str_eq(again.role, first.role);
    cr_assert_str_eq(again.msg_type, first.msg_type);
    cr_assert_str_eq(again.params, first.params);
    cr_assert_eq(again.deadline_ms, first.deadline_ms, "the deadline does not restart");
    cr_assert_eq(again.body_len, first.body_len);
    cr_assert_eq(memcmp(again.body, first.body, first.body_len), 0);
    uint64_t id = again.request_id;
    envelope_release(&first);
    envelope_release(&again);
    s_reply(1 - got, id, 200, "{\"success\":true}", "", "");
    s_wait_delivered(1);
    cr_assert_eq(s_out.status, 200);
    cr_assert_str_eq(s_out.client_request_id, "c-4");
    cr_assert_eq(s_inflight(), 0);
}

Test(pending, a_read_is_tried_on_at_most_three_workers)
{
    for (int i = 0; i < S_WORKERS; i++)
        s_join(i);
    err_t err = {0};
    cr_assert_eq(s_dispatch(MSG_PROFILE_SEARCH, "c-5", &err), 0, "%s", err.msg);
    bool tried[S_WORKERS] = {false};
    for (int attempt = 1; attempt <= 3; attempt++) {
        envelope_t env;
        int got = s_take(&env, S_WAIT_MS);
        cr_assert_geq(got, 0, "attempt %d reached no worker", attempt);
        cr_assert_not(tried[got], "attempt %d went back to worker %d", attempt, got);
        tried[got] = true;
        envelope_release(&env);
        s_leave(got);
    }
    s_wait_delivered(1);
    cr_assert_eq(s_out.status, 503);
    s_assert_error("SERVICE_UNAVAILABLE", "no worker is available");
    envelope_t env;
    cr_assert_eq(s_take(&env, 200), -1, "no fourth try, though a worker is live");
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 1);
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
}

Test(pending, a_read_past_its_deadline_is_not_retried)
{
    s_gw.cfg.request_timeout_ms = 500; /* margin: the timer must not run first */
    s_join(0);
    s_join(1);
    err_t err = {0};
    cr_assert_eq(s_dispatch(MSG_PROFILE_SEARCH, "c-6", &err), 0, "%s", err.msg);
    envelope_t env;
    int got = s_take(&env, S_WAIT_MS);
    cr_assert_geq(got, 0);
    int64_t deadline = env.deadline_ms;
    envelope_release(&env);
    /* the timer has not run (no loop turn), but the deadline has passed:
       the worker's goodbye must not start a retry that cannot finish in time */
    while (clock_wall_ms() <= deadline)
        usleep(5000);
    envelope_t bye = {.kind = ENVELOPE_DISCONNECT, .service = "profile"};
    cr_assert_eq(envelope_send(s_workers[got], NULL, 0, &bye), 0);
    int64_t give_up = clock_mono_ms() + S_WAIT_MS;
    while (worker_pool_live(s_gw.pool, SERVICE_PROFILE) == 2 && clock_mono_ms() < give_up) {
        worker_pool_drain(s_gw.pool); /* only reads: the deadline timer stays unrun */
        usleep(1000);
    }
    cr_assert_eq(s_out.count, 1);
    cr_assert_eq(s_out.status, 503, "failed at once, not resent (a retry would end in 504)");
    s_assert_error("SERVICE_UNAVAILABLE", "no worker is available");
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(s_take(&env, 200), -1, "the live worker got nothing");
}

Test(pending, fail_all_answers_every_request_once)
{
    s_join(0);
    err_t err = {0};
    cr_assert_eq(s_dispatch(MSG_PROFILE_SEARCH, "a", &err), 0);
    cr_assert_eq(s_dispatch(MSG_PROFILE_UPDATE, "b", &err), 0);
    cr_assert_eq(s_dispatch(MSG_PROFILE_GET, "c", &err), 0);
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(handle_table_size(s_gw.pending), 3);
    pending_fail_all(&s_gw);
    cr_assert_eq(s_out.count, 3);
    cr_assert_eq(s_out.status, 503);
    s_assert_error("SERVICE_UNAVAILABLE", "shutting down");
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
    cr_assert_eq(s_inflight(), 0);
    pending_fail_all(&s_gw);
    cr_assert_eq(s_out.count, 3, "nothing is answered twice");
}
