/*  dispute_handlers.h - dispute.raise, dispute.add_evidence, dispute.get
    (parties), and the moderators' admin.dispute_list, admin.dispute_get,
    admin.dispute_message, admin.dispute_resolve, admin.order_list,
    admin.order_get. */
#ifndef P2P_DISPUTE_HANDLERS_H
#define P2P_DISPUTE_HANDLERS_H

#include "worker.h"

worker_handler_fn dispute_handlers_raise;
worker_handler_fn dispute_handlers_add_evidence;
worker_handler_fn dispute_handlers_get;
worker_handler_fn dispute_handlers_admin_list;
worker_handler_fn dispute_handlers_admin_get;
worker_handler_fn dispute_handlers_admin_message;
worker_handler_fn dispute_handlers_admin_resolve;
worker_handler_fn dispute_handlers_admin_orders;
worker_handler_fn dispute_handlers_admin_order;

#endif
