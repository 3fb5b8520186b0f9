/*  payment_handlers.h - payment_method.list, payment_account.create/list/delete
    (users), admin.payment_method_create/update (operators). */
#ifndef P2P_PAYMENT_HANDLERS_H
#define P2P_PAYMENT_HANDLERS_H

#include "worker.h"

worker_handler_fn payment_handlers_methods;
worker_handler_fn payment_handlers_account_create;
worker_handler_fn payment_handlers_accounts;
worker_handler_fn payment_handlers_account_delete;
worker_handler_fn payment_handlers_method_create;
worker_handler_fn payment_handlers_method_update;

#endif
