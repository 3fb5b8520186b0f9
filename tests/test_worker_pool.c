/*  test_worker_pool.c - gateway/worker_pool.h with gateway/pending.h: real
    ZeroMQ sockets (DEALERs in the test play the workers), a real pending
    table and lws timers, no HTTP. What reaches clients is recorded by this
    file's gateway_deliver; what reaches sessions by its ws_session_on_event.

    The point of most tests: no sequence of worker deaths may crash the
    gateway (issue 10, item 1), and every request still gets exactly one
    outcome. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "curve.h"
#include "envelope.h"
#include "gateway.h"
#include "gateway_fixture.h"
#include "log.h"
#include "metrics.h"
#include "pending.h"
#include "worker_pool.h"
#include "ws_session.h"

#define S_HEARTBEAT_MS 50
#define S_MAX_WORKERS 4

/* ------------------------------------------------------------------ what the gateway delivered */

static int s_delivered;
static int s_by_status[600];

void
gateway_deliver(gateway_t *self, origin_t origin, uint64_t origin_handle, msg_type_t type,
                const char *client_request_id, int status, const char *body, size_t body_len,
                const char *content_type, const char *filename)
{
    (void) content_type;
    (void) filename;
    (void) self;
    (void) origin;
    (void) origin_handle;
    (void) type;
    (void) client_request_id;
    (void) body;
    (void) body_len;
    s_delivered++;
    if (status >= 0 && status < 600)
        s_by_status[status]++;
}

static int s_events;

static service_t s_event_from;

void
ws_session_on_event(gateway_t *gw, service_t from, const char *event, const char *user_id, const char *body,
                    size_t len)
{
    (void) gw;
    (void) event;
    (void) user_id;
    (void) body;
    (void) len;
    s_event_from = from;
    s_events++;
}

/* ------------------------------------------------------------------ a gateway without HTTP */

static gateway_t s_gw;
static zsock_t *s_workers[S_MAX_WORKERS];
static char s_endpoint[64];

static void
s_setup(void)
{
    s_delivered = s_events = 0;
    memset(s_by_status, 0, sizeof s_by_status);
    snprintf(s_endpoint, sizeof s_endpoint, "inproc://worker-pool-test-%d", (int) getpid());
    gateway_fixture_setup(&s_gw, s_endpoint, S_HEARTBEAT_MS, 60000);
}

static void
s_teardown(void)
{
    for (int i = 0; i < S_MAX_WORKERS; i++)
        zsock_destroy(&s_workers[i]);
    gateway_fixture_teardown(&s_gw);
}

TestSuite(worker_pool, .init = s_setup, .fini = s_teardown, .timeout = 30);

/*  Worker i connects and says hello (a heartbeat naming its kind). */
static void
s_worker_join(int i, const char *kind)
{
    s_workers[i] = zsock_new(ZMQ_DEALER);
    cr_assert_not_null(s_workers[i]);
    zsock_set_linger(s_workers[i], 0);
    cr_assert_eq(zsock_connect(s_workers[i], "%s", s_endpoint), 0);
    envelope_t beat = {.kind = ENVELOPE_HEARTBEAT, .service = kind};
    cr_assert_eq(envelope_send(s_workers[i], NULL, 0, &beat), 0);
}

/*  Drain the gateway's socket until want workers of service are live. */
static void
s_wait_live(service_t service, int want)
{
    int64_t give_up = clock_mono_ms() + 5000;
    while (worker_pool_live(s_gw.pool, service) != want && clock_mono_ms() < give_up) {
        worker_pool_drain(s_gw.pool);
        usleep(2000);
    }
    cr_assert_eq(worker_pool_live(s_gw.pool, service), want);
}

/*  Send count requests of type (a read is retried elsewhere, a write never). */
static void
s_dispatch(msg_type_t type, int count)
{
    for (int i = 0; i < count; i++) {
        pending_request_t req = {
            .origin = ORIGIN_WS,
            .origin_handle = (uint64_t) i + 1000,
            .type = type,
            .user_id = "u2",
            .channel = CHANNEL_WEBSOCKET,
            .body = "{\"type\":\"x\"}",
            .body_len = 12,
        };
        err_t err;
        if (pending_dispatch(&s_gw, &req, &err) != 0)
            s_delivered++, s_by_status[503]++; /* refused at once: counts as its outcome */
    }
}

