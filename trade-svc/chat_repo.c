/*  chat_repo.c - the SQL of the order chat and attachments (see chat_repo.h). */
#include "chat_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade_sql.h"

/*  m: the message, a: its attachment (or NULLs); V: the viewer's role. */
#define S_MESSAGE_JSON(V)                                                                                  \
    "json_build_object('id', m.id, 'order_id', m.order_id, 'sender', m.sender, 'sender_id', m.sender_id, " \
    "'text', m.text, 'attachment', CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('id', a.id, "   \
    "'content_type', a.content_type, 'size', a.size, 'sha256', a.sha256) END, "                            \
    "'created_at', " TRADE_SQL_TIME("m.created_at") ", 'read_at', " TRADE_SQL_TIME(                        \
        "CASE WHEN " V                                                                                     \
        " = 'buyer' THEN (CASE WHEN m.sender = 'buyer' THEN m.seller_read_at ELSE m.buyer_read_at END) "   \
        "WHEN " V                                                                                          \
        " = 'seller' THEN (CASE WHEN m.sender = 'seller' THEN m.buyer_read_at ELSE m.seller_read_at END) " \
        "WHEN m.sender = 'buyer' THEN m.seller_read_at WHEN m.sender = 'seller' THEN m.buyer_read_at "     \
        "ELSE least(m.buyer_read_at, m.seller_read_at) END") ")"

/*  Unread for the viewer: not theirs, not read by them. */
#define S_UNREAD(V)                                                                                   \
    "(m.sender <> " V " AND ((" V " = 'buyer' AND m.buyer_read_at IS NULL) OR (" V " = 'seller' AND " \
    "m.seller_read_at IS NULL)))"

static const db_statement_t s_statements[] = {
    {"chat_insert",
     "WITH m AS (INSERT INTO p2p_chat_messages (order_id, sender, sender_id, admin_user_id, text, "
     "attachment_id) "
     "VALUES ($1::bigint, $2, $3::bigint, $4, $5, $6::bigint) RETURNING *) "
     "SELECT " S_MESSAGE_JSON("$2") " FROM m LEFT JOIN p2p_attachments a ON a.id = m.attachment_id",
     6},
    /* A party's message in one statement, no transaction around it: the
       caller by user id ($2: their profile, suspension and consent, as
       party_by_user reads them), the order row FOR SHARE (a transition's FOR
       UPDATE waits for it, and it for the transition; two messages do not
       wait for each other), and the insert only when the caller may write,
       is a party, the chat is open (unpaid past its deadline is expired,
       swept or not) and the attachment, if any, is this order's. The one row
       says what each check found: the caller, their side (NULL: not a party),
       the status as judged, the attachment's order, the parties' user ids,
       then the message's JSON (NULL when nothing was written). */
    /* clang-format off */
    {"chat_send",
     "WITH c AS (SELECT p.id, " TRADE_SQL_SUSPENDED("p") " AS suspended, p.has_consent "
         "FROM p2p_profiles p WHERE p.user_id = $2), "
     "o AS (SELECT o.id, "
         "CASE WHEN o.buyer_id = c.id THEN 'buyer' WHEN o.seller_id = c.id THEN 'seller' END AS side, "
         "CASE WHEN o.status = 'PENDING_PAYMENT' AND o.expires_at <= now() THEN 'EXPIRED' "
         "ELSE o.status END AS status, "
         "b.user_id AS buyer_user, s.user_id AS seller_user "
         "FROM c, p2p_orders o JOIN p2p_profiles b ON b.id = o.buyer_id "
         "JOIN p2p_profiles s ON s.id = o.seller_id WHERE o.id = $1::bigint FOR SHARE OF o), "
     "att AS (SELECT order_id FROM p2p_attachments WHERE id = $4::bigint), "
     "m AS (INSERT INTO p2p_chat_messages (order_id, sender, sender_id, text, attachment_id) "
         "SELECT o.id, o.side, c.id, $3, $4::bigint FROM c, o "
         "WHERE c.has_consent AND NOT c.suspended AND o.side IS NOT NULL "
         "AND o.status IN " TRADE_SQL_OPEN_STATUSES " "
         "AND ($4::bigint IS NULL OR (SELECT order_id FROM att) = o.id) RETURNING *) "
     "SELECT c.id, c.suspended, c.has_consent, o.side, o.status, (SELECT order_id FROM att), "
         "o.buyer_user, o.seller_user, "
         "(SELECT " S_MESSAGE_JSON("o.side") " FROM m LEFT JOIN p2p_attachments a ON a.id = m.attachment_id) "
     "FROM (SELECT 1) one LEFT JOIN c ON true LEFT JOIN o ON true",
     4},
    /* clang-format on */
    {"chat_page",
     "WITH page AS (SELECT * FROM p2p_chat_messages WHERE order_id = $1::bigint "
     "AND ($3::bigint IS NULL OR id < $3::bigint) ORDER BY id DESC LIMIT $4::int + 1), "
     "numbered AS (SELECT page.*, row_number() OVER (ORDER BY id DESC) AS n FROM page) "
     "SELECT coalesce(json_agg(" S_MESSAGE_JSON(
         "$2") " ORDER BY m.id) FILTER (WHERE m.n <= $4::int), '[]'), "
               "count(*) > $4::int, (SELECT count(*) FROM p2p_chat_messages m WHERE m.order_id = $1::bigint "
               "AND " S_UNREAD(
                   "$2") ") FROM numbered m LEFT JOIN p2p_attachments a ON a.id = m.attachment_id",
     4},
    {"chat_mark_read",
     "UPDATE p2p_chat_messages m SET "
     "buyer_read_at = CASE WHEN $2 = 'buyer' THEN now() ELSE m.buyer_read_at END, "
     "seller_read_at = CASE WHEN $2 = 'seller' THEN now() ELSE m.seller_read_at END "
     "WHERE m.order_id = $1::bigint AND m.id <= $3::bigint AND " S_UNREAD("$2"),
     3},
    {"chat_all",
     "SELECT coalesce(json_agg(" S_MESSAGE_JSON(
         "'admin'") " ORDER BY m.id), '[]') FROM p2p_chat_messages m "
                    "LEFT JOIN p2p_attachments a ON a.id = m.attachment_id WHERE m.order_id = $1::bigint",
     1},
    {"chat_last_id", "SELECT coalesce(max(id), 0) FROM p2p_chat_messages WHERE order_id = $1::bigint", 1},
    {"chat_attachment_add",
     "INSERT INTO p2p_attachments (order_id, uploader_id, content_type, size, sha256, data) "
     "VALUES ($1::bigint, $2::bigint, $3, length($4::bytea), encode(sha256($4::bytea), 'hex'), $4::bytea) "
     "RETURNING json_build_object('attachment_id', id, 'content_type', content_type, 'size', size, "
     "'sha256', sha256)",
     4},
    {"chat_attachment_counts",
     /* per party: one side filling the order's cap must not shut the other's
        proof of payment (or dispute evidence) out */
     "SELECT (SELECT count(*) FROM p2p_attachments WHERE order_id = $1::bigint AND uploader_id = "
     "$2::bigint), "
     "(SELECT count(*) FROM p2p_attachments WHERE uploader_id = $2::bigint "
     "AND created_at > now() - interval '24 hours')",
     2},
    {"chat_attachment_order", "SELECT order_id FROM p2p_attachments WHERE id = $1::bigint", 1},
    {"chat_attachment_data", "SELECT content_type, data FROM p2p_attachments WHERE id = $1::bigint", 1},
};

