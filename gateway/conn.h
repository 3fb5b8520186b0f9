/*  conn.h - what the gateway keeps for one accepted connection, in lws's
    opaque user pointer, from its first use until LWS_CALLBACK_WSI_DESTROY:

    - the client's address, read once: a keep-alive connection is counted
      against its address on every request, and a getpeername() a request
      was ~5 % of the gateway's REST time (issue 16);
    - between a WebSocket upgrade's confirmation and the session's opening,
      the identity its token proved (the session takes it).

    lws's per-request user data cannot hold these: lws frees and allocates it
    again on every keep-alive transaction. The conn is allocated lazily by
    the first call that needs it. */
#ifndef P2P_CONN_H
#define P2P_CONN_H

#include <libwebsockets.h>

#include "auth.h"
#include "client_addr.h"

/*  The client address of wsi, read on the first call and remembered. When
    out of memory, read into *scratch and returned from there. Never NULL. */
const client_addr_t *conn_peer(struct lws *wsi, client_addr_t *scratch);

/*  Keep identity (owned from now on, freed with the conn; a previous one is
    freed) for the session about to open on wsi. Returns 0, or -1 when out of
    memory (identity is freed). */
int conn_keep_identity(struct lws *wsi, auth_identity_t *identity);

/*  Hand over the identity kept for wsi (caller frees), or NULL. */
auth_identity_t *conn_take_identity(struct lws *wsi);

/*  Free what is kept for wsi. Safe to call more than once. */
void conn_destroy(struct lws *wsi);

#endif
