/*  admin_handlers.h - admin-svc's REST handlers (one per admin.* message
    type) and its dispatch table for worker_run. Each handler checks the
    caller's role, parses parameters and body (admin_validate.h), calls one
    admin operation (admin_ops.h) and builds the reply data, which
    common/reply_shape.h shapes for the channel. No SQL, no sockets. app is
    an admin_app_t. */
#ifndef P2P_ADMIN_HANDLERS_H
#define P2P_ADMIN_HANDLERS_H

#include <stddef.h>

#include "admin_ops.h"
#include "worker.h"

/*  The route table (static; do not free). *count receives its length. */
const worker_route_t *admin_handlers_routes(size_t *count);

worker_handler_fn admin_handlers_list;
worker_handler_fn admin_handlers_get;
worker_handler_fn admin_handlers_suspend;
worker_handler_fn admin_handlers_unsuspend;
worker_handler_fn admin_handlers_verify;
worker_handler_fn admin_handlers_merchant;
worker_handler_fn admin_handlers_audit;

#endif
