/*  admin_repo.h - admin-svc's repository: the only admin-svc file with SQL.
    Every statement is prepared and parameterised (the table below is handed
    to db_new). It runs statements and nothing else: the transaction of a
    change (lock, update, audit row, commit) is admin_ops's, through db_tx.

    Results come back as db_rows_t: profiles checked against the shared
    profile row layout (common/profile_row.h), audit entries against
    admin_json.h's. */
#ifndef P2P_ADMIN_REPO_H
#define P2P_ADMIN_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "admin_json.h"
#include "admin_validate.h"
#include "db.h"
#include "db_rows.h"
#include "err.h"
#include "profile_row.h"

/*  The statements to prepare on every connection (static; do not free). */
const db_statement_t *admin_repo_statements(size_t *count);

/*  A profile by id: 0 or 1 rows (caller destroys), or NULL with err. */
db_rows_t *admin_repo_get(db_t *db, int64_t id, err_t *err);

/*  One page of profiles matching query (newest first) into *rows (caller
    destroys) and the number of all matches into *total. 0, or -1 with err. */
int admin_repo_list(db_t *db, const admin_list_query_t *query, db_rows_t **rows, int64_t *total, err_t *err);

/*  Inside a transaction: the profile by id, its row locked until the
    transaction ends (FOR UPDATE), so the "before" of a change is the truth.
    0 or 1 rows (caller destroys), or NULL with err. */
db_rows_t *admin_repo_lock(db_t *db, int64_t profile_id, err_t *err);

/*  The UPDATE of a validated change (updated_at = now()). The changed
    profile: 0 or 1 rows (caller destroys), or NULL with err. */
db_rows_t *admin_repo_apply(db_t *db, const admin_change_t *change, err_t *err);

/*  The audit row of change by admin_user_id, with the changed fields before
    and after as JSON object text (borrowed). 0, or -1 with err. */
int admin_repo_audit_insert(db_t *db, const char *admin_user_id, const admin_change_t *change,
                            const char *before_json, const char *after_json, err_t *err);

/*  One page of audit entries (newest first) into *rows and the number of all
    matches into *total. 0, or -1 with err. */
int admin_repo_audit(db_t *db, const admin_audit_query_t *query, db_rows_t **rows, int64_t *total,
                     err_t *err);

#endif
