/*  ws_session.c - one WebSocket session per connection.

    States: OPENING (profile check in flight; reading paused) -> READY ->
    CLOSING (a last frame is queued; the socket closes once it is written).
    The session memory is lws's; it is registered in gw->sessions under a
    handle so replies for a closed session are simply dropped. */
#include "ws_session.h"

#include <string.h>

#include "clock.h"
#include "conn.h"
#include "event.h"
#include "http_routes.h"
#include "log.h"
#include "pending.h"
#include "reply.h"
#include "session_index.h"
#include "ws_frame.h"

/*  Requests one session may have in flight before we stop reading from it. */
#define WS_MAX_INFLIGHT 64
/*  Outbound queue beyond which a client that does not read is dropped. */
#define WS_MAX_QUEUED_BYTES (4 * 1024 * 1024)
/*  An oversized message is read (and dropped) up to this much before closing. */
#define WS_MAX_DISCARD (1024 * 1024)
/*  RFC 6455 "try again later"; lws 4.1 has no name for it. */
#define WS_CLOSE_TRY_AGAIN_LATER 1013

typedef enum { WS_OPENING, WS_READY, WS_CLOSING } ws_state_t;

static const char *s_state_names[] = {"opening", "ready", "closing"};

typedef struct s_out {
    struct s_out *next;
    size_t len;
    unsigned char *buf; /* LWS_PRE headroom, then len bytes of text; owned */
    bool binary;        /* early (inbound) messages only */
} s_out_t;

typedef struct {
    struct lws *wsi;
    uint64_t handle;
    auth_identity_t identity;
    ws_state_t state;
    char *rx; /* message being reassembled from fragments, owned */
    size_t rx_len;
    size_t discarded; /* bytes of an oversized message read and dropped */
    s_out_t *out_head, *out_tail;
    size_t out_bytes;
    s_out_t *early_head, *early_tail; /* messages that arrived while OPENING */
    int early_count;
    int inflight;
    bool paused;
    int close_code;
    int64_t opened_ms;
    int64_t heard_ms;  /* last frame (or pong) from the client, monotonic */
    int64_t pinged_ms; /* last ping we sent */
    bool ping_due;     /* a ping waits for the next WRITEABLE */
} s_session_t;

size_t
ws_session_size(void)
{
    return sizeof(s_session_t);
}

static void
s_set_state(s_session_t *s, ws_state_t state)
{
    if (log_enabled(P2P_LOG_DEBUG))
        log_debug("ws.state", NULL,
                  json_pack("{s:I, s:s, s:s}", "session", (json_int_t) s->handle, "from",
                            s_state_names[s->state], "to", s_state_names[state]));
    s->state = state;
}

