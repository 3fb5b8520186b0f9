/*  order_fsm.h - the order state machine of TRADING.md "Orders", in one
    place: the states, the actions, and one transition table {from, action,
    to, who}. Pure: no database, no clock. order_ops.c asks it whether a
    caller may act, then applies the transition as a compare-and-set on the
    order's status in one transaction with the money it moves.

        PENDING_PAYMENT --confirm_payment (buyer)--> PAID
        PENDING_PAYMENT --cancel (buyer)-----------> CANCELLED
        PENDING_PAYMENT --expire (system)----------> EXPIRED
        PAID            --release (seller)---------> COMPLETED
        PAID            --dispute (buyer, seller)--> DISPUTED
        DISPUTED        --rule_release (admin, system)--> COMPLETED
        DISPUTED        --rule_refund (admin, system)---> REFUNDED

    Timing rules (the payment window, the buyer's release window before a
    dispute) are the operations' business: they need a clock. */
#ifndef P2P_ORDER_FSM_H
#define P2P_ORDER_FSM_H

#include <stdbool.h>
#include <stddef.h>

/*  X(enum, wire name, final) */
#define ORDER_STATUS_LIST(X)                           \
    X(ORDER_PENDING_PAYMENT, "PENDING_PAYMENT", false) \
    X(ORDER_PAID, "PAID", false)                       \
    X(ORDER_DISPUTED, "DISPUTED", false)               \
    X(ORDER_COMPLETED, "COMPLETED", true)              \
    X(ORDER_CANCELLED, "CANCELLED", true)              \
    X(ORDER_EXPIRED, "EXPIRED", true)                  \
    X(ORDER_REFUNDED, "REFUNDED", true)

typedef enum {
    ORDER_STATUS_NONE = -1,
#define X(name, wire, final) name,
    ORDER_STATUS_LIST(X)
#undef X
        ORDER_STATUS_COUNT
} order_status_t;

/*  X(enum, wire name) */
#define ORDER_ACTION_LIST(X)                        \
    X(ORDER_ACT_CONFIRM_PAYMENT, "confirm_payment") \
    X(ORDER_ACT_CANCEL, "cancel")                   \
    X(ORDER_ACT_EXPIRE, "expire")                   \
    X(ORDER_ACT_RELEASE, "release")                 \
    X(ORDER_ACT_DISPUTE, "dispute")                 \
    X(ORDER_ACT_RULE_RELEASE, "rule_release")       \
    X(ORDER_ACT_RULE_REFUND, "rule_refund")

typedef enum {
#define X(name, wire) name,
    ORDER_ACTION_LIST(X)
#undef X
        ORDER_ACTION_COUNT
} order_action_t;

/*  Who acts. Flags, so a transition can allow several. */
typedef enum {
    ORDER_ROLE_NONE = 0,
    ORDER_ROLE_BUYER = 1,
    ORDER_ROLE_SELLER = 2,
    ORDER_ROLE_ADMIN = 4,
    ORDER_ROLE_SYSTEM = 8,
} order_role_t;

typedef struct {
    order_status_t from;
    order_action_t action;
    order_status_t to;
    unsigned who; /* order_role_t flags */
} order_transition_t;

typedef enum {
    ORDER_FSM_OK = 0,
    ORDER_FSM_FORBIDDEN, /* this role never takes this action (403) */
    ORDER_FSM_STATE,     /* not from the order's current state (409 ORDER_STATE_CHANGED) */
} order_fsm_verdict_t;

/*  May role take action on an order in status from? On ORDER_FSM_OK, *to
    (may be NULL) receives the new status. A role that may never take the
    action is FORBIDDEN whatever the state (the seller cancelling); a role
    that may, but not from this state, is STATE. */
order_fsm_verdict_t order_fsm_check(order_status_t from, order_action_t action, order_role_t role,
                                    order_status_t *to);

/*  The transition for (from, action), or NULL. Static, do not free. */
const order_transition_t *order_fsm_find(order_status_t from, order_action_t action);

/*  The whole table (count in *count), for docs and tests. Static. */
const order_transition_t *order_fsm_table(size_t *count);

/*  True for COMPLETED, CANCELLED, EXPIRED, REFUNDED. */
bool order_status_is_final(order_status_t status);

/*  Wire names ("PAID", "cancel"); "?" when out of range. Static. */
const char *order_status_name(order_status_t status);
const char *order_action_name(order_action_t action);

/*  Status for a wire name; ORDER_STATUS_NONE when unknown. */
order_status_t order_status_from_name(const char *name);

/*  "buyer", "seller", "admin", "system" for a single role. Static. */
const char *order_role_name(order_role_t role);

#endif
