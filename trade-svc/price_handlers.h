/*  price_handlers.h - price.list (users) and admin.price_set (operators). */
#ifndef P2P_PRICE_HANDLERS_H
#define P2P_PRICE_HANDLERS_H

#include "worker.h"

worker_handler_fn price_handlers_list;
worker_handler_fn price_handlers_set;

#endif
