/*  ws_client.c - WebSocket client connections on one epoll loop (see
    ws_client.h for why the bench has its own).

    A connection goes CONNECTING (non-blocking connect) -> UPGRADING (the
    HTTP upgrade request written, the 101 response read and its
    Sec-WebSocket-Accept checked) -> OPEN -> GONE.

    Framing is wslay's frame layer; messages, pings and the close handshake
    are handled here. (wslay's event layer would do those too, but it checks
    every byte of a text message for valid UTF-8, which took a third of the
    load generator's CPU on 16 KB pages: the service's output is the tests'
    business, not the load generator's.) Bytes read are handed to wslay
    through s_frames_recv from the loop's one read buffer, so a connection
    holds no read buffer of its own (idle phases hold thousands); frames to
    send are built into the connection's out buffer and written from there.
    Sockets are level-triggered: reading stops at a short read and epoll
    says when more has come. */
#include "ws_client.h"

#include "load_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

#define WS_READ_MAX 65536          /* one read takes up to this */
#define WS_RESPONSE_MAX 4096       /* the upgrade response's headers */
#define WS_MESSAGE_MAX (16u << 20) /* a longer message closes the connection */
#define WS_EVENTS_MAX 256
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

typedef enum { CONN_CONNECTING, CONN_UPGRADING, CONN_OPEN, CONN_GONE } conn_state_t;

struct ws_conn {
    ws_loop_t *loop;
    int fd;
    void *user;
    conn_state_t state;
    wslay_frame_context_ptr frames; /* from OPEN on */
    char accept[32];                /* the Sec-WebSocket-Accept the server must send */
    char *request;                  /* the upgrade request, until written */
    size_t request_len, request_off;
    char *response; /* the upgrade response, until whole */
    size_t response_len;
    /* the frame being read */
    bool in_frame;
    uint8_t frame_opcode;
    bool frame_fin;
    uint64_t frame_len, frame_got;
    /* the data message being put together (continuation frames), and a
       control frame's payload (it may come between them) */
    uint8_t msg_opcode; /* 0 while none */
    char *msg;
    size_t msg_len, msg_cap;
    uint8_t ctrl[125];
    size_t ctrl_len;
    /* bytes to write */
    uint8_t *out;
    size_t out_len, out_off, out_cap;
    bool out_armed;         /* EPOLLOUT in the interest set */
    bool closing;           /* our close frame is queued: close once it is written */
    ws_conn_t *prev, *next; /* the loop's live connections */
    ws_conn_t *next_gone;
};

struct ws_loop {
    int epfd;
    ws_events_t events;
    ws_conn_t *live;     /* not yet gone */
    ws_conn_t *gone;     /* closed this turn; freed at its end */
    const uint8_t *feed; /* read but not yet taken by wslay */
    size_t feed_len;
    uint64_t rng; /* mask and upgrade keys (load_util_random) */
    uint8_t rbuf[WS_READ_MAX];
};

/*  The connection is over: out of epoll, socket closed, the owner told.
    Its memory lives until the end of the loop turn. */
static void
s_gone(ws_conn_t *self, const char *why)
{
    if (self->state == CONN_GONE)
        return;
    bool was_open = self->state == CONN_OPEN;
    self->state = CONN_GONE;
    epoll_ctl(self->loop->epfd, EPOLL_CTL_DEL, self->fd, NULL);
    close(self->fd);
    self->fd = -1;
    if (self->prev)
        self->prev->next = self->next;
    else
        self->loop->live = self->next;
    if (self->next)
        self->next->prev = self->prev;
    self->next_gone = self->loop->gone;
    self->loop->gone = self;
    self->loop->events.on_closed(self->user, was_open, why);
}

static void
s_free(ws_conn_t *self)
{
    if (self->frames)
        wslay_frame_context_free(self->frames);
    free(self->msg);
    free(self->out);
    free(self->request);
    free(self->response);
    free(self);
}

