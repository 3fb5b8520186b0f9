/*  order_fsm.c - the order transition table (see order_fsm.h). */
#include "order_fsm.h"

#include <stddef.h>
#include <string.h>

#define S_PARTIES (ORDER_ROLE_BUYER | ORDER_ROLE_SELLER)
#define S_RULERS (ORDER_ROLE_ADMIN | ORDER_ROLE_SYSTEM)

/*  Every legal move. Nothing else moves an order. */
static const order_transition_t s_table[] = {
    // clang-format off
    {ORDER_PENDING_PAYMENT, ORDER_ACT_CONFIRM_PAYMENT, ORDER_PAID,      ORDER_ROLE_BUYER},
    {ORDER_PENDING_PAYMENT, ORDER_ACT_CANCEL,          ORDER_CANCELLED, ORDER_ROLE_BUYER},
    {ORDER_PENDING_PAYMENT, ORDER_ACT_EXPIRE,          ORDER_EXPIRED,   ORDER_ROLE_SYSTEM},
    {ORDER_PAID,            ORDER_ACT_RELEASE,         ORDER_COMPLETED, ORDER_ROLE_SELLER},
    {ORDER_PAID,            ORDER_ACT_DISPUTE,         ORDER_DISPUTED,  S_PARTIES},
    {ORDER_DISPUTED,        ORDER_ACT_RULE_RELEASE,    ORDER_COMPLETED, S_RULERS},
    {ORDER_DISPUTED,        ORDER_ACT_RULE_REFUND,     ORDER_REFUNDED,  S_RULERS},
    // clang-format on
};

#define S_COUNT (sizeof s_table / sizeof s_table[0])

static const struct {
    const char *name;
    bool final;
} s_statuses[] = {
#define X(name, wire, final) [name] = {wire, final},
    ORDER_STATUS_LIST(X)
#undef X
};

static const char *s_actions[] = {
#define X(name, wire) [name] = wire,
    ORDER_ACTION_LIST(X)
#undef X
};

const order_transition_t *
order_fsm_table(size_t *count)
{
    *count = S_COUNT;
    return s_table;
}

const order_transition_t *
order_fsm_find(order_status_t from, order_action_t action)
{
    for (size_t i = 0; i < S_COUNT; i++)
        if (s_table[i].from == from && s_table[i].action == action)
            return &s_table[i];
    return NULL;
}

order_fsm_verdict_t
order_fsm_check(order_status_t from, order_action_t action, order_role_t role, order_status_t *to)
{
    /* who may take the action at all, from any state */
    unsigned allowed = 0;
    for (size_t i = 0; i < S_COUNT; i++)
        if (s_table[i].action == action)
            allowed |= s_table[i].who;
    if (role == ORDER_ROLE_NONE || !(allowed & (unsigned) role))
        return ORDER_FSM_FORBIDDEN;
    const order_transition_t *t = order_fsm_find(from, action);
    if (!t || !(t->who & (unsigned) role))
        return ORDER_FSM_STATE;
    if (to)
        *to = t->to;
    return ORDER_FSM_OK;
}

bool
order_status_is_final(order_status_t status)
{
    return status >= 0 && status < ORDER_STATUS_COUNT && s_statuses[status].final;
}

const char *
order_status_name(order_status_t status)
{
    return status >= 0 && status < ORDER_STATUS_COUNT ? s_statuses[status].name : "?";
}

const char *
order_action_name(order_action_t action)
{
    return action >= 0 && action < ORDER_ACTION_COUNT ? s_actions[action] : "?";
}

order_status_t
order_status_from_name(const char *name)
{
    for (int i = 0; name && i < ORDER_STATUS_COUNT; i++)
        if (strcmp(s_statuses[i].name, name) == 0)
            return (order_status_t) i;
    return ORDER_STATUS_NONE;
}

const char *
order_role_name(order_role_t role)
{
    switch (role) {
    case ORDER_ROLE_BUYER:
        return "buyer";
    case ORDER_ROLE_SELLER:
        return "seller";
    case ORDER_ROLE_ADMIN:
        return "admin";
    case ORDER_ROLE_SYSTEM:
        return "system";
    default:
        return "?";
    }
}
