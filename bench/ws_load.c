/*  ws_load.c - the WebSocket load generator of the bench (bench/run drives it).

    One process, one libwebsockets client context, one thread, many
    connections. Each connection authenticates as its own seeded user (a
    HS256 token minted here with libjwt, passed as ?token=), waits for the
    gateway's "connected" message, then, by mode:

      get     closed loop: one profile.get (own profile) in flight, the next
              sent as soon as the reply arrives;
      search  the same with profile.search for a random username fragment;
      idle    sends nothing; answers the gateway's pings (lws does that) and
              holds the session until SIGTERM/SIGINT;
      ads     closed loop: ad.list (a page of 20) for a random side and a
              random pair of --pairs;
      orders  trader pairs: connections 2i (the seller, user i + 1) and
              2i + 1 (the buyer, user P + i + 1, P = conns / 2) trade on
              pair i's sell ad (--ad-base + i) in a closed loop: the buyer's
              order.create, the buyer's order.confirm_payment, the seller's
              order.release_crypto, again. Each transition is a request;
              latencies are kept per transition too.

    Every reply that is not success (and every connection that fails) counts
    as an error, inside the measuring window or not: bench/run fails a phase
    that has any.

    Latencies (send -> whole reply, monotonic clock) are recorded only inside
    the measuring window [--start-ms, --end-ms) (unix ms, so several
    processes measure the same window) in a log-bucket histogram (HdrHistogram
    style: 64 sub-buckets per power of two, < 1.6% error). The result is one
    JSON line on stdout, with the histogram as [upper bound ns, count] pairs,
    so bench/run can merge several processes.

    Client source addresses are spread over 127.0.0.0/8 (--src-net 127.0.3
    binds connection i to 127.0.3.(1 + i % 250)) so that many sessions do not
    run out of ephemeral ports on one address pair. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <jwt.h>
#include <sys/resource.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/*  Histogram: values in ns. Below 128 one bucket per ns; above, 64 buckets
    per power of two. 2^40 ns (18 min) is far beyond any latency we see. */

#define H_SUB 64
#define H_MAX_EXP 40
#define H_BUCKETS (128 + (H_MAX_EXP - 7 + 1) * H_SUB)

typedef struct {
    uint64_t counts[H_BUCKETS];
    uint64_t total;
    uint64_t max;
} hist_t;

static int
s_hist_index(uint64_t v)
{
    if (v < 128)
        return (int) v;
    int e = 63 - __builtin_clzll(v);
    if (e > H_MAX_EXP)
        return H_BUCKETS - 1;
    int shift = e - 6;
    int sub = (int) (v >> shift); /* 64..127 */
    return 128 + (e - 7) * H_SUB + (sub - H_SUB);
}

/*  The largest value that falls in bucket i (reported, so percentiles err high). */
static uint64_t
s_hist_upper(int i)
{
    if (i < 128)
        return (uint64_t) i;
    int e = (i - 128) / H_SUB + 7;
    int sub = (i - 128) % H_SUB + H_SUB;
    int shift = e - 6;
    return (((uint64_t) sub + 1) << shift) - 1;
}

static void
s_hist_add(hist_t *h, uint64_t v)
{
    h->counts[s_hist_index(v)]++;
    h->total++;
    if (v > h->max)
        h->max = v;
}

static uint64_t
s_hist_percentile(const hist_t *h, double p)
{
    if (!h->total)
        return 0;
    uint64_t want = (uint64_t) (p / 100.0 * (double) h->total + 0.5);
    if (want < 1)
        want = 1;
    uint64_t seen = 0;
    for (int i = 0; i < H_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= want)
            return s_hist_upper(i) < h->max ? s_hist_upper(i) : h->max;
    }
    return h->max;
}

/* ------------------------------------------------------------------------ */

typedef enum { MODE_GET, MODE_SEARCH, MODE_IDLE, MODE_ADS, MODE_ORDERS } mode_t_;

static const char *const s_mode_names[] = {"get", "search", "idle", "ads", "orders"};

