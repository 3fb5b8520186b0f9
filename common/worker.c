/*  worker.c - the worker side of the gateway <-> worker protocol.

    One DEALER per gateway endpoint (every gateway must hear this worker's
    heartbeats and events). What is waiting on a socket is drained as one
    batch (at most WORKER_BATCH_MAX): reads with a batch handler are answered
    together, everything else one at a time in arrival order; each reply goes
    back on the socket its request came in on. */
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "curve.h"
#include "db_health.h"
#include "json_nul.h"
#include "json_text.h"
#include "log.h"
#include "stop_signal.h"
#include "reply.h"

/*  One gateway this worker serves. */
typedef struct {
    zsock_t *sock;            /* owned */
    envelope_batch_t replies; /* replies and events not sent yet */
    char *endpoint;           /* owned, for logs */
} s_gateway_t;

struct worker {
    const worker_spec_t *spec;
    const worker_route_t *dispatch[MSG_TYPE_COUNT]; /* type -> route; NULL: not ours */
    s_gateway_t *gateways; /* owned, one per endpoint of P2P_GATEWAY_ENDPOINTS, however many */
    size_t gateway_count;
    db_health_t db_health; /* spec->db's state, sent in heartbeats */
    int heartbeat_ms;
    uint64_t served;
    uint64_t batches; /* drained so far: worker_request_t.batch_seq */
    uint64_t calls;   /* handler calls so far: worker_request_t.call_seq */
    uint64_t errors;  /* replies with a 5xx status */
    uint64_t expired; /* requests dropped past their deadline */
};

void
worker_reply_ok(worker_reply_t *reply, int status, json_t *data, const char *message)
{
    reply->status = status;
    reply->body = reply_ok_body(data, message);
}

void
worker_reply_ok_text(worker_reply_t *reply, int status, const char *data_json)
{
    static const char head[] = "{\"success\":true,\"data\":";
    json_text_t out = JSON_TEXT_INIT;
    json_text_raw(&out, head, sizeof head - 1);
    json_text_raw(&out, data_json, strlen(data_json));
    json_text_raw(&out, "}", 1);
    reply->status = status;
    reply->body = json_text_finish(&out);
}

void
worker_reply_file(worker_reply_t *reply, unsigned char *data, size_t len, const char *content_type,
                  const char *filename)
{
    reply->status = 200;
    reply->body = (char *) data;
    reply->body_len = len;
    reply->content_type = content_type;
    snprintf(reply->filename, sizeof reply->filename, "%s", filename ? filename : "file");
}

void
worker_reply_error(worker_reply_t *reply, const err_t *err)
{
    reply->status = err_http_status(err->code);
    reply->body = reply_error_body(err);
}

json_t *
worker_request_data(envelope_channel_t channel, const uint8_t *body, size_t len, err_t *err)
{
    if (len == 0)
        return json_object();
    /* U+0000 is named by its field, as the handler will see the fields */
    json_t *root = json_nul_parse((const char *) body, len, 0, err);
    if (!root)
        return NULL;
    json_t *data = root;
    if (channel == CHANNEL_WEBSOCKET) {
        /* the gateway forwards the whole frame; handlers want its "data" */
        if (!json_is_object(root)) {
            json_decref(root);
            err_set(err, ERR_INVALID, "Invalid message format");
            return NULL;
        }
        data = json_object_get(root, "data");
        data = (data && !json_is_null(data)) ? json_incref(data) : json_object();
        json_decref(root);
    }
    if (!json_is_object(data)) {
        json_decref(data);
        err_set(err, ERR_INVALID,
                channel == CHANNEL_WEBSOCKET ? "data must be a JSON object"
                                             : "request body must be a JSON object");
        return NULL;
    }
    if (json_nul_check(data, err) != 0) {
        json_decref(data);
        return NULL;
    }
    return data;
}

json_t *
worker_request_params(const char *params, err_t *err)
{
    if (!params || !*params)
        return json_object();
    json_t *root = json_loads(params, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        err_set(err, ERR_INVALID, "malformed request parameters");
        return NULL;
    }
    return root;
}