/*  Worker i vanishes without a word (SIGKILL, a cut cable). The gateway's
    ROUTER learns it when it next processes its commands: drain a few times. */
static void
s_worker_vanish(int i)
{
    zsock_destroy(&s_workers[i]);
}

static void
s_let_router_notice(void)
{
    for (int i = 0; i < 20; i++) {
        worker_pool_drain(s_gw.pool);
        usleep(5000);
    }
}

/*  Wait past the liveness limit (3 heartbeats) so every silent worker expires. */
static void
s_wait_expired(void)
{
    usleep(4 * S_HEARTBEAT_MS * 1000);
}

Test(worker_pool, two_workers_lost_together_with_40_reads_each)
{
    s_worker_join(0, "profile");
    s_worker_join(1, "profile");
    s_wait_live(SERVICE_PROFILE, 2);
    s_dispatch(MSG_PROFILE_SEARCH, 80);
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(handle_table_size(s_gw.pending), 80);

    s_worker_vanish(0);
    s_worker_vanish(1);
    s_let_router_notice();
    s_wait_expired();
    worker_pool_tick(s_gw.pool); /* used to purge one, retry on the other, purge it inside the loop */
    worker_pool_flush(s_gw.pool);

    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 0);
    cr_assert_eq(s_delivered, 80, "every request gets exactly one outcome");
    cr_assert_eq(s_by_status[503], 80);
    cr_assert_eq(handle_table_size(s_gw.pending), 0);

    /* and the pool still works: a new worker joins and takes requests */
    s_worker_join(2, "profile");
    s_wait_live(SERVICE_PROFILE, 1);
    s_dispatch(MSG_PROFILE_SEARCH, 3);
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(handle_table_size(s_gw.pending), 3);
}

/*  Worker i answers every request waiting for it with 200. Returns how many. */
static int
s_worker_answer(int i)
{
    int answered = 0;
    envelope_t envs[ENVELOPE_BATCH_MAX];
    size_t count;
    while (s_workers[i] && envelope_recv_batch(s_workers[i], NULL, envs, ENVELOPE_BATCH_MAX, &count) == 0) {
        for (size_t k = 0; k < count; k++) {
            if (envs[k].kind == ENVELOPE_REQUEST) {
                envelope_t reply = {.kind = ENVELOPE_REPLY,
                                    .request_id = envs[k].request_id,
                                    .status = 200,
                                    .body = (const uint8_t *) "{}",
                                    .body_len = 2};
                envelope_send(s_workers[i], NULL, 0, &reply);
                answered++;
            }
            envelope_release(&envs[k]);
        }
    }
    return answered;
}

Test(worker_pool, every_worker_gone_before_the_turn_ends)
{
    for (int i = 0; i < 3; i++)
        s_worker_join(i, "profile");
    s_wait_live(SERVICE_PROFILE, 3);
    /* queued in outboxes, not sent yet: the flush finds every worker gone */
    s_dispatch(MSG_PROFILE_SEARCH, 60);
    s_dispatch(MSG_PROFILE_UPDATE, 30);
    for (int i = 0; i < 3; i++)
        s_worker_vanish(i);
    s_let_router_notice();
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 0);
    cr_assert_eq(s_delivered, 90);
    cr_assert_eq(s_by_status[503], 90);
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
}

Test(worker_pool, a_full_outbox_to_a_vanished_worker_spills_to_the_live_one)
{
    s_worker_join(0, "profile");
    s_wait_live(SERVICE_PROFILE, 1);
    s_worker_join(1, "profile");
    s_wait_live(SERVICE_PROFILE, 2);
    s_worker_vanish(0);
    s_let_router_notice();
    /* batched reads fill one worker first: whichever fills, 70 of them pass
       32 per outbox, so a send to the vanished one fails mid-dispatch */
    s_dispatch(MSG_PROFILE_GET, 70);
    worker_pool_flush(s_gw.pool);
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 1);
    cr_assert_eq(s_delivered, 0, "reads on the vanished worker went to the live one");
    int answered = 0;
    int64_t give_up = clock_mono_ms() + 5000;
    while (answered < 70 && clock_mono_ms() < give_up) {
        answered += s_worker_answer(1);
        worker_pool_drain(s_gw.pool);
        usleep(2000);
    }
    cr_assert_eq(answered, 70);
    cr_assert_eq(s_by_status[200], 70);
}