/*  The order lifecycle's transitions (orders mode), in order. */
typedef enum { STEP_CREATE, STEP_CONFIRM, STEP_RELEASE, STEP_COUNT } step_t;

static const char *const s_step_names[] = {"create", "confirm_payment", "release_crypto"};

typedef enum {
    C_WAITING,    /* not started yet */
    C_CONNECTING, /* TCP + upgrade + "connected" pending */
    C_READY,      /* authenticated; request in flight or idle */
    C_FAILED,     /* never got "connected" */
    C_CLOSED      /* was ready, then closed */
} conn_state_t;

typedef struct {
    struct lws *wsi;
    int index;
    conn_state_t state;
    uint64_t sent_ns;
    uint64_t seq;
    bool in_flight;
    char *rx;
    size_t rx_len, rx_cap;
} conn_t;

/*  A pair of traders (orders mode): whose turn it is and on which order. */
typedef struct {
    step_t step;
    int64_t order_id;
} pair_t;

#define PAIRS_MAX 64
#define ADS_PAIRS_MAX 64

typedef struct {
    /* options */
    const char *host;
    int port;
    int conns;
    mode_t_ mode;
    const char *secret;
    long users;
    long user_offset;
    int64_t start_ms, end_ms;
    const char *src_net;
    int connect_concurrency;
    const char *ready_file;
    int ready_timeout_s;
    char pair_asset[ADS_PAIRS_MAX][32], pair_fiat[ADS_PAIRS_MAX][32]; /* ads: the listed pairs */
    int pair_count;
    int64_t ad_base;         /* orders: pair i trades on ad ad_base + i */
    const char *fiat_amount; /* orders: each order's fiat amount */
    int payment_method;      /* orders: the ads' payment method */
    /* state */
    struct lws_context *lws;
    conn_t *c;
    int next_to_start;
    int connecting;
    int ready_now;
    int ever_ready;
    int failed;
    int closed_after_ready;
    bool ready_announced;
    uint64_t ok, errors, sent_in_window;
    uint64_t errors_outside_window;
    hist_t hist;
    hist_t step_hist[STEP_COUNT]; /* orders: per transition */
    uint64_t step_ok[STEP_COUNT];
    pair_t pairs[PAIRS_MAX];
    uint64_t mono_at_wall0_ns; /* monotonic ns at wall-clock ms 0 (approx.) */
    int64_t started_wall_ms;
    lws_sorted_usec_list_t tick;
    double cpu_at_start_s, cpu_at_end_s; /* this process's CPU at the window's ends */
    bool window_started, window_ended;
    uint64_t rng;
} load_t;

static volatile sig_atomic_t s_stop = 0;
static load_t *s_load; /* for the lws callback only; lws gives no user pointer for the context here */

static void
s_on_signal(int sig)
{
    (void) sig;
    s_stop = 1;
}

static uint64_t
s_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static int64_t
s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
s_rand(load_t *self)
{
    /* xorshift64*: plenty for picking search fragments */
    self->rng ^= self->rng >> 12;
    self->rng ^= self->rng << 25;
    self->rng ^= self->rng >> 27;
    return self->rng * 2685821657736338717ull;
}

static bool
s_in_window(const load_t *self, uint64_t mono_ns)
{
    int64_t wall_ms = (int64_t) ((mono_ns - self->mono_at_wall0_ns) / 1000000ull);
    return wall_ms >= self->start_ms && wall_ms < self->end_ms;
}

/*  The user a connection authenticates as: 1..users, as text (the seed's
    user_id), spread evenly over the seeded users; in orders mode, pair i's
    seller is user i + 1 and its buyer user conns / 2 + i + 1. */
static long
s_user_of(const load_t *self, int index)
{
    if (self->mode == MODE_ORDERS)
        return index % 2 == 0 ? index / 2 + 1 : self->conns / 2 + index / 2 + 1;
    long stride = self->conns < self->users ? self->users / self->conns : 1;
    return (self->user_offset + (long) index * stride) % self->users + 1;
}

