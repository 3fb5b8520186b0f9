/*  chat_load.c - the chat load generator of the bench (bench/run's chat and
    push_fanout phases drive it; issue 13 "Performance").

    One process, one libwebsockets client context, one thread. For each
    order of --orders (lines "order_id buyer_user_id seller_user_id") it
    opens two sessions: the buyer's on gateway A (--port-a) and the seller's
    on gateway B (--port-b), each authenticated with a HS256 token minted
    here (?token=). Once every session is settled it writes --ready-file
    ("connected failed start_ms measure_ms end_ms", unix ms) and, from
    start_ms, sends chat.send_message at a fixed aggregate --rate (open loop:
    message k is due at start + k / rate whatever the replies do), message k
    in order k % pairs, alternating buyer and seller (--direction both) or
    always the seller on B (--direction to-a: every push the other party
    gets then crosses to gateway A).

    Each text is "bench <k>", so the chat.new_message push names its
    message. Measured per message: send (the write) -> the push received by
    the OTHER party's session (the figure issue 13 sets: p99 <= 10 ms), and
    send -> the reply. Only messages due inside [measure_ms, end_ms) go into
    the histograms; every message counts for loss: a message the service
    accepted whose push never reached the other party by the end of the
    drain (--drain-ms after the last send) is lost. The loader's own lag
    (write time - due time) is reported, so a loader that falls behind shows.

    Output: one JSON line on stdout (see s_print_result). */
#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <inttypes.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_hist.h"
#include "load_util.h"

#define CHAT_QUEUE_CAP 64 /* messages due on one session, not yet written */
#define CHAT_TEXT_PREFIX "bench "

typedef struct {
    int64_t order_id;
    char buyer[64];
    char seller[64];
} pair_t;

typedef enum {
    C_WAITING,    /* not started yet */
    C_CONNECTING, /* TCP + upgrade + "connected" pending */
    C_READY,      /* authenticated */
    C_FAILED,     /* never got "connected" */
    C_CLOSED      /* was ready, then closed */
} conn_state_t;

/*  conns[2 p] is pair p's buyer on gateway A, conns[2 p + 1] its seller on B. */
typedef struct {
    struct lws *wsi;
    int index;
    conn_state_t state;
    uint32_t queue[CHAT_QUEUE_CAP]; /* due message numbers, oldest first */
    unsigned head, len;
    char *rx;
    size_t rx_len, rx_cap;
} conn_t;

typedef struct {
    uint64_t due_ns;  /* monotonic */
    uint64_t sent_ns; /* monotonic, 0 until written */
    int32_t sender;   /* conn index */
    bool replied, accepted, delivered, echoed;
} msg_t;

typedef enum { DIR_BOTH, DIR_TO_A } direction_t;

typedef struct {
    /* options */
    const char *host;
    int port_a, port_b;
    const char *secret;
    double rate;
    int warmup_ms, duration_ms, drain_ms;
    direction_t direction;
    const char *src_net;
    int connect_concurrency;
    const char *ready_file;
    int ready_timeout_s;
    /* the pairs and their sessions */
    pair_t *pairs;
    int npairs;
    conn_t *c;
    int nconns;
    int next_to_start, connecting, ready_now, ever_ready, failed, closed_after_ready;
    /* the schedule */
    msg_t *msgs;
    uint32_t nmsgs;    /* messages the window holds */
    uint32_t next_due; /* the next message to queue */
    bool sending;      /* start_ms reached */
    int64_t start_ms, measure_ms, end_ms, drain_until_ms;
    uint64_t start_ns, measure_ns, end_ns; /* the same, monotonic */
    /* counts */
    uint64_t written, replied_ok, errors, not_sent, delivered, echoed, duplicates, misrouted, other_frames;
    uint64_t awaiting; /* accepted, not yet pushed to the other party */
    load_hist_t push_hist, reply_hist, lag_hist;
    uint64_t measured;
    double cpu_at_measure_s, cpu_at_end_s;
    bool cpu_measure_taken, cpu_end_taken;
    struct lws_context *lws;
    lws_sorted_usec_list_t tick;
    struct ev_loop *loop; /* libev on epoll; lws runs on it */
    int64_t started_wall_ms;
} load_t;

