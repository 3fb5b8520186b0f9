/*  order_handlers.h - order.create, order.get, order.list and the
    transitions order.confirm_payment, order.cancel, order.release_crypto. */
#ifndef P2P_ORDER_HANDLERS_H
#define P2P_ORDER_HANDLERS_H

#include "worker.h"

worker_handler_fn order_handlers_create;
worker_handler_fn order_handlers_get;
worker_handler_fn order_handlers_list;
worker_handler_fn order_handlers_confirm_payment;
worker_handler_fn order_handlers_cancel;
worker_handler_fn order_handlers_release;

#endif