static void
s_want_out(ws_conn_t *self, bool want)
{
    if (want == self->out_armed || self->state == CONN_GONE)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = self};
    if (epoll_ctl(self->loop->epfd, EPOLL_CTL_MOD, self->fd, &ev) == 0)
        self->out_armed = want;
}

/* ------------------------------------------------------------------------ */
/*  wslay's frame callbacks: bytes below the framing. */

static ssize_t
s_frames_recv(uint8_t *buf, size_t len, int flags, void *user)
{
    (void) flags;
    ws_loop_t *loop = ((ws_conn_t *) user)->loop;
    if (!loop->feed_len)
        return -1; /* wslay: "want read" */
    size_t n = len < loop->feed_len ? len : loop->feed_len;
    memcpy(buf, loop->feed, n);
    loop->feed += n;
    loop->feed_len -= n;
    return (ssize_t) n;
}

/*  A frame's bytes go to the out buffer; s_flush writes them. */
static ssize_t
s_frames_send(const uint8_t *data, size_t len, int flags, void *user)
{
    (void) flags;
    ws_conn_t *self = user;
    if (self->out_len + len > self->out_cap) {
        size_t cap = (self->out_len + len) * 2;
        uint8_t *grown = realloc(self->out, cap);
        if (!grown)
            return -1;
        self->out = grown;
        self->out_cap = cap;
    }
    memcpy(self->out + self->out_len, data, len);
    self->out_len += len;
    return (ssize_t) len;
}

static int
s_frames_genmask(uint8_t *buf, size_t len, void *user)
{
    ws_loop_t *loop = ((ws_conn_t *) user)->loop;
    while (len) {
        uint64_t r = load_util_random(&loop->rng);
        size_t n = len < sizeof r ? len : sizeof r;
        memcpy(buf, &r, n);
        buf += n;
        len -= n;
    }
    return 0;
}

static const struct wslay_frame_callbacks s_frame_callbacks = {
    .send_callback = s_frames_send,
    .recv_callback = s_frames_recv,
    .genmask_callback = s_frames_genmask,
};

/* ------------------------------------------------------------------------ */

/*  Writes what the out buffer holds; watches for room when the socket is
    full; closes after our close frame has left. */
static void
s_flush(ws_conn_t *self)
{
    while (self->out_off < self->out_len) {
        ssize_t n = send(self->fd, self->out + self->out_off, self->out_len - self->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                s_want_out(self, true);
            else
                s_gone(self, strerror(errno));
            return;
        }
        self->out_off += (size_t) n;
    }
    self->out_off = self->out_len = 0;
    if (self->closing)
        s_gone(self, "closed by the server");
    else
        s_want_out(self, false);
}

/*  One whole frame (client frames are masked) into the out buffer, then
    written. 0, or -1 when out of memory (the connection is then gone). */
static int
s_send_frame(ws_conn_t *self, uint8_t opcode, const void *data, size_t len)
{
    struct wslay_frame_iocb frame = {
        .fin = 1, .opcode = opcode, .mask = 1, .payload_length = len, .data = data, .data_length = len};
    ssize_t n = wslay_frame_send(self->frames, &frame);
    if (n < 0 || (size_t) n != len) {
        s_gone(self, "out of memory");
        return -1;
    }
    s_flush(self);
    return 0;
}

/*  A frame ended: answer a ping, echo a close, hand over a whole message. */
static void
s_frame_done(ws_conn_t *self)
{
    switch (self->frame_opcode) {
    case WSLAY_PING:
        s_send_frame(self, WSLAY_PONG, self->ctrl, self->ctrl_len);
        break;
    case WSLAY_PONG:
        break;
    case WSLAY_CONNECTION_CLOSE:
        /* echo the status code (RFC 6455 5.5.1); the socket closes once it is written */
        self->closing = true;
        s_send_frame(self, WSLAY_CONNECTION_CLOSE, self->ctrl, self->ctrl_len >= 2 ? 2 : 0);
        break;
    default: /* text, binary or continuation */
        if (self->frame_fin) {
            uint8_t opcode = self->msg_opcode;
            self->msg_opcode = 0;
            if (opcode == WSLAY_TEXT_FRAME)
                self->loop->events.on_message(self->user, self->msg, self->msg_len);
        }
    }
}

