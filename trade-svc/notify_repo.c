/*  notify_repo.c - the SQL of notifications, deliveries and webhooks (see notify_repo.h). */
#include "notify_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_param.h"
#include "trade_sql.h"

#define S_NOTIFICATION_JSON                                                                            \
    "json_build_object('id', n.id, 'kind', n.kind, 'title', n.title, 'body', n.body, 'data', n.data, " \
    "'read', n.read_at IS NOT NULL, 'created_at', " TRADE_SQL_TIME("n.created_at") ")"

#define S_WEBHOOK_JSON                                               \
    "json_build_object('url', w.url, 'created_at', " TRADE_SQL_TIME( \
        "w.created_at") ", 'updated_at', " TRADE_SQL_TIME("w.updated_at") ")"

static const db_statement_t s_statements[] = {
    /* the notification and its deliveries in one statement: a webhook for a
       profile that has one; a mail when asked for, SMTP is on ($6 the sender)
       and the profile has an email. The payloads are fixed now, so a retry
       sends the same bytes, Message-ID included. */
    {"notify_add",
     "WITH n AS (INSERT INTO p2p_notifications (profile_id, kind, title, body, data) "
     "VALUES ($1::bigint, $2, $3, $4, $5::jsonb) RETURNING *), "
     "j AS (SELECT n.id, " S_NOTIFICATION_JSON " AS doc FROM n), "
     "p AS (SELECT user_id, email FROM p2p_profiles WHERE id = $1::bigint), "
     "wh AS (INSERT INTO p2p_outbox (notification_id, channel, target, payload, give_up_at) "
     "SELECT j.id, 'webhook', w.url, j.doc::text, now() + make_interval(secs => $7::bigint) "
     "FROM j JOIN p2p_webhooks w ON w.profile_id = $1::bigint RETURNING id), "
     "em AS (INSERT INTO p2p_outbox (notification_id, channel, target, payload, give_up_at) "
     "SELECT j.id, 'email', p.email, json_build_object('from', $6::text, 'to', p.email, 'subject', $3::text, "
     "'text', $4::text, 'message_id', '<notification-' || j.id || '@p2p.invalid>', "
     "'date', to_char(now() AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS \"+0000\"'))::text, "
     "now() + make_interval(secs => $8::bigint) FROM j, p "
     "WHERE $9::boolean AND $6::text IS NOT NULL AND p.email IS NOT NULL AND p.email <> '' RETURNING id) "
     "SELECT j.doc, p.user_id, (SELECT count(*) FROM wh), (SELECT count(*) FROM em) FROM j, p",
     9},
    {"notify_list",
     "WITH page AS (SELECT * FROM p2p_notifications WHERE profile_id = $1::bigint "
     "AND (NOT $2::boolean OR read_at IS NULL) AND ($3::bigint IS NULL OR id < $3::bigint) "
     "ORDER BY id DESC LIMIT $4::int + 1), numbered AS (SELECT page.*, row_number() OVER (ORDER BY id DESC) "
     "AS k "
     "FROM page) SELECT coalesce(json_agg(" S_NOTIFICATION_JSON
     " ORDER BY n.id DESC) FILTER (WHERE n.k <= $4::int), "
     "'[]'), count(*) > $4::int, (SELECT count(*) FROM p2p_notifications WHERE profile_id = $1::bigint "
     "AND read_at IS NULL) FROM numbered n",
     4},
    {"notify_mark_read",
     "UPDATE p2p_notifications SET read_at = now() WHERE profile_id = $1::bigint AND read_at IS NULL "
     "AND ($3::boolean OR id = ANY ($2::bigint[]))",
     3},
    {"notify_webhook_set",
     "INSERT INTO p2p_webhooks AS w (profile_id, url, secret) VALUES ($1::bigint, $2, $3) "
     "ON CONFLICT (profile_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, updated_at = "
     "now() "
     "RETURNING " S_WEBHOOK_JSON,
     3},
    {"notify_webhook_get", "SELECT " S_WEBHOOK_JSON " FROM p2p_webhooks w WHERE w.profile_id = $1::bigint",
     1},
    {"notify_webhook_delete", "DELETE FROM p2p_webhooks WHERE profile_id = $1::bigint", 1},
};

