/*  event.h - every event a worker may send to the gateways, declared once:
    its wire name, which worker kinds may send it, and what a gateway does
    with it. A worker sends one with worker_publish (every gateway hears it);
    a gateway drops, with a warning, an event it does not know or one whose
    sender's kind the table does not allow.

    Every event concerns one user (the envelope's user_id); the gateway finds
    that user's sessions through its index, never by scanning them all.

    Bodies (JSON objects):
      account_suspended  {"reason": "..." | null, "suspended_until": "RFC 3339" | null}
                         -> each session gets {"type":"account_suspended",
                            "success":false,"error":"ACCOUNT_SUSPENDED",...}, then
                            close 1008
      user.push          the whole frame each session receives, as is:
                         {"type": "order.updated", "success": true, "data": {...}};
                         "type" a non-empty string, no "request_id" (pushes answer
                         no request). Sessions still connecting do not get it: a
                         client lists what it missed once connected.

    Adding an event: one line here, its action in the gateway (ws_session.c)
    if it needs a new one, and its test. A new worker kind that sends pushes
    adds EVENT_FROM(its kind) to user.push. */
#ifndef P2P_EVENT_H
#define P2P_EVENT_H

#include <stdbool.h>

#include "msg_type.h"

/*  What a gateway does with an event. */
typedef enum {
    EVENT_ACT_SUSPEND, /* tell each of the user's sessions it is suspended, close it */
    EVENT_ACT_PUSH,    /* send the body, a whole frame, to each of the user's sessions */
} event_action_t;

/*  The sender kinds an entry allows, as a bit set. */
#define EVENT_FROM(service) (1u << (service))

/*  X(enum, wire name, kinds that may send it, action) */
#define EVENT_LIST(X)                                                                             \
    X(EVENT_ACCOUNT_SUSPENDED, "account_suspended", EVENT_FROM(SERVICE_ADMIN), EVENT_ACT_SUSPEND) \
    X(EVENT_USER_PUSH, "user.push", EVENT_FROM(SERVICE_ADMIN) | EVENT_FROM(SERVICE_TRADE), EVENT_ACT_PUSH)

typedef enum {
    EVENT_UNKNOWN = -1,
#define X(name, wire, senders, action) name,
    EVENT_LIST(X)
#undef X
        EVENT_COUNT
} event_t;

/*  The event for a wire name; EVENT_UNKNOWN when there is none (or NULL). */
event_t event_from_name(const char *name);

/*  Wire name of event ("?" when out of range). Static, do not free. */
const char *event_name(event_t event);

/*  True when a worker of kind from may send event. SERVICE_NONE (a peer
    that is not a registered worker) may send nothing. */
bool event_may_send(event_t event, service_t from);

/*  What a gateway does with event (out of range: EVENT_ACT_PUSH, but callers
    check event_may_send first, which refuses it). */
event_action_t event_action(event_t event);

#endif
