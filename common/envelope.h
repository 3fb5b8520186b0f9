/*  envelope.h - the message between gateway and workers (proto/envelope.proto)
    as a plain C value, and its ZeroMQ send/receive. The only file that calls
    protobuf-c.

    Sending: fill an envelope_t with borrowed pointers and call envelope_send.
    Receiving: envelope_recv fills an envelope_t whose strings and body point
    into a decoded buffer it owns; release it with envelope_release. */
#ifndef P2P_ENVELOPE_H
#define P2P_ENVELOPE_H

#include <czmq.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    ENVELOPE_HEARTBEAT = 1,
    ENVELOPE_DISCONNECT = 2,
    ENVELOPE_REQUEST = 3,
    ENVELOPE_REPLY = 4,
    ENVELOPE_EVENT = 5,
} envelope_kind_t;

typedef enum {
    CHANNEL_NONE = 0,
    CHANNEL_REST = 1,      /* body: the HTTP request body (may be empty) */
    CHANNEL_WEBSOCKET = 2, /* body: the whole client frame */
} envelope_channel_t;

/*  Envelopes carry at most this much body; the socket option ZMQ_MAXMSGSIZE
    enforces a little more on the wire. */
#define ENVELOPE_MAX_BODY (1024 * 1024)

typedef struct {
    envelope_kind_t kind;
    uint64_t request_id;
    const char *service; /* "" when unset, never NULL after decode */
    const char *user_id;
    const char *role;
    const char *msg_type;
    const char *event;
    const char *params; /* JSON object text of REST path/query parameters, may be "" */
    int64_t deadline_ms;
    int status;
    envelope_channel_t channel;
    const uint8_t *body;
    size_t body_len;
    void *_decoded; /* owned decode buffer; envelope_release frees it */
} envelope_t;

/*  Serialise env into a new buffer (caller frees with free()). Returns NULL
    on allocation failure. *size receives the length. */
uint8_t *envelope_pack(const envelope_t *env, size_t *size);

/*  Decode data into env. Returns 0, or -1 when data is not a valid envelope
    (env is then empty and needs no release). */
int envelope_unpack(const uint8_t *data, size_t size, envelope_t *env);

/*  Free what envelope_unpack / envelope_recv decoded; env may be empty. */
void envelope_release(envelope_t *env);

/*  Send env on sock without blocking. identity: the peer's ROUTER identity
    frame contents, or NULL on a DEALER. Returns 0, or -1 with errno
    (EAGAIN: peer queue full; EHOSTUNREACH: unknown peer on a ROUTER). */
int envelope_send(zsock_t *sock, const void *identity, size_t identity_len, const envelope_t *env);

/*  Receive one envelope without blocking. On a ROUTER, *identity receives a
    new frame holding the sender (caller destroys); pass NULL on a DEALER.
    Returns 0; -1 with errno EAGAIN when nothing is waiting, or EPROTO when a
    malformed message was read and dropped. */
int envelope_recv(zsock_t *sock, zframe_t **identity, envelope_t *env);

#endif
