/*  dispute_repo.c - the SQL of disputes and evidence (see dispute_repo.h). */
#include "dispute_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade_sql.h"

// clang-format off
#define S_EVIDENCE_JSON                                                                                         \
    "json_build_object('id', e.id, 'by', e.by_role, 'text', e.text, 'attachment', CASE WHEN a.id IS NULL "       \
    "THEN NULL ELSE json_build_object('id', a.id, 'content_type', a.content_type, 'size', a.size, "              \
    "'sha256', a.sha256) END, 'created_at', " TRADE_SQL_TIME("e.created_at") ")"

#define S_DISPUTE_JSON                                                                                          \
    "json_build_object('id', d.id, 'order_id', d.order_id, 'raised_by', d.raised_by, 'reason', d.reason, "       \
    "'description', d.description, 'status', d.status, 'outcome', d.outcome, 'note', d.note, "                   \
    "'resolved_by', d.resolved_by, 'respond_by', " TRADE_SQL_TIME("d.respond_by") ", "                          \
    "'created_at', " TRADE_SQL_TIME("d.created_at") ", 'resolved_at', " TRADE_SQL_TIME("d.resolved_at") ", "     \
    "'evidence', coalesce((SELECT json_agg(" S_EVIDENCE_JSON " ORDER BY e.id) FROM p2p_dispute_evidence e "     \
    "LEFT JOIN p2p_attachments a ON a.id = e.attachment_id WHERE e.dispute_id = d.id), '[]'))"
// clang-format on

#define S_ROW_COLUMNS "d.id, d.order_id, d.status = 'open', d.raised_by = 'buyer', d.answered_at IS NOT NULL"

static const db_statement_t s_statements[] = {
    {"dispute_insert",
     "INSERT INTO p2p_disputes (order_id, raised_by, raiser_id, reason, description, respond_by) "
     "VALUES ($1::bigint, $2, $3::bigint, $4, $5, now() + make_interval(secs => $6::bigint / 1000.0)) "
     "RETURNING id",
     6},
    {"dispute_by_order", "SELECT " S_ROW_COLUMNS " FROM p2p_disputes d WHERE d.order_id = $1::bigint", 1},
    {"dispute_by_order_lock",
     "SELECT " S_ROW_COLUMNS " FROM p2p_disputes d WHERE d.order_id = $1::bigint FOR UPDATE", 1},
    {"dispute_lock", "SELECT " S_ROW_COLUMNS " FROM p2p_disputes d WHERE d.id = $1::bigint FOR UPDATE", 1},
    {"dispute_evidence_add",
     "WITH e AS (INSERT INTO p2p_dispute_evidence (dispute_id, by_role, author_id, text, attachment_id) "
     "VALUES ($1::bigint, $2, $3::bigint, $4, $5::bigint) RETURNING id) "
     /* an answer counts only before respond_by: a late one is kept as evidence
        but no longer stops the automatic ruling */
     "UPDATE p2p_disputes SET answered_at = CASE WHEN answered_at IS NULL AND now() <= respond_by "
     "THEN now() ELSE answered_at END "
     "WHERE id = $1::bigint AND $6::boolean AND (SELECT count(*) FROM e) = 1",
     6},
    {"dispute_resolve",
     "UPDATE p2p_disputes SET status = 'resolved', outcome = $2, note = $3, resolved_by = $4, "
     "resolver_user_id = $5, resolved_at = now() WHERE id = $1::bigint AND status = 'open' RETURNING id",
     5},
    {"dispute_json", "SELECT " S_DISPUTE_JSON " FROM p2p_disputes d WHERE d.id = $1::bigint", 1},
    {"dispute_due",
     "SELECT id FROM p2p_disputes WHERE status = 'open' AND answered_at IS NULL AND respond_by <= now() "
     "ORDER BY respond_by LIMIT $1::int FOR UPDATE SKIP LOCKED",
     1},
    /* the moderators' queue: open ones first (oldest first), then the rest */
    {"dispute_list",
     "SELECT coalesce(json_agg(x.j ORDER BY x.open DESC, x.created_at, x.id), '[]'), "
     "(SELECT count(*) FROM p2p_disputes WHERE $1::text IS NULL OR status = $1) FROM "
     "(SELECT " S_DISPUTE_JSON
     " AS j, d.status = 'open' AS open, d.created_at, d.id FROM p2p_disputes d "
     "WHERE $1::text IS NULL OR d.status = $1 "
     "ORDER BY d.status = 'open' DESC, d.created_at, d.id LIMIT $2::int OFFSET $3::bigint) x",
     3},
};

