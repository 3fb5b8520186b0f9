/*  main.c - the gateway process: read config, build the gateway object, run
    the event loop (HTTP, WebSocket and the workers' ZeroMQ socket all on one
    thread, lws on a libev epoll loop), shut down cleanly on SIGINT/SIGTERM
    (SIGHUP: logged, ignored). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <ev.h>

#include "cli.h"
#include "clock.h"
#include "gateway.h"
#include "http_routes.h"
#include "log.h"
#include "stop_signal.h"
#include "metrics.h"
#include "header_guard.h"
#include "pending.h"
#include "route_table.h"
#include "session_index.h"
#include "worker_pool.h"
#include "ws_session.h"

#define SAFETY_DRAIN_US (20 * LWS_US_PER_MS)
#define SHUTDOWN_GRACE_MS 3000
/*  After lws is destroyed, how long its handles get to close on the loop. */
#define LOOP_CLOSE_MS 1000
/*  lws allocates this per WebSocket connection: most of a session's memory.
    Client messages are small; larger ones arrive in pieces and ws_session
    reassembles them (up to 64 KiB). */
#define WS_RX_BUFFER 1024
/*  The most lws hands the kernel in one send. Left 0, lws 4.1.6 sends at
    most rx_buffer_size (1 KiB above, 4 KiB for HTTP) + 20 bytes at a time
    and copies the rest aside for later turns: a 17 KB ad.list page left in
    17 sends, each a trip through loopback TCP. The kernel takes what its
    buffer holds; lws keeps the rest as before. */
#define TX_PACKET_MAX (1024 * 1024)

void
gateway_deliver(gateway_t *self, origin_t origin, uint64_t origin_handle, msg_type_t type,
                const char *client_request_id, int status, const char *body, size_t body_len,
                const char *content_type, const char *filename)
{
    if (origin == ORIGIN_HTTP)
        http_routes_deliver(self, origin_handle, status, body, body_len, content_type, filename);
    else
        ws_session_deliver(self, origin_handle, type, client_request_id, status, body, body_len);
}

/*  The adopted ZMQ_FD: readable means "look at ZMQ_EVENTS", nothing more. */
static int
s_zmq_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void) user;
    (void) in;
    (void) len;
    if (reason == LWS_CALLBACK_RAW_RX_FILE)
        worker_pool_drain(gateway_of(wsi)->pool);
    /* no client WebSocket may bind to this protocol (the upgrade gate
       refuses; this makes sure) */
    if (reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION || reason == LWS_CALLBACK_ESTABLISHED)
        return -1;
    return 0;
}

static void
s_on_tick(lws_sorted_usec_list_t *sul)
{
    gateway_t *self = lws_container_of(sul, gateway_t, tick);
    worker_pool_tick(self->pool);
    rate_limit_sweep(self->limits, clock_mono_ms());
    lws_sul_schedule(self->lws, 0, &self->tick, s_on_tick, self->cfg.heartbeat_ms * LWS_US_PER_MS);
}

/*  ZMQ_FD can miss an edge after a send made the socket readable; a cheap
    periodic look makes a stall impossible rather than unlikely. */
static void
s_on_safety_drain(lws_sorted_usec_list_t *sul)
{
    gateway_t *self = lws_container_of(sul, gateway_t, safety_drain);
    worker_pool_drain(self->pool);
    lws_sul_schedule(self->lws, 0, &self->safety_drain, s_on_safety_drain, SAFETY_DRAIN_US);
}

static void
s_on_keepalive(lws_sorted_usec_list_t *sul)
{
    gateway_t *self = lws_container_of(sul, gateway_t, keepalive);
    ws_session_keepalive(self);
    lws_sul_schedule(self->lws, 0, &self->keepalive, s_on_keepalive, LWS_US_PER_SEC);
}

