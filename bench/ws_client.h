/*  ws_client.h - the bench's WebSocket client connections, many on one
    epoll loop in one thread (p2p-ws-load).

    Why not libwebsockets' client, as the service uses lws: lws 4.1.6's
    client hands each byte of a received frame's payload to its parser in a
    call of its own (lws_ws_client_rx_sm, roles/ws/client-parser-ws.c), which
    cost the load generator ~150 µs of CPU for every 16 KB ad.list page, on
    the same two cores as the service it measures; and its poll() loop
    walks every socket on each wake-up. Here the framing is wslay's frame
    layer (payload copied in runs), messages, pings and the close handshake
    are ws_client.c's, the sockets sit in one epoll set, and a read takes up
    to 64 KB at once.

    Ownership: the loop owns its connections. A connection is gone once
    on_closed has been called for it (its memory is freed at the end of that
    loop turn, so callbacks may close or write to any connection). */
#ifndef P2P_WS_CLIENT_H
#define P2P_WS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ws_loop ws_loop_t;
typedef struct ws_conn ws_conn_t;

typedef struct {
    /* the upgrade was accepted */
    void (*on_open)(void *user);
    /* one whole text message (not NUL-terminated; valid during the call) */
    void (*on_message)(void *user, const char *text, size_t len);
    /* the connection failed, was refused, or closed; why is a short reason */
    void (*on_closed)(void *user, bool was_open, const char *why);
} ws_events_t;

/*  A loop with no connections, or NULL. */
ws_loop_t *ws_loop_new(const ws_events_t *events);

/*  Closes every connection (without callbacks) and frees the loop. */
void ws_loop_destroy(ws_loop_t **self_p);

/*  One turn: waits up to timeout_ms for sockets to be ready and serves
    them. 0, or -1 when epoll fails. */
int ws_loop_run(ws_loop_t *self, int timeout_ms);

/*  Starts a connection to ws://host:port<path> (host numeric or a name;
    src_ip, when not NULL, binds the local end). The upgrade completes later
    (on_open) or fails (on_closed). NULL when it cannot even start; then
    *why says why. */
ws_conn_t *ws_conn_open(ws_loop_t *loop, const char *host, int port, const char *path, const char *src_ip,
                        void *user, const char **why);

/*  Writes one text message, what the socket takes now and the rest as it
    drains. 0, or -1 when the connection is not open or out of memory (then
    it is gone, on_closed called). */
int ws_conn_send_text(ws_conn_t *self, const char *text, size_t len);

#endif