/*  A frame starts: check it fits the conversation, make room for it. */
static const char *
s_frame_start(ws_conn_t *self, const struct wslay_frame_iocb *frame)
{
    if (frame->mask || frame->rsv)
        return "a masked frame or reserved bits from the server";
    self->in_frame = true;
    self->frame_opcode = frame->opcode;
    self->frame_fin = frame->fin;
    self->frame_len = frame->payload_length;
    self->frame_got = 0;
    if (wslay_is_ctrl_frame(frame->opcode)) {
        if (!frame->fin || frame->payload_length > sizeof self->ctrl)
            return "a fragmented or long control frame";
        self->ctrl_len = 0;
        return NULL;
    }
    if (frame->opcode == WSLAY_CONTINUATION_FRAME) {
        if (!self->msg_opcode)
            return "a continuation frame with no message to continue";
    }
    else if (frame->opcode == WSLAY_TEXT_FRAME || frame->opcode == WSLAY_BINARY_FRAME) {
        if (self->msg_opcode)
            return "a new message before the last one ended";
        self->msg_opcode = frame->opcode;
        self->msg_len = 0;
    }
    else
        return "an unknown opcode";
    if (frame->payload_length > WS_MESSAGE_MAX - self->msg_len)
        return "a message too long";
    size_t need = self->msg_len + (size_t) frame->payload_length + 1;
    if (need > self->msg_cap) {
        char *grown = realloc(self->msg, need);
        if (!grown)
            return "out of memory";
        self->msg = grown;
        self->msg_cap = need;
    }
    return NULL;
}

/*  Hands len bytes read from the socket to wslay and takes the frames out. */
static void
s_feed(ws_conn_t *self, const uint8_t *data, size_t len)
{
    ws_loop_t *loop = self->loop;
    loop->feed = data;
    loop->feed_len = len;
    while (self->state == CONN_OPEN) {
        struct wslay_frame_iocb frame;
        memset(&frame, 0, sizeof frame);
        ssize_t n = wslay_frame_recv(self->frames, &frame);
        if (n == WSLAY_ERR_WANT_READ)
            break;
        const char *bad = n < 0 ? "WebSocket protocol error" : NULL;
        if (!bad && !self->in_frame)
            bad = s_frame_start(self, &frame);
        if (bad) {
            s_gone(self, bad);
            break;
        }
        if (frame.data_length) {
            if (wslay_is_ctrl_frame(self->frame_opcode)) {
                memcpy(self->ctrl + self->ctrl_len, frame.data, frame.data_length);
                self->ctrl_len += frame.data_length;
            }
            else {
                memcpy(self->msg + self->msg_len, frame.data, frame.data_length);
                self->msg_len += frame.data_length;
            }
            self->frame_got += frame.data_length;
        }
        if (self->frame_got == self->frame_len) {
            self->in_frame = false;
            s_frame_done(self);
        }
    }
    loop->feed_len = 0;
}

static void
s_read_frames(ws_conn_t *self)
{
    ws_loop_t *loop = self->loop;
    while (self->state == CONN_OPEN) {
        ssize_t n = recv(self->fd, loop->rbuf, sizeof loop->rbuf, 0);
        if (n == 0) {
            s_gone(self, "closed by the server");
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                s_gone(self, strerror(errno));
            return;
        }
        s_feed(self, loop->rbuf, (size_t) n);
        if ((size_t) n < sizeof loop->rbuf)
            return; /* drained; level-triggered epoll tells of more */
    }
}