/*  One turn of the event loop, then the requests it produced leave: one
    message per worker. The loop is libev's on epoll, which lws joins as a
    foreign loop: lws's own poll() loop hands the kernel every open socket on
    each wake-up, so with 10,000 idle sessions a push cost ~12 times what it
    did with 100 (bench phase push_fanout; 1.1 times on epoll). (Not libuv: Debian builds lws with _DEBUG, and then lws
    closes every libuv connection twice, which drops the close frame.) A turn
    ends on I/O, a timer (the safety drain's is 20 ms away at most) or a
    signal, so a stop request is seen promptly. */
static int
s_service(gateway_t *self)
{
    bool alive = ev_run(self->loop, EVRUN_ONCE);
    if (self->lws)
        http_routes_end_turn(self);
    worker_pool_flush(self->pool);
    pending_log_done(self);
    log_flush();           /* this turn's lines, in one write */
    return alive ? 0 : -1; /* nothing left on the loop: lws is gone */
}

/*  lws on a foreign loop may finish its destruction in a second call (lws
    4.1.6, "lws_context_destroy2"): the first closes its connections and
    timers; what is left completes on the loop, then the second frees the
    context. lws clears self->lws (info.pcontext) once it is freed. Then
    the loop itself goes. */
static void
s_lws_destroy(gateway_t *self)
{
    if (self->lws)
        lws_context_destroy(self->lws);
    if (!self->loop)
        return;
    int64_t give_up = clock_mono_ms() + LOOP_CLOSE_MS;
    while (self->lws && ev_run(self->loop, EVRUN_NOWAIT) && clock_mono_ms() < give_up)
        ;
    if (self->lws)
        lws_context_destroy(self->lws);
    if (self->lws)
        log_warn("gateway.lws_busy", NULL,
                 json_pack("{s:s}", "reason", "lws did not finish closing before the loop was freed"));
    ev_loop_destroy(self->loop);
    self->loop = NULL;
}

static void
s_lws_log(int level, const char *line)
{
    char text[512];
    snprintf(text, sizeof text, "%s", line);
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = 0;
    log_emit(level == LLL_ERR ? P2P_LOG_ERROR : P2P_LOG_WARN, "lws.log", NULL,
             json_pack("{s:s}", "line", text));
}

static int
s_start(gateway_t *self)
{
    err_t err;
    if (config_load(&self->cfg, &err) != 0) {
        log_init("gateway", "info");
        log_error("config.invalid", NULL, json_pack("{s:s}", "reason", err.msg));
        return -1;
    }
    log_init("gateway", self->cfg.log_level);
    log_set_buffered(); /* s_service flushes each turn */
    self->auth = auth_new(self->cfg.jwt_secret);
    if (!self->auth) {
        log_error("config.invalid", NULL, json_pack("{s:s}", "reason", "JWT_SECRET is required"));
        return -1;
    }
    if (strlen(self->cfg.jwt_secret) < 32)
        log_warn(
            "config.weak_secret", NULL,
            json_pack("{s:s}", "reason", "JWT_SECRET is shorter than 32 bytes; use a longer random key"));

    uint64_t seed[3];
    if (getrandom(seed, sizeof seed, 0) != sizeof seed)
        seed[0] = seed[1] = seed[2] = (uint64_t) clock_wall_ms();
    self->pending = handle_table_new(seed[0]);
    if (pending_init(self) != 0) {
        log_error("gateway.start_failed", NULL, json_pack("{s:s}", "reason", "out of memory"));
        return -1;
    }
    self->sessions = handle_table_new(seed[1]);
    self->by_user = session_index_new();
    self->uploads = session_index_new();
    self->waiting = header_guard_new(self->cfg.http_pending_per_address, http_routes_close_waiting, self);
    self->http = handle_table_new(seed[2]);
    self->limits = rate_limit_new(self->cfg.rate_limit_per_min);
    self->metrics = metrics_new();
    self->pool = worker_pool_new(self, &err);
    if (!self->pool) {
        log_error(err.code == ERR_INVALID ? "config.invalid" : "zmq.bind_failed", NULL,
                  json_pack("{s:s}", "reason", err.msg));
        return -1;
    }
    return 0;
}