static void
s_send(worker_t *self, size_t gw, const envelope_t *env)
{
    if (envelope_send(self->gateways[gw].sock, NULL, 0, env) != 0 && env->kind != ENVELOPE_HEARTBEAT)
        log_warn(
            "worker.send_failed", NULL,
            json_pack("{s:s, s:s}", "endpoint", self->gateways[gw].endpoint, "reason", zmq_strerror(errno)));
}

/*  Heartbeats carry the worker's counters, so gateways can expose them
    without every worker running an HTTP server, and whether it can serve
    (status 200, or 503 while its database cannot), so gateways count it
    ready and send it requests only then. */
static void
s_heartbeat(worker_t *self, envelope_kind_t kind)
{
    /* the state found after the previous beat: a check may block on an
       unreachable database, and must not hold this beat back (the first
       beat says what main's connect found) */
    db_t *db = self->spec->db;
    if (kind == ENVELOPE_HEARTBEAT && db && !self->db_health.checked)
        db_health_check(&self->db_health, db);
    int status = db && !self->db_health.up ? 503 : 200;
    json_t *stats = self->spec->stats ? self->spec->stats(self->spec->app) : NULL;
    if (!json_is_object(stats)) {
        json_decref(stats);
        stats = json_object();
    }
    json_object_set_new(stats, "served", json_integer((json_int_t) self->served));
    json_object_set_new(stats, "errors", json_integer((json_int_t) self->errors));
    json_object_set_new(stats, "expired", json_integer((json_int_t) self->expired));
    json_object_set_new(stats, "version", json_string(cli_version()));
    log_cost_t log = log_cost();
    json_object_set_new(stats, "log_lines", json_integer((json_int_t) log.lines));
    json_object_set_new(stats, "log_nsec", json_integer((json_int_t) log.nsec));
    char *body = json_dumps(stats, JSON_COMPACT);
    json_decref(stats);
    envelope_t beat = {
        .kind = kind,
        .status = status,
        .service = service_name(self->spec->service),
        .body = (const uint8_t *) body,
        .body_len = body ? strlen(body) : 0,
    };
    for (size_t i = 0; i < self->gateway_count; i++)
        s_send(self, i, &beat);
    free(body);
    if (kind == ENVELOPE_HEARTBEAT && db)
        db_health_check(&self->db_health, db); /* for the next beat */
}

/*  One request of a drained batch, from receipt to reply. */
typedef struct {
    envelope_t env;       /* owns the strings req points into */
    worker_request_t req; /* valid when state is S_READY */
    worker_reply_t reply; /* filled by a handler, or by the worker on refusal */
    const worker_route_t *route;
    char rid[LOG_ID_SIZE];
    int64_t started;
    enum { S_EMPTY, S_READY, S_ANSWERED, S_DROPPED } state;
} s_slot_t;

static const worker_route_t *
s_route(const worker_t *self, msg_type_t type)
{
    return type == MSG_UNKNOWN ? NULL : self->dispatch[type];
}

/*  Check and parse one received request: S_READY for a handler, S_ANSWERED
    when refused here, S_DROPPED when past its deadline. */
static void
s_admit(worker_t *self, s_slot_t *slot)
{
    const envelope_t *env = &slot->env;
    log_format_id(slot->rid, env->request_id);
    slot->started = clock_mono_ms();
    if (env->deadline_ms && clock_wall_ms() > env->deadline_ms) {
        /* the gateway already told the client it timed out: applying it now
           would make that answer a lie */
        log_warn("request.expired", slot->rid, json_pack("{s:s}", "type", env->msg_type));
        self->expired++;
        slot->state = S_DROPPED;
        return;
    }
    msg_type_t type = msg_type_from_name(env->msg_type);
    slot->route = s_route(self, type);
    err_t err = {0};
    json_t *data = NULL, *params = NULL;
    if (!slot->route)
        err_set(&err, ERR_INVALID, "Unknown message type: %s", env->msg_type);
    /* an upload's body is a file: the handler gets the bytes, not JSON */
    else if ((data = msg_type_is_raw(type)
                         ? json_object()
                         : worker_request_data(env->channel, env->body, env->body_len, &err))
             && (params = worker_request_params(env->params, &err))) {
        slot->req = (worker_request_t){
            .type = type,
            .channel = env->channel,
            .user_id = env->user_id,
            .role = env->role,
            .data = data,
            .params = params,
            .worker = self,
            .request_id = slot->rid,
            .deadline_ms = env->deadline_ms,
            .batch_seq = self->batches,
        };
        if (msg_type_is_raw(type)) {
            slot->req.body = env->body;
            slot->req.body_len = env->body_len;
            slot->req.content_type = env->content_type;
        }
        slot->state = S_READY;
        return;
    }
    json_decref(data);
    worker_reply_error(&slot->reply, &err);
    slot->state = S_ANSWERED;
}

