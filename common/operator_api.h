/*  operator_api.h - the server side every operator API shares (admin-svc's
    on P2P_ADMIN_API_BIND, trade-svc's on P2P_TRADE_API_BIND): a ZeroMQ
    ROUTER that the worker loop polls as its side socket, its CURVE/zauth
    guard, the request/reply framing, and who is acting.

    Framing: each [identity][request] from a DEALER, or
    [identity][][request] from a REQ, is answered with the same envelope
    around the service's reply; anything else is dropped with a warning.
    What a request and a reply hold (protobuf messages) is the service's
    business: it hands operator_api_serve a function from request bytes to
    reply bytes.

    Who may connect: the socket binds to loopback by default. With a server
    certificate and a directory of allowed client certificates it speaks
    CURVE and a zauth handler admits only those clients; one without the
    other is a configuration error, never "encrypt but let anyone in"
    (common/curve.h).

    Who is acting (the audit rows' actor) is decided here, never by the
    client: under CURVE "curve:" and the name in the client's trusted
    certificate (else its public key); on loopback without CURVE "cli:" and
    the name the client claims. REST admins cannot hold ids with these
    prefixes (operator_api_is_operator_actor, checked by the services), so
    an audit row says which way in. */
#ifndef P2P_OPERATOR_API_H
#define P2P_OPERATOR_API_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "worker.h"

/*  The largest request a client may send (ZMQ_MAXMSGSIZE: bigger ones drop the peer). */
#define OPERATOR_API_MAX_MESSAGE (64 * 1024)

/*  The prefixes of operator actors in the audit log. */
#define OPERATOR_API_ACTOR_CLI "cli:"
#define OPERATOR_API_ACTOR_CURVE "curve:"

/*  An actor is at most this many characters (p2p_admin_audit.admin_user_id),
    and a buffer of OPERATOR_API_ACTOR_SIZE bytes holds any. */
#define OPERATOR_API_ACTOR_MAX 255
#define OPERATOR_API_ACTOR_SIZE (OPERATOR_API_ACTOR_MAX * 4 + 1)

typedef struct operator_api operator_api_t;

/*  Where and how one service's API listens. Strings are borrowed; the
    *_key members are the configuration keys, named in errors. */
typedef struct {
    const char *name;              /* log events: "<name>.listening", "<name>.not_listening" */
    const char *endpoint;          /* e.g. tcp://127.0.0.1:5571 */
    const char *curve_secret_file; /* the server's certificate (zcert _secret file); NULL or "": no CURVE */
    const char *curve_clients_dir; /* the allowed clients' public certificates; both or neither */
    const char *domain;            /* the ZAP domain, e.g. "p2p-trade" */
    const char *bind_key;
    const char *secret_key;
    const char *clients_key;
} operator_api_config_t;

/*  Who sent a request, as the socket saw it (borrowed strings). Under CURVE:
    the client's public key and the name in its certificate (NULL when the
    certificate has none); without CURVE both NULL. */
typedef struct {
    const char *curve_key;
    const char *curve_name;
} operator_api_peer_t;

/*  Bind the API. Returns it (caller destroys), logging "<name>.listening";
    or NULL with err: ERR_UNAVAILABLE when the endpoint is already taken
    (another copy of the service on this host holds it: logged as
    "<name>.not_listening", and the caller goes on serving the gateways
    only), ERR_INVALID for bad configuration (the caller stops). */
operator_api_t *operator_api_new(const operator_api_config_t *config, err_t *err);

/*  Close the socket, then stop zauth; NULL-safe, NULLs *self_p. */
void operator_api_destroy(operator_api_t **self_p);

/*  The socket to hand worker_run as spec.side_socket (borrowed). */
zsock_t *operator_api_socket(operator_api_t *self);

/*  True when the API speaks CURVE. */
bool operator_api_is_curve(const operator_api_t *self);

/*  The actor of a request from peer that claims to be `claimed` (may be
    NULL): "curve:<name>" or "curve:<key>" under CURVE (the claim is
    ignored), else "cli:<claimed>". Fills out (size bytes; use
    OPERATOR_API_ACTOR_SIZE). Returns 0, or -1 with err (ERR_INVALID naming
    'operator') when there is no claim to record, or when the actor would be
    longer than OPERATOR_API_ACTOR_MAX characters, not UTF-8, or hold
    control characters. */
int operator_api_actor(const operator_api_peer_t *peer, const char *claimed, char *out, size_t size,
                       err_t *err);

/*  True when user_id has an operator actor's prefix. */
bool operator_api_is_operator_actor(const char *user_id);

/*  The error a REST admin holding such an id gets (403 FORBIDDEN). Returns -1. */
int operator_api_refuse_rest_actor(err_t *err);

/*  A service's answer to one request: request (len bytes, borrowed) from
    peer; returns the reply (malloc'd; caller frees) with its size in
    *reply_len, or NULL when out of memory (no reply is sent). app and
    worker are operator_api_serve's. */
typedef uint8_t *(operator_api_handle_fn) (void *app, worker_t *worker, const operator_api_peer_t *peer,
                                           const uint8_t *request, size_t len, size_t *reply_len);

/*  Answer the requests waiting on socket (an operator API's; at most a
    small batch, so the gateways get their turn) with handle. Call it from
    the service's worker_spec_t.on_side_socket. */
void operator_api_serve(zsock_t *socket, operator_api_handle_fn *handle, void *app, worker_t *worker);

#endif