/*  `p2p-gateway --routes`: what this build serves, as JSON, for API-spec tests. */
static int
s_print_routes(void)
{
    json_t *ws = json_array();
    for (int t = 0; t < MSG_TYPE_COUNT; t++)
        if (msg_type_is_ws((msg_type_t) t))
            json_array_append_new(ws, json_string(msg_type_name((msg_type_t) t)));
    json_t *root = json_pack("{s:o, s:o, s:[s,s,s,s], s:s}", "rest", route_table_describe(), "ws", ws,
                             "server_events", "connected", "connection_error", "account_suspended", "error",
                             "websocket_path", "/api/p2p/ws");
    char *text = json_dumps(root, JSON_INDENT(2));
    puts(text);
    free(text);
    json_decref(root);
    return 0;
}

static int
s_print_env_example(void)
{
    config_print_example();
    return 0;
}

static const char s_usage[] =
    "usage: p2p-gateway [--help | --version | --routes | --env-example]\n"
    "  Runs the gateway (HTTP + WebSocket on P2P_HTTP_PORT, workers on P2P_WORKER_BIND)\n"
    "  until SIGINT/SIGTERM; SIGHUP is logged and ignored (logs go to stderr).\n"
    "  Configured by environment variables (JWT_SECRET is required); see .env.example.\n"
    "  --routes       print the REST routes and WebSocket types this build serves (JSON)\n"
    "  --env-example  print every setting with its default, as .env.example text\n"
    "  --version      print the version\n";