Test(worker_pool, leaving_and_vanishing_in_one_drain)
{
    s_worker_join(0, "profile");
    s_worker_join(1, "profile");
    s_wait_live(SERVICE_PROFILE, 2);
    s_dispatch(MSG_PROFILE_SEARCH, 80);
    worker_pool_flush(s_gw.pool);
    /* worker 1 vanishes; worker 0 says goodbye: its reads fail over to 1,
       whose sends fail, inside the drain that read the goodbye */
    s_worker_vanish(1);
    envelope_t bye = {.kind = ENVELOPE_DISCONNECT, .service = "profile"};
    cr_assert_eq(envelope_send(s_workers[0], NULL, 0, &bye), 0);
    s_let_router_notice();
    worker_pool_flush(s_gw.pool);
    s_wait_expired();
    worker_pool_tick(s_gw.pool);
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 0);
    cr_assert_eq(s_delivered, 80);
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
}

/*  Random interleavings of joins, answers, goodbyes, vanishings, dispatches,
    ticks, drains and flushes: never a crash, and once every worker is gone
    every request has had exactly one outcome. */
Test(worker_pool, random_deaths_never_crash_and_lose_nothing)
{
    unsigned seed = 20240611;
    int dispatched = 0;
    for (int step = 0; step < 400; step++) {
        int op = (int) (rand_r(&seed) % 9), i = (int) (rand_r(&seed) % S_MAX_WORKERS);
        switch (op) {
        case 0:
            if (!s_workers[i])
                s_worker_join(i, "profile");
            break;
        case 1:
            s_worker_vanish(i);
            break;
        case 2:
            if (s_workers[i]) {
                envelope_t bye = {.kind = ENVELOPE_DISCONNECT, .service = "profile"};
                envelope_send(s_workers[i], NULL, 0, &bye);
                s_worker_vanish(i);
            }
            break;
        case 3:
            s_worker_answer(i);
            break;
        case 4: {
            int n = 1 + (int) (rand_r(&seed) % 50);
            msg_type_t types[] = {MSG_PROFILE_GET, MSG_PROFILE_SEARCH, MSG_PROFILE_UPDATE};
            s_dispatch(types[rand_r(&seed) % 3], n);
            dispatched += n;
            break;
        }
        case 5:
            worker_pool_tick(s_gw.pool);
            break;
        case 6:
            worker_pool_drain(s_gw.pool);
            break;
        case 7:
            usleep(S_HEARTBEAT_MS * 1000); /* let some expire */
            break;
        default:
            worker_pool_flush(s_gw.pool);
            break;
        }
        if (op != 4)
            worker_pool_flush(s_gw.pool); /* the event loop flushes after every turn */
        if (rand_r(&seed) % 4 == 0)
            for (int k = 0; k < S_MAX_WORKERS; k++) /* keep the survivors alive */
                if (s_workers[k]) {
                    envelope_t beat = {.kind = ENVELOPE_HEARTBEAT, .service = "profile"};
                    envelope_send(s_workers[k], NULL, 0, &beat);
                }
    }
    for (int i = 0; i < S_MAX_WORKERS; i++)
        s_worker_vanish(i);
    s_let_router_notice();
    s_wait_expired();
    worker_pool_tick(s_gw.pool);
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 0);
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
    cr_assert_eq(s_delivered, dispatched, "one outcome per request (%d of %d)", s_delivered, dispatched);
}

/* ------------------------------------------------------------------ who may speak (issue 10 item 5) */

static void
s_send_event(int i)
{
    envelope_t event = {.kind = ENVELOPE_EVENT,
                        .service = "admin",
                        .event = "account_suspended",
                        .user_id = "victim",
                        .body = (const uint8_t *) "{}",
                        .body_len = 2};
    cr_assert_eq(envelope_send(s_workers[i], NULL, 0, &event), 0);
}