static load_t *s_load; /* for the lws callback: the protocol has no user pointer for the context */

/*  The other party's session of conn i. */
static int
s_peer(int i)
{
    return i ^ 1;
}

static void
s_start_one(load_t *self, conn_t *c)
{
    const pair_t *p = &self->pairs[c->index / 2];
    bool on_b = c->index % 2;
    char path[1024], iface[32];
    char *token = load_util_mint(self->secret, on_b ? p->seller : p->buyer);
    if (!token) {
        c->state = C_FAILED;
        self->failed++;
        return;
    }
    snprintf(path, sizeof path, "/api/p2p/ws?token=%s", token);
    free(token);

    struct lws_client_connect_info cc;
    memset(&cc, 0, sizeof cc);
    cc.context = self->lws;
    cc.address = self->host;
    cc.port = on_b ? self->port_b : self->port_a;
    cc.path = path;
    cc.host = self->host;
    cc.local_protocol_name = "chat";
    /* only the gateway decides when a session dies (lws's client default
       would ping after 300 s and drop at 310 s) */
    static const lws_retry_bo_t quiet = {.secs_since_valid_ping = 0xffff, .secs_since_valid_hangup = 0xffff};
    cc.retry_and_idle_policy = &quiet;
    cc.opaque_user_data = c;
    cc.pwsi = &c->wsi;
    if (self->src_net && *self->src_net) {
        /* many sessions from one address pair would run out of ephemeral ports */
        snprintf(iface, sizeof iface, "%s.%d", self->src_net, 1 + c->index % 250);
        cc.iface = iface;
    }
    c->state = C_CONNECTING;
    self->connecting++;
    if (!lws_client_connect_via_info(&cc) && c->state == C_CONNECTING) {
        /* failed synchronously, without a CONNECTION_ERROR callback */
        c->state = C_FAILED;
        self->connecting--;
        self->failed++;
    }
}

/*  Message k is due now: queue it on its sender's session. */
static void
s_queue_due(load_t *self, uint32_t k)
{
    int pair = (int) (k % (uint32_t) self->npairs);
    bool seller = self->direction == DIR_TO_A || (k / (uint32_t) self->npairs) % 2 == 1;
    msg_t *m = &self->msgs[k];
    m->sender = 2 * pair + (seller ? 1 : 0);
    conn_t *c = &self->c[m->sender];
    if (c->state != C_READY || c->len == CHAT_QUEUE_CAP) {
        /* a session that is gone, or a loader that fell far behind: say so */
        self->not_sent++;
        if (self->not_sent <= 3)
            fprintf(stderr, "chat_load: message %" PRIu32 " not sent: session %d %s\n", k, m->sender,
                    c->state != C_READY ? "is not open" : "has a full queue");
        return;
    }
    c->queue[(c->head + c->len) % CHAT_QUEUE_CAP] = k;
    c->len++;
    lws_callback_on_writable(c->wsi);
}

static int
s_write_next(load_t *self, conn_t *c)
{
    if (!c->len)
        return 0;
    uint32_t k = c->queue[c->head];
    c->head = (c->head + 1) % CHAT_QUEUE_CAP;
    c->len--;
    msg_t *m = &self->msgs[k];
    unsigned char buf[LWS_PRE + 256];
    char *p = (char *) buf + LWS_PRE;
    int n = snprintf(p, 256,
                     "{\"type\":\"chat.send_message\",\"request_id\":\"%" PRIu32
                     "\",\"data\":{\"order_id\":%" PRId64 ",\"text\":\"" CHAT_TEXT_PREFIX "%" PRIu32 "\"}}",
                     k, self->pairs[c->index / 2].order_id, k);
    m->sent_ns = load_util_mono_ns();
    if (m->due_ns >= self->measure_ns)
        load_hist_add(&self->lag_hist, m->sent_ns > m->due_ns ? m->sent_ns - m->due_ns : 0);
    self->written++;
    if (lws_write(c->wsi, buf + LWS_PRE, (size_t) n, LWS_WRITE_TEXT) < n)
        return -1;
    if (c->len)
        lws_callback_on_writable(c->wsi);
    return 0;
}

