/*  order_json.h - an order as its viewer sees it: order_repo's JSON plus
    "can", what the viewer may do now, computed from the state machine (the
    same table the operations obey), so a client never offers a button the
    service would refuse. */
#ifndef P2P_ORDER_JSON_H
#define P2P_ORDER_JSON_H

#include <jansson.h>

#include "err.h"

/*  Take order_repo's object (with its "_role", "_status", "_expired",
    "_release_ok" helpers): add "can" {cancel, confirm_payment, release,
    dispute, review} and drop the helpers. Modifies order in place. */
void order_json_finish(json_t *order);

/*  order_json_finish over text: a new string (caller frees), NULL with err. */
char *order_json_finish_text(const char *raw, err_t *err);

/*  The same over a JSON array of orders (text in, text out). */
char *order_json_finish_list(const char *raw, err_t *err);

#endif
