/*  ws_load.c - the WebSocket load generator of the bench (bench/run drives it).

    One process, one thread, many connections on one epoll loop
    (ws_client.c: wslay's framing; lws's client cost ~150 µs of CPU per 16 KB
    page here). Each connection authenticates as its own seeded user (a
    HS256 token minted here with libjwt, passed as ?token=), waits for the
    gateway's "connected" message, then, by mode:

      get     closed loop: one profile.get (own profile) in flight, the next
              sent as soon as the reply arrives;
      search  the same with profile.search for a random username fragment;
      idle    sends nothing; answers the gateway's pings (ws_client.c does that) and
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "load_hist.h"
#include "load_util.h"
#include "ws_client.h"

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

typedef struct load load_t;

typedef struct {
    load_t *load;
    ws_conn_t *ws; /* while connecting or ready */
    int index;
    conn_state_t state;
    uint64_t sent_ns;
    uint64_t seq;
    uint64_t due_ns; /* --rate: when its next request may leave (monotonic) */
    bool in_flight;
} conn_t;

/*  A pair of traders (orders mode): whose turn it is and on which order. */
typedef struct {
    step_t step;
    int64_t order_id;
} pair_t;

#define PAIRS_MAX 64
#define ADS_PAIRS_MAX 64

struct load {
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
    double rate;             /* requests/s over all connections; 0: closed loop */
    uint64_t period_ns;      /* --rate: each connection's gap between requests */
    /* state */
    ws_loop_t *loop;
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
    load_hist_t hist;
    load_hist_t step_hist[STEP_COUNT]; /* orders: per transition */
    uint64_t step_ok[STEP_COUNT];
    pair_t pairs[PAIRS_MAX];
    uint64_t mono_at_wall0_ns; /* monotonic ns at wall-clock ms 0 (approx.) */
    int64_t started_wall_ms;
    int64_t next_tick_ms;
    double cpu_at_start_s, cpu_at_end_s; /* this process's CPU at the window's ends */
    bool window_started, window_ended;
    uint64_t rng;
};

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

static void
s_start_one(load_t *self, conn_t *c)
{
    char user_id[32], path[1024], iface[32];
    snprintf(user_id, sizeof user_id, "%ld", s_user_of(self, c->index));
    char *token = load_util_mint(self->secret, user_id);
    if (!token) {
        c->state = C_FAILED;
        self->failed++;
        return;
    }
    snprintf(path, sizeof path, "/api/p2p/ws?token=%s", token);
    free(token);

    if (self->src_net && *self->src_net)
        snprintf(iface, sizeof iface, "%s.%d", self->src_net, 1 + c->index % 250);
    const char *why = NULL;
    c->ws = ws_conn_open(self->loop, self->host, self->port, path,
                         self->src_net && *self->src_net ? iface : NULL, c, &why);
    if (!c->ws) {
        if (self->failed < 5)
            fprintf(stderr, "ws_load: connection %d failed: %s\n", c->index, why);
        c->state = C_FAILED;
        self->failed++;
        return;
    }
    c->state = C_CONNECTING;
    self->connecting++;
}

static void s_write_request(load_t *self, conn_t *c);

/*  Write c's next request (orders mode: the next of c's pair, once both
    traders are connected and neither waits for a reply). Idle sessions stay
    silent. */
static void
s_send_next(load_t *self, conn_t *c)
{
    if (self->mode == MODE_IDLE)
        return;
    if (self->mode == MODE_ORDERS) {
        conn_t *seller = &self->c[c->index - c->index % 2];
        if (seller[0].state != C_READY || seller[1].state != C_READY || seller[0].in_flight
            || seller[1].in_flight)
            return;
        c = s_turn_of(self, c);
    }
    if (c->state != C_READY || c->in_flight || load_util_stopped())
        return;
    if (self->period_ns) {
        /* paced: at most one request per period per connection; one that
           falls behind sends at once (then the service, not the pace, sets
           the rate) and is not allowed to catch up in a burst */
        uint64_t now = load_util_mono_ns();
        if (!c->due_ns)
            c->due_ns = now + self->period_ns * (uint64_t) c->index / (uint64_t) self->conns;
        if (now < c->due_ns)
            return; /* s_send_due sends it */
        c->due_ns = c->due_ns + self->period_ns > now ? c->due_ns + self->period_ns : now;
    }
    s_write_request(self, c);
}

/*  --rate: the connections whose turn has come. */
static void
s_send_due(load_t *self)
{
    for (int i = 0; i < self->conns; i++)
        s_send_next(self, &self->c[i]);
}