/*  Send the replies queued for gateway gw, as one message. */
static void
s_flush(worker_t *self, size_t gw)
{
    s_gateway_t *gateway = &self->gateways[gw];
    size_t count = gateway->replies.count;
    if (envelope_batch_send(&gateway->replies, gateway->sock, NULL, 0) != 0)
        log_warn("worker.send_failed", NULL,
                 json_pack("{s:s, s:s, s:i}", "endpoint", gateway->endpoint, "reason", zmq_strerror(errno),
                           "replies", (int) count));
}

static void
s_queue_reply(worker_t *self, size_t gw, const envelope_t *reply)
{
    if (self->gateways[gw].replies.count == ENVELOPE_BATCH_MAX)
        s_flush(self, gw);
    if (envelope_batch_add(&self->gateways[gw].replies, reply) != 0)
        log_error("worker.reply_lost", NULL, json_pack("{s:s}", "reason", zmq_strerror(errno)));
}

/*  Events wait in each gateway's outgoing batch with the replies: a handler's
    pushes leave with its reply (in the same message on the request's
    gateway), right after the handler, and a timer's at the end of the loop
    turn (s_flush_all), instead of one message per event and gateway. */
int
worker_publish(worker_t *self, const char *event, const char *user_id, const char *body)
{
    envelope_t env = {
        .kind = ENVELOPE_EVENT,
        .service = service_name(self->spec->service),
        .event = event,
        .user_id = user_id,
        .body = (const uint8_t *) body,
        .body_len = body ? strlen(body) : 0,
    };
    int rc = 0;
    for (size_t i = 0; i < self->gateway_count; i++) {
        if (self->gateways[i].replies.count == ENVELOPE_BATCH_MAX)
            s_flush(self, i);
        if (envelope_batch_add(&self->gateways[i].replies, &env) != 0) {
            log_error("event.not_sent", NULL,
                      json_pack("{s:s, s:s, s:s}", "event", event, "endpoint", self->gateways[i].endpoint,
                                "reason", zmq_strerror(errno)));
            rc = -1;
        }
    }
    /* one line per push at debug, like the gateway's ws.pushed: at info it
       was two lines per chat message beside the request's own */
    if (log_begin(P2P_LOG_DEBUG, "event.published", NULL)) {
        log_str("event", event);
        log_int("gateways", (long long) self->gateway_count);
        log_end();
    }
    return rc;
}

/*  Send what every gateway's batch holds: the events of a timer or a side
    socket, or of a request served for another gateway. */
static void
s_flush_all(worker_t *self)
{
    for (size_t i = 0; i < self->gateway_count; i++)
        s_flush(self, i);
}

/*  Queue slot's reply for gateway gw (its message leaves at the next
    s_flush). */
static void
s_answer(worker_t *self, size_t gw, s_slot_t *slot)
{
    if (slot->state == S_DROPPED)
        return;
    worker_reply_t *reply = &slot->reply;
    if (!reply->body) {
        err_t err;
        err_set(&err, ERR_INTERNAL, "internal error");
        worker_reply_error(reply, &err);
    }
    envelope_t out = {
        .kind = ENVELOPE_REPLY,
        .request_id = slot->env.request_id,
        .msg_type = slot->env.msg_type,
        .status = reply->status,
        .body = (const uint8_t *) reply->body,
        .body_len = reply->body_len ? reply->body_len : strlen(reply->body),
        .content_type = reply->content_type,
        .filename = reply->content_type ? reply->filename : NULL,
    };
    s_queue_reply(self, gw, &out);
    self->served++;
    if (reply->status >= 500)
        self->errors++;
}