Test(worker_pool, events_only_from_registered_workers_tagged_with_their_kind)
{
    /* a peer that never registered forges a suspension: dropped */
    s_workers[0] = zsock_new(ZMQ_DEALER);
    cr_assert_eq(zsock_connect(s_workers[0], "%s", s_endpoint), 0);
    s_send_event(0);
    s_let_router_notice();
    cr_assert_eq(s_events, 0, "an unregistered peer's event reached the sessions");

    /* a registered admin worker's event passes, with its kind */
    s_worker_join(1, "admin");
    s_wait_live(SERVICE_ADMIN, 1);
    s_send_event(1);
    s_let_router_notice();
    cr_assert_eq(s_events, 1);
    cr_assert_eq(s_event_from, SERVICE_ADMIN);

    /* a profile worker claiming "admin" in the event is still a profile worker */
    s_worker_join(2, "profile");
    s_wait_live(SERVICE_PROFILE, 1);
    s_send_event(2);
    s_let_router_notice();
    cr_assert_eq(s_events, 2);
    cr_assert_eq(s_event_from, SERVICE_PROFILE);
}

/*  A pool on cfg's endpoint in a gateway of its own (the suite's is left alone). */
static worker_pool_t *
s_pool_with(gateway_t *gw, const char *bind, const char *secret, const char *clients, int insecure,
            err_t *err)
{
    *gw = s_gw;
    gw->cfg.worker_bind = (char *) bind;
    gw->cfg.worker_curve_secret_file = (char *) secret;
    gw->cfg.worker_curve_clients_dir = (char *) clients;
    gw->cfg.worker_link_insecure = insecure;
    return worker_pool_new(gw, err);
}

Test(worker_pool, a_reachable_endpoint_needs_curve_or_an_explicit_insecure)
{
    gateway_t gw;
    err_t err;
    const char *reachable[] = {"tcp://0.0.0.0:*", "tcp://*:*"};
    for (int i = 0; i < 2; i++) {
        cr_assert_null(s_pool_with(&gw, reachable[i], "", "", 0, &err), "%s bound without CURVE",
                       reachable[i]);
        cr_assert_eq(err.code, ERR_INVALID);
        cr_assert(strstr(err.msg, "P2P_WORKER_LINK_INSECURE")
                      && strstr(err.msg, "P2P_WORKER_CURVE_SECRET_FILE"),
                  "%s", err.msg);
    }
    worker_pool_t *pool = s_pool_with(&gw, "tcp://0.0.0.0:*", "", "", 1, &err);
    cr_assert_not_null(pool, "the operator said the network is private: %s", err.msg);
    worker_pool_destroy(&pool);
    pool = s_pool_with(&gw, "tcp://127.0.0.1:*", "", "", 0, &err);
    cr_assert_not_null(pool, "loopback needs nothing: %s", err.msg);
    worker_pool_destroy(&pool);
    cr_assert_null(s_pool_with(&gw, "tcp://127.0.0.1:*", "/tmp/x_secret", "", 0, &err));
    cr_assert(strstr(err.msg, "P2P_WORKER_CURVE_CLIENTS_DIR"), "%s", err.msg);
}

static char s_dir[64];

static const char *
s_path(const char *name)
{
    static char paths[8][128];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 128, "%s/%s", s_dir, name);
    return p;
}

/*  A worker of kind on endpoint with cert (NULL: no CURVE); returns its socket. */
static zsock_t *
s_curve_worker(const char *endpoint, const char *cert, const char *kind)
{
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    zsock_set_linger(sock, 0);
    err_t err;
    if (cert)
        cr_assert_eq(curve_client_apply(sock, s_path(cert), s_path("gateway.cert"), "C", "S", &err), 0, "%s",
                     err.msg);
    cr_assert_eq(zsock_connect(sock, "%s", endpoint), 0);
    envelope_t beat = {.kind = ENVELOPE_HEARTBEAT, .service = kind};
    envelope_send(sock, NULL, 0, &beat);
    return sock;
}