/*  Orders mode: the connection whose turn it is in c's pair. */
static conn_t *
s_turn_of(load_t *self, const conn_t *c)
{
    const pair_t *p = &self->pairs[c->index / 2];
    int seller = c->index - c->index % 2;
    return &self->c[p->step == STEP_RELEASE ? seller : seller + 1];
}

/*  A HS256 token for user_id (caller frees), or NULL. */
static char *
s_mint(const char *secret, const char *user_id)
{
    jwt_t *jwt = NULL;
    char *out = NULL;
    if (jwt_new(&jwt) != 0)
        return NULL;
    time_t now = time(NULL);
    if (jwt_add_grant(jwt, "user_id", user_id) == 0 && jwt_add_grant(jwt, "sub", user_id) == 0
        && jwt_add_grant_int(jwt, "iat", now) == 0 && jwt_add_grant_int(jwt, "exp", now + 24 * 3600) == 0
        && jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *) secret, (int) strlen(secret)) == 0)
        out = jwt_encode_str(jwt);
    jwt_free(jwt);
    return out;
}

static void
s_start_one(load_t *self, conn_t *c)
{
    char user_id[32], path[1024], iface[32];
    snprintf(user_id, sizeof user_id, "%ld", s_user_of(self, c->index));
    char *token = s_mint(self->secret, user_id);
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
    cc.port = self->port;
    cc.path = path;
    cc.host = self->host;
    cc.origin = NULL;
    cc.protocol = NULL;
    cc.local_protocol_name = "load";
    /* The client never pings and never hangs up on its own (lws's default
       client policy pings after 300 s and drops at 310 s): only the gateway
       decides when a session dies, which is what the idle phase measures. */
    static const lws_retry_bo_t quiet = {.secs_since_valid_ping = 0xffff, .secs_since_valid_hangup = 0xffff};
    cc.retry_and_idle_policy = &quiet;
    cc.opaque_user_data = c;
    cc.pwsi = &c->wsi;
    if (self->src_net && *self->src_net) {
        snprintf(iface, sizeof iface, "%s.%d", self->src_net, 1 + c->index % 250);
        cc.iface = iface;
    }
    c->state = C_CONNECTING;
    self->connecting++;
    if (!lws_client_connect_via_info(&cc) && c->state == C_CONNECTING) {
        /* failed synchronously without a CONNECTION_ERROR callback */
        c->state = C_FAILED;
        self->connecting--;
        self->failed++;
    }
}

/*  Ask to write c's next request (orders mode: the next of c's pair, once
    both traders are connected). */
static void
s_send_next(load_t *self, conn_t *c)
{
    if (self->mode == MODE_ORDERS) {
        conn_t *seller = &self->c[c->index - c->index % 2];
        if (seller[0].state != C_READY || seller[1].state != C_READY || seller[0].in_flight
            || seller[1].in_flight)
            return;
        c = s_turn_of(self, c);
    }
    if (c->state == C_READY && !c->in_flight && !s_stop)
        lws_callback_on_writable(c->wsi);
}