/*  Log slot's request and free what it held. Called once its reply has
    left: the line is not built while the gateway waits for the reply (a
    batch of 32 lines took ~30 us off every round trip of the batch). */
static void
s_retire(s_slot_t *slot)
{
    json_decref(slot->req.data);
    json_decref(slot->req.params);
    if (slot->state != S_DROPPED && log_begin(P2P_LOG_INFO, "request.served", slot->rid)) {
        log_str("type", slot->env.msg_type);
        log_int("status", slot->reply.status);
        log_int("ms", clock_mono_ms() - slot->started);
        log_end();
    }
    free(slot->reply.body);
    envelope_release(&slot->env);
    slot->state = S_EMPTY;
}

/*  Run every waiting request whose route has a batch handler: one call per
    message type (per WORKER_BATCH_MAX of them), in arrival order. */
static void
s_run_batches(worker_t *self, size_t gw, s_slot_t *slots, size_t count)
{
    const worker_request_t *reqs[WORKER_BATCH_MAX];
    worker_reply_t *replies[WORKER_BATCH_MAX];
    s_slot_t *members[WORKER_BATCH_MAX];
    for (size_t first = 0; first < count; first++) {
        if (slots[first].state != S_READY || !slots[first].route->batch)
            continue;
        const worker_route_t *route = slots[first].route;
        size_t n = 0;
        for (size_t i = first; i < count && n < WORKER_BATCH_MAX; i++)
            if (slots[i].state == S_READY && slots[i].route == route) {
                members[n] = &slots[i];
                reqs[n] = &slots[i].req;
                replies[n++] = &slots[i].reply;
            }
        uint64_t call = ++self->calls;
        for (size_t i = 0; i < n; i++)
            members[i]->req.call_seq = call;
        route->batch(self->spec->app, reqs, replies, n);
        for (size_t i = 0; i < n; i++)
            s_answer(self, gw, members[i]);
        s_flush(self, gw);
        for (size_t i = 0; i < n; i++)
            s_retire(members[i]);
    }
}

/*  Serve a drained batch. Reads that can be answered together (routes with
    a batch handler) wait for the rest of the batch, so one statement answers
    all of them; any other request first runs the reads that arrived before
    it, so a write never overtakes an earlier read, nor a read an earlier
    write. Replies leave together after each handler or batch run. */
static void
s_serve(worker_t *self, size_t gw, s_slot_t *slots, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        s_slot_t *slot = &slots[i];
        if (slot->state == S_READY && !slot->route->batch) {
            s_run_batches(self, gw, slots, i);
            slot->req.call_seq = ++self->calls;
            slot->route->handler(self->spec->app, &slot->req, &slot->reply);
            slot->state = S_ANSWERED;
            s_answer(self, gw, slot);
            /* its reply and the events it published, to every gateway now:
               a push for a session on another gateway must not wait for the
               rest of this batch */
            s_flush_all(self);
            s_retire(slot);
        }
        else if (slot->state != S_READY) {
            s_answer(self, gw, slot);
            s_retire(slot);
        }
    }
    s_run_batches(self, gw, slots, count);
    s_flush_all(self);
}

/*  Read what is waiting on one gateway socket (each message carries one or
    more requests), a bounded batch at a time so heartbeats still leave on
    time under a constant stream of requests. */
static void
s_drain(worker_t *self, size_t gw)
{
    /* the last message read may carry a whole batch past the cap */
    s_slot_t slots[WORKER_BATCH_MAX + ENVELOPE_BATCH_MAX];
    envelope_t envs[ENVELOPE_BATCH_MAX];
    size_t count = 0;
    self->batches++;
    while (count < WORKER_BATCH_MAX && !stop_signal_requested()) {
        size_t received;
        if (envelope_recv_batch(self->gateways[gw].sock, NULL, envs, ENVELOPE_BATCH_MAX, &received) != 0) {
            if (errno == EPROTO)
                continue; /* malformed: dropped, keep reading */
            break;
        }
        for (size_t i = 0; i < received; i++) {
            if (envs[i].kind != ENVELOPE_REQUEST) {
                envelope_release(&envs[i]);
                continue;
            }
            s_slot_t *slot = &slots[count++];
            memset(slot, 0, sizeof *slot);
            slot->env = envs[i];
            s_admit(self, slot);
        }
    }
    s_serve(self, gw, slots, count);
}