static void
s_write_request(load_t *self, conn_t *c)
{
    char p[512];
    int n;
    c->seq++;
    if (self->mode == MODE_GET)
        n = snprintf(p, 512, "{\"type\":\"profile.get\",\"request_id\":\"%" PRIu64 "\",\"data\":{}}", c->seq);
    else if (self->mode == MODE_ADS) {
        int k = (int) (load_util_random(&self->rng) % (uint64_t) self->pair_count);
        n = snprintf(p, 512,
                     "{\"type\":\"ad.list\",\"request_id\":\"%" PRIu64
                     "\",\"data\":{\"type\":\"%s\",\"asset\":\"%s\",\"fiat\":\"%s\",\"limit\":20}}",
                     c->seq, load_util_random(&self->rng) % 2 ? "sell" : "buy", self->pair_asset[k],
                     self->pair_fiat[k]);
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
        unsigned long long who = load_util_random(&self->rng) % (unsigned long long) self->users + 1;
        int digits = 1 + (int) (load_util_random(&self->rng) % 6);
        snprintf(frag, sizeof frag, "%llu", who);
        frag[digits < (int) strlen(frag) ? digits : (int) strlen(frag)] = '\0';
        n = snprintf(p, 512,
                     "{\"type\":\"profile.search\",\"request_id\":\"%" PRIu64
                     "\",\"data\":{\"search\":\"%s\",\"limit\":20,\"offset\":0}}",
                     c->seq, frag);
    }
    c->in_flight = true;
    c->sent_ns = load_util_mono_ns();
    if (s_in_window(self, c->sent_ns))
        self->sent_in_window++;
    if (ws_conn_send_text(c->ws, p, (size_t) n) != 0) {
        /* out of memory: the run's figures would be wrong */
        fprintf(stderr, "ws_load: cannot queue a request on connection %d\n", c->index);
        load_util_stop();
    }
}

/*  Orders mode: a successful reply to c's transition moves its pair to the
    next one (order.create's reply names the order). false when the reply
    lacks what the next step needs. */
static bool
s_on_order_reply(load_t *self, conn_t *c, const char *text, size_t len, uint64_t now)
{
    pair_t *pair = &self->pairs[c->index / 2];
    step_t done = pair->step;
    if (done == STEP_CREATE) {
        json_t *reply = json_loadb(text, len, 0, NULL);
        json_t *id = json_object_get(json_object_get(json_object_get(reply, "data"), "order"), "id");
        pair->order_id = json_is_integer(id) ? (int64_t) json_integer_value(id) : 0;
        json_decref(reply);
        if (!pair->order_id)
            return false;
    }
    if (s_in_window(self, now)) {
        self->step_ok[done]++;
        load_hist_add(&self->step_hist[done], now - c->sent_ns);
    }
    pair->step = (step_t) ((done + 1) % STEP_COUNT);
    return true;
}

static bool
s_has(const char *text, size_t len, const char *what)
{
    return memmem(text, len, what, strlen(what)) != NULL;
}