const db_statement_t *
chat_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

#define S_ID(buf, v) snprintf(buf, sizeof buf, "%" PRId64, (int64_t) (v))

static char *
s_first(PGresult *res, err_t *err)
{
    char *text = NULL;
    if (res && PQntuples(res) >= 1 && !PQgetisnull(res, 0, 0) && !(text = strdup(PQgetvalue(res, 0, 0))))
        err_set(err, ERR_INTERNAL, "out of memory");
    PQclear(res);
    return text;
}

char *
chat_repo_insert(db_t *db, int64_t order_id, const char *sender, int64_t sender_id, const char *admin_user_id,
                 const char *text, int64_t attachment_id, err_t *err)
{
    char order[24], sid[24], att[24];
    S_ID(order, order_id);
    S_ID(sid, sender_id);
    S_ID(att, attachment_id);
    const char *params[] = {order,         sender, sender_id ? sid : NULL,
                            admin_user_id, text,   attachment_id ? att : NULL};
    return s_first(db_exec(db, "chat_insert", params, 6, err), err);
}

int
chat_repo_send(db_t *db, int64_t order_id, const char *user_id, const char *text, int64_t attachment_id,
               chat_send_t *out, err_t *err)
{
    char order[24], att[24];
    S_ID(order, order_id);
    S_ID(att, attachment_id);
    const char *params[] = {order, user_id, text, attachment_id ? att : NULL};
    memset(out, 0, sizeof *out);
    PGresult *res = db_exec(db, "chat_send", params, 4, err);
    if (!res)
        return -1;
    int rc = 0;
    if (PQntuples(res) == 1) {
        out->caller.profile_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        out->caller.suspended = PQgetvalue(res, 0, 1)[0] == 't';
        out->caller.consent = PQgetvalue(res, 0, 2)[0] == 't';
        out->found = !PQgetisnull(res, 0, 4);
        if (!PQgetisnull(res, 0, 3))
            snprintf(out->side, sizeof out->side, "%s", PQgetvalue(res, 0, 3));
        if (out->found)
            out->status = order_status_from_name(PQgetvalue(res, 0, 4));
        out->attachment_order = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
        snprintf(out->buyer_user_id, sizeof out->buyer_user_id, "%s", PQgetvalue(res, 0, 6));
        snprintf(out->seller_user_id, sizeof out->seller_user_id, "%s", PQgetvalue(res, 0, 7));
        if (!PQgetisnull(res, 0, 8) && !(out->message = strdup(PQgetvalue(res, 0, 8))))
            rc = err_set(err, ERR_INTERNAL, "out of memory");
    }
    else {
        rc = err_set(err, ERR_INTERNAL, "chat_send answered no row");
    }
    PQclear(res);
    return rc;
}

