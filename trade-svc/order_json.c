/*  order_json.c - "can" for an order's viewer (see order_json.h). */
#include "order_json.h"

#include <string.h>

#include "order_fsm.h"
#include "reply.h"

static order_role_t
s_role(const json_t *order)
{
    const char *role = json_string_value(json_object_get(order, "_role"));
    if (role && strcmp(role, "buyer") == 0)
        return ORDER_ROLE_BUYER;
    if (role && strcmp(role, "seller") == 0)
        return ORDER_ROLE_SELLER;
    return ORDER_ROLE_NONE;
}

static bool
s_may(order_status_t status, order_action_t action, order_role_t role)
{
    return order_fsm_check(status, action, role, NULL) == ORDER_FSM_OK;
}

void
order_json_finish(json_t *order)
{
    order_role_t role = s_role(order);
    order_status_t status = order_status_from_name(json_string_value(json_object_get(order, "status")));
    bool expired = json_is_true(json_object_get(order, "_expired"));
    bool release_ok = json_is_true(json_object_get(order, "_release_ok"));
    /* an unpaid order past its deadline is expired, whether or not the
       sweeper has run */
    json_t *can = json_pack(
        "{s:b, s:b, s:b, s:b, s:b}", "cancel", s_may(status, ORDER_ACT_CANCEL, role) && !expired,
        "confirm_payment", s_may(status, ORDER_ACT_CONFIRM_PAYMENT, role) && !expired, "release",
        s_may(status, ORDER_ACT_RELEASE, role), "dispute",
        s_may(status, ORDER_ACT_DISPUTE, role) && (role == ORDER_ROLE_SELLER || release_ok), "review",
        status == ORDER_COMPLETED && role != ORDER_ROLE_NONE
            && !json_is_true(json_object_get(order, "_reviewed")));
    json_object_set_new(order, "can", can);
    if (expired && status == ORDER_PENDING_PAYMENT) {
        /* as the next call would find it (and the sweeper soon will) */
        json_object_set_new(order, "status", json_string("EXPIRED"));
        json_object_set_new(order, "payment_account", json_null());
    }
    json_object_del(order, "_role");
    json_object_del(order, "_expired");
    json_object_del(order, "_release_ok");
    json_object_del(order, "_reviewed");
}

char *
order_json_finish_text(const char *raw, err_t *err)
{
    json_t *order = json_loads(raw, 0, NULL);
    if (!json_is_object(order)) {
        json_decref(order);
        return err_set(err, ERR_INTERNAL, "malformed order"), NULL;
    }
    order_json_finish(order);
    char *text = json_dumps(order, REPLY_JSON_FLAGS);
    json_decref(order);
    if (!text)
        err_set(err, ERR_INTERNAL, "out of memory");
    return text;
}

char *
order_json_finish_list(const char *raw, err_t *err)
{
    json_t *orders = json_loads(raw, 0, NULL);
    if (!json_is_array(orders)) {
        json_decref(orders);
        return err_set(err, ERR_INTERNAL, "malformed orders"), NULL;
    }
    size_t i;
    json_t *order;
    json_array_foreach(orders, i, order) order_json_finish(order);
    char *text = json_dumps(orders, REPLY_JSON_FLAGS);
    json_decref(orders);
    if (!text)
        err_set(err, ERR_INTERNAL, "out of memory");
    return text;
}
