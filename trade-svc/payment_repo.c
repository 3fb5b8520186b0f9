/*  payment_repo.c - the SQL of payment methods and accounts (see payment_repo.h). */
#include "payment_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade_sql.h"

#define S_METHOD_JSON(m)                                                                   \
    "json_build_object('id', " m ".id, 'code', " m ".code, 'name', " m ".name, 'kind', " m \
    ".kind, 'active', " m ".active)"

#define S_ACCOUNT_JSON                                                                                       \
    "json_build_object('id', a.id, 'payment_method', json_build_object('id', m.id, 'code', m.code, 'name', " \
    "m.name, 'kind', m.kind), 'payment_method_id', m.id, 'label', a.label, 'details', a.details, "           \
    "'created_at', " TRADE_SQL_TIME("a.created_at") ")"

static const db_statement_t s_statements[] = {
    {"payment_methods",
     "SELECT coalesce(json_agg(" S_METHOD_JSON("m") " ORDER BY m.id), '[]') FROM p2p_payment_methods m "
                                                    "WHERE m.active OR $1::boolean",
     1},
    {"payment_method_create",
     "INSERT INTO p2p_payment_methods AS m (code, name, kind) VALUES ($1, $2, $3) RETURNING " S_METHOD_JSON(
         "m"),
     3},
    {"payment_method_set_active",
     "WITH old AS (SELECT id, active FROM p2p_payment_methods WHERE id = $1::bigint FOR UPDATE) "
     "UPDATE p2p_payment_methods m SET active = $2::boolean, updated_at = now() FROM old WHERE m.id = old.id "
     "RETURNING " S_METHOD_JSON("m") ", old.active",
     2},
    {"payment_method_active", "SELECT active FROM p2p_payment_methods WHERE id = $1::bigint", 1},
    {"payment_count_active", "SELECT count(*) FROM p2p_payment_methods WHERE active AND id = ANY ($1::int[])",
     1},
    {"payment_account_count", "SELECT count(*) FROM p2p_payment_accounts WHERE profile_id = $1::bigint", 1},
    {"payment_account_create",
     "WITH a AS (INSERT INTO p2p_payment_accounts (profile_id, payment_method_id, label, details) "
     "VALUES ($1::bigint, $2::int, $3, $4::jsonb) RETURNING *) "
     "SELECT " S_ACCOUNT_JSON " FROM a JOIN p2p_payment_methods m ON m.id = a.payment_method_id",
     4},
    {"payment_accounts",
     "SELECT coalesce(json_agg(" S_ACCOUNT_JSON " ORDER BY a.id), '[]') FROM p2p_payment_accounts a "
     "JOIN p2p_payment_methods m ON m.id = a.payment_method_id WHERE a.profile_id = $1::bigint",
     1},
    /* one statement tells deleted, someone else's and missing apart */
    {"payment_account_delete",
     "WITH target AS (SELECT id, profile_id FROM p2p_payment_accounts WHERE id = $2::bigint), "
     "gone AS (DELETE FROM p2p_payment_accounts a USING target t WHERE a.id = t.id "
     "AND t.profile_id = $1::bigint RETURNING a.id) "
     "SELECT (SELECT count(*) FROM target), (SELECT count(*) FROM gone)",
     2},
};

const db_statement_t *
payment_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

static char *
s_text(PGresult *res, err_t *err)
{
    char *text = NULL;
    if (res && PQntuples(res) >= 1 && !PQgetisnull(res, 0, 0) && !(text = strdup(PQgetvalue(res, 0, 0))))
        err_set(err, ERR_INTERNAL, "out of memory");
    PQclear(res);
    return text;
}

char *
payment_repo_methods(db_t *db, bool include_inactive, err_t *err)
{
    const char *params[] = {include_inactive ? "true" : "false"};
    return s_text(db_exec(db, "payment_methods", params, 1, err), err);
}

char *
payment_repo_method_create(db_t *db, const char *code, const char *name, const char *kind, err_t *err)
{
    const char *params[] = {code, name, kind};
    PGresult *res = db_exec(db, "payment_method_create", params, 3, err);
    if (!res && strcmp(db_last_sqlstate(db), "23505") == 0)
        return err_set(err, ERR_CONFLICT, "a payment method with code '%s' exists", code), NULL;
    return res ? s_text(res, err) : NULL;
}

char *
payment_repo_method_set_active(db_t *db, int64_t id, bool active, bool *was_active, bool *found, err_t *err)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, id);
    const char *params[] = {sid, active ? "true" : "false"};
    PGresult *res = db_exec(db, "payment_method_set_active", params, 2, err);
    *found = false;
    if (!res)
        return NULL;
    if (PQntuples(res) == 1) {
        *found = true;
        *was_active = PQgetvalue(res, 0, 1)[0] == 't';
    }
    return s_text(res, err);
}

int
payment_repo_method_active(db_t *db, int64_t id, err_t *err)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, id);
    const char *params[] = {sid};
    PGresult *res = db_exec(db, "payment_method_active", params, 1, err);
    if (!res)
        return -1;
    int active = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return active;
}

int64_t
payment_repo_account_count(db_t *db, int64_t profile_id, err_t *err)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, profile_id);
    const char *params[] = {sid};
    PGresult *res = db_exec(db, "payment_account_count", params, 1, err);
    if (!res)
        return -1;
    int64_t n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

char *
payment_repo_account_create(db_t *db, int64_t profile_id, int64_t method_id, const char *label,
                            const char *details, err_t *err)
{
    char pid[24], mid[24];
    snprintf(pid, sizeof pid, "%" PRId64, profile_id);
    snprintf(mid, sizeof mid, "%" PRId64, method_id);
    const char *params[] = {pid, mid, label, details};
    return s_text(db_exec(db, "payment_account_create", params, 4, err), err);
}

char *
payment_repo_accounts(db_t *db, int64_t profile_id, err_t *err)
{
    char pid[24];
    snprintf(pid, sizeof pid, "%" PRId64, profile_id);
    const char *params[] = {pid};
    return s_text(db_exec(db, "payment_accounts", params, 1, err), err);
}

int
payment_repo_account_delete(db_t *db, int64_t profile_id, int64_t id, err_t *err)
{
    char pid[24], sid[24];
    snprintf(pid, sizeof pid, "%" PRId64, profile_id);
    snprintf(sid, sizeof sid, "%" PRId64, id);
    const char *params[] = {pid, sid};
    PGresult *res = db_exec(db, "payment_account_delete", params, 2, err);
    if (!res)
        return -1;
    int existed = atoi(PQgetvalue(res, 0, 0)), deleted = atoi(PQgetvalue(res, 0, 1));
    PQclear(res);
    return deleted ? PAYMENT_DELETED : existed ? PAYMENT_NOT_OWNER : PAYMENT_NOT_FOUND;
}

int
payment_repo_count_active(db_t *db, const int64_t *ids, int count, err_t *err)
{
    char list[256];
    size_t used = (size_t) snprintf(list, sizeof list, "{");
    for (int i = 0; i < count && used < sizeof list; i++)
        used += (size_t) snprintf(list + used, sizeof list - used, "%s%" PRId64, i ? "," : "", ids[i]);
    if (used < sizeof list)
        snprintf(list + used, sizeof list - used, "}");
    const char *params[] = {list};
    PGresult *res = db_exec(db, "payment_count_active", params, 1, err);
    if (!res)
        return -1;
    int n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}