int
chat_repo_page(db_t *db, int64_t order_id, const char *viewer, int64_t before_id, int limit,
               char **messages_json, bool *has_more, int64_t *unread, err_t *err)
{
    char order[24], before[24], slimit[16];
    S_ID(order, order_id);
    S_ID(before, before_id);
    snprintf(slimit, sizeof slimit, "%d", limit);
    const char *params[] = {order, viewer, before_id ? before : NULL, slimit};
    PGresult *res = db_exec(db, "chat_page", params, 4, err);
    if (!res)
        return -1;
    *messages_json = strdup(PQgetvalue(res, 0, 0));
    *has_more = PQgetvalue(res, 0, 1)[0] == 't';
    *unread = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    PQclear(res);
    return *messages_json ? 0 : err_set(err, ERR_INTERNAL, "out of memory");
}

int64_t
chat_repo_mark_read(db_t *db, int64_t order_id, const char *reader, int64_t up_to_id, err_t *err)
{
    char order[24], up_to[24];
    S_ID(order, order_id);
    S_ID(up_to, up_to_id);
    const char *params[] = {order, reader, up_to};
    PGresult *res = db_exec(db, "chat_mark_read", params, 3, err);
    if (!res)
        return -1;
    int64_t n = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return n;
}

int64_t
chat_repo_last_id(db_t *db, int64_t order_id, err_t *err)
{
    char order[24];
    S_ID(order, order_id);
    const char *params[] = {order};
    int64_t id = 0;
    return db_exec_int64(db, "chat_last_id", params, 1, &id, err) == 0 ? id : -1;
}

char *
chat_repo_attachment_add(db_t *db, int64_t order_id, int64_t uploader_id, const char *content_type,
                         const void *data, size_t size, err_t *err)
{
    char order[24], uploader[24];
    S_ID(order, order_id);
    S_ID(uploader, uploader_id);
    const char *params[] = {order, uploader, content_type, data};
    const int lengths[] = {-1, -1, -1, (int) size};
    return s_first(db_exec_binary(db, "chat_attachment_add", params, lengths, 4, err), err);
}

int
chat_repo_attachment_counts(db_t *db, int64_t order_id, int64_t uploader_id, int64_t *on_order,
                            int64_t *by_uploader_today, err_t *err)
{
    char order[24], uploader[24];
    S_ID(order, order_id);
    S_ID(uploader, uploader_id);
    const char *params[] = {order, uploader};
    PGresult *res = db_exec(db, "chat_attachment_counts", params, 2, err);
    if (!res)
        return -1;
    *on_order = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *by_uploader_today = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return 0;
}

int64_t
chat_repo_attachment_order(db_t *db, int64_t attachment_id, err_t *err)
{
    char id[24];
    S_ID(id, attachment_id);
    const char *params[] = {id};
    PGresult *res = db_exec(db, "chat_attachment_order", params, 1, err);
    if (!res)
        return -1;
    int64_t order = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return order;
}

int
chat_repo_attachment_data(db_t *db, int64_t attachment_id, char **content_type, unsigned char **data,
                          size_t *size, err_t *err)
{
    char id[24];
    S_ID(id, attachment_id);
    const char *params[] = {id};
    PGresult *res = db_exec(db, "chat_attachment_data", params, 1, err);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    size_t len = 0;
    unsigned char *raw = PQunescapeBytea((const unsigned char *) PQgetvalue(res, 0, 1), &len);
    *content_type = strdup(PQgetvalue(res, 0, 0));
    *data = raw ? malloc(len ? len : 1) : NULL;
    if (raw && *data)
        memcpy(*data, raw, len);
    PQfreemem(raw);
    PQclear(res);
    if (!*content_type || !*data) {
        free(*content_type);
        free(*data);
        *content_type = NULL;
        *data = NULL;
        return err_set(err, ERR_INTERNAL, "out of memory");
    }
    *size = len;
    return 1;
}

char *
chat_repo_all(db_t *db, int64_t order_id, err_t *err)
{
    char order[24];
    S_ID(order, order_id);
    const char *params[] = {order};
    return s_first(db_exec(db, "chat_all", params, 1, err), err);
}