const db_statement_t *
dispute_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

#define S_ID(buf, v) snprintf(buf, sizeof buf, "%" PRId64, (int64_t) (v))

int
dispute_repo_insert(db_t *db, int64_t order_id, const char *raised_by, int64_t raiser_id, const char *reason,
                    const char *description, int64_t respond_ms, int64_t *id, bool *exists, err_t *err)
{
    char order[24], raiser[24], respond[24];
    S_ID(order, order_id);
    S_ID(raiser, raiser_id);
    S_ID(respond, respond_ms);
    const char *params[] = {order, raised_by, raiser, reason, description, respond};
    *exists = false;
    PGresult *res = db_exec(db, "dispute_insert", params, 6, err);
    if (!res) {
        *exists = strcmp(db_last_sqlstate(db), "23505") == 0;
        return -1;
    }
    *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

static int
s_row(PGresult *res, dispute_row_t *row)
{
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        row->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        row->order_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        row->open = PQgetvalue(res, 0, 2)[0] == 't';
        row->raised_by_buyer = PQgetvalue(res, 0, 3)[0] == 't';
        row->answered = PQgetvalue(res, 0, 4)[0] == 't';
    }
    PQclear(res);
    return found;
}

int
dispute_repo_by_order(db_t *db, int64_t order_id, bool lock, dispute_row_t *row, err_t *err)
{
    char order[24];
    S_ID(order, order_id);
    const char *params[] = {order};
    return s_row(db_exec(db, lock ? "dispute_by_order_lock" : "dispute_by_order", params, 1, err), row);
}

int
dispute_repo_lock(db_t *db, int64_t id, dispute_row_t *row, err_t *err)
{
    char sid[24];
    S_ID(sid, id);
    const char *params[] = {sid};
    return s_row(db_exec(db, "dispute_lock", params, 1, err), row);
}

int
dispute_repo_evidence_add(db_t *db, int64_t dispute_id, const char *by, int64_t author_id, const char *text,
                          int64_t attachment_id, bool answered, err_t *err)
{
    char sid[24], author[24], att[24];
    S_ID(sid, dispute_id);
    S_ID(author, author_id);
    S_ID(att, attachment_id);
    const char *params[] = {sid, by, author, text, attachment_id ? att : NULL, answered ? "true" : "false"};
    PGresult *res = db_exec(db, "dispute_evidence_add", params, 6, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
dispute_repo_resolve(db_t *db, int64_t id, const char *outcome, const char *note, const char *resolved_by,
                     const char *resolver_user_id, err_t *err)
{
    char sid[24];
    S_ID(sid, id);
    const char *params[] = {sid, outcome, note, resolved_by, resolver_user_id};
    PGresult *res = db_exec(db, "dispute_resolve", params, 5, err);
    if (!res)
        return -1;
    int done = PQntuples(res) == 1;
    PQclear(res);
    return done;
}

char *
dispute_repo_json(db_t *db, int64_t id, bool *found, err_t *err)
{
    char sid[24];
    S_ID(sid, id);
    const char *params[] = {sid};
    PGresult *res = db_exec(db, "dispute_json", params, 1, err);
    *found = false;
    if (!res)
        return NULL;
    char *json = NULL;
    if (PQntuples(res) == 1) {
        *found = true;
        if (!(json = strdup(PQgetvalue(res, 0, 0))))
            err_set(err, ERR_INTERNAL, "out of memory");
    }
    PQclear(res);
    return json;
}

int
dispute_repo_due(db_t *db, int64_t *ids, int max, err_t *err)
{
    char smax[16];
    snprintf(smax, sizeof smax, "%d", max);
    const char *params[] = {smax};
    PGresult *res = db_exec(db, "dispute_due", params, 1, err);
    if (!res)
        return -1;
    int n = PQntuples(res) < max ? PQntuples(res) : max;
    for (int i = 0; i < n; i++)
        ids[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    PQclear(res);
    return n;
}

int
dispute_repo_list(db_t *db, const char *status, int limit, int64_t offset, char **list_json, int64_t *total,
                  err_t *err)
{
    char slimit[16], soffset[24];
    snprintf(slimit, sizeof slimit, "%d", limit);
    S_ID(soffset, offset);
    const char *params[] = {status, slimit, soffset};
    PGresult *res = db_exec(db, "dispute_list", params, 3, err);
    if (!res)
        return -1;
    *list_json = strdup(PQgetvalue(res, 0, 0));
    *total = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return *list_json ? 0 : err_set(err, ERR_INTERNAL, "out of memory");
}