/*  A whole message from the gateway (not NUL-terminated). */
static void
s_on_message(void *user, const char *text, size_t len)
{
    conn_t *c = user;
    load_t *self = c->load;
    if (c->state == C_CONNECTING) {
        if (s_has(text, len, "\"type\":\"connected\"")) {
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
    uint64_t now = load_util_mono_ns();
    char want[48];
    snprintf(want, sizeof want, "\"request_id\":\"%" PRIu64 "\"", c->seq);
    if (!s_has(text, len, want))
        return; /* not our reply */
    c->in_flight = false;
    bool ok = s_has(text, len, "\"success\":true");
    if (ok && self->mode == MODE_ORDERS && !s_on_order_reply(self, c, text, len, now))
        ok = false;
    if (!ok) {
        /* an error is an error inside the window or not: bench/run fails the phase */
        if (s_in_window(self, now))
            self->errors++;
        else
            self->errors_outside_window++;
        if (self->errors + self->errors_outside_window <= 3)
            fprintf(stderr, "ws_load: error reply: %.*s\n", (int) (len < 300 ? len : 300), text);
        if (self->mode == MODE_ORDERS)
            self->pairs[c->index / 2].step = STEP_CREATE; /* start over with a new order */
    }
    else if (s_in_window(self, now)) {
        self->ok++;
        load_hist_add(&self->hist, now - c->sent_ns);
    }
    s_send_next(self, c);
}

/*  The connection failed, was refused or closed (ws_client frees it). */
static void
s_on_closed(void *user, bool was_open, const char *why)
{
    conn_t *c = user;
    load_t *self = c->load;
    (void) was_open;
    if (c->state == C_CONNECTING) {
        if (self->failed < 5)
            fprintf(stderr, "ws_load: connection %d failed: %s\n", c->index, why);
        self->connecting--;
        self->failed++;
        c->state = C_FAILED;
    }
    else if (c->state == C_READY) {
        self->ready_now--;
        self->closed_after_ready++;
        c->state = C_CLOSED;
    }
    c->ws = NULL;
    c->in_flight = false;
}

/*  The upgrade is through: wait for the gateway's "connected". */
static void
s_on_open(void *user)
{
    (void) user;
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
s_on_tick(load_t *self)
{
    while (self->next_to_start < self->conns && self->connecting < self->connect_concurrency)
        s_start_one(self, &self->c[self->next_to_start++]);
    bool all_started = self->next_to_start == self->conns && self->connecting == 0;
    if (all_started)
        s_announce_ready(self);
    else if (self->ready_timeout_s > 0
             && load_util_wall_ms() - self->started_wall_ms > (int64_t) self->ready_timeout_s * 1000) {
        fprintf(stderr, "ws_load: %d connections still connecting after %d s\n", self->connecting,
                self->ready_timeout_s);
        s_announce_ready(self);
    }
    int64_t now_ms = load_util_wall_ms();
    if (!self->window_started && now_ms >= self->start_ms) {
        self->window_started = true;
        self->cpu_at_start_s = load_util_cpu_s();
    }
    if (self->mode != MODE_IDLE && now_ms >= self->end_ms) {
        if (!self->window_ended) {
            self->window_ended = true;
            self->cpu_at_end_s = load_util_cpu_s();
        }
        load_util_stop();
    }
    if (self->period_ns)
        s_send_due(self);
    /* idle sessions, once settled, need the clock only for SIGTERM; a paced
       load, every millisecond */
    int tick_ms = self->mode == MODE_IDLE && all_started ? 200 : self->period_ns ? 1 : 5;
    self->next_tick_ms = (int64_t) (load_util_mono_ns() / 1000000u) + tick_ms;
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
           (double) load_hist_percentile(&self->hist, 50) / 1e3,
           (double) load_hist_percentile(&self->hist, 90) / 1e3,
           (double) load_hist_percentile(&self->hist, 99) / 1e3, (double) self->hist.max / 1e3);
    if (self->mode == MODE_ORDERS) {
        printf("\"steps\":{");
        for (int i = 0; i < STEP_COUNT; i++)
            printf("%s\"%s\":{\"ok\":%" PRIu64 ",\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}",
                   i ? "," : "", s_step_names[i], self->step_ok[i],
                   (double) load_hist_percentile(&self->step_hist[i], 50) / 1e3,
                   (double) load_hist_percentile(&self->step_hist[i], 99) / 1e3,
                   (double) self->step_hist[i].max / 1e3);
        printf("},");
    }
    printf("\"hist\":");
    load_hist_print_json(&self->hist, stdout);
    printf(",\"max_ns\":%" PRIu64 ",\"cpu_s\":%.3f}\n", self->hist.max,
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
                 "  --rate R             get/search/ads: R requests/s over all connections, each\n"
                 "                       connection paced (default: closed loop, as fast as replies come)\n"
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

int
main(int argc, char **argv)
{
    load_t *self = calloc(1, sizeof *self);
    if (!self)
        return 1;
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
        {"rate", required_argument, 0, 'R'},
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
            secret = load_util_read_secret(optarg);
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
        case 'R': {
            char *end;
            self->rate = strtod(optarg, &end);
            if (end == optarg || *end || !(self->rate > 0)) {
                fprintf(stderr, "ws_load: --rate wants a positive number of requests/s, not '%s'\n", optarg);
                return 2;
            }
            break;
        }
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
    if (self->rate > 0 && (self->mode == MODE_ORDERS || self->mode == MODE_IDLE)) {
        fprintf(stderr, "ws_load: --rate paces get, search and ads mode only\n");
        return 2;
    }
    if (self->rate > 0)
        self->period_ns = (uint64_t) (1e9 * self->conns / self->rate);
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
            char *token = load_util_mint(secret, user_id);
            if (!token)
                return 1;
            printf("%s\n", token);
            free(token);
        }
        return 0;
    }
    self->started_wall_ms = load_util_wall_ms();
    if (self->start_ms < 0)
        self->start_ms = self->started_wall_ms + 1000;
    if (self->end_ms < 0)
        self->end_ms = self->start_ms + 10000;
    self->mono_at_wall0_ns = load_util_mono_ns() - (uint64_t) self->started_wall_ms * 1000000ull;
    self->rng = load_util_seed();
    self->c = calloc((size_t) self->conns, sizeof *self->c);
    if (!self->c)
        return 1;
    for (int i = 0; i < self->conns; i++) {
        self->c[i].index = i;
        self->c[i].load = self;
    }

    load_util_catch_signals();

    static const ws_events_t events = {
        .on_open = s_on_open, .on_message = s_on_message, .on_closed = s_on_closed};
    self->loop = ws_loop_new(&events);
    if (!self->loop) {
        fprintf(stderr, "ws_load: cannot create the epoll loop: %s\n", strerror(errno));
        return 1;
    }
    while (!load_util_stopped()) {
        int64_t now_ms = (int64_t) (load_util_mono_ns() / 1000000u);
        if (now_ms >= self->next_tick_ms) {
            s_on_tick(self);
            continue;
        }
        if (ws_loop_run(self->loop, (int) (self->next_tick_ms - now_ms)) < 0) {
            fprintf(stderr, "ws_load: epoll_wait: %s\n", strerror(errno));
            break;
        }
    }
    /* the count of open sessions is taken before the loop closes them */
    s_print_result(self);
    ws_loop_destroy(&self->loop);
    free(self->c);
    free(secret);
    free(self);
    return 0;
}