static int
s_write_request(load_t *self, conn_t *c)
{
    unsigned char buf[LWS_PRE + 512];
    char *p = (char *) buf + LWS_PRE;
    int n;
    c->seq++;
    if (self->mode == MODE_GET)
        n = snprintf(p, 512, "{\"type\":\"profile.get\",\"request_id\":\"%" PRIu64 "\",\"data\":{}}", c->seq);
    else if (self->mode == MODE_ADS) {
        int k = (int) (s_rand(self) % (uint64_t) self->pair_count);
        n = snprintf(p, 512,
                     "{\"type\":\"ad.list\",\"request_id\":\"%" PRIu64
                     "\",\"data\":{\"type\":\"%s\",\"asset\":\"%s\",\"fiat\":\"%s\",\"limit\":20}}",
                     c->seq, s_rand(self) % 2 ? "sell" : "buy", self->pair_asset[k], self->pair_fiat[k]);
    }
    else if (self->mode == MODE_ORDERS) {
        const pair_t *pair = &self->pairs[c->index / 2];
        if (pair->step == STEP_CREATE)
            n = snprintf(p, 512,
                         "{\"type\":\"order.create\",\"request_id\":\"%" PRIu64
                         "\",\"data\":{\"ad_id\":%" PRId64
                         ",\"fiat_amount\":\"%s\",\"payment_method_id\":%d}}",
                         c->seq, self->ad_base + c->index / 2, self->fiat_amount, self->payment_method);
        else
            n = snprintf(p, 512,
                         "{\"type\":\"%s\",\"request_id\":\"%" PRIu64 "\",\"data\":{\"order_id\":%" PRId64
                         "}}",
                         pair->step == STEP_CONFIRM ? "order.confirm_payment" : "order.release_crypto",
                         c->seq, pair->order_id);
    }
    else {
        /* a username fragment: trader_<n> for a random seeded n, cut to 1-6 digits */
        char frag[32];
        unsigned long long who = s_rand(self) % (unsigned long long) self->users + 1;
        int digits = 1 + (int) (s_rand(self) % 6);
        snprintf(frag, sizeof frag, "%llu", who);
        frag[digits < (int) strlen(frag) ? digits : (int) strlen(frag)] = '\0';
        n = snprintf(p, 512,
                     "{\"type\":\"profile.search\",\"request_id\":\"%" PRIu64
                     "\",\"data\":{\"search\":\"%s\",\"limit\":20,\"offset\":0}}",
                     c->seq, frag);
    }
    c->in_flight = true;
    c->sent_ns = s_mono_ns();
    if (s_in_window(self, c->sent_ns))
        self->sent_in_window++;
    if (lws_write(c->wsi, buf + LWS_PRE, (size_t) n, LWS_WRITE_TEXT) < n)
        return -1;
    return 0;
}

/*  Orders mode: a successful reply to c's transition moves its pair to the
    next one (order.create's reply names the order). false when the reply
    lacks what the next step needs. */
static bool
s_on_order_reply(load_t *self, conn_t *c, const char *text, uint64_t now)
{
    pair_t *pair = &self->pairs[c->index / 2];
    step_t done = pair->step;
    if (done == STEP_CREATE) {
        json_t *reply = json_loads(text, 0, NULL);
        json_t *id = json_object_get(json_object_get(json_object_get(reply, "data"), "order"), "id");
        pair->order_id = json_is_integer(id) ? (int64_t) json_integer_value(id) : 0;
        json_decref(reply);
        if (!pair->order_id)
            return false;
    }
    if (s_in_window(self, now)) {
        self->step_ok[done]++;
        s_hist_add(&self->step_hist[done], now - c->sent_ns);
    }
    pair->step = (step_t) ((done + 1) % STEP_COUNT);
    return true;
}

/*  A whole message from the gateway. */
static void
s_on_message(load_t *self, conn_t *c, const char *text, size_t len)
{
    (void) len;
    if (c->state == C_CONNECTING) {
        if (strstr(text, "\"type\":\"connected\"")) {
            c->state = C_READY;
            self->connecting--;
            self->ready_now++;
            self->ever_ready++;
            if (self->mode != MODE_IDLE)
                s_send_next(self, c);
        }
        else {
            /* connection_error: the gateway closes next */
            c->state = C_FAILED;
            self->connecting--;
            self->failed++;
        }
        return;
    }
    if (!c->in_flight)
        return; /* an event we did not ask for */
    uint64_t now = s_mono_ns();
    char want[48];
    snprintf(want, sizeof want, "\"request_id\":\"%" PRIu64 "\"", c->seq);
    if (!strstr(text, want))
        return; /* not our reply */
    c->in_flight = false;
    bool ok = strstr(text, "\"success\":true") != NULL;
    if (ok && self->mode == MODE_ORDERS && !s_on_order_reply(self, c, text, now))
        ok = false;
    if (!ok) {
        /* an error is an error inside the window or not: bench/run fails the phase */
        if (s_in_window(self, now))
            self->errors++;
        else
            self->errors_outside_window++;
        if (self->errors + self->errors_outside_window <= 3)
            fprintf(stderr, "ws_load: error reply: %.300s\n", text);
        if (self->mode == MODE_ORDERS)
            self->pairs[c->index / 2].step = STEP_CREATE; /* start over with a new order */
    }
    else if (s_in_window(self, now)) {
        self->ok++;
        s_hist_add(&self->hist, now - c->sent_ns);
    }
    s_send_next(self, c);
}