/*  The number at the start of the string value of "key" in a JSON text
    (after the value's prefix, e.g. "bench "), or -1. PostgreSQL's json
    output puts spaces around the colon, the gateway's does not: both pass. */
static int64_t
s_number_in(const char *text, const char *key, const char *prefix)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *at = strstr(text, quoted);
    if (!at)
        return -1;
    at += strlen(quoted);
    at += strspn(at, " \t\r\n");
    if (*at++ != ':')
        return -1;
    at += strspn(at, " \t\r\n");
    if (*at++ != '"' || strncmp(at, prefix, strlen(prefix)) != 0)
        return -1;
    at += strlen(prefix);
    char *end = NULL;
    unsigned long long v = strtoull(at, &end, 10);
    if (end == at || *end != '"')
        return -1;
    return (int64_t) v;
}

static void
s_on_push(load_t *self, conn_t *c, const char *text, uint64_t now)
{
    int64_t k = s_number_in(text, "text", CHAT_TEXT_PREFIX);
    if (k < 0 || k >= (int64_t) self->nmsgs || !self->msgs[k].sent_ns) {
        self->other_frames++; /* not one of ours (a system message would land here) */
        return;
    }
    msg_t *m = &self->msgs[k];
    if (c->index == m->sender) {
        self->echoed += !m->echoed;
        m->echoed = true;
        return;
    }
    if (c->index != s_peer(m->sender)) {
        self->misrouted++;
        if (self->misrouted <= 3)
            fprintf(stderr, "chat_load: message %" PRId64 " reached session %d of another order\n", k,
                    c->index);
        return;
    }
    if (m->delivered) {
        self->duplicates++;
        return;
    }
    m->delivered = true;
    self->delivered++;
    self->awaiting -= m->accepted;
    if (m->due_ns >= self->measure_ns && m->due_ns < self->end_ns) {
        self->measured++;
        load_hist_add(&self->push_hist, now - m->sent_ns);
    }
}

static void
s_on_reply(load_t *self, const char *text, uint64_t now)
{
    int64_t k = s_number_in(text, "request_id", "");
    if (k < 0 || k >= (int64_t) self->nmsgs || !self->msgs[k].sent_ns || self->msgs[k].replied) {
        self->other_frames++;
        return;
    }
    msg_t *m = &self->msgs[k];
    m->replied = true;
    if (strstr(text, "\"success\":true")) {
        m->accepted = true;
        self->replied_ok++;
        self->awaiting += !m->delivered;
        if (m->due_ns >= self->measure_ns && m->due_ns < self->end_ns)
            load_hist_add(&self->reply_hist, now - m->sent_ns);
    }
    else {
        self->errors++;
        if (self->errors <= 3)
            fprintf(stderr, "chat_load: error reply: %.300s\n", text);
    }
}

/*  A whole message from the gateway. */
static void
s_on_message(load_t *self, conn_t *c, const char *text)
{
    uint64_t now = load_util_mono_ns();
    if (c->state == C_CONNECTING) {
        c->state = strstr(text, "\"type\":\"connected\"") ? C_READY : C_FAILED;
        self->connecting--;
        if (c->state == C_READY) {
            self->ready_now++;
            self->ever_ready++;
        }
        else {
            self->failed++;
            if (self->failed <= 3)
                fprintf(stderr, "chat_load: session %d refused: %.300s\n", c->index, text);
        }
        return;
    }
    if (strncmp(text, "{\"type\":\"chat.new_message\"", 26) == 0)
        s_on_push(self, c, text, now);
    else if (strncmp(text, "{\"type\":\"chat.send_message\"", 27) == 0)
        s_on_reply(self, text, now);
    else
        self->other_frames++;
}