Test(worker_pool, under_curve_only_listed_workers_join_as_their_kind)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/p2p-wp-curve-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    err_t err;
    const char *profile_meta[] = {CURVE_META_KIND, "profile", NULL};
    cr_assert_eq(curve_keygen(s_path("gateway.cert"), NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(curve_keygen(s_path("profile.cert"), profile_meta, &err), 0, "%s", err.msg);
    cr_assert_eq(curve_keygen(s_path("any.cert"), NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(curve_keygen(s_path("rogue.cert"), NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(mkdir(s_path("clients"), 0700), 0);
    char target[160];
    snprintf(target, sizeof target, "%s/clients/profile.cert", s_dir);
    cr_assert_eq(link(s_path("profile.cert"), target), 0);
    snprintf(target, sizeof target, "%s/clients/any.cert", s_dir);
    cr_assert_eq(link(s_path("any.cert"), target), 0);

    gateway_t gw;
    worker_pool_t *pool =
        s_pool_with(&gw, "tcp://127.0.0.1:*", s_path("gateway.cert_secret"), s_path("clients"), 0, &err);
    cr_assert_not_null(pool, "%s", err.msg);
    char *endpoint = worker_pool_endpoint(pool);
    zsock_t *rogue = s_curve_worker(endpoint, "rogue.cert", "profile");     /* unknown key */
    zsock_t *plain = s_curve_worker(endpoint, NULL, "profile");             /* no CURVE at all */
    zsock_t *liar = s_curve_worker(endpoint, "profile.cert", "admin");      /* a profile key as admin */
    zsock_t *profile = s_curve_worker(endpoint, "profile.cert", "profile"); /* as its certificate says */
    zsock_t *any = s_curve_worker(endpoint, "any.cert", "admin");           /* listed, no kind: any kind */
    int64_t give_up = clock_mono_ms() + 5000;
    while ((worker_pool_live(pool, SERVICE_PROFILE) < 1 || worker_pool_live(pool, SERVICE_ADMIN) < 1)
           && clock_mono_ms() < give_up) {
        worker_pool_drain(pool);
        usleep(5000);
    }
    for (int i = 0; i < 40; i++) { /* give the others every chance to get in */
        worker_pool_drain(pool);
        usleep(5000);
    }
    cr_assert_eq(worker_pool_live(pool, SERVICE_PROFILE), 1, "only the listed profile key");
    cr_assert_eq(worker_pool_live(pool, SERVICE_ADMIN), 1, "only the listed key without a kind");
    zsock_destroy(&rogue);
    zsock_destroy(&plain);
    zsock_destroy(&liar);
    zsock_destroy(&profile);
    zsock_destroy(&any);
    free(endpoint);
    worker_pool_destroy(&pool);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    cr_assert_eq(system(cmd), 0);
}

/* ------------------------------------------------------------------ readiness (issue 10 item 14) */

static void
s_beat(int i, const char *kind, int status)
{
    envelope_t beat = {.kind = ENVELOPE_HEARTBEAT, .service = kind, .status = status};
    cr_assert_eq(envelope_send(s_workers[i], NULL, 0, &beat), 0);
    s_let_router_notice();
}

Test(worker_pool, ready_counts_only_workers_that_can_serve)
{
    s_worker_join(0, "profile");
    s_worker_join(1, "admin");
    s_worker_join(2, "trade");
    s_wait_live(SERVICE_PROFILE, 1);
    s_wait_live(SERVICE_ADMIN, 1);
    s_wait_live(SERVICE_TRADE, 1);
    cr_assert(worker_pool_ready(s_gw.pool, NULL), "a worker that does not say is serving");
    s_beat(0, "profile", 503); /* its database went away */
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 1);
    cr_assert_eq(worker_pool_serving(s_gw.pool, SERVICE_PROFILE), 0);
    json_t *detail = json_object();
    cr_assert_not(worker_pool_ready(s_gw.pool, detail));
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(detail, "workers"), "profile")), 1);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(detail, "serving"), "profile")), 0);
    cr_assert_eq(json_array_size(json_object_get(detail, "required")), 3); /* every kind by default */
    json_decref(detail);
    s_beat(0, "profile", 200);
    cr_assert(worker_pool_ready(s_gw.pool, NULL));
    s_beat(0, "profile", 503);
    s_worker_vanish(0);
    s_let_router_notice();
    s_wait_expired();
    worker_pool_tick(s_gw.pool);
    cr_assert_eq(worker_pool_serving(s_gw.pool, SERVICE_PROFILE), 0, "a dead worker is not counted twice");
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 0);
}

