/*  trade_api.h - trade-svc's operator API: the trading admin operations
    (TRADING.md "Admin additions") as protobuf messages
    (proto/trade_admin.proto) over ZeroMQ, without HTTP, for p2p-admin's
    trading verbs. The socket, its CURVE guard, the framing and who is
    acting are common/operator_api.h's (shared with admin-svc).

    A TradeAdminRequest's call is turned into the very request the gateway
    would send for the REST route (its fields split into path parameters
    and body as the route has them, the REST channel, role admin, the
    server-decided actor as the user) and handed to that route's handler in
    trade_routes: the same validation, the same transaction and audit row,
    the same status and data. The reply carries the REST data as JSON text.

    Adding a call: its message and oneof line in the .proto, one line in
    the table in trade_api.c. */
#ifndef P2P_TRADE_API_H
#define P2P_TRADE_API_H

#include <stddef.h>
#include <stdint.h>

#include "operator_api.h"
#include "trade_admin.pb-c.h"
#include "trade_app.h"
#include "worker.h"

/*  worker_spec_t.on_side_socket: answer the requests waiting on socket.
    app is the trade_app_t. */
worker_side_fn trade_api_on_readable;

/*  Serve one packed TradeAdminRequest from peer (the actor is decided from
    it, see operator_api_actor): return the packed TradeAdminReply (caller
    frees; *reply_len its size), or NULL when out of memory. worker may be
    NULL (no events published, for tests). */
uint8_t *trade_api_handle(trade_app_t *app, worker_t *worker, const operator_api_peer_t *peer,
                          const uint8_t *request, size_t len, size_t *reply_len);

/*  The message type a call (the oneof's field number) runs as, or
    MSG_TYPE_COUNT when the API has no such call. For tests. */
msg_type_t trade_api_call_type(uint32_t call);

#endif
