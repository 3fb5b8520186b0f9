/*  notify_handlers.h - notification.list, notification.mark_read, and the
    merchant webhook: webhook.set, webhook.get, webhook.delete. */
#ifndef P2P_NOTIFY_HANDLERS_H
#define P2P_NOTIFY_HANDLERS_H

#include "worker.h"

worker_handler_fn notify_handlers_list;
worker_handler_fn notify_handlers_mark_read;
worker_handler_fn notify_handlers_webhook_set;
worker_handler_fn notify_handlers_webhook_get;
worker_handler_fn notify_handlers_webhook_delete;

/*  Is url a webhook target we accept to store: https://host..., or http:// to
    a loopback host (development)? Delivery checks the resolved address again.
    0, or -1 with err naming 'url'. Exposed for tests. */
int notify_handlers_check_url(const char *url, err_t *err);

#endif
