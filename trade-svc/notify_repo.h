/*  notify_repo.h - notifications (p2p_notifications), their deliveries
    (p2p_outbox) and merchants' webhooks (p2p_webhooks): the only SQL for them. */
#ifndef P2P_NOTIFY_REPO_H
#define P2P_NOTIFY_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/*  Statements to prepare (static). */
const db_statement_t *notify_repo_statements(size_t *count);

typedef struct {
    int64_t profile_id;
    const char *kind; /* order.created, order.paid, ... */
    const char *title;
    const char *body;
    const char *data_json;  /* JSON object text */
    bool email;             /* also mail it (when the profile has an email and SMTP is configured) */
    const char *email_from; /* P2P_EMAIL_FROM; NULL: no mail */
    int64_t webhook_ttl_s;  /* how long a webhook delivery is retried */
    int64_t email_ttl_s;    /* ... and a mail */
} notify_new_t;

/*  Store a notification and, in the same statement, its deliveries: a
    webhook POST when the profile has a webhook, a mail when n->email, SMTP
    is on (email_from) and the profile has an email. *json receives the
    notification as its owner sees it, *user_id its owner (both caller
    frees). 0, or -1 with err. */
int notify_repo_add(db_t *db, const notify_new_t *n, char **json, char **user_id, err_t *err);

/*  A page of profile's notifications, newest first (unread only when asked,
    before before_id when > 0): *list_json (caller frees), *has_more,
    *unread_count. 0, or -1 with err. */
int notify_repo_list(db_t *db, int64_t profile_id, bool unread_only, int64_t before_id, int limit,
                     char **list_json, bool *has_more, int64_t *unread_count, err_t *err);

/*  Mark read ids (all when all) of profile; the number that went from
    unread to read. -1 with err. */
int64_t notify_repo_mark_read(db_t *db, int64_t profile_id, const int64_t *ids, int count, bool all,
                              err_t *err);

/*  Set, read, delete a profile's webhook. get/set answer {url, created_at,
    updated_at} (never the secret) in *json (caller frees; NULL when none).
    delete returns 1 when one was deleted, 0 when there was none. */
int notify_repo_webhook_set(db_t *db, int64_t profile_id, const char *url, const char *secret, char **json,
                            err_t *err);
int notify_repo_webhook_get(db_t *db, int64_t profile_id, char **json, err_t *err);
int notify_repo_webhook_delete(db_t *db, int64_t profile_id, err_t *err);

#endif
