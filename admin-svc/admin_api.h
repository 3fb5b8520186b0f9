/*  admin_api.h - admin-svc's operator API: the admin operations as protobuf
    messages (proto/admin.proto) over ZeroMQ, without HTTP. The socket, its
    CURVE guard, the framing and who is acting are common/operator_api.h's
    (shared with trade-svc's API); this file answers one AdminRequest with
    one AdminReply. Requests go through admin_ops, so validation, the
    transaction and the suspension event are the REST path's.

    Replies are filled from the REST JSON of each row (common/proto_json.h),
    which the p2p-admin CLI shares. */
#ifndef P2P_ADMIN_API_H
#define P2P_ADMIN_API_H

#include <czmq.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "admin.pb-c.h"
#include "admin_ops.h"
#include "err.h"
#include "operator_api.h"
#include "worker.h"

/*  worker_spec_t.on_side_socket: answer the requests waiting on socket.
    app is an admin_app_t. */
worker_side_fn admin_api_on_readable;

/*  Serve one packed AdminRequest from peer (the actor is decided from it,
    see operator_api_actor): run the operation, return the packed AdminReply
    (caller frees; *reply_len its size), or NULL when out of memory. worker
    may be NULL (no events, for tests). */
uint8_t *admin_api_handle(admin_app_t *app, worker_t *worker, const operator_api_peer_t *peer,
                          const uint8_t *request, size_t len, size_t *reply_len);

#endif
