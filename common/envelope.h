/*  envelope.h - the message between gateway and workers (proto/envelope.proto)
    as a plain C value, and its ZeroMQ send/receive. The only code that
    touches the envelope's protobuf-c message; the operator API's messages
    (proto/admin.proto) are admin-svc's (admin_api.c, admin_api_json.c).

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
#define ENVELOPE_MAX_BODY (6 * 1024 * 1024) /* a 5 MiB attachment, with room */

typedef struct {
    envelope_kind_t kind;
    uint64_t request_id;
    const char *service; /* "" when unset, never NULL after decode */
    const char *user_id;
    const char *role;
    const char *msg_type;
    const char *event;
    const char *params; /* JSON object text of REST path/query parameters, may be "" */
    const char
        *content_type; /* REQUEST: a raw upload's type; REPLY: the body is a file of this type; may be "" */
    const char *filename; /* REPLY with content_type: its name; may be "" */
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

/*  Receive one envelope without blocking: the first of the next message
    (any further frames are dropped). On a ROUTER, *identity receives a
    new frame holding the sender (caller destroys); pass NULL on a DEALER.
    Returns 0; -1 with errno EAGAIN when nothing is waiting, or EPROTO when a
    malformed message was read and dropped. */
int envelope_recv(zsock_t *sock, zframe_t **identity, envelope_t *env);

/*  Several envelopes as one ZeroMQ message: [identity] env env ... Each is
    packed when added (its pointers may go away), and all leave in one send:
    one hand-off to ZeroMQ's I/O thread and one socket write for the lot,
    instead of one per request. The gateway fills one per worker during an
    event-loop turn; a worker fills one per gateway with a batch's replies. */
#define ENVELOPE_BATCH_MAX 32

typedef struct {
    zmq_msg_t frames[ENVELOPE_BATCH_MAX]; /* owned */
    size_t count;
} envelope_batch_t;

/*  Pack env as the batch's next frame. Returns 0, or -1 with errno ENOBUFS
    (the batch is full: send it first) or ENOMEM. */
int envelope_batch_add(envelope_batch_t *batch, const envelope_t *env);

/*  Send the batch's frames as one message (nothing when empty) and empty it.
    identity as in envelope_send. Returns 0; -1 with errno (EAGAIN,
    EHOSTUNREACH) when nothing was sent: the frames are dropped either way. */
int envelope_batch_send(envelope_batch_t *batch, zsock_t *sock, const void *identity, size_t identity_len);

/*  Drop the batch's frames unsent. */
void envelope_batch_clear(envelope_batch_t *batch);

/*  Receive one message without blocking and decode up to max of its
    envelopes into envs (*count of them; release each). Malformed frames and
    frames past max are dropped. identity as in envelope_recv. Returns 0
    when at least one envelope was decoded; -1 with errno EAGAIN when nothing
    is waiting, or EPROTO when the message held no valid envelope. */
int envelope_recv_batch(zsock_t *sock, zframe_t **identity, envelope_t *envs, size_t max, size_t *count);

/*  envelope_recv_batch, also copying a property of the message's connection
    into value (value_size bytes; "" when it has none): e.g. what a CURVE
    server's allow-list said about the sender ("User-Id", a certificate's
    metadata: common/curve.h). property and value may be NULL. */
int envelope_recv_batch_from(zsock_t *sock, zframe_t **identity, const char *property, char *value,
                             size_t value_size, envelope_t *envs, size_t max, size_t *count);

#endif
