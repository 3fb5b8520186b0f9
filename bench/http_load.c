/*  http_load.c - p2p-http-load, the REST load generator of the bench
    (bench/run's rest and rest_warn phases).

    Why not wrk: wrk 4.1 has no per-connection hook, so giving each of
    bench/run's connections its own user's token took one wrk thread per
    connection (bench/rest.lua: -t 32 -c 32). On the two cores that the
    service, PostgreSQL and the load generator share, those 32 threads cost
    ~21 µs of CPU per request (pgbench, the baseline's client, ~17 µs per
    statement): CPU the service did not get. This is what p2p-ws-load did
    for WebSocket (session 12): one process, one thread, every connection on
    one epoll loop.

    Each connection is HTTP/1.1 keep-alive to --host:--port in a closed
    loop: `GET --path` with `Host` and `Authorization: Bearer <token>`
    (connection i takes line i of --tokens, as rest.lua gives thread i its
    line), the next request written as soon as the whole response is read
    (status line, headers, a Content-Length body, however the reads split
    it; no pipelining).

    Errors, counted as wrk counts them, in the warm-up or in the window
    (bench/run fails a phase that has any): connect_errors (the connect
    failed), write_errors, read_errors (the server closed or reset the
    connection, or sent what this cannot read: no Content-Length, chunked,
    bytes after a response), timeouts (no whole response within --timeout).
    Each closes the connection, which reconnects on the next tick (5 ms).
    status_errors: whole responses whose status is not 2xx.

    After --warmup seconds, a window of --duration seconds: the responses
    completed in it and their latencies (request written -> last byte of the
    response, monotonic clock) in load_hist. The result is one JSON line in
    bench/rest.lua's format, so bench/report.py reads either loader:
    requests - status_errors is the window's 2xx responses (a non-2xx one
    from the warm-up is added to requests as well as to status_errors). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "load_hist.h"
#include "load_util.h"

#define HTTP_HEADERS_MAX 16384       /* a response's status line and headers */
#define HTTP_RESPONSE_MAX (1u << 20) /* a larger response is a read error */
#define HTTP_TOKENS_MAX 100000
#define HTTP_EVENTS_MAX 256
#define HTTP_TICK_NS 5000000ull

typedef enum {
    CONN_DOWN,       /* not connected: (re)connects on the next tick */
    CONN_CONNECTING, /* non-blocking connect under way */
    CONN_OPEN        /* a request in flight (closed loop: always, once open) */
} conn_state_t;

typedef struct {
    int index;
    int fd;
    conn_state_t state;
    char *request; /* the whole request, built once */
    size_t request_len, written;
    bool out_armed; /* EPOLLOUT in the interest set */
    uint64_t sent_ns;
    char *in; /* the response read so far */
    size_t in_len, in_cap;
    size_t head_len; /* status line + headers + blank line; 0 until they are whole */
    size_t body_len;
    int status;
} conn_t;

typedef struct {
    /* options */
    struct sockaddr_in addr;
    int conns;
    double warmup_s, duration_s, timeout_s;
    /* state */
    int epfd;
    conn_t *c;
    uint64_t window_start_ns, window_end_ns, next_tick_ns;
    uint64_t stopped_ns; /* the window's real end: window_end_ns unless a signal came first */
    uint64_t requests, status_errors, status_errors_outside_window;
    uint64_t connect_errors, read_errors, write_errors, timeouts;
    load_hist_t hist;
} load_t;

static bool
s_in_window(const load_t *self, uint64_t mono_ns)
{
    return mono_ns >= self->window_start_ns && mono_ns < self->window_end_ns;
}

/*  The first few errors are told on stderr, with the connection they are about. */
static void
s_tell(const load_t *self, const conn_t *c, const char *what)
{
    uint64_t errors =
        self->status_errors + self->connect_errors + self->read_errors + self->write_errors + self->timeouts;
    if (errors <= 5)
        fprintf(stderr, "http_load: connection %d: %s\n", c->index, what);
}