int
main(int argc, char **argv)
{
    static const cli_action_t actions[] = {{"routes", s_print_routes}, {"env-example", s_print_env_example}};
    int rc = cli_parse(argc, argv, "p2p-gateway", s_usage, actions, sizeof actions / sizeof actions[0]);
    if (rc != CLI_RUN)
        return rc;
    stop_signal_install();

    gateway_t self = {.started_ms = clock_mono_ms()};
    rc = 1;
    if (s_start(&self) != 0)
        goto done;
    self.loop = ev_loop_new(EVBACKEND_EPOLL);
    if (!self.loop) {
        log_error("gateway.loop_failed", NULL, json_pack("{s:s}", "reason", "no epoll event loop"));
        goto done;
    }

    lws_set_log_level(LLL_ERR | LLL_WARN, s_lws_log);
    /* all zero: lws's own validity timers are off; ws_session_keepalive pings
       and hangs up instead (see there why) */
    memset(&self.ws_policy, 0, sizeof self.ws_policy);

    struct lws_protocols protocols[] = {
        {"http", http_routes_callback, http_routes_session_size(), 0, 0, NULL, TX_PACKET_MAX},
        {"p2p", ws_session_callback, ws_session_size(), WS_RX_BUFFER, 0, NULL, TX_PACKET_MAX},
        {"p2p-zmq", s_zmq_callback, 0, 0, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
    };
    /* a WebSocket upgrade without a subprotocol binds to "p2p" */
    static const struct lws_protocol_vhost_options pvo_default = {NULL, NULL, "default", "1"};
    static const struct lws_protocol_vhost_options pvo = {NULL, &pvo_default, "p2p", ""};

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = self.cfg.http_port;
    info.protocols = protocols;
    info.pvo = &pvo;
    info.user = &self;
    info.vhost_name = "default";
    info.max_http_header_data = 16384; /* a JWT plus cookies outgrows the 4 KiB default */
    /* header tables: one per descriptor the process may open (both 0: lws
       takes ulimit -n), allocated only while a connection reads headers, so
       no connection ever waits for one; a fixed pool (256) let slow
       clients starve everyone. Per address, header_guard bounds them. */
    info.max_http_header_pool = 0;
    info.max_http_header_pool2 = 0;
    /* headers must be in this long after a connection is accepted (or its
       next request starts); lws does not extend it as bytes trickle in */
    info.timeout_secs_ah_idle = (unsigned) self.cfg.http_header_timeout_s;
    info.retry_and_idle_policy = &self.ws_policy;
    info.timeout_secs = 10;
    info.keepalive_timeout = 30;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_LIBEV;
    void *foreign_loops[] = {self.loop}; /* read during creation only */
    info.foreign_loops = foreign_loops;
    info.pcontext = &self.lws; /* lws clears it when the context is freed */

    self.lws = lws_create_context(&info);
    if (!self.lws) {
        /* lws has logged why (lws.log): the port, or its libev plugin */
        log_error("http.listen_failed", NULL,
                  json_pack("{s:i, s:s}", "port", self.cfg.http_port, "reason",
                            "could not listen on the port, or could not load lws's libev plugin "
                            "(package libwebsockets-evlib-ev)"));
        goto done;
    }
    self.vhost = lws_get_vhost_by_name(self.lws, "default");
    lws_sock_file_fd_type fd;
    fd.filefd = worker_pool_fd(self.pool);
    if (!self.vhost
        || !lws_adopt_descriptor_vhost(self.vhost, LWS_ADOPT_RAW_FILE_DESC, fd, "p2p-zmq", NULL)) {
        log_error("zmq.adopt_failed", NULL, NULL);
        goto done;
    }
    lws_sul_schedule(self.lws, 0, &self.tick, s_on_tick, 1);
    lws_sul_schedule(self.lws, 0, &self.safety_drain, s_on_safety_drain, SAFETY_DRAIN_US);
    lws_sul_schedule(self.lws, 0, &self.keepalive, s_on_keepalive, LWS_US_PER_SEC);
    log_info("gateway.started", NULL,
             json_pack("{s:s, s:i, s:s, s:i, s:s}", "version", cli_version(), "port", self.cfg.http_port,
                       "workers", self.cfg.worker_bind, "pid", (int) getpid(), "worker_link",
                       *self.cfg.worker_curve_secret_file ? "curve"
                       : self.cfg.worker_link_insecure    ? "insecure"
                                                          : "loopback"));

    while (!stop_signal_requested()) {
        if (s_service(&self) < 0)
            break;
        stop_signal_log_hup();
    }

    /* graceful stop: refuse new work, tell sessions we are going away, let
       requests in flight finish for a bounded time */
    self.stopping = true;
    log_info("gateway.stopping", NULL,
             json_pack("{s:I, s:I}", "pending", (json_int_t) handle_table_size(self.pending), "sessions",
                       (json_int_t) handle_table_size(self.sessions)));
    int64_t give_up = clock_mono_ms() + SHUTDOWN_GRACE_MS;
    while (handle_table_size(self.pending) > 0 && clock_mono_ms() < give_up)
        s_service(&self);
    ws_session_close_all(&self, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
    give_up = clock_mono_ms() + 1000;
    while (handle_table_size(self.sessions) > 0 && clock_mono_ms() < give_up)
        s_service(&self);
    pending_fail_all(&self);
    rc = 0;

done:
    if (self.lws) {
        lws_sul_cancel(&self.tick);
        lws_sul_cancel(&self.safety_drain);
        lws_sul_cancel(&self.keepalive);
    }
    pending_destroy(&self);
    s_lws_destroy(&self);
    worker_pool_destroy(&self.pool);
    rate_limit_destroy(&self.limits);
    metrics_destroy(&self.metrics);
    handle_table_destroy(&self.pending);
    handle_table_destroy(&self.sessions);
    session_index_destroy(&self.by_user);
    session_index_destroy(&self.uploads);
    header_guard_destroy(&self.waiting);
    free(self.writable_fds);
    handle_table_destroy(&self.http);
    auth_destroy(&self.auth);
    config_free(&self.cfg);
    log_info("gateway.stopped", NULL, NULL);
    return rc;
}
