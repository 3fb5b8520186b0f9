/*  header_guard.h - connections waiting for request headers, per client
    address: each connection from the moment it is accepted (or has finished
    a keep-alive request) until its next request's headers are in.

    lws 4.1 has no per-address limits, and a client that opens connections
    and never finishes their headers holds a descriptor (and a 16 KiB header
    table) each until the header deadline. So an address may keep `cap` such
    connections; when it opens another, its oldest is closed, provided that
    one has waited HEADER_GUARD_GRACE_MS already (a legitimate client sends
    its headers at once, so a burst of them from one address is never cut
    short); and at HEADER_GUARD_HARD_FACTOR x cap its oldest is closed
    whatever its age. A new connection is never refused, so a later one from
    the same address, such as a health probe, is always served, and an
    address never holds more than HEADER_GUARD_HARD_FACTOR x cap.

    Connections are opaque pointers (an lws wsi in the gateway) the guard
    never dereferences; it closes one through the evict callback given to
    header_guard_new. It owns its bookkeeping only. */
#ifndef P2P_HEADER_GUARD_H
#define P2P_HEADER_GUARD_H

#include <stddef.h>
#include <stdint.h>

/*  A waiting connection younger than this is never evicted. */
#define HEADER_GUARD_GRACE_MS 1000
/*  Waiting connections per address at which the oldest goes even inside
    its grace period, as a multiple of the cap. */
#define HEADER_GUARD_HARD_FACTOR 8

typedef struct header_guard header_guard_t;

/*  Close conn (asynchronously: it must not call back into the guard). */
typedef void(header_guard_evict_fn)(void *conn, void *arg);

/*  New guard allowing cap (>= 1) waiting connections per address; evict(conn,
    arg) closes one. Returns NULL when out of memory. Caller destroys. */
header_guard_t *header_guard_new(int cap, header_guard_evict_fn *evict, void *arg);

/*  NULL-safe; NULLs *self_p. Closes nothing. */
void header_guard_destroy(header_guard_t **self_p);

/*  conn, from the client address address_key (copied), now waits for
    headers (at monotonic now_ms). At the cap, the address's oldest waiting
    connection is evicted if it is past the grace period; at
    HEADER_GUARD_HARD_FACTOR x cap, whatever its age. conn itself is always
    let in. Tracking a conn already tracked changes nothing. */
void header_guard_waiting(header_guard_t *self, void *conn, const char *address_key, int64_t now_ms);

/*  conn's headers are in, or it closed: forget it (no-op when unknown). */
void header_guard_done(header_guard_t *self, void *conn);

/*  Connections waiting now (all addresses), and those of one address. */
size_t header_guard_size(const header_guard_t *self);
size_t header_guard_count(const header_guard_t *self, const char *address_key);

/*  Connections evicted since the start. */
uint64_t header_guard_evicted(const header_guard_t *self);

#endif