static void
s_conn_gone(load_t *self, conn_t *c)
{
    if (c->state == C_CONNECTING) {
        self->connecting--;
        self->failed++;
        c->state = C_FAILED;
    }
    else if (c->state == C_READY) {
        self->ready_now--;
        self->closed_after_ready++;
        c->state = C_CLOSED;
    }
    c->wsi = NULL;
    self->not_sent += c->len; /* due on a session that went away */
    c->len = 0;
    free(c->rx);
    c->rx = NULL;
    c->rx_len = c->rx_cap = 0;
}

static int
s_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void) user;
    load_t *self = s_load;
    conn_t *c = lws_get_opaque_user_data(wsi);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c) {
            if (self->failed < 3)
                fprintf(stderr, "chat_load: session %d failed: %s\n", c->index,
                        in ? (const char *) in : "(no reason)");
            s_conn_gone(self, c);
        }
        return 0;

    case LWS_CALLBACK_CLIENT_RECEIVE: {
        if (!c)
            return -1;
        bool final = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
        if (c->rx_len + len + 1 > c->rx_cap) {
            size_t cap = (c->rx_len + len + 1) * 2;
            char *grown = realloc(c->rx, cap);
            if (!grown)
                return -1;
            c->rx = grown;
            c->rx_cap = cap;
        }
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
        c->rx[c->rx_len] = '\0';
        if (final) {
            s_on_message(self, c, c->rx);
            c->rx_len = 0;
        }
        return 0;
    }

    case LWS_CALLBACK_CLIENT_WRITEABLE:
        /* lws also calls this on its own (after the handshake, a pong) */
        if (!c || c->state != C_READY)
            return 0;
        return s_write_next(self, c);

    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c)
            s_conn_gone(self, c);
        return 0;

    default:
        break;
    }
    return 0;
}

/*  Every session settled: fix the schedule and tell bench/run when it runs. */
static void
s_announce_ready(load_t *self)
{
    int64_t now_ms = load_util_wall_ms();
    uint64_t now_ns = load_util_mono_ns();
    self->start_ms = now_ms + 500;
    self->measure_ms = self->start_ms + self->warmup_ms;
    self->end_ms = self->measure_ms + self->duration_ms;
    self->start_ns = now_ns + 500 * 1000000ull;
    self->measure_ns = self->start_ns + (uint64_t) self->warmup_ms * 1000000ull;
    self->end_ns = self->measure_ns + (uint64_t) self->duration_ms * 1000000ull;
    for (uint32_t k = 0; k < self->nmsgs; k++)
        self->msgs[k].due_ns = self->start_ns + (uint64_t) ((double) k * 1e9 / self->rate);
    self->sending = true;
    if (!self->ready_file)
        return;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", self->ready_file);
    FILE *f = fopen(tmp, "w");
    if (f) {
        fprintf(f, "%d %d %" PRId64 " %" PRId64 " %" PRId64 "\n", self->ever_ready, self->failed,
                self->start_ms, self->measure_ms, self->end_ms);
        fclose(f);
        rename(tmp, self->ready_file);
    }
}

/*  Every 2 ms: open more sessions (bounded concurrency), queue the
    messages that are due, take the CPU at the window's ends, and stop once
    every accepted message has reached its other party or the drain is over. */