static void
s_conn_gone(load_t *self, conn_t *c, bool error)
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
    (void) error;
    c->wsi = NULL;
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
            if (self->failed < 5)
                fprintf(stderr, "ws_load: connection %d failed: %s\n", c->index,
                        in ? (const char *) in : "(no reason)");
            s_conn_gone(self, c, true);
        }
        return 0;

    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        return 0; /* wait for the gateway's "connected" */

    case LWS_CALLBACK_CLIENT_RECEIVE: {
        if (!c)
            return -1;
        bool final = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
        if (final && !c->rx_len) {
            /* one-frame message: lws leaves room after it? not promised; copy */
            char stack[8192];
            if (len < sizeof stack) {
                memcpy(stack, in, len);
                stack[len] = '\0';
                s_on_message(self, c, stack, len);
                return 0;
            }
        }
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
            s_on_message(self, c, c->rx, c->rx_len);
            c->rx_len = 0;
        }
        return 0;
    }

    case LWS_CALLBACK_CLIENT_WRITEABLE:
        /* lws also calls this on its own (after the handshake, after a pong):
           an idle session must stay silent */
        if (!c || self->mode == MODE_IDLE || c->state != C_READY || c->in_flight || s_stop)
            return 0;
        /* orders: only the trader whose turn it is, once the other's reply is in */
        if (self->mode == MODE_ORDERS
            && (s_turn_of(self, c) != c || self->c[c->index ^ 1].in_flight
                || self->c[c->index ^ 1].state != C_READY))
            return 0;
        return s_write_request(self, c);

    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c)
            s_conn_gone(self, c, false);
        return 0;

    default:
        break;
    }
    return 0;
}

static double
s_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec
           + (double) ru.ru_stime.tv_usec / 1e6;
}

static void
s_announce_ready(load_t *self)
{
    if (self->ready_announced || !self->ready_file)
        return;
    self->ready_announced = true;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", self->ready_file);
    FILE *f = fopen(tmp, "w");
    if (f) {
        fprintf(f, "%d %d\n", self->ever_ready, self->failed);
        fclose(f);
        rename(tmp, self->ready_file);
    }
}

/*  Every 5 ms: start more connections (bounded concurrency), check the clock. */
static void
s_on_tick(lws_sorted_usec_list_t *sul)
{
    load_t *self = lws_container_of(sul, load_t, tick);
    while (self->next_to_start < self->conns && self->connecting < self->connect_concurrency)
        s_start_one(self, &self->c[self->next_to_start++]);
    bool all_started = self->next_to_start == self->conns && self->connecting == 0;
    if (all_started)
        s_announce_ready(self);
    else if (self->ready_timeout_s > 0
             && s_wall_ms() - self->started_wall_ms > (int64_t) self->ready_timeout_s * 1000) {
        fprintf(stderr, "ws_load: %d connections still connecting after %d s\n", self->connecting,
                self->ready_timeout_s);
        s_announce_ready(self);
    }
    int64_t now_ms = s_wall_ms();
    if (!self->window_started && now_ms >= self->start_ms) {
        self->window_started = true;
        self->cpu_at_start_s = s_cpu_s();
    }
    if (self->mode != MODE_IDLE && now_ms >= self->end_ms) {
        if (!self->window_ended) {
            self->window_ended = true;
            self->cpu_at_end_s = s_cpu_s();
        }
        s_stop = 1;
    }
    /* every wake-up of lws's poll() loop walks all of this process's sockets:
       idle sessions, once settled, need the clock only for SIGTERM */
    int tick_ms = self->mode == MODE_IDLE && all_started ? 200 : 5;
    if (s_stop)
        lws_cancel_service(self->lws);
    else
        lws_sul_schedule(self->lws, 0, &self->tick, s_on_tick, tick_ms * LWS_US_PER_MS);
}

