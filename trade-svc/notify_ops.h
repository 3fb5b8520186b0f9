/*  notify_ops.h - notifications (TRADING.md "Notifications"): written in the
    transaction of their cause, pushed as notification.new after its commit,
    listed and marked read by their owner; merchants' webhooks. Replies are
    the JSON clients receive as data; caller frees; NULL with err. */
#ifndef P2P_NOTIFY_OPS_H
#define P2P_NOTIFY_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "trade_app.h"
#include "trade_push.h"

/*  How long deliveries are retried (TRADING.md: webhooks for 24 h). */
#define NOTIFY_WEBHOOK_TTL_S (24 * 3600)
#define NOTIFY_EMAIL_TTL_S (24 * 3600)

/*  Inside a transaction: notify profile_id (kind: one of the table's kinds;
    data_json: an object, e.g. {"order_id": 12}), with its deliveries (a mail
    for the kinds TRADING.md mails, a webhook POST), and queue the push on
    push. 0, or -1 with err. */
int notify_ops_add(trade_app_t *app, db_t *db, trade_push_t *push, int64_t profile_id, const char *kind,
                   const char *title, const char *body, const char *data_json, err_t *err);

/*  {"notifications":[...],"unread_count":n,"has_more":b}. */
char *notify_ops_list(trade_app_t *app, int64_t profile_id, bool unread_only, int64_t before_id, int limit,
                      err_t *err);

/*  {"updated": n}: ids (or all) of the profile marked read. */
char *notify_ops_mark_read(trade_app_t *app, int64_t profile_id, const int64_t *ids, int count, bool all,
                           err_t *err);

/*  {"webhook":{url, created_at, updated_at}} / {"webhook": null} / {"deleted": b}. */
char *notify_ops_webhook_set(trade_app_t *app, int64_t profile_id, const char *url, const char *secret,
                             err_t *err);
char *notify_ops_webhook_get(trade_app_t *app, int64_t profile_id, err_t *err);
char *notify_ops_webhook_delete(trade_app_t *app, int64_t profile_id, err_t *err);

#endif