static void
s_on_tick(lws_sorted_usec_list_t *sul)
{
    load_t *self = lws_container_of(sul, load_t, tick);
    while (self->next_to_start < self->nconns && self->connecting < self->connect_concurrency)
        s_start_one(self, &self->c[self->next_to_start++]);
    if (!self->sending) {
        bool settled = self->next_to_start == self->nconns && self->connecting == 0;
        bool late = load_util_wall_ms() - self->started_wall_ms > (int64_t) self->ready_timeout_s * 1000;
        if (late && !settled)
            fprintf(stderr, "chat_load: %d sessions still connecting after %d s\n", self->connecting,
                    self->ready_timeout_s);
        if (settled || late)
            s_announce_ready(self);
    }
    else {
        uint64_t now = load_util_mono_ns();
        while (self->next_due < self->nmsgs && self->msgs[self->next_due].due_ns <= now)
            s_queue_due(self, self->next_due++);
        if (!self->cpu_measure_taken && now >= self->measure_ns) {
            self->cpu_measure_taken = true;
            self->cpu_at_measure_s = load_util_cpu_s();
        }
        if (!self->cpu_end_taken && now >= self->end_ns) {
            self->cpu_end_taken = true;
            self->cpu_at_end_s = load_util_cpu_s();
            self->drain_until_ms = load_util_wall_ms() + self->drain_ms;
        }
        if (self->cpu_end_taken) {
            /* every message written or given up, every write answered, every
               accepted message pushed (an error reply's push may still come:
               it is not waited for) */
            bool done = self->written + self->not_sent >= self->nmsgs
                        && self->replied_ok + self->errors >= self->written && self->awaiting == 0;
            if (done || load_util_wall_ms() >= self->drain_until_ms)
                load_util_stop();
        }
    }
    /* 2 ms keeps the schedule (at most 2 ms late, reported as lag;
       latencies count from the write) */
    if (load_util_stopped())
        ev_break(self->loop, EVBREAK_ALL);
    else
        lws_sul_schedule(self->lws, 0, &self->tick, s_on_tick, 2 * LWS_US_PER_MS);
}

static void
s_print_result(load_t *self)
{
    uint64_t lost = 0, unanswered = 0;
    for (uint32_t k = 0; k < self->nmsgs; k++) {
        const msg_t *m = &self->msgs[k];
        lost += m->accepted && !m->delivered;
        unanswered += m->sent_ns && !m->replied;
    }
    double window_s = (double) self->duration_ms / 1000.0;
    printf("{\"pairs\":%d,\"conns\":%d,\"connected\":%d,\"failed\":%d,\"closed_after_ready\":%d,"
           "\"rate\":%.1f,\"messages\":%" PRIu32 ",\"written\":%" PRIu64 ",\"not_sent\":%" PRIu64
           ",\"accepted\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"unanswered\":%" PRIu64
           ",\"delivered\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"duplicates\":%" PRIu64 ",\"misrouted\":%" PRIu64
           ",\"echoed\":%" PRIu64 ",\"other_frames\":%" PRIu64 ",\"window_s\":%.3f,\"measured\":%" PRIu64,
           self->npairs, self->nconns, self->ever_ready, self->failed, self->closed_after_ready, self->rate,
           self->nmsgs, self->written, self->not_sent, self->replied_ok, self->errors, unanswered,
           self->delivered, lost, self->duplicates, self->misrouted, self->echoed, self->other_frames,
           window_s, self->measured);
    printf(",\"push_p50_us\":%.1f,\"push_p99_us\":%.1f,\"push_max_us\":%.1f",
           (double) load_hist_percentile(&self->push_hist, 50) / 1e3,
           (double) load_hist_percentile(&self->push_hist, 99) / 1e3, (double) self->push_hist.max / 1e3);
    printf(",\"reply_p50_us\":%.1f,\"reply_p99_us\":%.1f,\"lag_p99_us\":%.1f,\"lag_max_us\":%.1f",
           (double) load_hist_percentile(&self->reply_hist, 50) / 1e3,
           (double) load_hist_percentile(&self->reply_hist, 99) / 1e3,
           (double) load_hist_percentile(&self->lag_hist, 99) / 1e3, (double) self->lag_hist.max / 1e3);
    printf(",\"push_hist\":");
    load_hist_print_json(&self->push_hist, stdout);
    printf(",\"reply_hist\":");
    load_hist_print_json(&self->reply_hist, stdout);
    printf(",\"cpu_s\":%.3f}\n", self->cpu_end_taken ? self->cpu_at_end_s - self->cpu_at_measure_s : 0.0);
    fflush(stdout);
}