static void
s_print_result(load_t *self)
{
    double window_s = self->mode == MODE_IDLE ? 0.0 : (double) (self->end_ms - self->start_ms) / 1000.0;
    printf("{\"mode\":\"%s\",\"conns\":%d,\"connected\":%d,\"failed\":%d,\"open_at_end\":%d,"
           "\"closed_after_ready\":%d,\"ok\":%" PRIu64 ",\"errors\":%" PRIu64
           ",\"errors_outside_window\":%" PRIu64 ",\"window_s\":%.3f,"
           "\"rps\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,",
           s_mode_names[self->mode], self->conns, self->ever_ready, self->failed, self->ready_now,
           self->closed_after_ready, self->ok, self->errors, self->errors_outside_window, window_s,
           window_s > 0 ? (double) self->ok / window_s : 0.0,
           (double) s_hist_percentile(&self->hist, 50) / 1e3,
           (double) s_hist_percentile(&self->hist, 90) / 1e3,
           (double) s_hist_percentile(&self->hist, 99) / 1e3, (double) self->hist.max / 1e3);
    if (self->mode == MODE_ORDERS) {
        printf("\"steps\":{");
        for (int i = 0; i < STEP_COUNT; i++)
            printf("%s\"%s\":{\"ok\":%" PRIu64 ",\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}",
                   i ? "," : "", s_step_names[i], self->step_ok[i],
                   (double) s_hist_percentile(&self->step_hist[i], 50) / 1e3,
                   (double) s_hist_percentile(&self->step_hist[i], 99) / 1e3,
                   (double) self->step_hist[i].max / 1e3);
        printf("},");
    }
    printf("\"hist\":[");
    bool first = true;
    for (int i = 0; i < H_BUCKETS; i++)
        if (self->hist.counts[i]) {
            printf("%s[%" PRIu64 ",%" PRIu64 "]", first ? "" : ",", s_hist_upper(i), self->hist.counts[i]);
            first = false;
        }
    printf("],\"max_ns\":%" PRIu64 ",\"cpu_s\":%.3f}\n", self->hist.max,
           self->window_ended ? self->cpu_at_end_s - self->cpu_at_start_s : 0.0);
    fflush(stdout);
}

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: p2p-ws-load --port P --conns N --mode get|search|idle|ads|orders [options]\n"
                 "  --host H             gateway address (127.0.0.1)\n"
                 "  --secret-file F      file holding JWT_SECRET (else $JWT_SECRET)\n"
                 "  --users N            seeded users are \"1\"..\"N\" (10000)\n"
                 "  --user-offset K      connection i is user (K + i) %% N + 1 (0)\n"
                 "  --start-ms T         measuring window start, unix ms (get/search; default now+1s)\n"
                 "  --end-ms T           measuring window end, unix ms (default start+10s)\n"
                 "  --src-net A.B.C      bind connection i to A.B.C.(1 + i %% 250)\n"
                 "  --connect-concurrency N  connections being opened at once (64)\n"
                 "  --ready-file F       write \"connected failed\" here once every connection is settled\n"
                 "  --ready-timeout S    give up waiting for slow connects after S s (120)\n"
                 "  --pairs A/F,...      ads: the pairs ad.list asks for (e.g. BTC/USD,ETH/EUR)\n"
                 "  --ad-base ID         orders: pair i (connections 2i, 2i + 1) trades on ad ID + i\n"
                 "  --fiat-amount X      orders: each order's fiat_amount (100.00)\n"
                 "  --payment-method ID  orders: the order's payment_method_id (1)\n"
                 "  --print-tokens       print the --conns tokens (one a line) and exit\n"
                 "idle mode holds the sessions until SIGTERM/SIGINT; every mode prints one JSON line.\n");
}