Test(worker_pool, requests_go_to_workers_that_can_serve)
{
    s_worker_join(0, "profile");
    s_worker_join(1, "profile");
    s_wait_live(SERVICE_PROFILE, 2);
    s_beat(0, "profile", 503);
    cr_assert_eq(worker_pool_serving(s_gw.pool, SERVICE_PROFILE), 1);
    s_dispatch(MSG_PROFILE_SEARCH, 10);
    worker_pool_flush(s_gw.pool);
    int64_t give_up = clock_mono_ms() + 3000;
    int answered = 0;
    while (answered < 10 && clock_mono_ms() < give_up) {
        answered += s_worker_answer(1);
        usleep(2000);
    }
    cr_assert_eq(answered, 10, "all went to the worker whose database is up");
    cr_assert_eq(s_worker_answer(0), 0);
    /* when none can serve, the others still get the request (they answer 503 themselves) */
    s_beat(1, "profile", 503);
    s_dispatch(MSG_PROFILE_SEARCH, 4);
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(s_delivered, 10, "the first ten were answered; none of these was refused");
    cr_assert_eq(handle_table_size(s_gw.pending), 4);
}

Test(worker_pool, ready_kinds_come_from_the_configuration)
{
    gateway_t gw = s_gw;
    gw.cfg.worker_bind = "inproc://ready-kinds";
    err_t err;
    const char *bad[] = {"wallet", "profile,nobody", ",", "none"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gw.cfg.ready_kinds = (char *) bad[i];
        cr_assert_null(worker_pool_new(&gw, &err), "%s", bad[i]);
        cr_assert(strstr(err.msg, "P2P_READY_KINDS"), "%s", err.msg);
    }
    gw.cfg.ready_kinds = "profile";
    worker_pool_t *pool = worker_pool_new(&gw, &err);
    cr_assert_not_null(pool, "%s", err.msg);
    json_t *detail = json_object();
    cr_assert_not(worker_pool_ready(pool, detail));
    cr_assert_eq(json_array_size(json_object_get(detail, "required")), 1);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(detail, "required"), 0)), "profile");
    json_decref(detail);
    worker_pool_destroy(&pool);
}

/* ------------------------------------------------------------------ fail-over and dispatch (issue 18) */

/*  Requests each worker received since the last call, without answering:
    waits until want in all have arrived (or 3 s passed). */
static void
s_take(int *got, int want)
{
    memset(got, 0, S_MAX_WORKERS * sizeof *got);
    int total = 0;
    int64_t give_up = clock_mono_ms() + 3000;
    int64_t settle = want == 0 ? clock_mono_ms() + 100 : 0; /* "none came" needs a moment */
    do {
        worker_pool_flush(s_gw.pool);
        for (int i = 0; i < S_MAX_WORKERS; i++) {
            envelope_t envs[ENVELOPE_BATCH_MAX];
            size_t count;
            while (s_workers[i]
                   && envelope_recv_batch(s_workers[i], NULL, envs, ENVELOPE_BATCH_MAX, &count) == 0)
                for (size_t k = 0; k < count; k++) {
                    if (envs[k].kind == ENVELOPE_REQUEST)
                        got[i]++, total++;
                    envelope_release(&envs[k]);
                }
        }
        usleep(2000);
    } while ((total < want || clock_mono_ms() < settle) && clock_mono_ms() < give_up);
    cr_assert_eq(total, want, "%d of %d requests reached a worker", total, want);
}

/*  The worker holding requests: the one that got any, asserting only one did. */
static int
s_holder(const int *got)
{
    int holder = -1;
    for (int i = 0; i < S_MAX_WORKERS; i++)
        if (got[i]) {
            cr_assert_eq(holder, -1, "requests went to worker %d and worker %d", holder, i);
            holder = i;
        }
    cr_assert_neq(holder, -1);
    return holder;
}

/*  Worker i says goodbye (a clean shutdown) and is gone. */
static void
s_worker_leave(int i)
{
    envelope_t bye = {.kind = ENVELOPE_DISCONNECT, .service = "profile"};
    cr_assert_eq(envelope_send(s_workers[i], NULL, 0, &bye), 0);
    s_let_router_notice();
    s_worker_vanish(i);
}