/*  Closes c after an error (the caller counted it); it reconnects on the next tick. */
static void
s_drop(load_t *self, conn_t *c, const char *why)
{
    s_tell(self, c, why);
    if (c->fd >= 0) {
        epoll_ctl(self->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = CONN_DOWN;
    c->out_armed = false;
    c->in_len = c->head_len = 0;
}

static void
s_want_out(load_t *self, conn_t *c, bool want)
{
    if (want == c->out_armed)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(self->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->out_armed = want;
}

/*  Writes what is left of the request; waits for room when the socket is full. */
static void
s_flush(load_t *self, conn_t *c)
{
    while (c->written < c->request_len) {
        ssize_t n = send(c->fd, c->request + c->written, c->request_len - c->written, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            s_want_out(self, c, true);
            return;
        }
        if (n < 0) {
            self->write_errors++;
            s_drop(self, c, strerror(errno));
            return;
        }
        c->written += (size_t) n;
    }
    s_want_out(self, c, false);
}

static void
s_send(load_t *self, conn_t *c)
{
    c->written = 0;
    c->sent_ns = load_util_mono_ns();
    s_flush(self, c);
}

static void
s_connect(load_t *self, conn_t *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        self->connect_errors++;
        s_drop(self, c, strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = connect(c->fd, (const struct sockaddr *) &self->addr, sizeof self->addr);
    if (rc != 0 && errno != EINPROGRESS) {
        self->connect_errors++;
        s_drop(self, c, strerror(errno));
        return;
    }
    /* EPOLLOUT says when the connect is through (or failed) */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(self->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        self->connect_errors++;
        s_drop(self, c, strerror(errno));
        return;
    }
    c->out_armed = true;
    c->state = CONN_CONNECTING;
}

static void
s_on_connected(load_t *self, conn_t *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err) {
        self->connect_errors++;
        s_drop(self, c, strerror(err));
        return;
    }
    c->state = CONN_OPEN;
    s_send(self, c);
}

/*  The status line and headers, once whole: the status and the body's
    length. -1 with *why when the response is not one this can read. */
static int
s_parse_head(conn_t *c, const char **why)
{
    const char *p = c->in, *end = c->in + c->head_len;
    if (c->head_len < 14 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' || p[9] > '5'
        || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9') {
        *why = "not an HTTP/1.x status line";
        return -1;
    }
    c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    bool has_length = false;
    /* each header line; the head ends "\r\n\r\n", so strtoull stops at a '\r' inside it */
    for (p = (const char *) memchr(p, '\n', (size_t) (end - p)) + 1; p < end;) {
        const char *eol = memchr(p, '\n', (size_t) (end - p));
        if (strncasecmp(p, "content-length:", 15) == 0) {
            char *stop;
            c->body_len = strtoull(p + 15, &stop, 10);
            has_length = stop > p + 15;
        }
        else if (strncasecmp(p, "transfer-encoding:", 18) == 0) {
            *why = "Transfer-Encoding (only Content-Length bodies are read)";
            return -1;
        }
        p = eol + 1;
    }
    if (c->status == 204 || c->status == 304) {
        c->body_len = 0;
        has_length = true;
    }
    if (!has_length) {
        *why = "a response without Content-Length";
        return -1;
    }
    if (c->body_len > HTTP_RESPONSE_MAX) {
        *why = "a response larger than 1 MB";
        return -1;
    }
    return 0;
}

/*  A whole response: count it, and write the next request. */
static void
s_on_response(load_t *self, conn_t *c)
{
    uint64_t now = load_util_mono_ns();
    bool ok = c->status >= 200 && c->status < 300;
    if (!ok) {
        char what[200];
        int show = (int) (c->body_len < 150 ? c->body_len : 150);
        snprintf(what, sizeof what, "status %d: %.*s", c->status, show, c->in + c->head_len);
        self->status_errors++;
        s_tell(self, c, what);
    }
    if (s_in_window(self, now)) {
        self->requests++;
        load_hist_add(&self->hist, now - c->sent_ns);
    }
    else if (!ok)
        self->status_errors_outside_window++;
    c->in_len = c->head_len = 0;
    if (!load_util_stopped())
        s_send(self, c);
}

/*  Reads what has come (one read a wake-up: epoll is level-triggered) and
    takes the response once it is whole. */
static void
s_on_readable(load_t *self, conn_t *c)
{
    if (c->in_cap - c->in_len < 4096) {
        size_t cap = c->in_cap ? c->in_cap * 2 : 16384;
        char *grown = cap <= HTTP_RESPONSE_MAX + HTTP_HEADERS_MAX ? realloc(c->in, cap) : NULL;
        if (!grown) {
            self->read_errors++;
            s_drop(self, c, "a response too large to hold");
            return;
        }
        c->in = grown;
        c->in_cap = cap;
    }
    ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        self->read_errors++;
        s_drop(self, c, n == 0 ? "closed by the server" : strerror(errno));
        return;
    }
    size_t seen = c->in_len;
    c->in_len += (size_t) n;
    const char *why = NULL;
    if (!c->head_len) {
        /* the blank line may straddle the previous read */
        size_t from = seen > 3 ? seen - 3 : 0;
        const char *blank = memmem(c->in + from, c->in_len - from, "\r\n\r\n", 4);
        if (!blank) {
            if (c->in_len > HTTP_HEADERS_MAX) {
                self->read_errors++;
                s_drop(self, c, "response headers over 16 KB");
            }
            return;
        }
        c->head_len = (size_t) (blank - c->in) + 4;
        if (s_parse_head(c, &why) != 0) {
            self->read_errors++;
            s_drop(self, c, why);
            return;
        }
    }
    size_t whole = c->head_len + c->body_len;
    if (c->in_len < whole)
        return;
    if (c->in_len > whole || c->written < c->request_len) {
        /* no pipelining: nothing may follow the answer to the one request */
        self->read_errors++;
        s_drop(self, c, c->in_len > whole ? "bytes after the response" : "a response before the request");
        return;
    }
    s_on_response(self, c);
}

static void
s_on_event(load_t *self, conn_t *c, uint32_t events)
{
    if (c->state == CONN_CONNECTING) {
        s_on_connected(self, c);
        return;
    }
    if (c->state == CONN_OPEN && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        s_on_readable(self, c);
    if (c->state == CONN_OPEN && (events & EPOLLOUT))
        s_flush(self, c);
}

/*  Every 5 ms: (re)connect what is down, time out slow requests, end the window. */
static void
s_on_tick(load_t *self)
{
    uint64_t now = load_util_mono_ns();
    uint64_t timeout_ns = (uint64_t) (self->timeout_s * 1e9);
    for (int i = 0; i < self->conns; i++) {
        conn_t *c = &self->c[i];
        if (c->state == CONN_DOWN)
            s_connect(self, c);
        else if (c->state == CONN_OPEN && now - c->sent_ns > timeout_ns) {
            self->timeouts++;
            s_drop(self, c, "timed out");
        }
    }
    if (now >= self->window_end_ns)
        load_util_stop();
    self->next_tick_ns = now + HTTP_TICK_NS;
}

/*  Reads the tokens (one a line) and builds connection i's request with
    line i % count. 0, or -1 with a message on stderr. */
static int
s_build_requests(load_t *self, const char *tokens_path, const char *host, int port, const char *path)
{
    FILE *f = fopen(tokens_path, "r");
    if (!f) {
        fprintf(stderr, "http_load: cannot read %s: %s\n", tokens_path, strerror(errno));
        return -1;
    }
    char **tokens = calloc(HTTP_TOKENS_MAX, sizeof *tokens);
    int count = 0, rc = -1;
    char *line = NULL;
    size_t cap = 0;
    while (tokens && count < HTTP_TOKENS_MAX && getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (*line)
            tokens[count++] = strdup(line);
    }
    fclose(f);
    free(line);
    if (count == 0)
        fprintf(stderr, "http_load: no tokens in %s\n", tokens_path);
    for (int i = 0; count > 0 && i < self->conns; i++) {
        conn_t *c = &self->c[i];
        const char *token = tokens[i % count];
        if (!token)
            goto done;
        int n = asprintf(&c->request, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n\r\n",
                         path, host, port, token);
        if (n < 0) {
            c->request = NULL;
            goto done;
        }
        c->request_len = (size_t) n;
    }
    rc = count > 0 ? 0 : -1;
done:
    for (int i = 0; tokens && i < count; i++)
        free(tokens[i]);
    free(tokens);
    return rc;
}

static void
s_print_result(const load_t *self)
{
    const load_hist_t *h = &self->hist;
    printf("{\"requests\":%" PRIu64 ",\"duration_us\":%" PRIu64 ",\"status_errors\":%" PRIu64
           ",\"connect_errors\":%" PRIu64 ",\"read_errors\":%" PRIu64 ",\"write_errors\":%" PRIu64
           ",\"timeouts\":%" PRIu64 ",\"p50_us\":%" PRIu64 ",\"p90_us\":%" PRIu64 ",\"p99_us\":%" PRIu64
           ",\"max_us\":%" PRIu64 ",\"threads\":1,\"connections\":%d}\n",
           self->requests + self->status_errors_outside_window,
           self->stopped_ns > self->window_start_ns ? (self->stopped_ns - self->window_start_ns) / 1000 : 0,
           self->status_errors, self->connect_errors, self->read_errors, self->write_errors, self->timeouts,
           load_hist_percentile(h, 50) / 1000, load_hist_percentile(h, 90) / 1000,
           load_hist_percentile(h, 99) / 1000, h->max / 1000, self->conns);
    fflush(stdout);
}

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: p2p-http-load --port P --conns N --tokens FILE [options]\n"
                 "  --host A          the server's IPv4 address (127.0.0.1)\n"
                 "  --path P          the request's path (/api/p2p/profile)\n"
                 "  --tokens FILE     bearer tokens, one a line: connection i sends line i (mod lines)\n"
                 "  --warmup S        seconds of load before the window (0)\n"
                 "  --duration S      the measured window, seconds (10)\n"
                 "  --timeout S       a request without a whole response after S s is an error (10)\n"
                 "Prints one JSON line (bench/rest.lua's format).\n");
}

int
main(int argc, char **argv)
{
    load_t *self = calloc(1, sizeof *self);
    if (!self)
        return 1;
    const char *host = "127.0.0.1", *path = "/api/p2p/profile", *tokens = NULL;
    int port = 0;
    self->duration_s = 10;
    self->timeout_s = 10;

    static const struct option opts[] = {
        {"host", required_argument, 0, 'h'},     {"port", required_argument, 0, 'p'},
        {"path", required_argument, 0, 'P'},     {"conns", required_argument, 0, 'c'},
        {"tokens", required_argument, 0, 't'},   {"warmup", required_argument, 0, 'w'},
        {"duration", required_argument, 0, 'd'}, {"timeout", required_argument, 0, 'T'},
        {"help", no_argument, 0, '?'},           {0, 0, 0, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            host = optarg;
            break;
        case 'p':
            port = atoi(optarg);
            break;
        case 'P':
            path = optarg;
            break;
        case 'c':
            self->conns = atoi(optarg);
            break;
        case 't':
            tokens = optarg;
            break;
        case 'w':
            self->warmup_s = atof(optarg);
            break;
        case 'd':
            self->duration_s = atof(optarg);
            break;
        case 'T':
            self->timeout_s = atof(optarg);
            break;
        default:
            s_usage(opt == '?' ? stdout : stderr);
            return 2;
        }
    }
    self->addr.sin_family = AF_INET;
    self->addr.sin_port = htons((uint16_t) port);
    if (port <= 0 || port > 65535 || self->conns <= 0 || !tokens || self->warmup_s < 0
        || self->duration_s <= 0 || self->timeout_s <= 0
        || inet_pton(AF_INET, host, &self->addr.sin_addr) != 1) {
        s_usage(stderr);
        return 2;
    }
    self->c = calloc((size_t) self->conns, sizeof *self->c);
    if (!self->c)
        return 1;
    for (int i = 0; i < self->conns; i++) {
        self->c[i].index = i;
        self->c[i].fd = -1;
    }
    if (s_build_requests(self, tokens, host, port, path) != 0)
        return 2;

    load_util_catch_signals();

    self->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (self->epfd < 0) {
        fprintf(stderr, "http_load: cannot create the epoll set: %s\n", strerror(errno));
        return 1;
    }
    uint64_t t0 = load_util_mono_ns();
    self->window_start_ns = t0 + (uint64_t) (self->warmup_s * 1e9);
    self->window_end_ns = self->window_start_ns + (uint64_t) (self->duration_s * 1e9);
    struct epoll_event events[HTTP_EVENTS_MAX];
    while (!load_util_stopped()) {
        uint64_t now = load_util_mono_ns();
        if (now >= self->next_tick_ns) {
            s_on_tick(self);
            continue;
        }
        int wait_ms = (int) ((self->next_tick_ns - now + 999999) / 1000000);
        int n = epoll_wait(self->epfd, events, HTTP_EVENTS_MAX, wait_ms);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "http_load: epoll_wait: %s\n", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++)
            s_on_event(self, events[i].data.ptr, events[i].events);
    }
    uint64_t end = load_util_mono_ns();
    self->stopped_ns = end < self->window_end_ns ? end : self->window_end_ns;
    s_print_result(self);
    for (int i = 0; i < self->conns; i++) {
        if (self->c[i].fd >= 0)
            close(self->c[i].fd);
        free(self->c[i].request);
        free(self->c[i].in);
    }
    close(self->epfd);
    free(self->c);
    free(self);
    return 0;
}