/*  "BTC/USD,ETH/EUR" into the ads mode's pairs. 0, or -1 when malformed. */
static int
s_parse_pairs(load_t *self, const char *text)
{
    self->pair_count = 0;
    const char *p = text;
    while (*p) {
        if (self->pair_count == ADS_PAIRS_MAX)
            return -1;
        size_t len = strcspn(p, ",");
        char one[32];
        if (len == 0 || len >= sizeof one)
            return -1;
        memcpy(one, p, len);
        one[len] = '\0';
        char *slash = strchr(one, '/');
        if (!slash || slash == one || !slash[1] || strlen(slash + 1) >= sizeof self->pair_fiat[0]
            || (size_t) (slash - one) >= sizeof self->pair_asset[0])
            return -1;
        *slash = '\0';
        snprintf(self->pair_asset[self->pair_count], sizeof self->pair_asset[0], "%s", one);
        snprintf(self->pair_fiat[self->pair_count], sizeof self->pair_fiat[0], "%s", slash + 1);
        self->pair_count++;
        p += len;
        if (*p == ',')
            p++;
    }
    return self->pair_count > 0 ? 0 : -1;
}

static char *
s_read_secret(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char buf[1024];
    char *line = fgets(buf, sizeof buf, f);
    fclose(f);
    if (!line)
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    return strdup(buf);
}