/*  Queue a composed frame (buf from ws_frame_compose*, taken over). */
static void
s_queue(s_session_t *s, unsigned char *buf, size_t len)
{
    if (!buf)
        return;
    s_out_t *out = malloc(sizeof *out);
    if (!out) {
        free(buf);
        return;
    }
    *out = (s_out_t){.len = len, .buf = buf};
    if (s->out_tail)
        s->out_tail->next = out;
    else
        s->out_head = out;
    s->out_tail = out;
    s->out_bytes += len;
    if (s->out_bytes > WS_MAX_QUEUED_BYTES) {
        /* it does not read what it asks for: drop it rather than grow */
        log_warn("ws.slow_consumer", NULL, json_pack("{s:I}", "session", (json_int_t) s->handle));
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    lws_callback_on_writable(s->wsi);
}

/*  Send a frame from outside the session's own callbacks (a reply, a push):
    written at once when nothing is ahead of it, which saves arming POLLOUT
    for one write and disarming it after (two epoll_ctl and a loop turn per
    reply). A short write is lws's to finish: it keeps the rest and holds
    back WRITEABLE until it has left, so later frames queue behind it. */
static void
s_send(s_session_t *s, unsigned char *buf, size_t len)
{
    if (!buf || s->state != WS_READY || s->out_head || s->ping_due || lws_partial_buffered(s->wsi)) {
        s_queue(s, buf, len);
        return;
    }
    int n = lws_write(s->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
    free(buf);
    if (n < 0) /* the connection is gone: lws closes it on its next turn */
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void
s_queue_json(s_session_t *s, const char *type, const char *request_id, json_t *obj)
{
    size_t len;
    unsigned char *buf = ws_frame_compose_json(LWS_PRE, type, request_id, obj, &len);
    json_decref(obj);
    s_queue(s, buf, len);
}

/*  A failure reply to a client message: {"type":..,"success":false,"error":..}. */
static void
s_queue_error(s_session_t *s, const char *type, const char *request_id, err_code_t code, const char *text)
{
    char *body = reply_gateway_error(code, text);
    size_t len = 0;
    unsigned char *frame =
        body ? ws_frame_compose(LWS_PRE, type, request_id, body, strlen(body), &len) : NULL;
    s_queue(s, frame, len);
    free(body);
}

/*  Send a last frame, then close with code once it is written. */
static void
s_close_after(s_session_t *s, int code)
{
    s->close_code = code;
    s_set_state(s, WS_CLOSING);
    lws_callback_on_writable(s->wsi);
}

static void
s_pause(s_session_t *s, bool pause)
{
    if (s->paused != pause) {
        s->paused = pause;
        lws_rx_flow_control(s->wsi, pause ? 0 : 1);
    }
}

static void
s_free_queues(s_session_t *s)
{
    while (s->early_head) {
        s_out_t *next = s->early_head->next;
        free(s->early_head->buf);
        free(s->early_head);
        s->early_head = next;
    }
    s->early_tail = NULL;
    while (s->out_head) {
        s_out_t *next = s->out_head->next;
        free(s->out_head->buf);
        free(s->out_head);
        s->out_head = next;
    }
    s->out_tail = NULL;
    s->out_bytes = 0;
    free(s->rx);
    s->rx = NULL;
    s->rx_len = 0;
}

static void s_on_message(gateway_t *gw, s_session_t *s, const char *text, size_t len, bool binary);

/*  Keep a message that arrived before the connect check answered (lws may
    hand over what it had already read when reading was paused). */
static int
s_keep_early(s_session_t *s, const char *text, size_t len, bool binary)
{
    if (s->early_count >= 16)
        return -1;
    s_out_t *early = malloc(sizeof *early);
    unsigned char *copy = malloc(len + 1);
    if (!early || !copy) {
        free(early);
        free(copy);
        return -1;
    }
    memcpy(copy, text, len);
    *early = (s_out_t){.len = len, .buf = copy};
    early->binary = binary;
    if (s->early_tail)
        s->early_tail->next = early;
    else
        s->early_head = early;
    s->early_tail = early;
    s->early_count++;
    return 0;
}

/*  The connect check came back: "connected", or "connection_error" and close. */
static void
s_on_open_result(s_session_t *s, int status, const char *body, size_t len)
{
    json_t *reply = json_loadb(body, len, 0, NULL);
    json_t *data = json_object_get(reply, "data");
    if (status == 200 && json_is_object(data)) {
        s_set_state(s, WS_READY);
        s_queue_json(
            s, "connected", NULL,
            json_pack("{s:b, s:O, s:s}", "success", 1, "data", data, "message", "Connected to P2P service"));
        s_pause(s, false);
        while (s->early_head && s->state == WS_READY) {
            s_out_t *early = s->early_head;
            s->early_head = early->next;
            if (!s->early_head)
                s->early_tail = NULL;
            s->early_count--;
            s_on_message(gateway_of(s->wsi), s, (const char *) early->buf, early->len, early->binary);
            free(early->buf);
            free(early);
        }
        log_info("ws.connected", NULL,
                 json_pack("{s:I, s:I}", "session", (json_int_t) s->handle, "profile_id",
                           json_integer_value(json_object_get(data, "profile_id"))));
    }
    else {
        const char *code = json_string_value(json_object_get(reply, "code"));
        const char *text = json_string_value(json_object_get(reply, "message"));
        if (!text)
            text = json_string_value(json_object_get(reply, "error"));
        json_t *msg = json_pack("{s:b, s:s, s:s}", "success", 0, "error", code ? code : "SERVICE_UNAVAILABLE",
                                "message", text ? text : "The P2P service is unavailable; try again later.");
        json_t *until = json_object_get(reply, "suspended_until");
        if (json_is_string(until))
            json_object_set(msg, "suspended_until", until);
        s_queue_json(s, "connection_error", NULL, msg);
        bool refused = status >= 400 && status < 500;
        s_close_after(s, refused ? LWS_CLOSE_STATUS_POLICY_VIOLATION : WS_CLOSE_TRY_AGAIN_LATER);
        log_info("ws.refused", NULL,
                 json_pack("{s:I, s:s}", "session", (json_int_t) s->handle, "reason",
                           code ? code : "unavailable"));
    }
    json_decref(reply);
}

void
ws_session_deliver(gateway_t *gw, uint64_t handle, msg_type_t type, const char *client_request_id, int status,
                   const char *body, size_t len)
{
    s_session_t *s = handle_table_lookup(gw->sessions, handle);
    if (!s || s->state == WS_CLOSING)
        return;
    if (type == MSG_SESSION_OPEN) {
        s_on_open_result(s, status, body, len);
        return;
    }
    s->inflight--;
    size_t frame_len;
    unsigned char *frame =
        ws_frame_compose(LWS_PRE, msg_type_name(type), client_request_id, body, len, &frame_len);
    if (!frame)
        s_queue_error(s, msg_type_name(type), client_request_id, ERR_INTERNAL, "malformed reply");
    else
        s_send(s, frame, frame_len);
    if (s->inflight < WS_MAX_INFLIGHT / 2)
        s_pause(s, false);
}

static void
s_on_open(gateway_t *gw, s_session_t *s, struct lws *wsi)
{
    auth_identity_t *identity = conn_take_identity(wsi);
    bool authenticated = identity != NULL; /* set by the upgrade gate */
    memset(s, 0, sizeof *s);
    s->wsi = wsi;
    s->opened_ms = clock_mono_ms();
    s->heard_ms = s->pinged_ms = s->opened_ms;
    if (identity) {
        s->identity = *identity;
        free(identity);
    }
    s->handle = handle_table_insert(gw->sessions, s);
    if (authenticated && s->handle && session_index_add(gw->by_user, s->identity.user_id, s->handle) != 0) {
        handle_table_remove(gw->sessions, s->handle);
        s->handle = 0; /* out of memory: refused below like any failed open */
    }
    /* nothing is read until the profile check has answered */
    s_pause(s, true);
    pending_request_t req = {
        .origin = ORIGIN_WS,
        .origin_handle = s->handle,
        .type = MSG_SESSION_OPEN,
        .user_id = s->identity.user_id,
        .is_admin = s->identity.is_admin,
        .channel = CHANNEL_WEBSOCKET,
    };
    err_t err;
    if (!authenticated || !s->handle || pending_dispatch(gw, &req, &err) != 0) {
        s_queue_json(s, "connection_error", NULL,
                     json_pack("{s:b, s:s, s:s}", "success", 0, "error", "SERVICE_UNAVAILABLE", "message",
                               "The P2P service is unavailable; try again later."));
        s_close_after(s, WS_CLOSE_TRY_AGAIN_LATER);
    }
}

/*  One whole client message. */
static void
s_on_message(gateway_t *gw, s_session_t *s, const char *text, size_t len, bool binary)
{
    ws_frame_t frame = {0};
    err_t err;
    int parsed = binary ? err_set(&err, ERR_INVALID, "Invalid message format")
                        : ws_frame_parse(text, len, &frame, &err);
    const char *rid = parsed == 0 || (!binary && frame.has_request_id) ? frame.request_id : NULL;
    char key[300];
    snprintf(key, sizeof key, "user:%s", s->identity.user_id);
    int wait_s = rate_limit_take(gw->limits, key, clock_mono_ms());
    if (wait_s) {
        char text_wait[96];
        snprintf(text_wait, sizeof text_wait, "Too many requests; retry in %d s", wait_s);
        const char *type = parsed == 0 ? frame.type_name : "error";
        s_queue_error(s, type, rid, ERR_RATE_LIMITED, text_wait);
        return;
    }
    if (parsed != 0) {
        json_t *msg = json_pack("{s:b, s:s}", "success", 0, "error", err.msg);
        s_queue_json(s, "error", rid, msg);
        return;
    }
    if (frame.type == MSG_UNKNOWN) {
        char unknown[160];
        snprintf(unknown, sizeof unknown, "Unknown message type: %s", frame.type_name);
        s_queue_json(s, "error", rid, json_pack("{s:b, s:s}", "success", 0, "error", unknown));
        return;
    }
    const char *placeholder = msg_type_placeholder(frame.type);
    if (placeholder) {
        s_queue_json(
            s, frame.type_name, rid,
            json_pack("{s:b, s:s, s:s}", "success", 0, "error", "NOT_IMPLEMENTED", "message", placeholder));
        return;
    }
    pending_request_t req = {
        .origin = ORIGIN_WS,
        .origin_handle = s->handle,
        .type = frame.type,
        .client_request_id = rid,
        .user_id = s->identity.user_id,
        .is_admin = s->identity.is_admin,
        .channel = CHANNEL_WEBSOCKET,
        .body = text,
        .body_len = len,
    };
    if (pending_dispatch(gw, &req, &err) != 0) {
        s_queue_error(s, frame.type_name, rid, ERR_UNAVAILABLE,
                      "the service is temporarily unavailable; the request was not applied");
        return;
    }
    if (++s->inflight >= WS_MAX_INFLIGHT)
        s_pause(s, true);
}

/*  Reassemble fragments up to the size limit. Returns -1 to close the connection. */
static int
s_on_receive(gateway_t *gw, s_session_t *s, struct lws *wsi, const char *in, size_t len)
{
    s->heard_ms = clock_mono_ms(); /* any frame from the client proves it alive */
    if (s->state == WS_CLOSING)
        return 0;
    size_t remaining = lws_remaining_packet_payload(wsi);
    bool done = lws_is_final_fragment(wsi) && remaining == 0;
    if (s->discarded || s->rx_len + len + remaining > GATEWAY_MAX_BODY) {
        /* Read the oversized message to its end before closing with 1009:
           closing with unread data makes the kernel send a reset, and the
           client would never see why. A client that keeps sending is cut off. */
        free(s->rx);
        s->rx = NULL;
        s->rx_len = 0;
        s->discarded += len;
        if (!done && s->discarded < WS_MAX_DISCARD)
            return 0;
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *) "message too large", 17);
        return -1;
    }
    bool binary = lws_frame_is_binary(wsi);
    if (done && !s->rx) {
        /* the common case: one frame, no copy */
        if (s->state == WS_READY)
            s_on_message(gw, s, in, len, binary);
        else if (s_keep_early(s, in, len, binary) != 0)
            return -1;
        return 0;
    }
    char *grown = realloc(s->rx, s->rx_len + len + 1);
    if (!grown)
        return -1;
    s->rx = grown;
    memcpy(s->rx + s->rx_len, in, len);
    s->rx_len += len;
    if (done) {
        int rc = 0;
        if (s->state == WS_READY)
            s_on_message(gw, s, s->rx, s->rx_len, binary);
        else
            rc = s_keep_early(s, s->rx, s->rx_len, binary);
        free(s->rx);
        s->rx = NULL;
        s->rx_len = 0;
        return rc;
    }
    return 0;
}

static int
s_on_writeable(s_session_t *s, struct lws *wsi)
{
    if (s->ping_due && s->state != WS_CLOSING) {
        /* with a payload: lws hands empty pongs to no one, and the pong is
           how a client that never speaks proves it is there */
        unsigned char ping[LWS_PRE + 4] = {[LWS_PRE] = 'p', '2', 'p', '!'};
        s->ping_due = false;
        s->pinged_ms = clock_mono_ms();
        if (lws_write(wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 0)
            return -1;
        if (s->out_head)
            lws_callback_on_writable(wsi);
        return 0;
    }
    s_out_t *out = s->out_head;
    if (out) {
        s->out_head = out->next;
        if (!s->out_head)
            s->out_tail = NULL;
        s->out_bytes -= out->len;
        int n = lws_write(wsi, out->buf + LWS_PRE, out->len, LWS_WRITE_TEXT);
        free(out->buf);
        free(out);
        if (n < 0)
            return -1;
        if (s->out_head) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    if (s->state == WS_CLOSING) {
        /* a long last frame may still sit in lws's output buffer: closing
           now would drop the close frame, so close once it has left */
        if (lws_partial_buffered(wsi)) {
            lws_callback_on_writable(wsi);
            return 0;
        }
        lws_close_reason(wsi, (enum lws_close_status) s->close_code, NULL, 0);
        return -1;
    }
    return 0;
}

int
ws_session_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    gateway_t *gw = gateway_of(wsi);
    s_session_t *s = user;
    switch (reason) {
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        /* a new connection is bound to the default protocol, this one */
        http_routes_on_accept(wsi);
        return 0;

    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        /* lws binds the upgrading wsi to this (default) protocol first */
        return http_routes_confirm_upgrade(wsi, in);

    case LWS_CALLBACK_ESTABLISHED:
        s_on_open(gw, s, wsi);
        return 0;

    case LWS_CALLBACK_RECEIVE_PONG:
        s->heard_ms = clock_mono_ms();
        return 0;

    case LWS_CALLBACK_RECEIVE:
        return s_on_receive(gw, s, wsi, in, len);

    case LWS_CALLBACK_SERVER_WRITEABLE:
        return s_on_writeable(s, wsi);

    case LWS_CALLBACK_CLOSED:
        if (s->handle) {
            handle_table_remove(gw->sessions, s->handle);
            session_index_remove(gw->by_user, s->identity.user_id, s->handle);
            log_info("ws.closed", NULL,
                     json_pack("{s:I, s:I}", "session", (json_int_t) s->handle, "ms",
                               (json_int_t) (clock_mono_ms() - s->opened_ms)));
            s->handle = 0;
        }
        s_free_queues(s);
        return 0;

    case LWS_CALLBACK_WSI_DESTROY:
        conn_destroy(wsi);
        return 0;

    default:
        break;
    }
    return 0;
}

/*  The reason as the notice's text shows it: long reasons are cut, on a
    character boundary (a cut inside one would make the JSON build fail and
    the notice would be lost), with an ellipsis. */
#define WS_NOTICE_REASON_MAX 1024

static char *
s_notice_text(const char *reason)
{
    static const char head[] = "Your P2P account has been suspended";
    if (!reason || !*reason)
        return strdup("Your P2P account has been suspended.");
    size_t len = strlen(reason);
    bool cut = len > WS_NOTICE_REASON_MAX;
    if (cut) {
        len = WS_NOTICE_REASON_MAX;
        while (len && ((unsigned char) reason[len] & 0xC0) == 0x80)
            len--;
    }
    char *text = malloc(sizeof head + 2 + len + 4);
    if (text)
        sprintf(text, "%s: %.*s%s", head, (int) len, reason, cut ? "\xe2\x80\xa6" /* U+2026 */ : "");
    return text;
}

typedef struct {
    gateway_t *gw;
    json_t *message;   /* account_suspended: the frame's members besides "type" */
    const char *frame; /* user.push: the frame, as the worker wrote it */
    size_t frame_len;
    int told;
} s_event_t;

static void
s_suspend_one(uint64_t handle, void *arg)
{
    s_event_t *ev = arg;
    s_session_t *s = handle_table_lookup(ev->gw->sessions, handle);
    if (!s || s->state == WS_CLOSING)
        return;
    s_queue_json(s, "account_suspended", NULL, json_incref(ev->message));
    s_close_after(s, LWS_CLOSE_STATUS_POLICY_VIOLATION);
    ev->told++;
}

/*  account_suspended: tell each of the user's sessions, then close it (1008). */
static void
s_on_suspended(gateway_t *gw, const char *user_id, const char *body, size_t len)
{
    json_t *details = json_loadb(body, len, 0, NULL);
    const char *reason = json_string_value(json_object_get(details, "reason"));
    char *text = s_notice_text(reason);
    s_event_t ev = {
        .gw = gw,
        .message = json_pack("{s:b, s:s, s:s}", "success", 0, "error", "ACCOUNT_SUSPENDED", "message",
                             text ? text : "Your P2P account has been suspended."),
    };
    free(text);
    json_t *until = json_object_get(details, "suspended_until");
    json_object_set(ev.message, "suspended_until", json_is_string(until) ? until : json_null());
    if (reason)
        json_object_set_new(ev.message, "reason", json_string(reason));
    session_index_foreach(gw->by_user, user_id, s_suspend_one, &ev);
    log_info("ws.suspended", NULL, json_pack("{s:i}", "sessions", ev.told));
    json_decref(ev.message);
    json_decref(details);
}

static void
s_push_one(uint64_t handle, void *arg)
{
    s_event_t *ev = arg;
    s_session_t *s = handle_table_lookup(ev->gw->sessions, handle);
    /* a session still connecting has not had "connected" yet: it lists what
       it missed once it has */
    if (!s || s->state != WS_READY)
        return;
    unsigned char *buf = malloc(LWS_PRE + ev->frame_len + 1);
    if (!buf)
        return;
    memcpy(buf + LWS_PRE, ev->frame, ev->frame_len);
    s_send(s, buf, ev->frame_len);
    ev->told++;
}

/*  user.push: the body is the frame; check it is one a client can take. */
static void
s_on_push(gateway_t *gw, const char *user_id, const char *body, size_t len)
{
    /* every gateway gets every push, and most hold none of the user's
       sessions: a miss costs one lookup, not a parse of the frame */
    if (session_index_count(gw->by_user, user_id) == 0)
        return;
    json_t *frame = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *type = json_object_get(frame, "type");
    const char *why = !json_is_object(frame)                               ? "the body is not a JSON object"
                      : !json_is_string(type) || !json_string_length(type) ? "no \"type\""
                      : json_object_get(frame, "request_id")               ? "a push has no \"request_id\""
                                                                           : NULL;
    if (why) {
        log_warn("event.malformed", NULL, json_pack("{s:s, s:s}", "event", "user.push", "reason", why));
        json_decref(frame);
        return;
    }
    s_event_t ev = {.gw = gw, .frame = body, .frame_len = len};
    session_index_foreach(gw->by_user, user_id, s_push_one, &ev);
    if (log_begin(P2P_LOG_DEBUG, "ws.pushed", NULL)) { /* no JSON tree built when debug is off */
        log_str("type", json_string_value(type));
        log_int("sessions", ev.told);
        log_end();
    }
    json_decref(frame);
}

void
ws_session_on_event(gateway_t *gw, service_t from, const char *event, const char *user_id, const char *body,
                    size_t len)
{
    event_t ev = event_from_name(event);
    if (ev == EVENT_UNKNOWN) {
        log_warn("event.unknown", NULL,
                 json_pack("{s:s, s:s}", "event", event ? event : "", "from", service_name(from)));
        return;
    }
    if (!event_may_send(ev, from)) {
        /* a worker of the wrong kind, or a peer that never registered */
        log_warn("event.refused", NULL,
                 json_pack("{s:s, s:s}", "event", event_name(ev), "from", service_name(from)));
        return;
    }
    if (!user_id || !*user_id) {
        log_warn("event.malformed", NULL,
                 json_pack("{s:s, s:s}", "event", event_name(ev), "reason", "no user_id"));
        return;
    }
    switch (event_action(ev)) {
    case EVENT_ACT_SUSPEND:
        s_on_suspended(gw, user_id, body, len);
        break;
    case EVENT_ACT_PUSH:
        s_on_push(gw, user_id, body, len);
        break;
    }
}

static void
s_close_one(uint64_t handle, void *item, void *arg)
{
    (void) handle;
    s_session_t *s = item;
    const int *code = arg;
    if (s->state != WS_CLOSING)
        s_close_after(s, *code);
}

void
ws_session_close_all(gateway_t *gw, int code, const char *reason)
{
    (void) reason;
    handle_table_foreach(gw->sessions, s_close_one, &code);
}

typedef struct {
    int64_t now, ping_ms, idle_ms;
} s_keepalive_t;

static void
s_keepalive_one(uint64_t handle, void *item, void *arg)
{
    s_session_t *s = item;
    const s_keepalive_t *k = arg;
    if (k->now - s->heard_ms >= k->idle_ms) {
        log_info("ws.idle_timeout", NULL,
                 json_pack("{s:I, s:I}", "session", (json_int_t) handle, "silent_ms",
                           (json_int_t) (k->now - s->heard_ms)));
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    else if (k->now - s->pinged_ms >= k->ping_ms && !s->ping_due) {
        s->ping_due = true;
        lws_callback_on_writable(s->wsi);
    }
}

void
ws_session_keepalive(gateway_t *gw)
{
    s_keepalive_t k = {
        .now = clock_mono_ms(),
        .ping_ms = (int64_t) gw->cfg.ws_ping_interval_s * 1000,
        .idle_ms = (int64_t) gw->cfg.ws_idle_timeout_s * 1000,
    };
    handle_table_foreach(gw->sessions, s_keepalive_one, &k);
}