Test(worker_pool, reads_on_a_dead_worker_are_served_by_another)
{
    s_worker_join(0, "profile");
    s_worker_join(1, "profile");
    s_wait_live(SERVICE_PROFILE, 2);
    int got[S_MAX_WORKERS];
    s_dispatch(MSG_PROFILE_GET, 5);
    s_take(got, 5);
    int victim = s_holder(got), survivor = 1 - victim;
    /* the victim is killed: silent past 3 beats while the survivor beats
       (beats of 200 ms here, so scheduling delays stay far from the limit) */
    s_gw.cfg.heartbeat_ms = 200;
    s_worker_vanish(victim);
    s_let_router_notice();
    usleep(700 * 1000);
    s_beat(survivor, "profile", 200);
    worker_pool_tick(s_gw.pool);
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 1);
    cr_assert_eq(s_delivered, 0, "no read failed: all were re-sent");
    int answered = 0;
    int64_t give_up = clock_mono_ms() + 3000;
    while (answered < 5 && clock_mono_ms() < give_up) {
        worker_pool_flush(s_gw.pool);
        answered += s_worker_answer(survivor);
        usleep(2000);
    }
    cr_assert_eq(answered, 5);
    worker_pool_drain(s_gw.pool);
    cr_assert_eq(s_by_status[200], 5, "each read answered once, by the survivor");
    cr_assert_eq(s_delivered, 5);
}

Test(worker_pool, a_read_is_tried_on_three_workers_at_most)
{
    for (int i = 0; i < 4; i++)
        s_worker_join(i, "profile");
    s_wait_live(SERVICE_PROFILE, 4);
    int got[S_MAX_WORKERS];
    s_dispatch(MSG_PROFILE_GET, 3);
    s_take(got, 3);
    for (int attempt = 1; attempt <= 2; attempt++) {
        s_worker_leave(s_holder(got));
        worker_pool_flush(s_gw.pool);
        cr_assert_eq(s_delivered, 0, "attempt %d failed over", attempt);
        s_take(got, 3);
    }
    s_worker_leave(s_holder(got)); /* the third worker that held them */
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(s_by_status[503], 3, "after three tries the read fails");
    cr_assert_eq(handle_table_size(s_gw.pending), 0);
    cr_assert_eq(worker_pool_live(s_gw.pool, SERVICE_PROFILE), 1);
    s_take(got, 0); /* the fourth worker never saw them */
}

Test(worker_pool, a_read_past_its_deadline_is_not_sent_again)
{
    s_gw.cfg.request_timeout_ms = 100;
    s_worker_join(0, "profile");
    s_worker_join(1, "profile");
    s_wait_live(SERVICE_PROFILE, 2);
    int got[S_MAX_WORKERS];
    s_dispatch(MSG_PROFILE_GET, 2);
    s_take(got, 2);
    usleep(150 * 1000);
    s_worker_leave(s_holder(got));
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(s_by_status[503], 2);
    s_take(got, 0);
}

Test(worker_pool, writes_on_a_dead_worker_fail_and_are_never_sent_again)
{
    s_worker_join(0, "profile");
    s_worker_join(1, "profile");
    s_wait_live(SERVICE_PROFILE, 2);
    int got[S_MAX_WORKERS];
    s_dispatch(MSG_PROFILE_UPDATE, 1);
    s_take(got, 1);
    s_worker_leave(s_holder(got));
    worker_pool_flush(s_gw.pool);
    cr_assert_eq(s_by_status[503], 1);
    s_take(got, 0);
}

Test(worker_pool, batched_reads_fill_one_worker_to_32_then_spill)
{
    s_worker_join(0, "profile");
    s_worker_join(1, "profile");
    s_wait_live(SERVICE_PROFILE, 2);
    int got[S_MAX_WORKERS];
    s_dispatch(MSG_PROFILE_GET, 40);
    s_take(got, 40);
    int full = got[0] >= got[1] ? 0 : 1;
    cr_assert_eq(got[full], 32, "one worker filled to 32 (got %d and %d)", got[0], got[1]);
    cr_assert_eq(got[1 - full], 8);
    /* writes and searches go to the least loaded: all to the one holding 8 */
    s_dispatch(MSG_PROFILE_UPDATE, 10);
    s_dispatch(MSG_PROFILE_SEARCH, 10);
    s_take(got, 20);
    cr_assert_eq(got[1 - full], 20, "least loaded took %d of 20", got[1 - full]);
    /* now 32 and 28 in flight: they alternate as the loads cross */
    s_dispatch(MSG_PROFILE_SEARCH, 8);
    s_take(got, 8);
    cr_assert_eq(got[1 - full], 6);
    cr_assert_eq(got[full], 2);
}