static void
s_write_request(ws_conn_t *self)
{
    while (self->request_off < self->request_len) {
        ssize_t n = send(self->fd, self->request + self->request_off, self->request_len - self->request_off,
                         MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                s_gone(self, strerror(errno));
            return; /* EPOLLOUT stays armed */
        }
        self->request_off += (size_t) n;
    }
    free(self->request);
    self->request = NULL;
    s_want_out(self, false);
}

/*  The value of header name in the response head (NUL-terminated), copied
    into out without surrounding blanks; false when absent. */
static bool
s_header(const char *head, const char *name, char *out, size_t out_size)
{
    size_t name_len = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, name_len) != 0 || line[name_len] != ':')
            continue;
        const char *v = line + name_len + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t len = strcspn(v, "\r\n");
        while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
            len--;
        if (len >= out_size)
            return false;
        memcpy(out, v, len);
        out[len] = '\0';
        return true;
    }
    return false;
}

static void
s_read_upgrade(ws_conn_t *self)
{
    if (!self->response && !(self->response = malloc(WS_RESPONSE_MAX + 1))) {
        s_gone(self, "out of memory");
        return;
    }
    ssize_t n;
    do
        n = recv(self->fd, self->response + self->response_len, WS_RESPONSE_MAX - self->response_len, 0);
    while (n < 0 && errno == EINTR);
    if (n == 0) {
        s_gone(self, "closed during the upgrade");
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            s_gone(self, strerror(errno));
        return;
    }
    self->response_len += (size_t) n;
    char *end = memmem(self->response, self->response_len, "\r\n\r\n", 4);
    if (!end) {
        if (self->response_len == WS_RESPONSE_MAX)
            s_gone(self, "upgrade response too long");
        return;
    }
    end += 4;
    end[-2] = '\0'; /* the head, ending with its last header's CRLF */
    char accept[64];
    if (strncmp(self->response, "HTTP/1.1 101", 12) != 0) {
        s_gone(self, "upgrade refused");
        return;
    }
    if (!s_header(self->response, "Sec-WebSocket-Accept", accept, sizeof accept)
        || strcmp(accept, self->accept) != 0) {
        s_gone(self, "wrong Sec-WebSocket-Accept");
        return;
    }
    if (wslay_frame_context_init(&self->frames, &s_frame_callbacks, self) != 0) {
        s_gone(self, "out of memory");
        return;
    }
    self->state = CONN_OPEN;
    self->loop->events.on_open(self->user);
    /* frames that came with the response (the gateway's first message) */
    size_t rest = self->response_len - (size_t) (end - self->response);
    if (self->state == CONN_OPEN && rest)
        s_feed(self, (const uint8_t *) end, rest);
    free(self->response);
    self->response = NULL;
}

static void
s_on_connected(ws_conn_t *self)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(self->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err) {
        s_gone(self, strerror(err));
        return;
    }
    self->state = CONN_UPGRADING;
    s_write_request(self);
}

/* ------------------------------------------------------------------------ */

ws_loop_t *
ws_loop_new(const ws_events_t *events)
{
    ws_loop_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (self->epfd < 0) {
        free(self);
        return NULL;
    }
    self->events = *events;
    self->rng = load_util_seed();
    return self;
}

int
ws_loop_run(ws_loop_t *self, int timeout_ms)
{
    struct epoll_event ev[WS_EVENTS_MAX];
    int n = epoll_wait(self->epfd, ev, WS_EVENTS_MAX, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        ws_conn_t *conn = ev[i].data.ptr;
        uint32_t e = ev[i].events;
        bool in = e & (EPOLLIN | EPOLLERR | EPOLLHUP);
        switch (conn->state) {
        case CONN_CONNECTING:
            s_on_connected(conn);
            break;
        case CONN_UPGRADING:
            if (e & EPOLLOUT)
                s_write_request(conn);
            if (in && conn->state == CONN_UPGRADING)
                s_read_upgrade(conn);
            break;
        case CONN_OPEN:
            if (in)
                s_read_frames(conn);
            if ((e & EPOLLOUT) && conn->state == CONN_OPEN)
                s_flush(conn);
            break;
        case CONN_GONE:
            break; /* closed earlier in this turn */
        }
    }
    while (self->gone) {
        ws_conn_t *conn = self->gone;
        self->gone = conn->next_gone;
        s_free(conn);
    }
    return 0;
}

