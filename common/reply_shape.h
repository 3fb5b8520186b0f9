/*  reply_shape.h - the one place where a reply's shape depends on the
    channel it travels on. A handler builds its data once and replies through
    reply_shape_ok / reply_shape_error (or writes JSON text after
    reply_shape_open and replies with reply_shape_ok_written); this file
    shapes it for the
    request's channel from one line per message type:

      - REST wraps the data in an object under the type's key
        ({"profile": {...}}); the WebSocket sends the data itself. The seed
        shows a profile that way: data.profile on REST, data on WebSocket.
      - On the WebSocket, a conflict (409: the request was valid, the
        operation could not be applied) carries the type's prefix in its
        error text, as the seed's "Operation Failed" example does
        ("Failed to update profile: username already taken").

    A type not listed replies the same on both channels. A message type that
    is served on both channels (trade-svc's) takes its line here with the
    rest of its description. */
#ifndef P2P_REPLY_SHAPE_H
#define P2P_REPLY_SHAPE_H

#include <jansson.h>

#include "err.h"
#include "json_text.h"
#include "msg_type.h"
#include "worker.h"

/*  X(message type, REST wrapper key or NULL, WebSocket conflict prefix or NULL) */
#define REPLY_SHAPE_LIST(X)                                        \
    X(MSG_PROFILE_GET, "profile", NULL)                            \
    X(MSG_PROFILE_UPDATE, "profile", "Failed to update profile: ") \
    X(MSG_PROFILE_CREATE, "profile", NULL)                         \
    X(MSG_PROFILE_ME, "profile", NULL)                             \
    X(MSG_PROFILE_PUT, "profile", NULL)                            \
    X(MSG_ADMIN_GET, "profile", NULL)                              \
    X(MSG_ADMIN_SUSPEND, "profile", NULL)                          \
    X(MSG_ADMIN_UNSUSPEND, "profile", NULL)                        \
    X(MSG_ADMIN_VERIFY, "profile", NULL)                           \
    X(MSG_ADMIN_MERCHANT, "profile", NULL)

/*  The key REST wraps type's data under for channel; NULL when the data
    travels as it is (WebSocket, or a type without a key). Static. */
const char *reply_shape_key(msg_type_t type, envelope_channel_t channel);

/*  Success: data (stolen; NULL: none) shaped for req's channel and type,
    with message (may be NULL). */
void reply_shape_ok(worker_reply_t *reply, const worker_request_t *req, int status, json_t *data,
                    const char *message);

/*  Success whose data is JSON text written straight into a buffer (the hot
    path): reply_shape_open(&out, req) on an empty out, write the data, then
    reply_shape_ok_written, which closes what open began, finishes out
    (reset afterwards) and replies with it (500 when memory ran out). */
void reply_shape_open(json_text_t *out, const worker_request_t *req);
void reply_shape_ok_written(worker_reply_t *reply, const worker_request_t *req, int status, json_text_t *out);

/*  Failure: err's body and status, its text shaped for req's channel and
    type (the WebSocket conflict prefix). */
void reply_shape_error(worker_reply_t *reply, const worker_request_t *req, const err_t *err);

#endif