static int
s_open_gateways(worker_t *self, const config_t *cfg)
{
    err_t err;
    if (curve_both_or_neither(cfg->worker_curve_cert_file, cfg->worker_curve_server_public_file,
                              "P2P_WORKER_CURVE_CERT_FILE", "P2P_WORKER_CURVE_SERVER_PUBLIC_FILE", &err)
        != 0) {
        log_error("config.invalid", NULL, json_pack("{s:s}", "reason", err.msg));
        return -1;
    }
    bool curve = cfg->worker_curve_cert_file && *cfg->worker_curve_cert_file;
    /* as many gateways as the list names: a worker serves every one of them
       (a million sessions need 50+ gateways), so nothing is cut off */
    char *list = strdup(cfg->gateway_endpoints);
    size_t max = 1;
    for (const char *p = cfg->gateway_endpoints; *p; p++)
        max += *p == ',' || *p == ' ';
    self->gateways = calloc(max, sizeof *self->gateways);
    if (!list || !self->gateways) {
        free(list);
        log_error("worker.start_failed", NULL, json_pack("{s:s}", "reason", "out of memory"));
        return -1;
    }
    char *save = NULL;
    for (char *ep = strtok_r(list, ", ", &save); ep; ep = strtok_r(NULL, ", ", &save)) {
        for (size_t i = 0; i < self->gateway_count; i++)
            if (strcmp(self->gateways[i].endpoint, ep) == 0) {
                /* two links to one gateway would make it count this worker twice */
                log_error("config.invalid", NULL,
                          json_pack("{s:s, s:s}", "reason", "P2P_GATEWAY_ENDPOINTS names an endpoint twice",
                                    "endpoint", ep));
                free(list);
                return -1;
            }
        zsock_t *sock = zsock_new(ZMQ_DEALER);
        char *endpoint = strdup(ep);
        if (!sock || !endpoint) {
            zsock_destroy(&sock);
            free(endpoint);
            free(list);
            log_error("worker.start_failed", NULL,
                      json_pack("{s:s, s:i}", "reason", "cannot create a socket", "gateways",
                                (int) self->gateway_count));
            return -1;
        }
        zsock_set_linger(sock, 500); /* let DISCONNECT leave on shutdown */
        zsock_set_sndhwm(sock, 10000);
        zsock_set_rcvhwm(sock, 10000);
        zsock_set_maxmsgsize(sock, ENVELOPE_MAX_BODY + 4096);
        /* ZMTP heartbeats find dead TCP links; application heartbeats find dead peers */
        zsock_set_heartbeat_ivl(sock, self->heartbeat_ms);
        zsock_set_heartbeat_timeout(sock, self->heartbeat_ms * 3);
        zsock_set_reconnect_ivl(sock, 100);
        zsock_set_reconnect_ivl_max(sock, 1000);
        if (curve
            && curve_client_apply(sock, cfg->worker_curve_cert_file, cfg->worker_curve_server_public_file,
                                  "P2P_WORKER_CURVE_CERT_FILE", "P2P_WORKER_CURVE_SERVER_PUBLIC_FILE", &err)
                   != 0) {
            log_error("config.invalid", NULL, json_pack("{s:s}", "reason", err.msg));
            zsock_destroy(&sock);
            free(endpoint);
            free(list);
            return -1;
        }
        if (!curve && !curve_endpoint_is_local(ep))
            log_warn(
                "worker.link_insecure", NULL,
                json_pack("{s:s, s:s}", "endpoint", ep, "reason",
                          "requests and replies cross the network in clear: set P2P_WORKER_CURVE_CERT_FILE "
                          "and P2P_WORKER_CURVE_SERVER_PUBLIC_FILE"));
        if (zsock_connect(sock, "%s", ep) != 0) {
            log_error("worker.bad_endpoint", NULL, json_pack("{s:s}", "endpoint", ep));
            zsock_destroy(&sock);
            free(endpoint);
            free(list);
            return -1;
        }
        self->gateways[self->gateway_count++] = (s_gateway_t){.sock = sock, .endpoint = endpoint};
    }
    free(list);
    if (!self->gateway_count) {
        log_error("config.invalid", NULL,
                  json_pack("{s:s}", "reason", "P2P_GATEWAY_ENDPOINTS names no endpoint"));
        return -1;
    }
    return 0;
}