/*  Read the pairs file; 0, or -1 with a message. */
static int
s_read_pairs(load_t *self, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "chat_load: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    int cap = 0, rc = 0;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n' || line[0] == '#')
            continue;
        if (self->npairs == cap) {
            cap = cap ? cap * 2 : 256;
            pair_t *grown = realloc(self->pairs, (size_t) cap * sizeof *grown);
            if (!grown) {
                rc = -1;
                break;
            }
            self->pairs = grown;
        }
        pair_t *p = &self->pairs[self->npairs];
        if (sscanf(line, "%" SCNd64 " %63s %63s", &p->order_id, p->buyer, p->seller) != 3) {
            fprintf(stderr, "chat_load: %s: expected \"order_id buyer_user_id seller_user_id\": %s", path,
                    line);
            rc = -1;
            break;
        }
        self->npairs++;
    }
    fclose(f);
    if (rc == 0 && !self->npairs) {
        fprintf(stderr, "chat_load: %s holds no pairs\n", path);
        rc = -1;
    }
    return rc;
}

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: p2p-chat-load --port-a P --port-b P --orders FILE --rate R [options]\n"
                 "  --orders FILE        lines \"order_id buyer_user_id seller_user_id\"\n"
                 "  --rate R             chat.send_message per second, all pairs together\n"
                 "  --warmup-ms W        sending before the measured window (1000)\n"
                 "  --duration-ms D      the measured window (10000)\n"
                 "  --drain-ms D         after the window, how long to wait for pushes (5000)\n"
                 "  --direction both|to-a  who sends: buyer and seller in turn, or the seller (on B) only\n"
                 "  --host H             gateways' address (127.0.0.1)\n"
                 "  --secret-file F      file holding JWT_SECRET (else $JWT_SECRET)\n"
                 "  --src-net A.B.C      bind session i to A.B.C.(1 + i %% 250)\n"
                 "  --connect-concurrency N  sessions being opened at once (64)\n"
                 "  --ready-file F       \"connected failed start_ms measure_ms end_ms\" once settled\n"
                 "  --ready-timeout S    start anyway after S s of connecting (120)\n");
}

