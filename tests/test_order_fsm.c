/*  test_order_fsm.c - the order state machine (trade-svc/order_fsm.c), against
    TRADING.md's table, without a database. */
#include <criterion/criterion.h>

#include "order_fsm.h"

static const order_role_t s_roles[] = {ORDER_ROLE_BUYER, ORDER_ROLE_SELLER, ORDER_ROLE_ADMIN,
                                       ORDER_ROLE_SYSTEM};

/*  TRADING.md's table, written out independently of order_fsm.c's. */
typedef struct {
    order_status_t from;
    order_action_t action;
    order_role_t role;
    order_status_t to;
} s_legal_t;

static const s_legal_t s_legal[] = {
    {ORDER_PENDING_PAYMENT, ORDER_ACT_CONFIRM_PAYMENT, ORDER_ROLE_BUYER, ORDER_PAID},
    {ORDER_PENDING_PAYMENT, ORDER_ACT_CANCEL, ORDER_ROLE_BUYER, ORDER_CANCELLED},
    {ORDER_PENDING_PAYMENT, ORDER_ACT_EXPIRE, ORDER_ROLE_SYSTEM, ORDER_EXPIRED},
    {ORDER_PAID, ORDER_ACT_RELEASE, ORDER_ROLE_SELLER, ORDER_COMPLETED},
    {ORDER_PAID, ORDER_ACT_DISPUTE, ORDER_ROLE_SELLER, ORDER_DISPUTED},
    {ORDER_PAID, ORDER_ACT_DISPUTE, ORDER_ROLE_BUYER, ORDER_DISPUTED},
    {ORDER_DISPUTED, ORDER_ACT_RULE_RELEASE, ORDER_ROLE_ADMIN, ORDER_COMPLETED},
    {ORDER_DISPUTED, ORDER_ACT_RULE_RELEASE, ORDER_ROLE_SYSTEM, ORDER_COMPLETED},
    {ORDER_DISPUTED, ORDER_ACT_RULE_REFUND, ORDER_ROLE_ADMIN, ORDER_REFUNDED},
    {ORDER_DISPUTED, ORDER_ACT_RULE_REFUND, ORDER_ROLE_SYSTEM, ORDER_REFUNDED},
};

static const s_legal_t *
s_expected(order_status_t from, order_action_t action, order_role_t role)
{
    for (size_t i = 0; i < sizeof s_legal / sizeof s_legal[0]; i++)
        if (s_legal[i].from == from && s_legal[i].action == action && s_legal[i].role == role)
            return &s_legal[i];
    return NULL;
}

/*  Every (state, action, role) combination: allowed exactly when the table
    says so, with the right target state. */
Test(order_fsm, exactly_the_contracts_transitions)
{
    for (int from = 0; from < ORDER_STATUS_COUNT; from++)
        for (int action = 0; action < ORDER_ACTION_COUNT; action++)
            for (size_t r = 0; r < sizeof s_roles / sizeof s_roles[0]; r++) {
                order_status_t to = ORDER_STATUS_NONE;
                order_fsm_verdict_t v =
                    order_fsm_check((order_status_t) from, (order_action_t) action, s_roles[r], &to);
                const s_legal_t *want =
                    s_expected((order_status_t) from, (order_action_t) action, s_roles[r]);
                if (want) {
                    cr_assert_eq(v, ORDER_FSM_OK, "%s %s by %s", order_status_name(from),
                                 order_action_name(action), order_role_name(s_roles[r]));
                    cr_assert_eq(to, want->to);
                }
                else
                    cr_assert_neq(v, ORDER_FSM_OK, "%s %s by %s must be refused", order_status_name(from),
                                  order_action_name(action), order_role_name(s_roles[r]));
            }
}