const db_statement_t *
notify_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

#define S_ID(buf, v) snprintf(buf, sizeof buf, "%" PRId64, (int64_t) (v))

int
notify_repo_add(db_t *db, const notify_new_t *n, char **json, char **user_id, err_t *err)
{
    char profile[24], wttl[24], ettl[24];
    S_ID(profile, n->profile_id);
    S_ID(wttl, n->webhook_ttl_s);
    S_ID(ettl, n->email_ttl_s);
    const char *params[] = {profile,
                            n->kind,
                            n->title,
                            n->body,
                            n->data_json ? n->data_json : "{}",
                            n->email_from,
                            wttl,
                            ettl,
                            n->email ? "true" : "false"};
    PGresult *res = db_exec(db, "notify_add", params, 9, err);
    if (!res)
        return -1;
    *json = strdup(PQgetvalue(res, 0, 0));
    *user_id = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (!*json || !*user_id) {
        free(*json);
        free(*user_id);
        *json = *user_id = NULL;
        return err_set(err, ERR_INTERNAL, "out of memory");
    }
    return 0;
}

int
notify_repo_list(db_t *db, int64_t profile_id, bool unread_only, int64_t before_id, int limit,
                 char **list_json, bool *has_more, int64_t *unread_count, err_t *err)
{
    char profile[24], before[24], slimit[16];
    S_ID(profile, profile_id);
    S_ID(before, before_id);
    snprintf(slimit, sizeof slimit, "%d", limit);
    const char *params[] = {profile, unread_only ? "true" : "false", before_id ? before : NULL, slimit};
    PGresult *res = db_exec(db, "notify_list", params, 4, err);
    if (!res)
        return -1;
    *list_json = strdup(PQgetvalue(res, 0, 0));
    *has_more = PQgetvalue(res, 0, 1)[0] == 't';
    *unread_count = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    PQclear(res);
    return *list_json ? 0 : err_set(err, ERR_INTERNAL, "out of memory");
}

int64_t
notify_repo_mark_read(db_t *db, int64_t profile_id, const int64_t *ids, int count, bool all, err_t *err)
{
    char profile[24];
    S_ID(profile, profile_id);
    char *list = db_param_int64_array(ids, count > 0 ? (size_t) count : 0, 0);
    if (!list)
        return err_set(err, ERR_INTERNAL, "out of memory");
    const char *params[] = {profile, list, all ? "true" : "false"};
    PGresult *res = db_exec(db, "notify_mark_read", params, 3, err);
    free(list);
    if (!res)
        return -1;
    int64_t n = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return n;
}

static int
s_json_row(PGresult *res, char **json, err_t *err)
{
    if (!res)
        return -1;
    *json = NULL;
    if (PQntuples(res) == 1 && !(*json = strdup(PQgetvalue(res, 0, 0)))) {
        PQclear(res);
        return err_set(err, ERR_INTERNAL, "out of memory");
    }
    PQclear(res);
    return 0;
}

int
notify_repo_webhook_set(db_t *db, int64_t profile_id, const char *url, const char *secret, char **json,
                        err_t *err)
{
    char profile[24];
    S_ID(profile, profile_id);
    const char *params[] = {profile, url, secret};
    return s_json_row(db_exec(db, "notify_webhook_set", params, 3, err), json, err);
}

int
notify_repo_webhook_get(db_t *db, int64_t profile_id, char **json, err_t *err)
{
    char profile[24];
    S_ID(profile, profile_id);
    const char *params[] = {profile};
    return s_json_row(db_exec(db, "notify_webhook_get", params, 1, err), json, err);
}

int
notify_repo_webhook_delete(db_t *db, int64_t profile_id, err_t *err)
{
    char profile[24];
    S_ID(profile, profile_id);
    const char *params[] = {profile};
    PGresult *res = db_exec(db, "notify_webhook_delete", params, 1, err);
    if (!res)
        return -1;
    int deleted = strtoll(PQcmdTuples(res), NULL, 10) > 0;
    PQclear(res);
    return deleted;
}
