/*  audit_repo.c - audit rows of trading changes (see audit_repo.h). */
#include "audit_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>

static const db_statement_t s_statements[] = {
    {"audit_insert",
     "INSERT INTO p2p_admin_audit (admin_user_id, action, profile_id, target, reason, before, after) "
     "VALUES ($1, $2, $3::bigint, $4, $5, $6::jsonb, $7::jsonb)",
     7},
};

const db_statement_t *
audit_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

int
audit_repo_insert(db_t *db, const audit_row_t *row, err_t *err)
{
    char profile[24];
    snprintf(profile, sizeof profile, "%" PRId64, row->profile_id);
    const char *params[] = {row->actor,     row->action, row->profile_id ? profile : NULL,
                            row->target,    row->reason, row->before_json,
                            row->after_json};
    PGresult *res = db_exec(db, "audit_insert", params, 7, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}
