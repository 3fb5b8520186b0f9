/*  admin_api.h - the operator API: the admin operations as protobuf messages
    (proto/admin.proto) over ZeroMQ, without HTTP. admin-svc binds a ROUTER
    on P2P_ADMIN_API_BIND and worker_run polls it beside the gateway sockets;
    each [identity][AdminRequest] (a REQ client adds an empty delimiter) is
    answered with [identity][AdminReply]. Requests go through admin_ops, so
    validation, the transaction and the suspension event are the REST path's.

    Who may connect: the socket binds to loopback by default. With
    P2P_ADMIN_CURVE_SECRET_FILE (the server's certificate, zcert format) and
    P2P_ADMIN_CURVE_CLIENTS_DIR (the allowed clients' public certificates)
    it speaks CURVE and a zauth handler admits only those clients; one
    without the other is a configuration error, never "encrypt but let
    anyone in" (common/curve.h).

    Who is acting (the audit rows' admin_user_id) is decided here, never by
    the client: under CURVE "curve:" and the name in the client's trusted
    certificate (else its public key); on loopback without CURVE "cli:" and
    the name the client claims. REST admins cannot hold ids with these
    prefixes (admin_api_is_operator_actor), so the two never collide.

    The conversion between the API's messages and the REST JSON shapes,
    which the p2p-admin CLI shares, is admin_api_json.h. */
#ifndef P2P_ADMIN_API_H
#define P2P_ADMIN_API_H

#include <czmq.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "admin.pb-c.h"
#include "admin_ops.h"
#include "err.h"
#include "worker.h"

#define ADMIN_API_DEFAULT_BIND "tcp://127.0.0.1:5570"
#define ADMIN_API_MAX_MESSAGE (64 * 1024)

/*  The environment admin-svc reads for the API (besides common/config.h). */
#define ADMIN_API_ENV_BIND "P2P_ADMIN_API_BIND"
#define ADMIN_API_ENV_CURVE_SECRET_FILE "P2P_ADMIN_CURVE_SECRET_FILE"
#define ADMIN_API_ENV_CURVE_CLIENTS_DIR "P2P_ADMIN_CURVE_CLIENTS_DIR"

typedef struct admin_api admin_api_t;

/*  The prefixes of operator actors in the audit log. */
#define ADMIN_API_ACTOR_CLI "cli:"
#define ADMIN_API_ACTOR_CURVE "curve:"

/*  Who sent a request, as the socket saw it (borrowed strings). Under CURVE:
    the client's public key and the name in its certificate (NULL when the
    certificate has none); without CURVE both NULL. */
typedef struct {
    const char *curve_key;
    const char *curve_name;
} admin_api_peer_t;

/*  The actor of a request from peer that claims to be `claimed` (may be
    NULL): "curve:<name>" or "curve:<key>" under CURVE (the claim is
    ignored), else "cli:<claimed>". Fills out (size bytes). Returns 0, or -1
    with err naming 'operator' when there is no claim to record. */
int admin_api_actor(const admin_api_peer_t *peer, const char *claimed, char *out, size_t size, err_t *err);

/*  True when user_id has an operator actor's prefix: the REST admin API
    refuses such ids, so an audit row's admin_user_id tells which way in. */
bool admin_api_is_operator_actor(const char *user_id);

/*  Bind the API on endpoint; CURVE when curve_secret_file and
    curve_clients_dir are given (both or neither; NULL or "" is "not given").
    Returns the API (caller destroys), or NULL with err: ERR_UNAVAILABLE when
    the endpoint is already taken (another admin-svc holds it), ERR_INVALID
    for bad configuration. */
admin_api_t *admin_api_new(const char *endpoint, const char *curve_secret_file, const char *curve_clients_dir,
                           err_t *err);

/*  Close the socket and stop zauth; NULL-safe, NULLs *self_p. */
void admin_api_destroy(admin_api_t **self_p);

/*  The socket to hand worker_run as spec.side_socket (borrowed). */
zsock_t *admin_api_socket(admin_api_t *self);

/*  True when the API speaks CURVE. */
bool admin_api_is_curve(const admin_api_t *self);

/*  worker_spec_t.on_side_socket: answer the requests waiting on socket.
    app is an admin_app_t. */
worker_side_fn admin_api_on_readable;

/*  Serve one packed AdminRequest from peer (the actor is decided from it,
    see admin_api_actor): run the operation, return the packed AdminReply
    (caller frees; *reply_len its size), or NULL when out of memory. worker
    may be NULL (no events, for tests). */
uint8_t *admin_api_handle(admin_app_t *app, worker_t *worker, const admin_api_peer_t *peer,
                          const uint8_t *request, size_t len, size_t *reply_len);

#endif