ws_conn_t *
ws_conn_open(ws_loop_t *loop, const char *host, int port, const char *path, const char *src_ip, void *user,
             const char **why)
{
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *addr = NULL;
    if (getaddrinfo(host, port_text, &hints, &addr) != 0 || !addr) {
        *why = "cannot resolve the host";
        return NULL;
    }
    ws_conn_t *self = calloc(1, sizeof *self);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (!self || fd < 0) {
        *why = self ? strerror(errno) : "out of memory";
        goto fail;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (src_ip) {
        /* the port is picked at connect, per destination: many sessions per source address */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        struct sockaddr_in src = {.sin_family = AF_INET};
        if (inet_pton(AF_INET, src_ip, &src.sin_addr) != 1) {
            *why = "bad source address";
            goto fail;
        }
        if (bind(fd, (struct sockaddr *) &src, sizeof src) != 0) {
            *why = strerror(errno);
            goto fail;
        }
    }
    if (connect(fd, addr->ai_addr, addr->ai_addrlen) != 0 && errno != EINPROGRESS) {
        *why = strerror(errno);
        goto fail;
    }
    freeaddrinfo(addr);
    addr = NULL;

    /* the upgrade request and the answer it must get (RFC 6455 4.1) */
    uint8_t nonce[16], digest[SHA_DIGEST_LENGTH];
    for (size_t k = 0; k < sizeof nonce; k += 8) {
        uint64_t r = load_util_random(&loop->rng);
        memcpy(nonce + k, &r, 8);
    }
    char key[32], keyed[32 + sizeof WS_GUID];
    EVP_EncodeBlock((unsigned char *) key, nonce, sizeof nonce);
    snprintf(keyed, sizeof keyed, "%s%s", key, WS_GUID);
    SHA1((const unsigned char *) keyed, strlen(keyed), digest);
    EVP_EncodeBlock((unsigned char *) self->accept, digest, sizeof digest);
    int len = asprintf(&self->request,
                       "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                       path, host, port, key);
    if (len < 0) {
        self->request = NULL;
        *why = "out of memory";
        goto fail;
    }
    self->request_len = (size_t) len;
    self->loop = loop;
    self->fd = fd;
    self->user = user;
    self->state = CONN_CONNECTING;
    self->out_armed = true;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = self};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        *why = strerror(errno);
        goto fail;
    }
    self->next = loop->live;
    if (loop->live)
        loop->live->prev = self;
    loop->live = self;
    return self;

fail:
    if (addr)
        freeaddrinfo(addr);
    if (fd >= 0)
        close(fd);
    if (self)
        free(self->request);
    free(self);
    return NULL;
}

int
ws_conn_send_text(ws_conn_t *self, const char *text, size_t len)
{
    if (self->state != CONN_OPEN)
        return -1;
    return s_send_frame(self, WSLAY_TEXT_FRAME, text, len);
}

void
ws_loop_destroy(ws_loop_t **self_p)
{
    ws_loop_t *self = *self_p;
    if (!self)
        return;
    *self_p = NULL;
    while (self->live) {
        ws_conn_t *conn = self->live;
        self->live = conn->next;
        close(conn->fd);
        s_free(conn);
    }
    while (self->gone) {
        ws_conn_t *conn = self->gone;
        self->gone = conn->next_gone;
        s_free(conn);
    }
    close(self->epfd);
    free(self);
}