int
main(int argc, char **argv)
{
    load_t *self = calloc(1, sizeof *self);
    if (!self)
        return 1;
    s_load = self;
    self->host = "127.0.0.1";
    self->connect_concurrency = 64;
    self->ready_timeout_s = 120;
    self->warmup_ms = 1000;
    self->duration_ms = 10000;
    self->drain_ms = 5000;
    char *secret = NULL;
    const char *orders = NULL;
    int rc = 2;

    static const struct option opts[] = {
        {"host", required_argument, 0, 'h'},
        {"port-a", required_argument, 0, 'a'},
        {"port-b", required_argument, 0, 'b'},
        {"orders", required_argument, 0, 'o'},
        {"rate", required_argument, 0, 'r'},
        {"warmup-ms", required_argument, 0, 'w'},
        {"duration-ms", required_argument, 0, 'd'},
        {"drain-ms", required_argument, 0, 'D'},
        {"direction", required_argument, 0, 'x'},
        {"secret-file", required_argument, 0, 's'},
        {"src-net", required_argument, 0, 'n'},
        {"connect-concurrency", required_argument, 0, 'C'},
        {"ready-file", required_argument, 0, 'R'},
        {"ready-timeout", required_argument, 0, 'T'},
        {"help", no_argument, 0, '?'},
        {0, 0, 0, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            self->host = optarg;
            break;
        case 'a':
            self->port_a = atoi(optarg);
            break;
        case 'b':
            self->port_b = atoi(optarg);
            break;
        case 'o':
            orders = optarg;
            break;
        case 'r':
            self->rate = atof(optarg);
            break;
        case 'w':
            self->warmup_ms = atoi(optarg);
            break;
        case 'd':
            self->duration_ms = atoi(optarg);
            break;
        case 'D':
            self->drain_ms = atoi(optarg);
            break;
        case 'x':
            if (strcmp(optarg, "both") == 0)
                self->direction = DIR_BOTH;
            else if (strcmp(optarg, "to-a") == 0)
                self->direction = DIR_TO_A;
            else {
                fprintf(stderr, "chat_load: --direction must be both or to-a\n");
                goto done;
            }
            break;
        case 's':
            free(secret);
            secret = load_util_read_secret(optarg);
            if (!secret) {
                fprintf(stderr, "chat_load: cannot read %s: %s\n", optarg, strerror(errno));
                goto done;
            }
            break;
        case 'n':
            self->src_net = optarg;
            break;
        case 'C':
            self->connect_concurrency = atoi(optarg);
            break;
        case 'R':
            self->ready_file = optarg;
            break;
        case 'T':
            self->ready_timeout_s = atoi(optarg);
            break;
        default:
            s_usage(opt == '?' ? stdout : stderr);
            goto done;
        }
    }
    if (!secret && getenv("JWT_SECRET"))
        secret = strdup(getenv("JWT_SECRET"));
    if (!secret || !*secret || self->port_a <= 0 || self->port_b <= 0 || !orders || self->rate <= 0
        || self->warmup_ms < 0 || self->duration_ms <= 0 || self->drain_ms < 0
        || self->connect_concurrency <= 0) {
        s_usage(stderr);
        goto done;
    }
    self->secret = secret;
    rc = 1;
    if (s_read_pairs(self, orders) != 0)
        goto done;
    self->nconns = 2 * self->npairs;
    double nmsgs = self->rate * (double) (self->warmup_ms + self->duration_ms) / 1000.0;
    if (nmsgs < 1 || nmsgs > 1e8) {
        fprintf(stderr, "chat_load: --rate over the run gives %.0f messages (1..1e8)\n", nmsgs);
        goto done;
    }
    self->nmsgs = (uint32_t) nmsgs;
    self->c = calloc((size_t) self->nconns, sizeof *self->c);
    self->msgs = calloc(self->nmsgs, sizeof *self->msgs);
    if (!self->c || !self->msgs)
        goto done;
    for (int i = 0; i < self->nconns; i++)
        self->c[i].index = i;
    self->started_wall_ms = load_util_wall_ms();

    load_util_catch_signals();

    lws_set_log_level(LLL_ERR, NULL);
    static const struct lws_protocols protocols[] = {
        {"chat", s_callback, 0, 65536, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
    };
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    /* lws on libev's epoll loop (as the gateway): lws's own poll() loop hands
       the kernel every session's socket on each wake-up */
    self->loop = ev_loop_new(EVBACKEND_EPOLL);
    if (!self->loop) {
        fprintf(stderr, "chat_load: no epoll event loop\n");
        goto done;
    }
    void *foreign_loops[] = {self->loop};
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_LIBEV;
    info.foreign_loops = foreign_loops;
    info.fd_limit_per_thread = (unsigned int) self->nconns + 64;
    info.timeout_secs = 60;
    info.connect_timeout_secs = 60;
    info.pcontext = &self->lws; /* lws clears it once the context is freed */
    self->lws = lws_create_context(&info);
    if (!self->lws) {
        fprintf(stderr, "chat_load: lws_create_context failed (is libwebsockets-evlib-ev installed?)\n");
        goto done;
    }
    lws_sul_schedule(self->lws, 0, &self->tick, s_on_tick, 1);
    while (!load_util_stopped() && ev_run(self->loop, EVRUN_ONCE))
        ;
    s_print_result(self);
    lws_sul_cancel(&self->tick);
    /* lws on a foreign loop may finish closing on the loop, then free the
       context in a second call (see gateway/main.c s_lws_destroy) */
    lws_context_destroy(self->lws);
    for (int spins = 0; self->lws && spins < 1000 && ev_run(self->loop, EVRUN_NOWAIT); spins++)
        ;
    if (self->lws)
        lws_context_destroy(self->lws);
    rc = 0;
done:
    if (self->loop)
        ev_loop_destroy(self->loop);
    if (self->c)
        for (int i = 0; i < self->nconns; i++)
            free(self->c[i].rx);
    free(self->c);
    free(self->msgs);
    free(self->pairs);
    free(secret);
    free(self);
    return rc;
}
