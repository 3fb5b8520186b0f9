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
    anyone in".

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

/*  Serve one packed AdminRequest: run the operation, return the packed
    AdminReply (caller frees; *reply_len its size), or NULL when out of
    memory. worker may be NULL (no events, for tests). */
uint8_t *admin_api_handle(admin_app_t *app, worker_t *worker, const uint8_t *request, size_t len,
                          size_t *reply_len);

#endif