int
main(int argc, char **argv)
{
    load_t *self = calloc(1, sizeof *self);
    if (!self)
        return 1;
    s_load = self;
    self->host = "127.0.0.1";
    self->users = 10000;
    self->connect_concurrency = 64;
    self->ready_timeout_s = 120;
    self->mode = MODE_GET;
    self->fiat_amount = "100.00";
    self->payment_method = 1;
    self->start_ms = self->end_ms = -1;
    char *secret = NULL;

    static const struct option opts[] = {
        {"host", required_argument, 0, 'h'},
        {"port", required_argument, 0, 'p'},
        {"conns", required_argument, 0, 'c'},
        {"mode", required_argument, 0, 'm'},
        {"secret-file", required_argument, 0, 's'},
        {"users", required_argument, 0, 'u'},
        {"user-offset", required_argument, 0, 'o'},
        {"start-ms", required_argument, 0, 'S'},
        {"end-ms", required_argument, 0, 'E'},
        {"src-net", required_argument, 0, 'n'},
        {"connect-concurrency", required_argument, 0, 'C'},
        {"ready-file", required_argument, 0, 'r'},
        {"ready-timeout", required_argument, 0, 'T'},
        {"pairs", required_argument, 0, 'A'},
        {"ad-base", required_argument, 0, 'B'},
        {"fiat-amount", required_argument, 0, 'F'},
        {"payment-method", required_argument, 0, 'M'},
        {"print-tokens", no_argument, 0, 'P'},
        {"help", no_argument, 0, '?'},
        {0, 0, 0, 0},
    };
    bool print_tokens = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            self->host = optarg;
            break;
        case 'p':
            self->port = atoi(optarg);
            break;
        case 'c':
            self->conns = atoi(optarg);
            break;
        case 'm':
            self->mode = (mode_t_) -1;
            for (size_t m = 0; m < sizeof s_mode_names / sizeof s_mode_names[0]; m++)
                if (strcmp(optarg, s_mode_names[m]) == 0)
                    self->mode = (mode_t_) m;
            if ((int) self->mode < 0) {
                s_usage(stderr);
                return 2;
            }
            break;
        case 'A':
            if (s_parse_pairs(self, optarg) != 0) {
                fprintf(stderr, "ws_load: --pairs wants ASSET/FIAT[,ASSET/FIAT...] (at most %d)\n",
                        ADS_PAIRS_MAX);
                return 2;
            }
            break;
        case 'B':
            self->ad_base = atoll(optarg);
            break;
        case 'F':
            self->fiat_amount = optarg;
            break;
        case 'M':
            self->payment_method = atoi(optarg);
            break;
        case 's':
            secret = s_read_secret(optarg);
            if (!secret) {
                fprintf(stderr, "ws_load: cannot read %s: %s\n", optarg, strerror(errno));
                return 2;
            }
            break;
        case 'u':
            self->users = atol(optarg);
            break;
        case 'o':
            self->user_offset = atol(optarg);
            break;
        case 'S':
            self->start_ms = atoll(optarg);
            break;
        case 'E':
            self->end_ms = atoll(optarg);
            break;
        case 'n':
            self->src_net = optarg;
            break;
        case 'C':
            self->connect_concurrency = atoi(optarg);
            break;
        case 'r':
            self->ready_file = optarg;
            break;
        case 'T':
            self->ready_timeout_s = atoi(optarg);
            break;
        case 'P':
            print_tokens = true;
            break;
        default:
            s_usage(opt == '?' ? stdout : stderr);
            return 2;
        }
    }
    if (!secret && getenv("JWT_SECRET"))
        secret = strdup(getenv("JWT_SECRET"));
    if (!secret || !*secret || self->port <= 0 || self->conns <= 0 || self->users <= 0
        || self->connect_concurrency <= 0) {
        s_usage(stderr);
        return 2;
    }
    if (self->mode == MODE_ADS && self->pair_count == 0) {
        fprintf(stderr, "ws_load: ads mode needs --pairs\n");
        return 2;
    }
    if (self->mode == MODE_ORDERS && (self->conns % 2 || self->conns / 2 > PAIRS_MAX || self->ad_base <= 0)) {
        fprintf(stderr, "ws_load: orders mode needs --ad-base and an even --conns of at most %d\n",
                2 * PAIRS_MAX);
        return 2;
    }
    self->secret = secret;
    if (print_tokens) {
        /* for wrk's Lua script: connection i's token on line i + 1 */
        for (int i = 0; i < self->conns; i++) {
            char user_id[32];
            snprintf(user_id, sizeof user_id, "%ld", s_user_of(self, i));
            char *token = s_mint(secret, user_id);
            if (!token)
                return 1;
            printf("%s\n", token);
            free(token);
        }
        return 0;
    }
    self->started_wall_ms = s_wall_ms();
    if (self->start_ms < 0)
        self->start_ms = self->started_wall_ms + 1000;
    if (self->end_ms < 0)
        self->end_ms = self->start_ms + 10000;
    self->mono_at_wall0_ns = s_mono_ns() - (uint64_t) self->started_wall_ms * 1000000ull;
    self->rng = (uint64_t) s_mono_ns() | 1;
    self->c = calloc((size_t) self->conns, sizeof *self->c);
    if (!self->c)
        return 1;
    for (int i = 0; i < self->conns; i++)
        self->c[i].index = i;

    struct sigaction sa = {.sa_handler = s_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    lws_set_log_level(LLL_ERR, NULL);
    static const struct lws_protocols protocols[] = {
        {"load", s_callback, 0, 65536, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
    };
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    info.fd_limit_per_thread = (unsigned int) self->conns + 64;
    info.timeout_secs = 60;
    info.connect_timeout_secs = 60;
    self->lws = lws_create_context(&info);
    if (!self->lws) {
        fprintf(stderr, "ws_load: lws_create_context failed\n");
        return 1;
    }
    lws_sul_schedule(self->lws, 0, &self->tick, s_on_tick, 1);
    while (!s_stop)
        if (lws_service(self->lws, 0) < 0)
            break;
    /* the count of open sessions is taken before lws tears them down */
    s_print_result(self);
    lws_sul_cancel(&self->tick);
    lws_context_destroy(self->lws);
    for (int i = 0; i < self->conns; i++)
        free(self->c[i].rx);
    free(self->c);
    free(secret);
    free(self);
    return 0;
}