static void
s_close_gateways(worker_t *self)
{
    for (size_t i = 0; i < self->gateway_count; i++) {
        envelope_batch_clear(&self->gateways[i].replies);
        zsock_destroy(&self->gateways[i].sock);
        free(self->gateways[i].endpoint);
    }
    free(self->gateways);
    self->gateways = NULL;
    self->gateway_count = 0;
}

int
worker_run(const config_t *cfg, const worker_spec_t *spec)
{
    /* czmq would install its own SIGINT/SIGTERM handlers; ours finish the
       current request first */
    stop_signal_install();
    log_set_buffered(); /* the loop flushes each turn */

    worker_t self = {.spec = spec, .heartbeat_ms = cfg->heartbeat_ms};
    for (size_t i = 0; i < spec->route_count; i++) {
        const worker_route_t *route = &spec->routes[i];
        /* a batch handler exactly for the types the gateway batches */
        if (!route->handler == !route->batch || !route->batch != !msg_type_is_batched(route->type)) {
            log_error("worker.bad_route", NULL, json_pack("{s:s}", "type", msg_type_name(route->type)));
            return 1;
        }
        self.dispatch[route->type] = route;
    }
    if (s_open_gateways(&self, cfg) != 0) {
        s_close_gateways(&self);
        return 1;
    }
    log_info("worker.started", NULL,
             json_pack("{s:s, s:s, s:s, s:i, s:i, s:b}", "version", cli_version(), "kind",
                       service_name(spec->service), "gateways", cfg->gateway_endpoints, "gateway_count",
                       (int) self.gateway_count, "pid", (int) getpid(), "curve",
                       cfg->worker_curve_cert_file && *cfg->worker_curve_cert_file));

    zmq_pollitem_t *items = calloc(self.gateway_count + 1, sizeof *items);
    if (!items) {
        s_close_gateways(&self);
        return 1;
    }
    for (size_t i = 0; i < self.gateway_count; i++)
        items[i] = (zmq_pollitem_t){.socket = zsock_resolve(self.gateways[i].sock), .events = ZMQ_POLLIN};
    int item_count = (int) self.gateway_count;
    if (spec->side_socket && spec->on_side_socket)
        items[item_count++] =
            (zmq_pollitem_t){.socket = zsock_resolve(spec->side_socket), .events = ZMQ_POLLIN};

    if (spec->started)
        spec->started(spec->app, &self);
    int64_t next_beat = 0;
    while (!stop_signal_requested()) {
        stop_signal_log_hup();
        int64_t now = clock_mono_ms();
        if (now >= next_beat) {
            s_heartbeat(&self, ENVELOPE_HEARTBEAT);
            if (spec->tick)
                spec->tick(spec->app);
            next_beat = now + self.heartbeat_ms;
        }
        s_flush_all(&self); /* events queued outside a request's reply */
        log_flush();        /* this turn's lines, in one write, before waiting */
        /* a beat plus the tick can outlast the interval: a negative wait
           would be "forever" to zmq_poll, and an idle worker would go silent */
        int64_t wait_ms = next_beat - clock_mono_ms();
        int rc = zmq_poll(items, item_count, wait_ms > 0 ? (long) wait_ms : 0);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            log_error("worker.poll_failed", NULL, json_pack("{s:s}", "reason", zmq_strerror(errno)));
            break;
        }
        for (size_t i = 0; i < self.gateway_count; i++)
            if (items[i].revents & ZMQ_POLLIN)
                s_drain(&self, i);
        if (item_count > (int) self.gateway_count && (items[item_count - 1].revents & ZMQ_POLLIN))
            spec->on_side_socket(spec->app, &self, spec->side_socket);
    }
    if (spec->tick)
        spec->tick(spec->app); /* flush what is batched before leaving */
    s_flush_all(&self);
    s_heartbeat(&self, ENVELOPE_DISCONNECT);
    log_info("worker.stopped", NULL, json_pack("{s:I}", "served", (json_int_t) self.served));
    free(items);
    s_close_gateways(&self);
    return 0;
}
