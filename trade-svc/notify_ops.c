/*  notify_ops.c - notifications and webhooks (see notify_ops.h). */
#include "notify_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_repo.h"

/*  The kinds TRADING.md mails (when SMTP is configured). */
static bool
s_mailed(const char *kind)
{
    static const char *mailed[] = {"order.paid", "order.completed", "dispute.opened", "dispute.resolved"};
    for (size_t i = 0; i < sizeof mailed / sizeof mailed[0]; i++)
        if (strcmp(kind, mailed[i]) == 0)
            return true;
    return false;
}

int
notify_ops_add(trade_app_t *app, db_t *db, trade_push_t *push, int64_t profile_id, const char *kind,
               const char *title, const char *body, const char *data_json, err_t *err)
{
    bool smtp = app->cfg->smtp_url && *app->cfg->smtp_url && app->cfg->email_from && *app->cfg->email_from;
    notify_new_t n = {
        .profile_id = profile_id,
        .kind = kind,
        .title = title,
        .body = body,
        .data_json = data_json,
        .email = s_mailed(kind),
        .email_from = smtp ? app->cfg->email_from : NULL,
        .webhook_ttl_s = NOTIFY_WEBHOOK_TTL_S,
        .email_ttl_s = NOTIFY_EMAIL_TTL_S,
    };
    char *json = NULL, *user_id = NULL;
    if (notify_repo_add(db, &n, &json, &user_id, err) != 0)
        return -1;
    if (push)
        trade_push_add(push, user_id, "notification.new", json);
    free(json);
    free(user_id);
    return 0;
}

char *
notify_ops_list(trade_app_t *app, int64_t profile_id, bool unread_only, int64_t before_id, int limit,
                err_t *err)
{
    char *list = NULL;
    bool more = false;
    int64_t unread = 0;
    if (notify_repo_list(app->db, profile_id, unread_only, before_id, limit, &list, &more, &unread, err) != 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"notifications\":%s,\"unread_count\":%" PRId64 ",\"has_more\":%s}", list, unread,
                 more ? "true" : "false")
        < 0)
        out = NULL;
    free(list);
    return out ? out : (err_set(err, ERR_INTERNAL, "out of memory"), NULL);
}

char *
notify_ops_mark_read(trade_app_t *app, int64_t profile_id, const int64_t *ids, int count, bool all,
                     err_t *err)
{
    int64_t n = notify_repo_mark_read(app->db, profile_id, ids, count, all, err);
    if (n < 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"updated\":%" PRId64 "}", n) < 0)
        return err_set(err, ERR_INTERNAL, "out of memory"), NULL;
    return out;
}

static char *
s_webhook_reply(char *json, err_t *err)
{
    char *out = NULL;
    if (asprintf(&out, "{\"webhook\":%s}", json ? json : "null") < 0)
        out = NULL;
    free(json);
    return out ? out : (err_set(err, ERR_INTERNAL, "out of memory"), NULL);
}

char *
notify_ops_webhook_set(trade_app_t *app, int64_t profile_id, const char *url, const char *secret, err_t *err)
{
    char *json = NULL;
    if (notify_repo_webhook_set(app->db, profile_id, url, secret, &json, err) != 0)
        return NULL;
    return s_webhook_reply(json, err);
}

char *
notify_ops_webhook_get(trade_app_t *app, int64_t profile_id, err_t *err)
{
    char *json = NULL;
    if (notify_repo_webhook_get(app->db, profile_id, &json, err) != 0)
        return NULL;
    return s_webhook_reply(json, err);
}

char *
notify_ops_webhook_delete(trade_app_t *app, int64_t profile_id, err_t *err)
{
    int deleted = notify_repo_webhook_delete(app->db, profile_id, err);
    if (deleted < 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"deleted\":%s}", deleted ? "true" : "false") < 0)
        return err_set(err, ERR_INTERNAL, "out of memory"), NULL;
    return out;
}