Test(order_fsm, final_states_never_move)
{
    for (int from = 0; from < ORDER_STATUS_COUNT; from++) {
        if (!order_status_is_final((order_status_t) from))
            continue;
        for (int action = 0; action < ORDER_ACTION_COUNT; action++)
            cr_assert_null(order_fsm_find((order_status_t) from, (order_action_t) action));
    }
    cr_assert(order_status_is_final(ORDER_COMPLETED));
    cr_assert(order_status_is_final(ORDER_CANCELLED));
    cr_assert(order_status_is_final(ORDER_EXPIRED));
    cr_assert(order_status_is_final(ORDER_REFUNDED));
    cr_assert_not(order_status_is_final(ORDER_PENDING_PAYMENT));
    cr_assert_not(order_status_is_final(ORDER_PAID));
    cr_assert_not(order_status_is_final(ORDER_DISPUTED));
}

/*  Out of role is 403 whatever the state; in role but the wrong state is 409. */
Test(order_fsm, role_is_judged_before_state)
{
    /* the seller cancelling, the buyer releasing: forbidden in every state */
    for (int from = 0; from < ORDER_STATUS_COUNT; from++) {
        cr_assert_eq(order_fsm_check((order_status_t) from, ORDER_ACT_CANCEL, ORDER_ROLE_SELLER, NULL),
                     ORDER_FSM_FORBIDDEN);
        cr_assert_eq(order_fsm_check((order_status_t) from, ORDER_ACT_RELEASE, ORDER_ROLE_BUYER, NULL),
                     ORDER_FSM_FORBIDDEN);
        cr_assert_eq(
            order_fsm_check((order_status_t) from, ORDER_ACT_CONFIRM_PAYMENT, ORDER_ROLE_SELLER, NULL),
            ORDER_FSM_FORBIDDEN);
        cr_assert_eq(order_fsm_check((order_status_t) from, ORDER_ACT_RULE_RELEASE, ORDER_ROLE_BUYER, NULL),
                     ORDER_FSM_FORBIDDEN);
        cr_assert_eq(order_fsm_check((order_status_t) from, ORDER_ACT_EXPIRE, ORDER_ROLE_BUYER, NULL),
                     ORDER_FSM_FORBIDDEN);
    }
    /* a second release, a cancel after payment: the state has moved on */
    cr_assert_eq(order_fsm_check(ORDER_COMPLETED, ORDER_ACT_RELEASE, ORDER_ROLE_SELLER, NULL),
                 ORDER_FSM_STATE);
    cr_assert_eq(order_fsm_check(ORDER_PAID, ORDER_ACT_CANCEL, ORDER_ROLE_BUYER, NULL), ORDER_FSM_STATE);
    cr_assert_eq(order_fsm_check(ORDER_EXPIRED, ORDER_ACT_CONFIRM_PAYMENT, ORDER_ROLE_BUYER, NULL),
                 ORDER_FSM_STATE);
    cr_assert_eq(order_fsm_check(ORDER_PENDING_PAYMENT, ORDER_ACT_DISPUTE, ORDER_ROLE_SELLER, NULL),
                 ORDER_FSM_STATE);
    cr_assert_eq(order_fsm_check(ORDER_PAID, ORDER_ACT_CONFIRM_PAYMENT, ORDER_ROLE_NONE, NULL),
                 ORDER_FSM_FORBIDDEN);
}

Test(order_fsm, names_round_trip)
{
    for (int s = 0; s < ORDER_STATUS_COUNT; s++)
        cr_assert_eq(order_status_from_name(order_status_name((order_status_t) s)), s);
    cr_assert_eq(order_status_from_name("paid"), ORDER_STATUS_NONE);
    cr_assert_eq(order_status_from_name(NULL), ORDER_STATUS_NONE);
    cr_assert_str_eq(order_status_name(ORDER_STATUS_NONE), "?");
    cr_assert_str_eq(order_action_name(ORDER_ACT_RULE_REFUND), "rule_refund");
    size_t n;
    order_fsm_table(&n);
    cr_assert_eq(n, 7);
}
